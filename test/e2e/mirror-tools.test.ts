import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageKind, Pipeline, ScriptCopy, Tool } from '../../src';
import { Buildah } from '../support/buildah';
import { FolderServer, serveFolder } from '../support/folder-server';
import { commitSynthesized, git } from '../support/local-checkout';
import { newPlatform } from '../support/project';
import { LocalRegistry, startRegistry } from '../support/registry';
import { runProjenTask, TaskRun } from '../support/tasks';
import { REPO_ROOT } from '../support/workflows';

// Real builds on vfs storage take tens of seconds each.
jest.setTimeout(10 * 60_000);

/** Where test/e2e/fetch-tools-rootfs.sh leaves Debian with the tools stage's packages installed. */
const ROOTFS = join(REPO_ROOT, '.cache', 'e2e-tools-rootfs');
const KUBECTL_VERSION = '1.31.4';
const AWS_CLI_VERSION = '2.27.50';

/** A stand-in kubectl: answers `kubectl version --client` as the tools stage runs it. */
const KUBECTL = Buffer.from(`#!/bin/sh\necho "Client Version: v${KUBECTL_VERSION} (stand-in served by the mirror)"\n`);
const KUBECTL_SHA256 = createHash('sha256').update(KUBECTL).digest('hex');

/**
 * The vendors' download layouts on one mirror folder: kubectl for both
 * architectures, and an AWS CLI zip with a signature no AWS key made.
 */
function mirrorFolder(dir: string): string {
  const root = mkdtempSync(join(dir, 'tools-mirror-'));
  for (const arch of ['amd64', 'arm64']) {
    mkdirSync(join(root, `release/v${KUBECTL_VERSION}/bin/linux/${arch}`), { recursive: true });
    writeFileSync(join(root, `release/v${KUBECTL_VERSION}/bin/linux/${arch}/kubectl`), KUBECTL);
  }
  for (const arch of ['x86_64', 'aarch64']) {
    writeFileSync(join(root, `awscli-exe-linux-${arch}-${AWS_CLI_VERSION}.zip`), 'not the AWS CLI');
    writeFileSync(join(root, `awscli-exe-linux-${arch}-${AWS_CLI_VERSION}.zip.sig`), 'not a signature');
  }
  return root;
}

/**
 * Two images on a Debian base image named as on Docker Hub, which only the
 * mirror registry has: one with kubectl pinned to the stand-in's sha256, one
 * with the AWS CLI.
 */
function declareProject(baseImage: string): string {
  const { project, platform } = newPlatform();
  const common = { pipeline: Pipeline.of('mirror'), baseImage, scripts: [ScriptCopy.of('deployment/mirror', '/scripts')] };
  platform.addImage({
    ...common,
    kind: ImageKind.DEPLOYMENT,
    repository: 'mirror-kubectl',
    tools: [Tool.kubectl({ version: KUBECTL_VERSION, sha256: { amd64: KUBECTL_SHA256, arm64: KUBECTL_SHA256 } })],
  });
  platform.addImage({
    ...common,
    kind: ImageKind.custom('awscli', { title: 'AWS CLI', sizeWarning: ImageKind.DEPLOYMENT.sizeWarning, freeDiskSpace: false }),
    repository: 'mirror-awscli',
    tools: [Tool.awsCliV2({ version: AWS_CLI_VERSION })],
  });
  return commitSynthesized(project, { 'deployment/mirror/run.py': 'print("run")\n' }, { message: 'mirror images' });
}

