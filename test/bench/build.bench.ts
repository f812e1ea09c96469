/**
 * What reuse saves on a build, with the end-to-end proof's image and step on
 * buildah (vfs, chroot) and a docker-registry on 127.0.0.1, every run on a
 * fresh runner (a new container storage):
 *
 * - full build: the first commit, with an empty registry cache;
 * - scripts-only rebuild: a commit that changes one copied script;
 * - promotion: a commit that changes no input (only the README).
 *
 * Prints the times and the ratios against the goals (scripts-only
 * rebuild ≤ 0.15 of a full build, promotion ≤ 5 s), and what each variant
 * moved through the registry. Never fails on a time: a benchmark, not a test.
 *
 *   npx projen bench        # BENCH_BUILD_RUNS=5 BENCH_HEAVY_MB=512 npx projen bench
 *
 * Each round uses a repository of its own, so its full build starts from an
 * empty cache; the three variants run in turn within a round, so machine load
 * hits them alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { header, row, Stats, stats } from './stats';
import { PROOF_SCRIPT, proofRepository, pushBaseImage, runOnFreshRunner, StepResult } from '../support/build-proof';
import { StorageDriver } from '../support/buildah';
import { commitAll } from '../support/fingerprint-fixture';
import { writeFiles } from '../support/git-fixture';
import { LocalRegistry, startRegistry } from '../support/registry';
import { blobSize } from '../support/registry-api';
import { RegistryRequest, registryRequests, uploadedBlobs } from '../support/registry-log';

const RUNS = Number(process.env.BENCH_BUILD_RUNS ?? 3);
const HEAVY_MB = Number(process.env.BENCH_HEAVY_MB ?? 128);
/** Layer storage of the fresh runners: overlay, as a runner's Docker has it, unless BENCH_STORAGE says vfs. */
const DRIVER: StorageDriver = process.env.BENCH_STORAGE === 'vfs' ? 'vfs' : 'overlay';
const VARIANTS = ['full', 'scripts', 'promotion'] as const;
type Variant = typeof VARIANTS[number];

interface Sample {
  readonly seconds: number;
  /** Bytes of the blobs uploaded, from the registry's log and blob sizes. */
  readonly uploaded: number;
  /** Bytes the registry sent: blobs and manifests pulled. */
  readonly downloaded: number;
}

async function main(root: string): Promise<void> {
  console.log(`\nBuild benchmark: ${RUNS} rounds after one warm-up, ${HEAVY_MB} MB heavy layer, buildah (${DRIVER}, chroot), fresh storage per run, in ${root}`);
  const registry = await startRegistry(root, { logRequests: true });
  try {
    const base = pushBaseImage(root, registry, 'bench-base:1');
    const checkout = proofRepository(base, HEAVY_MB);
    const samples: Record<Variant, Sample[]> = { full: [], scripts: [], promotion: [] };
    for (let round = 0; round <= RUNS; round++) {
      const repository = `bench-${round}`;
      const measured = async (tag: string, expected: string): Promise<Sample> => {
        const mark = registry.log().length;
        const run = runOnFreshRunner(root, checkout, registry, { REPOSITORY: repository, TAG: tag }, DRIVER);
        expectAction(run, expected);
        return sample(registry, repository, run, registryRequests(registry.log().slice(mark)));
      };
      writeFiles(checkout, { [PROOF_SCRIPT]: `echo round ${round}\n` });
      commitAll(checkout, `round ${round}`);
      const full = await measured('latest', 'built');
      writeFiles(checkout, { [PROOF_SCRIPT]: `echo round ${round}, script changed\n` });
      commitAll(checkout, `round ${round}: a script`);
      const scripts = await measured('latest', 'built');
      writeFiles(checkout, { 'README.md': `# round ${round}\n` });
      commitAll(checkout, `round ${round}: docs`);
      const promotion = await measured(`v${round}.0.0`, 'promoted');
      if (round > 0) {
        samples.full.push(full);
        samples.scripts.push(scripts);
        samples.promotion.push(promotion);
      }
    }
    rmSync(checkout, { recursive: true, force: true });
    report(samples);
  } finally {
    await registry.stop();
  }
}

function expectAction(run: StepResult, expected: string): void {
  if (run.action !== expected) {
    throw new Error(`expected the step to have ${expected}, but it ${run.action}:\n${run.stdout}\n${run.stderr}`);
  }
}

async function sample(registry: LocalRegistry, repository: string, run: StepResult, requests: RegistryRequest[]): Promise<Sample> {
  const sizes = await Promise.all(uploadedBlobs(requests, repository).map((d) => blobSize(registry.host, repository, d)));
  return {
    seconds: run.seconds,
    uploaded: sizes.reduce((a, b) => a + b, 0),
    downloaded: requests.filter((r) => r.method === 'GET').reduce((a, r) => a + r.bytesWritten, 0),
  };
}

function report(samples: Record<Variant, Sample[]>): void {
  const times = Object.fromEntries(VARIANTS.map((v) => [v, stats(samples[v].map((s) => s.seconds))])) as Record<Variant, Stats>;
  const median = (v: Variant, key: 'uploaded' | 'downloaded') => stats(samples[v].map((s) => s[key])).median;
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e6 ? 3 : 1)} MB`;
  console.log(header('the build step on a fresh runner'));
  console.log(row('full build, empty registry cache', times.full));
  console.log(row('scripts-only rebuild, registry cache', times.scripts));
  console.log(row('promotion, inputs unchanged', times.promotion));
  console.log('\n  registry traffic, median per run                          uploaded   downloaded');
  for (const [variant, label] of [['full', 'full build'], ['scripts', 'scripts-only rebuild'], ['promotion', 'promotion']] as const) {
    console.log(`  ${label.padEnd(56)} ${mb(median(variant, 'uploaded')).padStart(9)} ${mb(median(variant, 'downloaded')).padStart(12)}`);
  }
  const ratio = times.scripts.median / times.full.median;
  console.log(`\n  scripts-only / full, ratio of medians: ${ratio.toFixed(2)} (goal ≤ 0.15: ${ratio <= 0.15 ? 'met' : 'NOT met'})`);
  console.log(`  promotion median: ${times.promotion.median.toFixed(2)} s (goal ≤ 5 s: ${times.promotion.median <= 5 ? 'met' : 'NOT met'})`);
  console.log('  (buildah must pull every cached layer to build on it, and vfs copies the whole root file system');
  console.log('  for each step; BuildKit in CI needs neither: see the "downloaded" column for what that costs here)');
}

const root = mkdtempSync(join(tmpdir(), 'build-bench-'));
main(root)
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => rmSync(root, { recursive: true, force: true }));
