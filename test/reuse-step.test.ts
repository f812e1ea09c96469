import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageStep } from './support/image-job';
import { FIXTURE_REGION, FIXTURE_REGISTRY, imageJobFixture } from './support/image-job-fixture';
import { LocalRegistry, startRegistry, TEST_LOGIN } from './support/registry';
import { deleteManifest, getManifest, putBlob, putManifest, sha256 } from './support/registry-api';
import { registryRequests } from './support/registry-log';
import { runStep, StepRun } from './support/runner';
import { libraryCall } from '../src/github/image-steps';

// The image job generated for the fixture declaration; its training image's repository.
const { files } = imageJobFixture();
const REPOSITORY = 'demo-training-tools';
const INPUTS_TAG = 'inputs-0123456789abcdef';
const BUILT_FROM = 'c0ffee0000000000000000000000000000000042';
const MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const REVISION_LABEL = 'org.opencontainers.image.revision';

/** A step of the image job, with the environment the fixture's training workflow gives it. */
function stepOf(id: string): { run: string; env: Record<string, string> } {
  const step = imageStep('demo-build-training-image.yaml', id, {}, files);
  return { run: step.run, env: step.env };
}

/**
 * A stand-in `aws` that answers `ecr get-login-password` with the registry's
 * token, as the AWS CLI does for the assumed role, and records each call; with
 * `fail`, it fails as the CLI does without credentials.
 */
