import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageKind, Pipeline, SigningKey, Tool } from '../src';
import { DownloadServer, startDownloadServer } from './support/download-server';
import { ThrowawayGpg } from './support/gpg';
import { newPlatform, synth } from './support/project';
import { runStage, stageInstructions, StageRun } from './support/tools-stage';
import { REPO_ROOT } from './support/workflows';
import { AWS_CLI_SIGNING_KEY } from '../src/declaration/aws-cli-signing-key';

// The vendors' names for this machine's architecture, as the install scripts pick them with `uname -m`.
const AWS_ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
const K8S_ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';
const AWS_ZIP = `/awscli-exe-linux-${AWS_ARCH}-2.27.50.zip`;
const KUBECTL = `/release/v1.33.3/bin/linux/${K8S_ARCH}/kubectl`;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A stand-in AWS CLI installer zip: `aws/install` puts an `aws` that prints its version into --bin-dir. */
function fakeAwsCliZip(dir: string, version: string): Buffer {
  const root = mkdtempSync(join(dir, 'zip-'));
  mkdirSync(join(root, 'aws'));
  writeFileSync(join(root, 'aws/install'), [
    '#!/bin/sh',
    'set -eu',
    'while [ $# -gt 0 ]; do case "$1" in --install-dir) install_dir=$2; shift 2 ;; --bin-dir) bin_dir=$2; shift 2 ;; *) exit 2 ;; esac; done',
    'mkdir -p "$install_dir" "$bin_dir"',
    `printf '#!/bin/sh\\necho "aws-cli/${version} stand-in"\\n' > "$install_dir/aws"`,
    'chmod 755 "$install_dir/aws"',
    'ln -s "$install_dir/aws" "$bin_dir/aws"',
    '',
  ].join('\n'));
  chmodSync(join(root, 'aws/install'), 0o755);
  execFileSync('zip', ['-q', '-r', '-X', join(root, 'awscliv2.zip'), 'aws'], { cwd: root });
  return readFileSync(join(root, 'awscliv2.zip'));
}

const kubectlBinary = (says: string) => Buffer.from(`#!/bin/sh\necho "Client Version: ${says}"\n`);

/**
 * The generated Dockerfile and signing key file of an image whose tools are
 * declared with a throwaway AWS CLI key and kubectl pinned to the stand-in
 * binary's sha256: the same code paths as the seed's declaration, with values
 * the test controls.
 */
function declareTools(signingKey: SigningKey, kubectlSha256: string) {
  const { project, platform } = newPlatform();
  platform.addImage({
    pipeline: Pipeline.of('ops'),
    kind: ImageKind.DEPLOYMENT,
    repository: 'ops-tools',
    tools: [Tool.awsCliV2({ signingKey }), Tool.kubectl({ sha256: { amd64: kubectlSha256, arm64: kubectlSha256 } })],
  });
  const files = synth(project);
  const instructions = stageInstructions(files['docker/ops/Dockerfile.deployment'], 'tools')
    // apt-get needs the network; the test machine already has curl, gpg and unzip.
    .filter((l) => !l.includes('apt-get'));
  const args = Object.fromEntries(instructions.filter((l) => l.startsWith('ARG ')).map((l) => l.slice(4).split('=') as [string, string]));
  return { instructions, args, context: { [signingKey.path]: files[signingKey.path] as string } };
}

