import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './support/workflows';
import { PINS_LOCK_FILE, PinsLock, pinsLockViolations, readPinsLock, renderPinsLock } from '../src/pins/lock-file';

const LOCK_PATH = join(REPO_ROOT, PINS_LOCK_FILE);
const committed = (): any => JSON.parse(readFileSync(LOCK_PATH, 'utf8'));

function writeLock(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pins-lock-')), PINS_LOCK_FILE);
  writeFileSync(path, text);
  return path;
}

describe('the committed lock', () => {
  test('passes every rule and is in its canonical form: sorted keys, 2-space indent, trailing newline', () => {
    const text = readFileSync(LOCK_PATH, 'utf8');
    expect(pinsLockViolations(JSON.parse(text))).toEqual([]);
    expect(renderPinsLock(readPinsLock(LOCK_PATH))).toBe(text);
  });

  test('has all four sections filled', () => {
    const lock = readPinsLock(LOCK_PATH);
    expect(Object.keys(lock.actions).length).toBeGreaterThan(0);
    expect(Object.keys(lock.baseImages).length).toBeGreaterThan(0);
    expect(Object.keys(lock.tools).sort()).toEqual(['aws-cli', 'kubectl']);
    expect(Object.keys(lock.pythonPackages).length).toBeGreaterThan(0);
  });
});

describe('renderPinsLock', () => {
  test('sorts keys at every level whatever order they were built in', () => {
    const lock = { pythonPackages: { numpy: { version: '2.4.5' }, mlflow: { version: '3.18.0' } }, tools: {}, lockVersion: 1, baseImages: {}, actions: {} } as PinsLock;
    expect(renderPinsLock(lock)).toBe([
      '{', '  "actions": {},', '  "baseImages": {},', '  "lockVersion": 1,', '  "pythonPackages": {',
      '    "mlflow": {', '      "version": "3.18.0"', '    },', '    "numpy": {', '      "version": "2.4.5"', '    }', '  },',
      '  "tools": {}', '}', '',
    ].join('\n'));
  });
});

describe('a broken lock fails with one line per problem, naming the key and the fix', () => {
  test.each<[string, (lock: any) => void, string]>([
    ['another lock version', (l) => { l.lockVersion = 2; }, 'lockVersion is 2: this project reads lock version 1'],
    ['a missing section', (l) => { delete l.tools; }, 'tools is missing: expected an object (may be empty)'],
    ['an unknown section', (l) => { l.npm = {}; }, 'npm is not part of lock version 1: remove it'],
    ['a short commit', (l) => { l.actions['actions/checkout'].commit = '3d3c42e'; },
      'actions["actions/checkout"].commit is "3d3c42e": expected the full 40-hex commit the tag points to'],
    ['a tag that is not a release', (l) => { l.actions['actions/checkout'].tag = 'v7'; },
      'actions["actions/checkout"].tag is "v7": expected a release tag such as "v7.0.1"'],
    ['an input that is not true or false', (l) => { l.actions['actions/checkout'].inputs.ref = 'yes'; },
      'actions["actions/checkout"].inputs["ref"] is "yes": expected an input name mapped to true (required) or false'],
    ['a key that is not owner/repo', (l) => { l.actions.checkout = l.actions['actions/checkout']; },
      'actions["checkout"]: the key must be \'owner/repo\', e.g. \'actions/checkout\''],
    ['a base image digest without its algorithm', (l) => { l.baseImages['python:3.11-slim'].digest = '90744cff8f32887f075c47d747a173ff333e9e98801667af93c357fa9f5e28ff'; },
      'baseImages["python:3.11-slim"].digest is "90744cff8f32887f075c47d747a173ff333e9e98801667af93c357fa9f5e28ff": expected the index digest "sha256:<64 hex>"'],
    ['a base image keyed with its digest', (l) => { l.baseImages['python@sha256:abc'] = l.baseImages['python:3.11-slim']; },
      'baseImages["python@sha256:abc"]: the key must be the declared image reference with its tag and without a digest, e.g. \'python:3.11-slim\''],
    ['a checksum of the wrong length', (l) => { l.tools.kubectl.sha256.arm64 = 'abc'; },
      'tools["kubectl"].sha256["arm64"] is "abc": expected 64 lower-case hex digits'],
    ['a tool version range', (l) => { l.tools['aws-cli'].version = '2.x'; },
      'tools["aws-cli"].version is "2.x": expected an exact release such as "1.33.3"'],
    ['a Python package keyed by its display name', (l) => { l.pythonPackages.PyYAML = { version: '6.0.3' }; },
      'pythonPackages["PyYAML"]: the key must be the PEP 503 normalized name, e.g. "pyyaml"'],
    ['a Python version specifier', (l) => { l.pythonPackages.mlflow.version = '>=3'; },
      'pythonPackages["mlflow"].version is ">=3": expected an exact version such as "2.19.0"'],
    ['wheels as a list, not per Python', (l) => { l.pythonPackages.mlflow.wheels = ['linux/amd64']; },
      'pythonPackages["mlflow"].wheels is ["linux/amd64"]: expected an object of CPython version → platforms with a wheel, e.g. {"3.11": ["linux/amd64", "linux/arm64"]}'],
    ['wheels keyed by a wheel tag', (l) => { l.pythonPackages.mlflow.wheels = { cp311: ['any'] }; },
      'pythonPackages["mlflow"].wheels["cp311"]: the key must be a CPython major.minor such as \'3.11\''],
    ...[['linux/arm64', 'linux/amd64'], ['any', 'linux/amd64'], ['arm64'], ['linux/amd64', 'linux/amd64']].map((platforms): [string, (lock: any) => void, string] => [
      `wheels ${JSON.stringify(platforms)}`, (l) => { l.pythonPackages.mlflow.wheels = { 3.11: platforms }; },
      `pythonPackages["mlflow"].wheels["3.11"] is ${JSON.stringify(platforms)}: expected ["any"] or the platforms with a wheel, sorted and each once, e.g. ["linux/amd64", "linux/arm64"] ([] for none)`,
    ]),
  ])('%s', (_case, breakIt, line) => {
    // GIVEN the committed lock with one mistake
    const lock = committed();
    breakIt(lock);
    const path = writeLock(JSON.stringify(lock));
    // WHEN it is read
    // THEN it fails with the header naming the file and the fix, and exactly that line
    expect(() => readPinsLock(path)).toThrow(`Invalid ${path} (fix the entry or run \`npx projen upgrade-pins\`):\n  - ${line}`);
    expect(pinsLockViolations(lock)).toEqual([line]);
  });

  test('wheels as an upgrade records them pass', () => {
    const lock = committed();
    lock.pythonPackages.mlflow.wheels = { 3.11: ['any'], 3.12: [] };
    lock.pythonPackages.torch.wheels = { 3.11: ['linux/amd64', 'linux/arm/v7', 'linux/arm64'] };
    expect(pinsLockViolations(lock)).toEqual([]);
  });

  test('a missing file says how to write it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pins-lock-')), PINS_LOCK_FILE);
    expect(() => readPinsLock(path)).toThrow(`${path} is missing: it pins every action, base image, tool and Python package the images use; run \`npx projen upgrade-pins\` to write it`);
  });

  test('a file that is not JSON says so in one line', () => {
    const path = writeLock('{ "lockVersion": 1,');
    expect(() => readPinsLock(path)).toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON \\(.*\\): restore it from git or run \`npx projen upgrade-pins\`$`));
  });
});