function loginAws(dir: string, behaviour: { fail?: boolean } = {}): { path: string; calls: () => string[] } {
  const log = join(dir, 'aws-calls');
  writeFileSync(join(dir, 'aws'), [
    '#!/usr/bin/env bash',
    `printf '%s\\n' "$*" >> '${log}'`,
    '[[ "$1 $2" == "ecr get-login-password" ]] || { echo "aws: unexpected call: $*" >&2; exit 252; }',
    behaviour.fail
      ? 'echo "Unable to locate credentials. You can configure credentials by running \\"aws configure\\"." >&2; exit 253'
      : `printf '%s\\n' '${TEST_LOGIN.password}'`,
    '',
  ].join('\n'));
  chmodSync(join(dir, 'aws'), 0o755);
  return { path: `${dir}:${process.env.PATH}`, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('the reuse step, run as the runner runs it, against a registry that wants ECR\'s login', () => {
  const step = stepOf('reuse');
  let work: string;
  let registry: LocalRegistry | undefined;
  let built: { digest: string; bytes: string };

  beforeAll(async () => {
    // GIVEN a registry accepting only `AWS` and the login token, holding an image built earlier from
    // the same inputs (its inputs tag), labelled with the commit it was built from
    work = mkdtempSync(join(tmpdir(), 'reuse-step-'));
    mkdirSync(join(work, 'registry'));
    registry = await startRegistry(join(work, 'registry'), { htpasswd: TEST_LOGIN.htpasswd, logRequests: true });
    const auth = { username: TEST_LOGIN.username, password: TEST_LOGIN.password };
    const configText = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      config: { Labels: { 'org.opencontainers.image.revision': BUILT_FROM } },
    });
    const config = await putBlob(registry.host, REPOSITORY, configText, auth);
    // Spacing no serializer reproduces: only a byte-for-byte copy keeps the digest.
    const bytes = `{"schemaVersion": 2,  "mediaType": "${MEDIA_TYPE}", "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "${config}", "size": ${configText.length}}, "layers": []}\n`;
    built = { digest: await putManifest(registry.host, REPOSITORY, INPUTS_TAG, bytes, MEDIA_TYPE, auth), bytes };
  }, 30_000);
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Runs the step for `tag` and returns the run and the registry requests it made. */
  const reuse = (env: Record<string, string>, aws = loginAws(mkdtempSync(join(work, 'aws-')))): { run: StepRun; requests: string[]; aws: string[] } => {
    const mark = registry!.log().length;
    const run = runStep(step.run, {
      ...step.env,
      INPUTS_TAG,
      REBUILD: 'false',
      ECR_REGISTRY: registry!.host,
      ...env,
    }, { path: aws.path });
    return { run, requests: registryRequests(registry!.log().slice(mark)).map((r) => `${r.method} ${r.uri}`), aws: aws.calls() };
  };
  const auth = { username: TEST_LOGIN.username, password: TEST_LOGIN.password };

  test('promotes the earlier build to the wanted tag: the very manifest bytes, so the same digest, and says what it did', async () => {
    // WHEN a release of the same inputs runs
    const { run, aws } = reuse({ IMAGE_TAG: 'v1.0.0' });
    // THEN it promoted, logged in with the token (masked in the log), and v1.0.0 serves the built manifest byte for byte
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({ promoted: 'true', digest: built.digest, built_from: BUILT_FROM });
    expect(aws).toEqual([`ecr get-login-password --region ${FIXTURE_REGION} --cli-connect-timeout 10 --cli-read-timeout 30`]);
    expect(run.stdout).toContain(`::add-mask::${TEST_LOGIN.password}\n`);
    expect(run.stdout).toContain(`Promoted ${built.digest} (${INPUTS_TAG}, built from ${BUILT_FROM}) to v1.0.0: nothing to build`);
    const served = await getManifest(registry!.host, REPOSITORY, 'v1.0.0', auth);
    expect(served.bytes.toString('utf8')).toBe(built.bytes);
    expect(served.digest).toBe(sha256(built.bytes));
  });

  test.each<[string, Record<string, string>, string]>([
    ['built from uncommitted files on a laptop', { 'org.opencontainers.image.revision': `${BUILT_FROM}-dirty` }, `${BUILT_FROM}-dirty`],
    ['without a revision label', {}, '\'\''],
    ['with a short commit', { 'org.opencontainers.image.revision': BUILT_FROM.slice(0, 7) }, BUILT_FROM.slice(0, 7)],
    ['with a label that would inject outputs', { 'org.opencontainers.image.revision': `${BUILT_FROM}\npromoted=true` }, `$'${BUILT_FROM}\\npromoted=true'`],
  ])('an image of these inputs %s is not promoted: the run builds, saying why in one line', async (_what, labels, shown) => {
    // GIVEN the inputs tag names an image whose revision label is no commit CI built
    const inputsTag = 'inputs-00000000000000d1';
    const configText = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Labels: labels } });
    const config = await putBlob(registry!.host, REPOSITORY, configText, auth);
    const bytes = `{"schemaVersion":2,"mediaType":"${MEDIA_TYPE}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${config}","size":${configText.length}},"layers":[]}`;
    const digest = await putManifest(registry!.host, REPOSITORY, inputsTag, bytes, MEDIA_TYPE, auth);
    // WHEN a run of the same inputs looks for it
    const { run, requests } = reuse({ IMAGE_TAG: 'v1.5.0', INPUTS_TAG: inputsTag });
    // THEN it leaves the run to build: no output, no write, and one line naming the image and its label
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.outputs).toEqual({});
    expect(requests.filter((r) => r.startsWith('PUT'))).toEqual([]);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('Not promoting'))).toEqual([
      `Not promoting ${inputsTag} (${digest}): its org.opencontainers.image.revision label ${shown} is not a commit CI built (40 hex digits): building`,
    ]);
  });

  test('a second promotion of the same image writes nothing', () => {
    const { run, requests } = reuse({ IMAGE_TAG: 'v1.0.0' });
    expect(run.status).toBe(0);
    expect(run.outputs.digest).toBe(built.digest);
    expect(requests.filter((r) => r.startsWith('PUT'))).toEqual([]);
  });

  test('with provenance enabled, the step before the verification names the image a promotion would take and promotes nothing', () => {
    // The candidate step reads what the reuse step reads (test/provenance-workflows.test.ts).
    const mark = registry!.log().length;
    const run = runStep(libraryCall('ecr.sh', 'reuse_candidate_step'), { ...step.env, INPUTS_TAG, REBUILD: 'false', ECR_REGISTRY: registry!.host, IMAGE_TAG: 'v1.2.0' },
      { path: loginAws(mkdtempSync(join(work, 'aws-'))).path });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({ digest: built.digest, built_from: BUILT_FROM });
    expect(registryRequests(registry!.log().slice(mark)).filter((r) => r.method !== 'HEAD' && r.method !== 'GET')).toEqual([]);
  });

  test.each<[string, () => string, boolean]>([
    ['the verified digest', () => built.digest, true],
    ['another digest than the verified one (the inputs tag moved since)', () => `sha256:${'0'.repeat(64)}`, false],
  ])('with provenance enabled, the reuse step promotes only the digest whose provenance was verified: %s', async (_case, verified, promotes) => {
    const { run, requests } = reuse({ IMAGE_TAG: promotes ? 'v1.3.0' : 'v1.4.0', VERIFIED_DIGEST: verified() });
    expect(run.status).toBe(promotes ? 0 : 1);
    expect(run.outputs).toEqual(promotes ? { promoted: 'true', digest: built.digest, built_from: BUILT_FROM } : {});
    expect(run.stderr).toBe(promotes ? '' : `::error title=Inputs tag moved::${INPUTS_TAG} moved from ${verified()}, whose provenance was verified, to ${built.digest}: run the job again\n`);
    expect(requests.filter((r) => r.startsWith('PUT'))).toHaveLength(promotes ? 1 : 0);
  });

  test('a hostile revision label changes no output and starts no line of the log: the image is built again, not promoted', async () => {
    // GIVEN an image of other inputs whose revision label carries a line break and forged outputs
    const forged = `sha256:${'e'.repeat(64)}`;
    const configText = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
      config: { Labels: { 'org.opencontainers.image.revision': `${BUILT_FROM}\npromoted=false\ndigest=${forged}\n::error::injected` } },
    });
    const config = await putBlob(registry!.host, REPOSITORY, configText, auth);
    const bytes = `{"schemaVersion":2,"mediaType":"${MEDIA_TYPE}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${config}","size":${configText.length}},"layers":[]}`;
    const hostile = await putManifest(registry!.host, REPOSITORY, 'inputs-00000000000000ff', bytes, MEDIA_TYPE, auth);
    // WHEN the reuse step finds it under the inputs tag
    const { run, requests } = reuse({ IMAGE_TAG: 'v1.1.0', INPUTS_TAG: 'inputs-00000000000000ff' });
    // THEN nothing is promoted or output, and the label, escaped on the one line that names it,
    // opens no line of the log: no forged output, no workflow command
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({});
    expect(requests.filter((r) => r.startsWith('PUT'))).toEqual([]);
    expect(run.stdout).toContain(`Not promoting inputs-00000000000000ff (${hostile})`);
    // The login token's mask is the one workflow command the step writes.
    expect(`${run.stdout}${run.stderr}`.split('\n').filter((line) => /^(promoted|digest)=|^::(?!add-mask::)/.test(line))).toEqual([]);
  });

  test('without an image of these inputs, it leaves the run to build: no promotion, no write', () => {
    const { run, requests } = reuse({ IMAGE_TAG: 'v2.0.0', INPUTS_TAG: 'inputs-fedcba9876543210' });
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({});
    expect(run.stdout).toContain('No image of these inputs yet (inputs-fedcba9876543210): building it');
    expect(requests.filter((r) => !r.startsWith('HEAD'))).toEqual([]);
  });

  test('a rebuild asked for on a dispatch skips the lookup: no login, no request', () => {
    const { run, requests, aws } = reuse({ IMAGE_TAG: 'latest', REBUILD: 'true' });
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({});
    expect(run.stdout).toContain(`Rebuild requested: building, whether or not ${INPUTS_TAG} exists`);
    expect(aws).toEqual([]);
    expect(requests).toEqual([]);
  });

  test('when the login token cannot be had, the step fails before asking the registry anything', () => {
    const { run, requests } = reuse({ IMAGE_TAG: 'latest' }, loginAws(mkdtempSync(join(work, 'aws-')), { fail: true }));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Unable to locate credentials');
    expect(run.outputs).toEqual({});
    expect(requests).toEqual([]);
  });

  test('onto a tag that names another image, the registry\'s refusal fails the step with both digests', async () => {
    // GIVEN v0.9.0 names another image, and a registry that refuses to move it, as ECR does an immutable tag
    const other = `{"schemaVersion":2,"mediaType":"${MEDIA_TYPE}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${sha256('{}')}","size":2},"layers":[]}`;
    await putBlob(registry!.host, REPOSITORY, '{}', auth);
    const otherDigest = await putManifest(registry!.host, REPOSITORY, 'v0.9.0', other, MEDIA_TYPE, auth);
    await registry!.stop();
    registry = await startRegistry(join(work, 'registry'), { htpasswd: TEST_LOGIN.htpasswd, logRequests: true, readOnly: true });
    // WHEN the same inputs are promoted onto v0.9.0
    const { run } = reuse({ IMAGE_TAG: 'v0.9.0' });
    // THEN the step fails with the registry's words and both images named, and v0.9.0 stays
    expect(run.status).not.toBe(0);
    expect(run.outputs).toEqual({});
    expect(run.stderr).toMatch(new RegExp(`^::error title=Registry::cannot tag \\S+/${REPOSITORY}:${INPUTS_TAG} \\(${built.digest}\\) as v0\\.9\\.0: HTTP 405.*v0\\.9\\.0 points to ${otherDigest}, and an immutable tag cannot move\\n$`));
    expect((await getManifest(registry!.host, REPOSITORY, 'v0.9.0', auth)).digest).toBe(otherDigest);
  });
});

