import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GIT_ENV, git } from './support/git-fixture';
import { ownPlatform } from './support/own-declaration';
import { committedLock, fakeDigest, fakeSha, serveCommittedLock } from './support/pins-fixtures';
import { PinsSourcesServer } from './support/pins-sources-server';
import { cleanEnv, copyProject } from './support/sandbox';
import { REPO_ROOT } from './support/workflows';
import { REUSABLE_WORKFLOW_FILE } from '../src/github/image-steps';
import { PINS_INTENT_PATH, readPinsIntent } from '../src/pins/intent';
import type { PinsLock } from '../src/pins/lock-file';

// `npx projen upgrade-pins` as a person runs it, in a git copy of this checkout,
// against a local server standing for GitHub, Docker Hub, dl.k8s.io and PyPI.
// What it expects follows this repository's declaration (its images, the
// versions it declares, the packages each image installs), so it holds after
// a team's edit of .projenrc.ts.

const IMAGES = ownPlatform().images;
const INTENT = readPinsIntent(join(REPO_ROOT, PINS_INTENT_PATH));
/** The Python versions .projenrc.ts declares: the upgrade writes them into the lock as they are. */
const DECLARED_VERSIONS = Object.fromEntries(Object.entries(INTENT.pythonPackages)
  .filter(([, intent]) => intent.version !== undefined).map(([name, intent]) => [name, { version: intent.version }]));
/** A package the lock pins (the upgrade resolves it) that exactly one image installs, and that image. */
const [ONE_IMAGE_PACKAGE, ONE_IMAGE] = ((): [string, string] => {
  for (const [name, intent] of Object.entries(INTENT.pythonPackages)) {
    const installing = Object.entries(INTENT.images).filter(([, inputs]) => inputs.pythonPackages.includes(name)).map(([id]) => id);
    if (intent.version === undefined && installing.length === 1 && committedLock().pythonPackages[name]) {
      return [name, installing[0]];
    }
  }
  throw new Error('.projenrc.ts declares no image with a locked Python package of its own: this test needs one');
})();
/** An image whose build arguments carry the locked AWS CLI version. */
const AWS_CLI_IMAGE = IMAGES.find((image) => /^AWS_CLI_VERSION=/m.test(readFileSync(join(REPO_ROOT, image.buildArgsFile), 'utf8')))!;
const server = new PinsSourcesServer();
let root: string;
let dir: string;

beforeAll(async () => {
  await server.start();
  root = mkdtempSync(join(tmpdir(), 'upgrade-pins-'));
  dir = copyProject(join(root, 'repo'));
  git(dir, 'init', '--quiet', '--initial-branch', 'main');
  writeFileSync(join(dir, '.git', 'info', 'exclude'), '/node_modules\n');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--message', 'copy');
});

