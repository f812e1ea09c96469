import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { ANY_PLATFORM, normalizeWheelPlatforms } from './wheel-platforms';
import { DeclarationError } from '../declaration/violations';

/** The lock's file name, at the root of the project (like package-lock.json). */
export const PINS_LOCK_FILE = 'pins.lock.json';

/** How a stale or missing pin is fixed. */
export const UPGRADE_PINS_FIX = 'run `npx projen upgrade-pins`';

/** What each pinned input resolved to; `.projenrc.ts`/src declare the intent (a major, a tag, a package). */
export interface PinsLock {
  /** Bumped when the shape changes. */
  readonly lockVersion: 1;
  /** By `owner/repo`. */
  readonly actions: Record<string, LockedAction>;
  /** By the declared reference, e.g. `python:3.11-slim`. */
  readonly baseImages: Record<string, LockedBaseImage>;
  /** By tool id: `aws-cli`, `kubectl`. */
  readonly tools: Record<string, LockedTool>;
  /** By normalized PyPI name (PEP 503), e.g. `mlflow`. */
  readonly pythonPackages: Record<string, LockedPythonPackage>;
}

/** One release of a GitHub action. */
export interface LockedAction {
  /** The release tag, e.g. `v7.0.1`. */
  readonly tag: string;
  /** The full 40-hex commit the tag points to. */
  readonly commit: string;
  /** `runs.using` of that release's action.yml, e.g. `node24`, `composite`. */
  readonly runs: string;
  /** Every input of that release's action.yml: name → whether it is required (required: true and no default). */
  readonly inputs: Record<string, boolean>;
}

/** A multi-platform base image. */
export interface LockedBaseImage {
  /** The multi-platform index digest, `sha256:<64 hex>`. */
  readonly digest: string;
  /** The manifest digest of each platform in the index, e.g. `linux/amd64`. */
  readonly platforms: Record<string, string>;
}

/** A tool installed from its vendor's release. */
export interface LockedTool {
  /** The exact release, e.g. `2.27.50`, `1.33.3`. */
  readonly version: string;
  /**
   * Published sha256 per architecture (`amd64`, `arm64`), where the tool is verified by checksum.
   * @default - none (verified otherwise, e.g. AWS CLI by PGP signature)
   */
  readonly sha256?: Record<string, string>;
}

/** A Python distribution. */
export interface LockedPythonPackage {
  /** The exact version, e.g. `2.19.0`. */
  readonly version: string;
  /**
   * Per CPython `major.minor` of the images that install it (e.g. `3.11`): the
   * platforms that version has a wheel for, from the wheels' file names
   * (`["any"]` for a pure-Python wheel, `["linux/amd64", "linux/arm64"]`,
   * `[]` for a source distribution only), sorted. Synthesis refuses an image
   * with a platform its Python's list lacks.
   * @default - not recorded: synthesis cannot tell, and accepts (README, "Images for several platforms")
   * @see https://packaging.python.org/en/latest/specifications/platform-compatibility-tags/
   */
  readonly wheels?: Record<string, string[]>;
}

const SECTIONS = ['actions', 'baseImages', 'pythonPackages', 'tools'] as const;
const ACTION = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const TAG = /^v\d+\.\d+\.\d+$/;
const COMMIT = /^[0-9a-f]{40}$/;
const RUNS = /^(node\d+|composite|docker)$/;
const INPUT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
const TOOL_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const TOOL_VERSION = /^\d+\.\d+\.\d+$/;
const ARCH = /^[a-z0-9_]+$/;
const SHA256 = /^[0-9a-f]{64}$/;
// PEP 503 normalized: lower case, runs of '-', '_', '.' as one '-'.
const PYPI_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
// An exact version (PEP 440 public version, no specifier).
const PY_VERSION = /^[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?$/;
const PYTHON = /^[0-9]+\.[0-9]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One line per rule `value` breaks; `where` names the key, e.g. `actions["actions/checkout"].commit`. */
function check(problems: string[], where: string, value: unknown, rule: RegExp, expected: string): void {
  if (typeof value !== 'string' || !rule.test(value)) {
    problems.push(`${where} is ${JSON.stringify(value) ?? 'missing'}: expected ${expected}`);
  }
}

function unknownKeys(problems: string[], where: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value).filter((k) => !known.includes(k))) {
    problems.push(`${where}${where ? '.' : ''}${key} is not part of lock version 1: remove it`);
  }
}

