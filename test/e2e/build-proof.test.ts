import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROOF_SCRIPT, proofRepository, pushBaseImage, runOnFreshRunner, StepResult } from '../support/build-proof';
import { commitAll } from '../support/fingerprint-fixture';
import { git, writeFiles } from '../support/git-fixture';
import { LocalRegistry, startRegistry } from '../support/registry';
import { blobSize, getBlobJson, getManifest, ServedManifest } from '../support/registry-api';
import { registryRequests, uploadedBlobs, writtenManifests } from '../support/registry-log';

// Each build runs on a new vfs storage: tens of seconds.
jest.setTimeout(10 * 60_000);

const REPOSITORY = 'proof-tools';
const HEAVY_MB = 32;

describe('on fresh runners with the registry cache, a scripts-only change uploads one layer and an unchanged image is promoted, not rebuilt', () => {
  let work: string;
  let registry: LocalRegistry | undefined;
  let checkout: string;
  let first: ServedManifest;
  let second: ServedManifest;
  let firstRun: StepResult;
  let secondRun: StepResult;

  /** Runs the step at the checkout's HEAD; returns it with the registry requests it made. */
  const step = (tag: string) => {
    const mark = registry!.log().length;
    const run = runOnFreshRunner(work, checkout, registry!, { REPOSITORY, TAG: tag });
    return { run, requests: registryRequests(registry!.log().slice(mark)) };
  };

  beforeAll(async () => {
    // GIVEN a registry on loopback that logs every request, a base image in it, and a checkout of the image's inputs
    work = mkdtempSync(join(tmpdir(), 'e2e-proof-'));
    registry = await startRegistry(work, { logRequests: true });
    const base = pushBaseImage(work, registry, 'proof-base:1');
    checkout = proofRepository(base, HEAVY_MB);
  });

  afterAll(async () => {
    await registry?.stop();
    if (work) {
      rmSync(work, { recursive: true, force: true });
    }
    if (checkout) {
      rmSync(checkout, { recursive: true, force: true });
    }
  });

  test('the first build pushes the image under its inputs tag, then promotes it to the wanted tag', async () => {
    // WHEN the step runs for a push to main with an empty cache
    const { run } = step('latest');
    firstRun = run;
    // THEN it built, and both tags name one manifest: base, heavy, light, tools, scripts layers
    expect(run.action).toBe('built');
    first = await getManifest(registry!.host, REPOSITORY, 'latest');
    expect(run.digest).toBe(first.digest);
    expect((await getManifest(registry!.host, REPOSITORY, run.inputsTag)).bytes).toEqual(first.bytes);
    expect(first.layers).toHaveLength(5);
    expect(await blobSize(registry!.host, REPOSITORY, first.layers[1])).toBeGreaterThan(HEAVY_MB * 1e6);
  });

  test('a scripts-only change keeps every layer but the last, and uploads only that layer and configs', async () => {
    // GIVEN a commit that changes one copied script
    writeFiles(checkout, { [PROOF_SCRIPT]: 'echo version 2\n' });
    commitAll(checkout, 'change a script');
    // WHEN the step runs on a fresh runner
    const { run, requests } = step('latest');
    secondRun = run;
    second = await getManifest(registry!.host, REPOSITORY, 'latest');
    // THEN the fingerprint moved, so it built
    expect(run.action).toBe('built');
    expect(run.fingerprint).not.toBe(firstRun.fingerprint);
    // AND the layers below the scripts are the same blobs; only the scripts layer is new
    expect(second.layers.slice(0, -1)).toEqual(first.layers.slice(0, -1));
    expect(second.layers.at(-1)).not.toBe(first.layers.at(-1));
    // AND the blobs uploaded, counted from the registry's log, are the new layer,
    // the image's config and the config of the scripts step's cache entry: nothing else
    const uploads = uploadedBlobs(requests, REPOSITORY);
    const cacheEntries = writtenManifests(requests, REPOSITORY).filter((ref) => ![run.inputsTag, 'latest'].includes(ref));
    const cacheConfigs = await Promise.all(cacheEntries.map(async (ref) => (await getManifest(registry!.host, REPOSITORY, ref)).config));
    const layers = uploads.filter((d) => second.layers.includes(d));
    const configs = uploads.filter((d) => !second.layers.includes(d));
    expect(layers).toEqual([second.layers.at(-1)]);
    expect(configs.sort()).toEqual([...new Set([second.config, ...cacheConfigs])].sort());
    expect(uploads).toHaveLength(3);
    const bytes = (await Promise.all(uploads.map((d) => blobSize(registry!.host, REPOSITORY, d)))).reduce((a, b) => a + b, 0);
    expect(bytes).toBeLessThan(100_000);
  });

  test('an unrelated change at a new commit builds nothing: the release tag gets the same digest and manifest bytes', async () => {
    // GIVEN a new commit that changes only a file outside the image's inputs
    writeFiles(checkout, { 'README.md': '# proof, documented\n' });
    commitAll(checkout, 'docs only');
    // WHEN the step runs for a release tag
    const { run, requests } = step('v1.0.0');
    // THEN the fingerprint is the one already pushed, and the step promoted it
    expect(run.fingerprint).toBe(secondRun.fingerprint);
    expect(run.action).toBe('promoted');
    // AND the engine neither built nor pulled anything: the runner's storage is empty, no blob was uploaded
    expect(run.runnerImages).toEqual([]);
    expect(uploadedBlobs(requests, REPOSITORY)).toEqual([]);
    expect(writtenManifests(requests, REPOSITORY)).toEqual(['v1.0.0']);
    // AND, read back through the registry API, the release tag serves the very bytes of the built image
    const release = await getManifest(registry!.host, REPOSITORY, 'v1.0.0');
    expect(release.bytes).toEqual(second.bytes);
    expect(release.mediaType).toBe(second.mediaType);
    expect(release.digest).toBe(second.digest);
    expect(release.headerDigest).toBe(second.digest);
    expect(run.digest).toBe(second.digest);
    // AND the image still names the commit that built it, for the job summary
    const config = await getBlobJson(registry!.host, REPOSITORY, release.config);
    expect(config.config.Labels['org.opencontainers.image.revision']).toBe(git(checkout, 'rev-parse', 'HEAD~1').trim());
  });

  test('promoting onto a tag that already has the digest writes nothing, as an immutable tag requires', async () => {
    // WHEN the step runs again for main, whose latest already has this image
    const { run, requests } = step('latest');
    // THEN it promoted without a single write
    expect(run.action).toBe('promoted');
    expect(run.digest).toBe(second.digest);
    expect(requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
  });
});
