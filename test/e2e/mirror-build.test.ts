import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageKind, Pipeline, PythonPackage, ScriptCopy } from '../../src';
import { Buildah } from '../support/buildah';
import { buildDebianBaseImage } from '../support/debian-base-image';
import { serveFolder } from '../support/folder-server';
import { commitSynthesized, git } from '../support/local-checkout';
import { newPlatform } from '../support/project';
import { LocalRegistry, startRegistry } from '../support/registry';
import { registryRequests } from '../support/registry-log';
import { runProjenTask, TaskRun } from '../support/tasks';

// Real builds on vfs storage take tens of seconds each.
jest.setTimeout(10 * 60_000);

const WHEEL = { name: 'mirrorpkg', version: '1.0.0', file: 'mirrorpkg-1.0.0-py3-none-any.whl' };

/** A pure-Python wheel made by hand: one module and the metadata pip reads. */
function buildWheel(dir: string): Buffer {
  const root = mkdtempSync(join(dir, 'wheel-'));
  const info = `${WHEEL.name}-${WHEEL.version}.dist-info`;
  mkdirSync(join(root, WHEEL.name));
  mkdirSync(join(root, info));
  writeFileSync(join(root, WHEEL.name, '__init__.py'), 'SERVED_BY = "the mirror"\n');
  writeFileSync(join(root, info, 'METADATA'), `Metadata-Version: 2.1\nName: ${WHEEL.name}\nVersion: ${WHEEL.version}\n`);
  writeFileSync(join(root, info, 'WHEEL'), 'Wheel-Version: 1.0\nGenerator: e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n');
  writeFileSync(join(root, info, 'RECORD'), `${WHEEL.name}/__init__.py,,\n${info}/METADATA,,\n${info}/WHEEL,,\n${info}/RECORD,,\n`);
  execFileSync('zip', ['-q', '-r', '-X', join(root, WHEEL.file), WHEEL.name, info], { cwd: root });
  return readFileSync(join(root, WHEEL.file));
}

/**
 * A PEP 503 simple index on 127.0.0.1 offering one wheel: a folder laid out as
 * the index, served with its request log.
 */
async function startPipIndex(dir: string, wheel: Buffer): Promise<{ url: string; requested: () => string[]; stop: () => void }> {
  const root = mkdtempSync(join(dir, 'index-'));
  const sha256 = createHash('sha256').update(wheel).digest('hex');
  mkdirSync(join(root, 'simple', WHEEL.name), { recursive: true });
  mkdirSync(join(root, 'files'));
  writeFileSync(join(root, 'files', WHEEL.file), wheel);
  writeFileSync(join(root, 'simple', WHEEL.name, 'index.html'),
    `<!DOCTYPE html><html><body><a href="/files/${WHEEL.file}#sha256=${sha256}">${WHEEL.file}</a></body></html>\n`);
  const server = await serveFolder(dir, root, 'index');
  return { url: `${server.url}/simple`, requested: server.requested, stop: server.stop };
}

/**
 * Two images on a Docker Hub base image, `e2e-python` by its digest, which only
 * the mirror registry has: one installing the wheel only the mirror index
 * offers, one a package no index has.
 */
function declareProject(baseImage: string): string {
  const { project, platform } = newPlatform();
  const common = { pipeline: Pipeline.of('mirror'), baseImage, tools: [], scripts: [ScriptCopy.of('deployment/mirror', '/scripts')] };
  platform.addImage({
    ...common,
    kind: ImageKind.DEPLOYMENT,
    repository: 'mirror-tools',
    pythonPackages: [PythonPackage.of(WHEEL.name, { version: WHEEL.version })],
  });
  platform.addImage({
    ...common,
    kind: ImageKind.custom('missing', { title: 'Missing', sizeWarning: ImageKind.DEPLOYMENT.sizeWarning, freeDiskSpace: false }),
    repository: 'mirror-missing',
    pythonPackages: [PythonPackage.of('no-index-has-it', { version: '1.0.0' })],
  });
  return commitSynthesized(project, { 'deployment/mirror/run.py': 'print("run")\n' }, { message: 'mirror images' });
}