function entries(problems: string[], lock: Record<string, unknown>, section: string): Array<[string, Record<string, unknown>]> {
  const value = lock[section];
  if (!isRecord(value)) {
    problems.push(`${section} is ${JSON.stringify(value) ?? 'missing'}: expected an object (may be empty)`);
    return [];
  }
  return Object.entries(value).flatMap(([key, entry]) => {
    if (!isRecord(entry)) {
      problems.push(`${section}[${JSON.stringify(key)}] is ${JSON.stringify(entry)}: expected an object`);
      return [];
    }
    return [[key, entry] as [string, Record<string, unknown>]];
  });
}

/**
 * Every rule the parsed lock breaks, one line each, naming the key: the
 * writer (upgrade task) checks what it is about to write with the same rules
 * the reader applies.
 */
export function pinsLockViolations(lock: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(lock)) {
    return [`the lock is ${JSON.stringify(lock)}: expected a JSON object with lockVersion, ${SECTIONS.join(', ')}`];
  }
  if (lock.lockVersion !== 1) {
    problems.push(`lockVersion is ${JSON.stringify(lock.lockVersion) ?? 'missing'}: this project reads lock version 1`);
  }
  unknownKeys(problems, '', lock, ['lockVersion', ...SECTIONS]);
  for (const [name, a] of entries(problems, lock, 'actions')) {
    const where = `actions[${JSON.stringify(name)}]`;
    if (!ACTION.test(name)) problems.push(`${where}: the key must be 'owner/repo', e.g. 'actions/checkout'`);
    check(problems, `${where}.tag`, a.tag, TAG, 'a release tag such as "v7.0.1"');
    check(problems, `${where}.commit`, a.commit, COMMIT, 'the full 40-hex commit the tag points to');
    check(problems, `${where}.runs`, a.runs, RUNS, 'runs.using of the action.yml, e.g. "node24" or "composite"');
    if (!isRecord(a.inputs)) {
      problems.push(`${where}.inputs is ${JSON.stringify(a.inputs) ?? 'missing'}: expected an object of input name → required (true/false)`);
    } else {
      for (const [input, required] of Object.entries(a.inputs)) {
        if (!INPUT.test(input) || typeof required !== 'boolean') {
          problems.push(`${where}.inputs[${JSON.stringify(input)}] is ${JSON.stringify(required)}: expected an input name mapped to true (required) or false`);
        }
      }
    }
    unknownKeys(problems, where, a, ['commit', 'inputs', 'runs', 'tag']);
  }
  for (const [ref, b] of entries(problems, lock, 'baseImages')) {
    const where = `baseImages[${JSON.stringify(ref)}]`;
    if (!IMAGE_REF.test(ref)) problems.push(`${where}: the key must be the declared image reference with its tag and without a digest, e.g. 'python:3.11-slim'`);
    check(problems, `${where}.digest`, b.digest, DIGEST, 'the index digest "sha256:<64 hex>"');
    if (!isRecord(b.platforms) || Object.keys(b.platforms).length === 0) {
      problems.push(`${where}.platforms is ${JSON.stringify(b.platforms) ?? 'missing'}: expected the manifest digest of each platform, e.g. {"linux/amd64": "sha256:..."}`);
    } else {
      for (const [platform, digest] of Object.entries(b.platforms)) {
        if (!PLATFORM.test(platform)) problems.push(`${where}.platforms[${JSON.stringify(platform)}]: the key must be a platform such as 'linux/amd64'`);
        check(problems, `${where}.platforms[${JSON.stringify(platform)}]`, digest, DIGEST, 'a manifest digest "sha256:<64 hex>"');
      }
    }
    unknownKeys(problems, where, b, ['digest', 'platforms']);
  }
  for (const [id, t] of entries(problems, lock, 'tools')) {
    const where = `tools[${JSON.stringify(id)}]`;
    if (!TOOL_ID.test(id)) problems.push(`${where}: the key must be a tool id such as 'kubectl'`);
    check(problems, `${where}.version`, t.version, TOOL_VERSION, 'an exact release such as "1.33.3"');
    if (t.sha256 !== undefined) {
      if (!isRecord(t.sha256)) {
        problems.push(`${where}.sha256 is ${JSON.stringify(t.sha256)}: expected an object of architecture → sha256, e.g. {"amd64": "<64 hex>"}`);
      } else {
        for (const [arch, sum] of Object.entries(t.sha256)) {
          if (!ARCH.test(arch)) problems.push(`${where}.sha256[${JSON.stringify(arch)}]: the key must be an architecture such as 'amd64'`);
          check(problems, `${where}.sha256[${JSON.stringify(arch)}]`, sum, SHA256, '64 lower-case hex digits');
        }
      }
    }
    unknownKeys(problems, where, t, ['sha256', 'version']);
  }
  for (const [name, p] of entries(problems, lock, 'pythonPackages')) {
    const where = `pythonPackages[${JSON.stringify(name)}]`;
    if (!PYPI_NAME.test(name)) problems.push(`${where}: the key must be the PEP 503 normalized name, e.g. ${JSON.stringify(normalizePythonName(name))}`);
    check(problems, `${where}.version`, p.version, PY_VERSION, 'an exact version such as "2.19.0"');
    if (p.wheels !== undefined) {
      wheelsViolations(problems, `${where}.wheels`, p.wheels);
    }
    unknownKeys(problems, where, p, ['version', 'wheels']);
  }
  return problems;
}