describe('the reuse step on the index of an image of several platforms, against a registry that wants ECR\'s login', () => {
  const step = stepOf('reuse');
  const auth = { username: TEST_LOGIN.username, password: TEST_LOGIN.password };
  const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
  const ARM_FROM = 'c0ffee00000000000000000000000000000000a4';
  let work: string;
  let registry: LocalRegistry | undefined;

  /** A platform's image, pushed by digest, with the labels it was built with. */
  async function pushChild(architecture: string, labels: Record<string, string>): Promise<string> {
    const configText = JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { Labels: labels } });
    const config = await putBlob(registry!.host, REPOSITORY, configText, auth);
    const bytes = `{"schemaVersion":2,"mediaType":"${MEDIA_TYPE}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${config}","size":${configText.length}},"layers":[]}`;
    return putManifest(registry!.host, REPOSITORY, sha256(bytes), bytes, MEDIA_TYPE, auth);
  }

  /** An index of the children under `tag`, as the merge job writes it; returns its digest. */
  async function pushIndex(tag: string, children: Record<string, string>): Promise<string> {
    const manifests = await Promise.all(Object.entries(children).map(async ([architecture, digest]) => ({
      mediaType: MEDIA_TYPE, digest, size: (await getManifest(registry!.host, REPOSITORY, digest, auth)).bytes.length, platform: { architecture, os: 'linux' },
    })));
    return putManifest(registry!.host, REPOSITORY, tag, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }), OCI_INDEX, auth);
  }

  const reuse = (env: Record<string, string>) => {
    const mark = registry!.log().length;
    const run = runStep(step.run, { ...step.env, REBUILD: 'false', ECR_REGISTRY: registry!.host, ...env }, { path: loginAws(mkdtempSync(join(work, 'aws-'))).path });
    return { run, writes: registryRequests(registry!.log().slice(mark)).filter((r) => r.method === 'PUT').map((r) => r.uri) };
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'reuse-index-'));
    mkdirSync(join(work, 'registry'));
    registry = await startRegistry(join(work, 'registry'), { htpasswd: TEST_LOGIN.htpasswd, logRequests: true, deletes: true });
  }, 30_000);
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('promotes the index itself to the wanted tag, digest unchanged, once it found every platform\'s image built by CI', async () => {
    // GIVEN an index whose amd64 image was reused from an earlier commit and whose arm64 image is new
    const amd64 = await pushChild('amd64', { [REVISION_LABEL]: BUILT_FROM });
    const arm64 = await pushChild('arm64', { [REVISION_LABEL]: ARM_FROM });
    const index = await pushIndex('inputs-00000000000000a1', { amd64, arm64 });
    // WHEN a release of the same inputs runs the reuse step against the index's inputs tag
    const { run } = reuse({ IMAGE_TAG: 'v3.0.0', INPUTS_TAG: 'inputs-00000000000000a1' });
    // THEN v3.0.0 is the very index, and the outputs name both commits and every platform's image
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({
      promoted: 'true', digest: index, built_from: `${BUILT_FROM} ${ARM_FROM}`, children: `linux/amd64@${amd64} linux/arm64@${arm64}`,
    });
    expect(run.stdout).toContain(`Promoted ${index} (inputs-00000000000000a1, built from ${BUILT_FROM} ${ARM_FROM}) to v3.0.0: nothing to build`);
    expect((await getManifest(registry!.host, REPOSITORY, 'v3.0.0', auth)).digest).toBe(index);
  });

  test.each<[string, { labels: Record<string, string>; deleted?: boolean }, string]>([
    ['one platform\'s image was deleted from the repository', { labels: { [REVISION_LABEL]: ARM_FROM }, deleted: true }, `is not in ${REPOSITORY}: building`],
    ['one platform\'s image was built from uncommitted files', { labels: { [REVISION_LABEL]: `${ARM_FROM}-dirty` } },
      `, ${ARM_FROM}-dirty, is not a commit CI built (40 hex digits): building`],
    ['one platform\'s image has no revision label', { labels: {} }, ', \'\', is not a commit CI built (40 hex digits): building'],
    ['one platform\'s label would inject outputs', { labels: { [REVISION_LABEL]: `${ARM_FROM}\npromoted=true` } },
      `, $'${ARM_FROM}\\npromoted=true', is not a commit CI built (40 hex digits): building`],
  ])('an index is not promoted when %s: the run builds, saying which platform in one line', async (what, arm, why) => {
    // GIVEN an index of these inputs, one of whose children CI could not have built or is gone
    const amd64 = await pushChild('amd64', { [REVISION_LABEL]: BUILT_FROM });
    const arm64 = await pushChild('arm64', { ...arm.labels, case: what });
    const inputsTag = `inputs-${sha256(what).slice(7, 23)}`;
    const index = await pushIndex(inputsTag, { amd64, arm64 });
    if (arm.deleted) {
      await deleteManifest(registry!.host, REPOSITORY, arm64, auth);
    }
    const named = arm.deleted ? `its linux/arm64 image ${arm64} ` : `the ${REVISION_LABEL} label of its linux/arm64 image ${arm64}`;
    // WHEN a run of the same inputs looks for it
    const { run, writes } = reuse({ IMAGE_TAG: 'v3.1.0', INPUTS_TAG: inputsTag });
    // THEN nothing is written or output, and one line names the index, the platform and why
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({});
    expect(writes).toEqual([]);
    expect(run.stdout.split('\n').filter((l) => l.startsWith('Not promoting'))).toEqual([`Not promoting ${inputsTag} (${index}): ${named}${why}`]);
    expect(run.stdout.split('\n').filter((l) => /^(promoted|digest)=|^::(?!add-mask::)/.test(l))).toEqual([]);
  });
});