describe('a local build behind a mirror reaches the base image registry and the pip index on 127.0.0.1', () => {
  const work = mkdtempSync(join(tmpdir(), 'e2e-mirror-'));
  const buildah = new Buildah(join(work, 'storage'));
  let mirror: LocalRegistry | undefined;
  let index: Awaited<ReturnType<typeof startPipIndex>> | undefined;
  let dir: string;
  let env: Record<string, string>;

  const task = (name: string, extra: Record<string, string> = {}): TaskRun => runProjenTask(dir, name, [], { ...env, ...extra });
  const fingerprint = (id: string) => spawnSync('bash', ['docker/image-tasks.sh', 'fingerprint', id], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });

  beforeAll(async () => {
    // GIVEN the stand-in python image, without the base image's pip settings, on a mirror registry only
    buildDebianBaseImage(buildah, 'localhost/e2e-python:3.11');
    const container = buildah.run('from', '--pull=never', '--quiet', 'localhost/e2e-python:3.11');
    try {
      buildah.run('run', container, '--', 'python', '-c', 'import os; os.remove("/etc/pip.conf")');
      buildah.run('commit', '--quiet', container, 'localhost/e2e-python-open:3.11');
    } finally {
      buildah.spawn(['rm', container]);
    }
    mirror = await startRegistry(work, { logRequests: true });
    const digestFile = join(work, 'digest');
    buildah.run('push', '--quiet', '--tls-verify=false', '--digestfile', digestFile, 'localhost/e2e-python-open:3.11', `docker://${mirror.host}/library/e2e-python:3.11`);
    buildah.run('rmi', '--force', 'localhost/e2e-python:3.11', 'localhost/e2e-python-open:3.11');
    const digest = readFileSync(digestFile, 'utf8').trim();
    // AND a pip index offering the declared wheel, and the project naming the base image as on Docker Hub
    index = await startPipIndex(work, buildWheel(work));
    dir = declareProject(`e2e-python@${digest}`);
    env = { CONTAINER_ENGINE: 'buildah', IMAGE_REGISTRY: '127.0.0.1:5999', CONTAINERS_REGISTRIES_CONF: mirror.registriesConf, ...buildah.env };
  });

  afterAll(async () => {
    await mirror?.stop();
    index?.stop();
    buildah.removeAll();
    rmSync(work, { recursive: true, force: true });
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the image builds from the mirrors alone, and carries the inputs tag the fingerprint gives without them', () => {
    // WHEN the build runs with the mirrors set for this build only
    const run = task('build-image:mirror-deployment', { BASE_IMAGE_MIRROR: mirror!.host, PIP_INDEX_URL: index!.url });
    if (run.status !== 0) {
      throw new Error(`build failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    // THEN the base image came from the mirror registry by its digest, and the wheel from the mirror index
    expect(run.stdout).toMatch(new RegExp(`STEP 1/\\d+: FROM ${mirror!.host}/library/e2e-python@sha256:[0-9a-f]{64}`));
    expect(registryRequests(mirror!.log()).filter((r) => r.method === 'GET' && r.status === 200).map((r) => r.uri))
      .toContainEqual(expect.stringMatching(/^\/v2\/library\/e2e-python\/manifests\/sha256:/));
    expect(index!.requested()).toEqual(expect.arrayContaining([`/simple/${WHEEL.name}/`, `/files/${WHEEL.file}`]));
    expect(run.stdout).toContain(`Successfully installed ${WHEEL.name}-${WHEEL.version}`);
    // AND the image is named by the inputs the fingerprint computes without any override, and the smoke test passes
    const plain = fingerprint('mirror-deployment');
    expect(plain.status).toBe(0);
    expect(buildah.spawn(['inspect', '--type', 'image', plain.stdout.trim()]).status).toBe(0);
    expect(task('test-image:mirror-deployment').status).toBe(0);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('a failed build leaves no container behind, and its last line names the step that failed', () => {
    // WHEN a build fails at its pip step (the index has no such package)
    const run = task('build-image:mirror-missing', { BASE_IMAGE_MIRROR: mirror!.host, PIP_INDEX_URL: index!.url });
    // THEN no working container is left in the engine's storage
    expect(run.status).not.toBe(0);
    expect(index!.requested()).toContain('/simple/no-index-has-it/');
    expect(buildah.run('containers', '--quiet')).toBe('');
    // AND the task's last line names the step, not only the output above
    const last = run.stderr.trimEnd().split('\n').filter((l) => l.startsWith('image-tasks: ')).pop();
    expect(last).toMatch(/^image-tasks: building 127\.0\.0\.1:5999\/mirror-missing:latest with buildah failed at (\[\d+\/\d+\] )?STEP \d+\/\d+: RUN python -m pip install .*no-index-has-it==.*: the engine's output above says why$/);
  });
});
