import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loginStandIn } from './support/build-proof';
import { runScript, ScriptRun } from './support/git-fixture';
import { imageJob } from './support/image-job';
import { libraryCall } from './support/library';
import { twoPlatformProject } from './support/project';
import { LocalRegistry, startRegistry } from './support/registry';
import { getManifest, putBlob, putManifest, sha256 } from './support/registry-api';
import { registryRequests } from './support/registry-log';
import { runStep } from './support/runner';
import { MULTI_PLATFORM_JOBS } from '../src/github/multi-platform-build-workflow';

const REPOSITORY = 'team/multi';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

function call(cwd: string, fn: string, args: readonly string[]): ScriptRun {
  return runScript(libraryCall('registry.sh', fn, args), cwd);
}

/** Pushes one single-platform image by digest only (no tag), as each platform's build job does; returns its digest. */
async function pushChild(host: string, platform: Record<string, string>, manifestType = OCI_MANIFEST): Promise<string> {
  const config = await putBlob(host, REPOSITORY, JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [] }, config: {} }));
  const layerBytes = randomBytes(512);
  const layer = await putBlob(host, REPOSITORY, layerBytes);
  const bytes = JSON.stringify({
    schemaVersion: 2,
    mediaType: manifestType,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: 10 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer, size: layerBytes.length }],
  });
  return putManifest(host, REPOSITORY, sha256(bytes), bytes, manifestType);
}

describe('put_index merges platform images pushed by digest into one OCI index, on a docker-registry on 127.0.0.1', () => {
  let work: string;
  let registry: LocalRegistry | undefined;
  let amd64: string;
  let arm64: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'index-'));
    registry = await startRegistry(work, { logRequests: true });
    amd64 = await pushChild(registry.host, { os: 'linux', architecture: 'amd64' });
    arm64 = await pushChild(registry.host, { os: 'linux', architecture: 'arm64', variant: 'v8' });
  });
  afterAll(async () => {
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('lists each child with its media type, size and platform from its configuration, in platform order', async () => {
    const run = call(work, 'put_index', [registry!.host, REPOSITORY, 'inputs-00000000000000aa', arm64, amd64]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const served = await getManifest(registry!.host, REPOSITORY, 'inputs-00000000000000aa');
    expect(run.stdout).toBe(`${served.digest}\n`);
    expect(served.headerDigest).toBe(served.digest);
    expect(served.mediaType).toBe(OCI_INDEX);
    const sizes = await Promise.all([amd64, arm64].map(async (d) => (await getManifest(registry!.host, REPOSITORY, d)).bytes.length));
    expect(JSON.parse(served.bytes.toString('utf8'))).toEqual({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: amd64, size: sizes[0], platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: OCI_MANIFEST, digest: arm64, size: sizes[1], platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
      ],
    });
  });

  test('the same children give the same index digest, in any order, and an existing tag of it is not written again', () => {
    const first = call(work, 'put_index', [registry!.host, REPOSITORY, 'stable-a', amd64, arm64]);
    const second = call(work, 'put_index', [registry!.host, REPOSITORY, 'stable-b', arm64, amd64, arm64]);
    expect(first.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const mark = registry!.log().length;
    const again = call(work, 'put_index', [registry!.host, REPOSITORY, 'stable-a', arm64, amd64]);
    expect(again.stdout).toBe(first.stdout);
    expect(registryRequests(registry!.log().slice(mark)).filter((r) => r.method === 'PUT')).toEqual([]);
  });

  test('a promoted index keeps its digest, and every child it lists is in the repository', async () => {
    const index = call(work, 'put_index', [registry!.host, REPOSITORY, 'inputs-00000000000000bb', amd64, arm64]).stdout.trim();
    const run = call(work, 'promote_image', [registry!.host, REPOSITORY, 'inputs-00000000000000bb', 'v1.0.0']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${index}\n`);
    const promoted = await getManifest(registry!.host, REPOSITORY, 'v1.0.0');
    expect(promoted.digest).toBe(index);
    const children = JSON.parse(promoted.bytes.toString('utf8')).manifests.map((m: { digest: string }) => m.digest);
    const served = await Promise.all(children.map((d: string) => getManifest(registry!.host, REPOSITORY, d)));
    expect(served.map((m) => m.digest)).toEqual([amd64, arm64]);
  });

  test('the merge job\'s step outputs the index and, for the size check, each platform\'s image as platform@digest', async () => {
    // GIVEN each platform's image under its inputs tag, as the platform jobs leave them
    for (const [tag, digest] of [['inputs-00000000000000c1', amd64], ['inputs-00000000000000c2', arm64]]) {
      const served = await getManifest(registry!.host, REPOSITORY, digest);
      await putManifest(registry!.host, REPOSITORY, tag, served.bytes.toString('utf8'), OCI_MANIFEST);
    }
    // WHEN the merge job's merge step runs, as generated for an image of two platforms
    const step = imageJob('edge-build-deployment-image.yaml', {}, twoPlatformProject(), MULTI_PLATFORM_JOBS.merge).steps.find((s: any) => s.id === 'merge');
    const run = runStep(step.run, {
      ...step.env,
      ECR_REGISTRY: registry!.host,
      ECR_REPOSITORY: REPOSITORY,
      PLATFORM_TAGS: 'inputs-00000000000000c1 inputs-00000000000000c2',
      INDEX_INPUTS_TAG: 'inputs-00000000000000cc',
      IMAGE_TAG: 'v4.0.0',
    }, { path: loginStandIn(mkdtempSync(join(work, 'aws-'))) });
    // THEN the wanted tag names the index, and the outputs name it and each platform's image
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const index = (await getManifest(registry!.host, REPOSITORY, 'v4.0.0')).digest;
    expect(run.outputs).toEqual({ digest: index, children: `linux/amd64@${amd64} linux/arm64/v8@${arm64}` });
  });

  test.each<[string, () => Promise<string[]>, string]>([
    ['two children of one platform', async () => [amd64, await pushChild(registry!.host, { os: 'linux', architecture: 'amd64' })],
      'two children are built for linux/amd64: an index holds one image per platform'],
    ['a child the repository lacks', async () => [amd64, `sha256:${'0'.repeat(64)}`], `child sha256:${'0'.repeat(64)} is not in the repository: HTTP 404`],
    ['an index as a child', async () => [amd64, (await getManifest(registry!.host, REPOSITORY, 'stable-a')).digest], 'has media type application/vnd.oci.image.index.v1+json: an index lists image manifests only'],
    ['a child without os and architecture', async () => [await pushChild(registry!.host, { os: 'linux' })], 'names no os and architecture'],
    ['a child that is no digest', async () => ['latest'], 'child latest is not a digest such as sha256:<64 hex digits>'],
  ])('%s is refused with one line, and no index is written', async (_case, children, message) => {
    const digests = await children();
    const mark = registry!.log().length;
    const run = call(work, 'put_index', [registry!.host, REPOSITORY, 'refused', ...digests]);
    expect(run.status).not.toBe(0);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(message);
    expect(registryRequests(registry!.log().slice(mark)).filter((r) => r.method === 'PUT')).toEqual([]);
  });
});
