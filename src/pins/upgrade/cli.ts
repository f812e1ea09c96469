import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Fingerprints, renderPlan } from './plan';
import { resolveLock, Sources } from './resolve';
import { PINS_INTENT_PATH, PinsIntent, readPinsIntent } from '../intent';
import { PINS_LOCK_FILE, PinsLock, pinsLockViolations, readPinsLock, renderPinsLock } from '../lock-file';

const USAGE = [
  'usage: npx projen upgrade-pins [--plan-file <path>]',
  '',
  `Resolves every pinned input declared in .projenrc.ts (intent: ${PINS_INTENT_PATH}) against its source,`,
  `rewrites ${PINS_LOCK_FILE}, runs npx projen and prints the plan (Markdown; --plan-file also writes it).`,
  'Sources: PINS_GITHUB_API_URL, PINS_DOCKER_HUB_URL, PINS_KUBERNETES_URL, PINS_PYPI_URL; GITHUB_TOKEN raises GitHub\'s rate limit.',
].join('\n');

/** Where the program writes: tests capture it, the CLI prints it. */
export interface UpgradeIo {
  out(text: string): void;
  err(line: string): void;
}

const EMPTY_LOCK: PinsLock = { lockVersion: 1, actions: {}, baseImages: {}, tools: {}, pythonPackages: {} };

/**
 * `npx projen upgrade-pins`: ask every source, then write the lock at once,
 * re-synthesize, and print which images rebuild. Returns the exit code: 0
 * done (or nothing to upgrade), 1 a source or synthesis failed (the lock as
 * it was), 2 bad usage or a missing intent.
 */
export async function main(argv: readonly string[], io: UpgradeIo, env: NodeJS.ProcessEnv = process.env, root = process.cwd()): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  let planFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--plan-file' && argv[i + 1] !== undefined) {
      planFile = argv[++i];
    } else {
      io.err(`unknown option '${argv[i]}'\n${USAGE}`);
      return 2;
    }
  }
  const lockPath = join(root, PINS_LOCK_FILE);
  let intent: PinsIntent;
  let before: PinsLock;
  let sources: Sources;
  try {
    intent = readPinsIntent(join(root, PINS_INTENT_PATH));
    before = existsSync(lockPath) ? readPinsLock(lockPath) : EMPTY_LOCK;
    sources = Sources.fromEnv(env);
  } catch (error) {
    io.err((error as Error).message);
    return 2;
  }
  const oldText = existsSync(lockPath) ? readFileSync(lockPath) : undefined;
  const fingerprintsBefore = fingerprints(intent, root);
  if (typeof fingerprintsBefore === 'string') {
    io.err(fingerprintsBefore);
    return 1;
  }

  const resolution = await resolveLock(intent, sources);
  if ('errors' in resolution) {
    resolution.errors.forEach((line) => io.err(line));
    io.err(`upgrade-pins: ${resolution.errors.length} source(s) failed; ${PINS_LOCK_FILE} left as it was`);
    return 1;
  }
  const problems = pinsLockViolations(resolution.lock);
  if (problems.length > 0) {
    // A source answered something the lock cannot hold (e.g. a version PEP 440 allows but synthesis does not).
    problems.forEach((p) => io.err(`upgrade-pins: the new lock would break a rule: ${p}`));
    io.err(`upgrade-pins: ${PINS_LOCK_FILE} left as it was`);
    return 1;
  }
  const text = renderPinsLock(resolution.lock);
  const changed = oldText?.toString('utf8') !== text;
  if (changed) {
    writeAtomically(lockPath, text);
  }
  // Always: the plan then describes the files as the lock generates them, even when a generated file had drifted.
  const synth = spawnSync('npx', ['projen'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (synth.status !== 0) {
    // The new lock does not synthesize: put the old one back, so the checkout stays consistent.
    if (changed && oldText === undefined) {
      rmSync(lockPath, { force: true });
    } else if (changed) {
      writeAtomically(lockPath, oldText!);
    }
    io.err(`${synth.stderr.trim()}\nupgrade-pins: npx projen failed${changed ? ` with the new lock; ${PINS_LOCK_FILE} restored` : ''}: fix the error above and run again`);
    return 1;
  }
  const fingerprintsAfter = fingerprints(intent, root);
  if (typeof fingerprintsAfter === 'string') {
    io.err(fingerprintsAfter);
    return 1;
  }
  const plan = renderPlan(intent, before, resolution.lock, fingerprintsBefore, fingerprintsAfter);
  io.out(plan);
  if (planFile) {
    writeAtomically(resolve(root, planFile), plan);
  }
  return 0;
}

/** Writes a file whole or not at all: a temporary file in the same folder, renamed over it. */
export function writeAtomically(path: string, content: string | Buffer): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Each image's inputs tag, from the same bash function the workflows and local tasks run; or the failure's line. */
function fingerprints(intent: PinsIntent, root: string): Fingerprints | string {
  const result: Record<string, string> = {};
  for (const id of Object.keys(intent.images)) {
    // The tag argument only satisfies the script's tag rules on a branch without one; the inputs tag ignores it.
    const run = spawnSync('bash', ['docker/image-tasks.sh', 'fingerprint', id, 'upgrade-pins'], { cwd: root, encoding: 'utf8' });
    const tag = /:(inputs-[0-9a-f]{16})\s*$/.exec(run.stdout ?? '')?.[1];
    if (run.status !== 0 || !tag) {
      return `upgrade-pins: the inputs fingerprint of ${id} failed: ${(run.stderr ?? '').trim().split('\n').pop() ?? ''}`;
    }
    result[id] = tag;
  }
  return result;
}

if (require.main === module) {
  void main(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then((code) => {
    process.exitCode = code;
  });
}