describe('a local build behind a mirror downloads its tools from the mirror on 127.0.0.1, and still checks them', () => {
  const work = mkdtempSync(join(tmpdir(), 'e2e-mirror-tools-'));
  const buildah = new Buildah(join(work, 'storage'));
  let registry: LocalRegistry | undefined;
  let tools: FolderServer | undefined;
  let dir: string;
  let env: Record<string, string>;

  const task = (name: string, extra: Record<string, string> = {}): TaskRun => runProjenTask(dir, name, [], { ...env, ...extra });
  const fingerprint = (id: string, extra: Record<string, string> = {}) =>
    spawnSync('bash', ['docker/image-tasks.sh', 'fingerprint', id], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env, ...extra } });
  const mirrors = (): Record<string, string> => ({ BASE_IMAGE_MIRROR: registry!.host, KUBECTL_MIRROR: tools!.url, AWS_CLI_MIRROR: tools!.url });

  beforeAll(async () => {
    if (!existsSync(join(ROOTFS, 'usr/bin/apt-get'))) {
      throw new Error(`no Debian root file system in ${ROOTFS}: run test/e2e/fetch-tools-rootfs.sh first (.ci/install does); tests do not download`);
    }
    // GIVEN Debian with the tools stage's packages installed and no apt source, on a mirror registry only
    const container = buildah.run('from', 'scratch');
    try {
      buildah.run('copy', '--quiet', container, ROOTFS, '/');
      buildah.run('config', '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', container);
      buildah.run('commit', '--quiet', container, 'localhost/e2e-debian:tools');
    } finally {
      buildah.spawn(['rm', container]);
    }
    registry = await startRegistry(work, { logRequests: true });
    const digestFile = join(work, 'digest');
    buildah.run('push', '--quiet', '--tls-verify=false', '--digestfile', digestFile, 'localhost/e2e-debian:tools', `docker://${registry.host}/library/e2e-debian:tools`);
    buildah.run('rmi', '--force', 'localhost/e2e-debian:tools');
    // AND a tools mirror serving the stand-in downloads, and the project naming the base image as on Docker Hub
    tools = await serveFolder(work, mirrorFolder(work), 'tools-mirror');
    dir = declareProject(`e2e-debian@${readFileSync(digestFile, 'utf8').trim()}`);
    env = { CONTAINER_ENGINE: 'buildah', IMAGE_REGISTRY: '127.0.0.1:5999', CONTAINERS_REGISTRIES_CONF: registry.registriesConf, ...buildah.env };
  });

  afterAll(async () => {
    await registry?.stop();
    tools?.stop();
    buildah.removeAll();
    rmSync(work, { recursive: true, force: true });
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('kubectl comes from the mirror, passes its pinned sha256, and the image carries the fingerprint computed without the mirrors', () => {
    // WHEN the build runs with the mirrors set for this build only
    const run = task('build-image:mirror-deployment', mirrors());
    if (run.status !== 0) {
      throw new Error(`build failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    // THEN kubectl was downloaded from the mirror on 127.0.0.1, checked and run
    const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
    expect(tools!.requested()).toContain(`/release/v${KUBECTL_VERSION}/bin/linux/${arch}/kubectl`);
    expect(run.stdout).toContain('kubectl: OK');
    expect(run.stdout).toContain(`Client Version: v${KUBECTL_VERSION} (stand-in served by the mirror)`);
    // AND the image is named by the fingerprint, which the mirrors do not change
    const plain = fingerprint('mirror-deployment');
    expect(plain.status).toBe(0);
    expect(fingerprint('mirror-deployment', mirrors()).stdout).toBe(plain.stdout);
    expect(buildah.spawn(['inspect', '--type', 'image', plain.stdout.trim()]).status).toBe(0);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  test('an AWS CLI the mirror serves without AWS\'s signature is refused, and no container is left', () => {
    // WHEN the image with the AWS CLI builds from the mirror, which cannot sign as AWS
    const run = task('build-image:mirror-awscli', mirrors());
    // THEN both downloads came from the mirror, and the stage's signature check stops the build with its one line
    expect(run.status).not.toBe(0);
    const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
    expect(tools!.requested()).toEqual(expect.arrayContaining([
      `/awscli-exe-linux-${arch}-${AWS_CLI_VERSION}.zip`, `/awscli-exe-linux-${arch}-${AWS_CLI_VERSION}.zip.sig`,
    ]));
    expect(`${run.stdout}\n${run.stderr}`).toContain(
      `AWS CLI ${AWS_CLI_VERSION}: the download from ${tools!.url} is not signed by the AWS CLI key FB5DB77FD5C118B80511ADA8A6310ACC4672475C; refusing to install it`);
    expect(buildah.run('containers', '--quiet')).toBe('');
  });
});