afterAll(async () => {
  await server.stop();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(() => {
  server.faults = [];
  serveCommittedLock(server);
  // PyPI also has each version .projenrc.ts declares (a team's bump, or a package the lock has not seen yet):
  // the upgrade looks them up to record their wheels.
  for (const [name, { version }] of Object.entries(DECLARED_VERSIONS)) {
    server.pypi[name] = { ...server.pypi[name], [version!]: [{ filename: `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`, packagetype: 'bdist_wheel', requires_python: '>=3.9' }] };
  }
});

/** Runs the task as a child process; asynchronously, since the server answering it runs in this process. */
async function upgrade(): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('npx', ['projen', 'upgrade-pins'], {
    cwd: dir, env: cleanEnv({ ...GIT_ENV, ...server.env(), GITHUB_TOKEN: 'ghs_never_printed' }), timeout: 120_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(`${stdout}${stderr}`).not.toContain('ghs_never_printed');
  return { status, stdout, stderr };
}

const fingerprint = (id: string) => /:(inputs-[0-9a-f]{16})$/.exec(
  spawnSync('bash', ['docker/image-tasks.sh', 'fingerprint', id, 'x'], { cwd: dir, encoding: 'utf8' }).stdout.trim())![1];
const lockText = () => readFileSync(join(dir, 'pins.lock.json'), 'utf8');
const lock = (): PinsLock => JSON.parse(lockText());
const changedFiles = () => git(dir, 'status', '--porcelain').split('\n').filter((l) => l !== '').map((l) => l.slice(3)).sort();

function commitAll(message: string): void {
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--allow-empty', '--message', message);
}

const NEW_CHECKOUT = fakeSha('checkout v7.1.0');

/** The sources announce a newer release of actions/checkout's major and a new index for python:3.11-slim. */
function announceUpgrade(): void {
  const locked = server.releases['actions/checkout'].at(-1)!;
  server.releases['actions/checkout'].unshift({ ...locked, tag: 'v7.1.0', commit: NEW_CHECKOUT, annotated: false });
  server.indexes['library/python:3.11-slim']['linux/amd64'] = fakeDigest('python:3.11-slim amd64 2');
}

/** The generated files that, at HEAD, hold any of the values. */
function generatedFilesHolding(values: string[]): string[] {
  const generated: string[] = JSON.parse(readFileSync(join(dir, '.projen', 'files.json'), 'utf8')).files;
  const holding = spawnSync('git', ['grep', '-l', '--fixed-strings', ...values.flatMap((v) => ['-e', v]), 'HEAD', '--', ...generated], { cwd: dir, encoding: 'utf8' });
  return holding.stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/^HEAD:/, ''));
}

test('a failing source leaves the lock byte for byte and the checkout untouched, with one line saying what to do', async () => {
  const before = lockText();
  server.faults = [{ path: /\/releases$/, status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1796223600' } }];
  const run = await upgrade();
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('GitHub API: rate limit exhausted until 2026-12-02T15:00:00.000Z: set GITHUB_TOKEN for a higher limit, or run again after that\n');
  expect(run.stderr).toContain('upgrade-pins: 1 source(s) failed; pins.lock.json left as it was\n');
  expect(run.stdout).toBe('');
  expect(lockText()).toBe(before);
  expect(changedFiles()).toEqual([]);
});

test('against sources announcing the locked releases, only the base image (whose digest is the local registry\'s) changes, and the wheels are recorded', async () => {
  const committed = committedLock();
  const run = await upgrade();
  expect(run.stderr).not.toMatch(/upgrade-pins:/);
  expect(run.status).toBe(0);
  const platforms = { 'linux/amd64': fakeDigest('python:3.11-slim amd64 1'), 'linux/arm64/v8': fakeDigest('python:3.11-slim arm64 1') };
  // The sources serve a pure-Python wheel of each package: the upgrade records it, for the images' CPython 3.11.
  const pythonPackages = Object.fromEntries(Object.entries({ ...committed.pythonPackages, ...DECLARED_VERSIONS })
    .map(([name, p]) => [name, { ...p, wheels: { 3.11: ['any'] } }]));
  expect(lock()).toEqual({ ...committed, pythonPackages, baseImages: { 'python:3.11-slim': { digest: server.indexDigest('library/python:3.11-slim'), platforms } } });
  commitAll('baseline from the local sources');
});

test('one newer action release and one new base image digest: exactly their lock entries and the files rendering them change, and every image rebuilds', async () => {
  const baseline = lock();
  const oldDigest = baseline.baseImages['python:3.11-slim'].digest;
  const oldCheckout = baseline.actions['actions/checkout'];
  const commit = NEW_CHECKOUT;
  announceUpgrade();
  const digest = server.indexDigest('library/python:3.11-slim');
  const expectedFiles = [...new Set(['pins.lock.json', ...generatedFilesHolding([oldCheckout.commit, oldDigest])])].sort();
  // Those are every image's build arguments and Dockerfile (the base image) and every workflow with steps (checkout):
  // the reusable image workflow, which the image workflows call, projen's build workflow and the weekly upgrade.
  expect(expectedFiles).toEqual(expect.arrayContaining([
    ...IMAGES.map((image) => image.buildArgsFile),
    ...IMAGES.filter((image) => image.dockerfileGenerated).map((image) => image.dockerfile),
    `.github/workflows/${REUSABLE_WORKFLOW_FILE}`, '.github/workflows/build.yml', '.github/workflows/upgrade-pins.yml',
  ]));

  const run = await upgrade();
  expect(run.status).toBe(0);

  expect(lock()).toEqual({
    ...baseline,
    actions: { ...baseline.actions, 'actions/checkout': { ...oldCheckout, tag: 'v7.1.0', commit } },
    baseImages: { 'python:3.11-slim': { digest, platforms: { ...baseline.baseImages['python:3.11-slim'].platforms, 'linux/amd64': fakeDigest('python:3.11-slim amd64 2') } } },
  });
  expect(changedFiles()).toEqual(expectedFiles);
  const stale = spawnSync('git', ['grep', '-l', '--fixed-strings', '-e', oldCheckout.commit, '-e', oldDigest, '--', ...expectedFiles], { cwd: dir, encoding: 'utf8' });
  expect(stale.stdout).toBe('');

  const short = (d: string) => d.slice(0, 19);
  for (const { imageId: id } of IMAGES) {
    expect(run.stdout).toMatch(new RegExp(`^- \\*\\*${id}\\*\\* rebuilds: \`inputs-[0-9a-f]{16}\` → \`inputs-[0-9a-f]{16}\`\\n  - base image python:3\\.11-slim: ${short(oldDigest)} → ${short(digest)}$`, 'm'));
  }
  expect(run.stdout).toContain(`- actions/checkout: ${oldCheckout.tag} (${oldCheckout.commit.slice(0, 7)}) → v7.1.0 (${commit.slice(0, 7)}) (workflows only; no image rebuilds for it)\n`);
  commitAll('upgrade');
});

test('a new release of a package only one image installs rebuilds that image and leaves the others promoted', async () => {
  announceUpgrade();
  const version = lock().pythonPackages[ONE_IMAGE_PACKAGE].version;
  const [major, minor] = version.split('.').map(Number);
  const next = `${major}.${minor}.99`;
  server.pypi[ONE_IMAGE_PACKAGE][next] = [{ filename: `${ONE_IMAGE_PACKAGE.replace(/-/g, '_')}-${next}-py3-none-any.whl`, packagetype: 'bdist_wheel', requires_python: '>=3.9' }];

  const run = await upgrade();
  expect(run.status).toBe(0);
  expect(lock().pythonPackages[ONE_IMAGE_PACKAGE]).toEqual({ version: next, wheels: { 3.11: ['any'] } });
  expect(run.stdout).toMatch(new RegExp(`^- \\*\\*${ONE_IMAGE}\\*\\* rebuilds: .*\\n  - python ${ONE_IMAGE_PACKAGE}: ${version.replace(/\./g, '\\.')} → ${next.replace(/\./g, '\\.')}$`, 'm'));
  for (const { imageId: id } of IMAGES.filter((i) => i.imageId !== ONE_IMAGE)) {
    expect(run.stdout).toMatch(new RegExp(`^- \\*\\*${id}\\*\\* stays promoted: its inputs tag stays \`inputs-[0-9a-f]{16}\`$`, 'm'));
  }
  commitAll('one image\'s package');
});

test('when nothing moved, nothing is written and every image stays promoted', async () => {
  announceUpgrade();
  const version = lock().pythonPackages[ONE_IMAGE_PACKAGE].version;
  server.pypi[ONE_IMAGE_PACKAGE][version] = [{ filename: `${ONE_IMAGE_PACKAGE.replace(/-/g, '_')}-${version}-py3-none-any.whl`, packagetype: 'bdist_wheel', requires_python: '>=3.9' }];

  const run = await upgrade();
  expect(run.status).toBe(0);
  expect(changedFiles()).toEqual([]);
  expect(run.stdout.match(/stays promoted/g)).toHaveLength(IMAGES.length);
  expect(run.stdout).toContain('No action pin changed.');
});

test('an image whose generated files had drifted rebuilds, though no pin moved: the plan reads the fingerprints, not the lock', async () => {
  const version = lock().pythonPackages[ONE_IMAGE_PACKAGE].version;
  server.pypi[ONE_IMAGE_PACKAGE][version] = [{ filename: `${ONE_IMAGE_PACKAGE.replace(/-/g, '_')}-${version}-py3-none-any.whl`, packagetype: 'bdist_wheel', requires_python: '>=3.9' }];
  announceUpgrade();
  const args = join(dir, AWS_CLI_IMAGE.buildArgsFile);
  chmodSync(args, 0o644);
  writeFileSync(args, readFileSync(args, 'utf8').replace(/^AWS_CLI_VERSION=.*$/m, 'AWS_CLI_VERSION=2.0.0'));
  const before = fingerprint(AWS_CLI_IMAGE.imageId);

  const run = await upgrade();
  expect(run.status).toBe(0);
  expect(changedFiles()).toEqual([]);
  expect(run.stdout).toContain(`- **${AWS_CLI_IMAGE.imageId}** rebuilds: \`${before}\` → \`${fingerprint(AWS_CLI_IMAGE.imageId)}\` (no pinned input changed: its generated files did)\n`);
  expect(run.stdout.match(/stays promoted/g)).toHaveLength(IMAGES.length - 1);
});

test('a held version without a wheel for an image\'s platform: the upgrade fails with synthesis\'s line and puts the lock back', async () => {
  const before = lockText();
  // A version .projenrc.ts holds, served with a Windows wheel only: no wheel for any Linux platform an image declares.
  const [held, declared] = Object.entries(DECLARED_VERSIONS)[0] ?? [];
  const version = declared?.version;
  const image = IMAGES.find((i) => held !== undefined && INTENT.images[i.imageId]?.pythonPackages.includes(held));
  if (!held || !version || !image) {
    throw new Error('.projenrc.ts holds no Python package version that an image installs: this test needs one');
  }
  server.pypi[held][version] = [{ filename: `${held}-${version}-cp311-cp311-win_amd64.whl`, packagetype: 'bdist_wheel', requires_python: '>=3.9' }];

  const run = await upgrade();
  expect(run.status).toBe(1);
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(run.stderr).toMatch(new RegExp(`^ {2}- image '${image.imageId}' is built for ${escape(image.platforms.map((p) => p.value).join(' and '))}, `
    + `but Python package '${escape(held)}' ${escape(version)} has no wheel for CPython 3\\.11 there \\(pins\\.lock\\.json pythonPackages\\["${escape(held)}"\\]\\.wheels\\["3\\.11"\\]: none\\): `, 'm'));
  expect(run.stderr).toContain('upgrade-pins: npx projen failed with the new lock; pins.lock.json restored: fix the error above and run again\n');
  expect(lockText()).toBe(before);
  expect(changedFiles()).toEqual([]);
});