describe('the step that records where the image came from', () => {
  const step = stepOf('origin');
  const runner = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'octo-org/demo-images', GITHUB_SHA: 'a'.repeat(40) };
  const record = (env: Record<string, string>) => runStep(step.run, {
    ...runner,
    IMAGE_REPOSITORY: `${FIXTURE_REGISTRY}/${REPOSITORY}`,
    IMAGE_TAG: 'v1.0.0',
    IMAGE_DIGEST: `sha256:${'d'.repeat(64)}`,
    INPUTS_TAG,
    PROMOTED: '',
    BUILT_FROM: '',
    REBUILD: '',
    ...env,
  });

  test.each<[string, Record<string, string>, string]>([
    ['a promotion names the commit the image was built from, with a link', { PROMOTED: 'true', BUILT_FROM },
      `Promoted \`sha256:${'d'.repeat(64)}\` built from [c0ffee0](https://github.com/octo-org/demo-images/commit/${BUILT_FROM}) to \`${FIXTURE_REGISTRY}/${REPOSITORY}:v1.0.0\`: its inputs (\`${INPUTS_TAG}\`) were built before, so nothing was built or pushed.`],
    ['a build names this run\'s commit', {},
      `Built \`sha256:${'d'.repeat(64)}\` from [aaaaaaa](https://github.com/octo-org/demo-images/commit/${'a'.repeat(40)}) and pushed it as \`${FIXTURE_REGISTRY}/${REPOSITORY}:v1.0.0\` and \`${INPUTS_TAG}\`.`],
    ['a requested rebuild says it refreshed the packages and the base image', { REBUILD: 'true' },
      `and \`${INPUTS_TAG}\`, rebuilt on request: no layer came from the build cache and the base image was pulled again, so unpinned packages (apt-get, pip) and the base image are as of this run.`],
    ['a promoted index names each commit its platforms\' images were built from', { PROMOTED: 'true', BUILT_FROM: `${BUILT_FROM} ${'b'.repeat(40)}` },
      `built from [c0ffee0](https://github.com/octo-org/demo-images/commit/${BUILT_FROM}) and [bbbbbbb](https://github.com/octo-org/demo-images/commit/${'b'.repeat(40)}) to`],
    ['one word of the commits that is not a commit hash makes them all unknown', { PROMOTED: 'true', BUILT_FROM: `${BUILT_FROM} ](https://evil.example)` },
      'built from an unknown commit to'],
    ['a label that is not a commit hash is never written into the summary', { PROMOTED: 'true', BUILT_FROM: '](https://evil.example) ::error::x' },
      'built from an unknown commit to'],
  ])('%s', (_case, env, expected) => {
    const run = record(env);
    expect(run.status).toBe(0);
    expect(run.summary).toContain(expected);
    expect(run.summary).not.toContain('evil');
  });
});