describe('the tools stage installs only downloads it can verify, whatever the server sends', () => {
  const work = mkdtempSync(join(tmpdir(), 'tool-install-'));
  const gpg = new ThrowawayGpg(work);
  let server: DownloadServer;
  let vendor: string;
  let attacker: string;
  let goodZip: Buffer;
  let stage: ReturnType<typeof declareTools>;
  const goodKubectl = kubectlBinary('v1.33.3');

  beforeAll(async () => {
    // GIVEN a vendor key the declaration trusts, an attacker's key, and a server on 127.0.0.1 standing in for both vendors
    vendor = gpg.generate('Stand-in Vendor <vendor@example.com>');
    attacker = gpg.generate('Attacker <attacker@example.com>');
    goodZip = fakeAwsCliZip(work, '2.27.50');
    stage = declareTools(SigningKey.of(vendor, gpg.exportPublic(vendor)), sha256(goodKubectl));
    server = await startDownloadServer();
  });

  afterAll(async () => {
    await server?.stop();
    gpg.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Serves the given downloads (the good ones unless replaced) and runs the stage against the server as its mirror. */
  async function runWith(downloads: Record<string, Buffer>, context: Record<string, string> = stage.context): Promise<StageRun> {
    server.files.clear();
    const zip = join(work, 'good.zip');
    writeFileSync(zip, goodZip);
    const good = { [AWS_ZIP]: goodZip, [`${AWS_ZIP}.sig`]: gpg.detachSign(vendor, zip), [KUBECTL]: goodKubectl };
    for (const [path, body] of Object.entries({ ...good, ...downloads })) {
      server.files.set(path, body);
    }
    const dir = mkdtempSync(join(work, 'run-'));
    return runStage(dir, stage.instructions, context, { ...stage.args, AWS_CLI_MIRROR: server.url, KUBECTL_MIRROR: server.url });
  }

  test('genuine downloads install both tools, which then run', async () => {
    // WHEN the stage runs against genuine downloads
    const run = await runWith({});
    // THEN both tools are installed where the final stage copies them from, and ran
    expect(run.stderr).not.toMatch(/refusing/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('aws-cli/2.27.50 stand-in');
    expect(run.stdout).toContain('Client Version: v1.33.3');
    expect(readlinkSync(join(run.opt, 'tools/bin/aws'))).toBe('/opt/tools/aws-cli/aws');
    expect(existsSync(join(run.opt, 'tools/aws-cli/aws'))).toBe(true);
    expect(existsSync(join(run.opt, 'tools/bin/kubectl'))).toBe(true);
    // Nothing was asked of anyone but the mirror, and no checksum file was fetched.
    expect(server.requested).toEqual([AWS_ZIP, `${AWS_ZIP}.sig`, KUBECTL]);
  });

  test('a tampered AWS CLI zip with the genuine signature is refused before it is unpacked', async () => {
    const tampered = Buffer.concat([goodZip, Buffer.from('appended by a mirror')]);
    const run = await runWith({ [AWS_ZIP]: tampered });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`AWS CLI 2.27.50: the download from ${server.url} is not signed by the AWS CLI key ${vendor}; refusing to install it`);
    expect(existsSync(join(run.opt, 'tools/aws-cli'))).toBe(false);
  });

  test('an AWS CLI zip validly signed by another key is refused', async () => {
    const zip = join(work, 'attacker.zip');
    const other = fakeAwsCliZip(work, '6.6.6');
    writeFileSync(zip, other);
    const run = await runWith({ [AWS_ZIP]: other, [`${AWS_ZIP}.sig`]: gpg.detachSign(attacker, zip) });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`is not signed by the AWS CLI key ${vendor}; refusing to install it`);
    expect(existsSync(join(run.opt, 'tools/aws-cli'))).toBe(false);
  });

  test('a shipped key file that holds another key is refused when imported', async () => {
    const run = await runWith({}, { [SigningKey.of(vendor, gpg.exportPublic(vendor)).path]: gpg.exportPublic(attacker) });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`AWS CLI: /opt/tool-keys/${vendor}.asc does not hold the key ${vendor}`);
  });

  test('a tampered kubectl is refused, also when the server serves a checksum that matches it', async () => {
    const tampered = kubectlBinary('v1.33.3 with a backdoor');
    const run = await runWith({ [KUBECTL]: tampered, [`${KUBECTL}.sha256`]: Buffer.from(sha256(tampered)) });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`kubectl 1.33.3 (${K8S_ARCH}) from ${server.url} does not match the sha256 pinned in .projenrc.ts`);
    expect(existsSync(join(run.opt, 'tools/bin/kubectl'))).toBe(false);
  });
});

describe('the shipped AWS CLI key', () => {
  const work = mkdtempSync(join(tmpdir(), 'aws-key-'));
  const gpg = new ThrowawayGpg(work);
  afterAll(() => {
    gpg.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('is the generated file every tools stage copies, and GnuPG reads the declared fingerprint from it', () => {
    // GIVEN the committed key file
    const path = join(REPO_ROOT, AWS_CLI_SIGNING_KEY.path);
    expect(readFileSync(path, 'utf8')).toMatch(/^# ~~ Generated by projen/);
    // THEN GnuPG finds exactly one key in it, the declared one, with a valid self-signature
    expect(gpg.showFingerprints(path)).toEqual(['FB5DB77FD5C118B80511ADA8A6310ACC4672475C']);
    const check = spawnSync('gpg', ['--homedir', join(work, 'gnupg'), '--batch', '--import', path], { encoding: 'utf8' });
    expect(check.status).toBe(0);
    const sigs = spawnSync('gpg', ['--homedir', join(work, 'gnupg'), '--batch', '--with-colons', '--check-sigs', AWS_CLI_SIGNING_KEY.fingerprint], { encoding: 'utf8' });
    expect(sigs.stdout).toMatch(/^sig:!:/m);
  });
});

describe('tool declarations that cannot be verified fail synth, naming the value and the fix', () => {
  test.each<[string, () => Tool, string]>([
    ['kubectl at another version without its sha256', () => Tool.kubectl({ version: '1.34.0' }),
      'kubectl 1.34.0 has no pinned sha256: give sha256: { amd64, arm64 } from https://dl.k8s.io/release/v1.34.0/bin/linux/<arch>/kubectl.sha256'],
    ['a sha256 that is not one', () => Tool.kubectl({ version: '1.34.0', sha256: { amd64: 'abc', arm64: 'a'.repeat(64) } }),
      'kubectl sha256 for amd64 \'abc\' must be 64 lower-case hex digits'],
    ['a mirror a Dockerfile cannot carry', () => Tool.awsCliV2({ mirror: 'https://mirror.example.com/$(id)' }),
      'AWS CLI v2 mirror \'https://mirror.example.com/$(id)\' must be an http(s) URL without quotes, spaces or \'$\''],
    ['a fingerprint cut short', () => Tool.awsCliV2({ signingKey: SigningKey.of('A6310ACC4672475C', AWS_CLI_SIGNING_KEY.armored) }),
      'signing key fingerprint \'A6310ACC4672475C\' must be the full 40 hex digit fingerprint'],
  ])('%s', (_case, declare, message) => {
    expect(declare).toThrow(message);
  });
});