function wheelsViolations(problems: string[], where: string, wheels: unknown): void {
  if (!isRecord(wheels)) {
    problems.push(`${where} is ${JSON.stringify(wheels)}: expected an object of CPython version → platforms with a wheel, e.g. {"3.11": ["linux/amd64", "linux/arm64"]}`);
    return;
  }
  for (const [python, platforms] of Object.entries(wheels)) {
    const at = `${where}[${JSON.stringify(python)}]`;
    if (!PYTHON.test(python)) {
      problems.push(`${at}: the key must be a CPython major.minor such as '3.11'`);
    }
    const valid = Array.isArray(platforms) && platforms.every((p) => typeof p === 'string' && (p === ANY_PLATFORM || PLATFORM.test(p)));
    if (!valid || !isDeepStrictEqual(platforms, normalizeWheelPlatforms(platforms as string[]))) {
      problems.push(`${at} is ${JSON.stringify(platforms)}: expected ["any"] or the platforms with a wheel, sorted and each once, e.g. ["linux/amd64", "linux/arm64"] ([] for none)`);
    }
  }
}

/**
 * Reads and validates the lock. A missing file, bad JSON or any rule broken
 * fails with one line per problem, naming the key and the fix.
 */
export function readPinsLock(path: string): PinsLock {
  if (!existsSync(path)) {
    throw new DeclarationError(`${path} is missing: it pins every action, base image, tool and Python package the images use; ${UPGRADE_PINS_FIX} to write it`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DeclarationError(`${path} is not valid JSON (${(e as Error).message}): restore it from git or ${UPGRADE_PINS_FIX}`);
  }
  const problems = pinsLockViolations(parsed);
  if (problems.length > 0) {
    throw new DeclarationError(`Invalid ${path} (fix the entry or ${UPGRADE_PINS_FIX}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return parsed as PinsLock;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (isRecord(value)) {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys(value[key])]));
  }
  return value;
}

/** The lock's file text: keys sorted at every level, 2-space indent, trailing newline. */
export function renderPinsLock(lock: PinsLock): string {
  return `${JSON.stringify(sortKeys(lock), undefined, 2)}\n`;
}

/** The PEP 503 normalized form of a distribution name: the lock's key. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
