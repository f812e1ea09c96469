/**
 * How fast the everyday loop is: `npx projen` against projen's default runner,
 * the time `npx projen build-image:<id>` takes to reach the container engine,
 * and synthesis with 4 versus 40 images. Prints figures and never fails on a
 * time: a benchmark, not a test.
 *
 *   npx projen bench              # BENCH_RUNS=15 npx projen bench for more runs
 *
 * Every variant runs in a temporary copy of this checkout sharing its
 * node_modules, side by side and interleaved round by round, so machine load
 * hits all variants alike. Synthesis runs with `--no-post`: post-synthesis only
 * installs packages when package.json changed, which no variant here does
 * except the fresh project, whose install would need the network.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { javascript, typescript } from 'projen';
import { benchImageOptions } from './bench-images';
import { header, row, Stats, stats, timeCommand } from './stats';
import { git } from '../support/git-fixture';
import { newPlatform } from '../support/project';
import { cleanEnv, copyProject, writeGenerated } from '../support/sandbox';
import { REPO_ROOT } from '../support/workflows';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
/** `npx projen` at most this fraction of a fresh `projen new typescript` project's. */
const SYNTH_GOAL = 0.35;
const EXTRA_IMAGES = 36;
const SYNTH = ['projen', '--no-post'];

const root = mkdtempSync(join(tmpdir(), 'projen-bench-'));

function main(): void {
  console.log(`Benchmark: ${RUNS} timed runs per variant after one warm-up, node ${process.version}, in ${root}`);
  // A git checkout, as the build-image tasks read the commit for tags and labels.
  const subject = commitAll(copyProject(join(root, 'subject')));
  const defaults = copyProject(join(root, 'defaults'));
  const fresh = freshTypeScriptProject(join(root, 'fresh'));
  const forty = withExtraImages(copyProject(join(root, 'forty')));

  const tasksFile = (dir: string) => join(dir, '.projen', 'tasks.json');
  const subjectTasks = readFileSync(tasksFile(subject), 'utf8');
  const defaultTasks = JSON.stringify(withProjenDefaults(JSON.parse(subjectTasks)), undefined, 2);

  // --- synthesis ---------------------------------------------------------
  const synth = measure({
    subject: () => timeCommand('npx', SYNTH, subject),
    // Synthesis rewrites tasks.json from .projenrc.ts: restore the defaults before each run.
    defaults: () => {
      writeGenerated(tasksFile(defaults), defaultTasks);
      return timeCommand('npx', SYNTH, defaults);
    },
    fresh: () => timeCommand('npx', SYNTH, fresh),
    forty: () => timeCommand('npx', SYNTH, forty),
    floor: () => timeCommand('node', ['-e', 'require("projen")'], subject),
  });
  console.log(header('npx projen --no-post'));
  console.log(row('this project (swc require hook, PATH without npx)', synth.subject));
  console.log(row('this project with projen\'s default runner and PATH', synth.defaults));
  console.log(row('fresh `projen new typescript`, defaults', synth.fresh));
  console.log(row('floor: node -e "require(\'projen\')"', synth.floor));
  const vsFresh = pairedRatios(synth.subject, synth.fresh);
  const vsDefaults = pairedRatios(synth.subject, synth.defaults);
  console.log(`  paired ratio, this project / fresh project: ${ratioLine(vsFresh)} (goal ≤ ${SYNTH_GOAL}: ${verdict(vsFresh.median <= SYNTH_GOAL)})`);
  console.log(`  paired ratio, this project / its defaults:  ${ratioLine(vsDefaults)}`);

  // --- task start-up -----------------------------------------------------
  const engine = new EngineStandIn(join(root, 'engine'));
  const startupTasks = (tasks: string) => JSON.stringify(withBenchTask(JSON.parse(tasks)), undefined, 2);
  const projectStartup = startupTasks(readFileSync(tasksFile(subject), 'utf8'));
  const defaultStartup = startupTasks(defaultTasks);
  const realTask = Object.keys(JSON.parse(subjectTasks).tasks).find((t) => t.startsWith('build-image:'));
  const startupVariants: Record<string, () => number> = {
    project: () => {
      writeGenerated(tasksFile(subject), projectStartup);
      return engine.timeToStart(subject, BENCH_TASK);
    },
    defaults: () => {
      writeGenerated(tasksFile(subject), defaultStartup);
      return engine.timeToStart(subject, BENCH_TASK);
    },
    withoutNpx: () => {
      writeGenerated(tasksFile(subject), projectStartup);
      return engine.timeToStart(subject, BENCH_TASK, ['node_modules/.bin/projen']);
    },
  };
  const realVariant = () => {
    writeGenerated(tasksFile(subject), projectStartup);
    return engine.timeToStart(subject, realTask!);
  };
  const realProblem = realTask ? firstLineOfError(realVariant) : 'none declared';
  if (!realProblem) {
    startupVariants.real = realVariant;
  }
  const startup: Record<string, Stats | undefined> = measure(startupVariants);
  console.log(header('npx projen <task>: from launch until the container engine starts'));
  console.log(row(`${BENCH_TASK} (one engine step), this project's PATH`, startup.project!));
  console.log(row(`${BENCH_TASK}, projen's default PATH (npx -c)`, startup.defaults!));
  console.log(row(`${BENCH_TASK} without npx: node_modules/.bin/projen`, startup.withoutNpx!));
  if (startup.real) {
    console.log(row(`${realTask} (the real task, engine stand-in)`, startup.real));
  } else {
    console.log(`  (real build-image:<id> task not measured: ${realProblem})`);
  }
  const worst = Math.max(startup.project!.median, startup.real?.median ?? 0);
  console.log(`  start-up median ${worst.toFixed(2)} s (goal ≤ 1 s: ${verdict(worst <= 1)})`);

  // --- scaling -------------------------------------------------------------
  const e2e = synth.forty.median / synth.subject.median;
  console.log(header(`npx projen --no-post with 4 and ${4 + EXTRA_IMAGES} images`));
  console.log(row('4 images (this project)', synth.subject));
  console.log(row(`${4 + EXTRA_IMAGES} images (this project + ${EXTRA_IMAGES} alike)`, synth.forty));
  console.log(`  40/4 ratio of medians ${e2e.toFixed(2)}, ${perImage(synth.subject.median, synth.forty.median)} per extra image (linear would allow 10.00)`);

  const inProcess = measure({
    four: () => synthInProcess(4),
    forty: () => synthInProcess(40),
  });
  console.log(header('in-process construct + synth, no process start-up'));
  console.log(row('4 images', inProcess.four, 'ms'));
  console.log(row('40 images', inProcess.forty, 'ms'));
  const scale = inProcess.forty.median / inProcess.four.median;
  console.log(`  40/4 ratio of medians ${scale.toFixed(2)} (no worse than linear, ≤ 10: ${verdict(scale <= 10)}), ${perImage(inProcess.four.median, inProcess.forty.median)} per extra image`);
}

/**
 * Runs every variant once to warm up, then RUNS rounds with the variants
 * interleaved, so the samples of one round were taken under the same load.
 */
function measure<K extends string>(variants: Record<K, () => number>): Record<K, Stats> {
  const names = Object.keys(variants) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round <= RUNS; round++) {
    for (const name of names) {
      const seconds = variants[name]();
      if (round > 0) samples[name].push(seconds);
    }
  }
  return Object.fromEntries(names.map((n) => [n, stats(samples[n])])) as Record<K, Stats>;
}

/** The ratio of two variants round by round (each pair ran back to back), summarized. */
function pairedRatios(numerator: Stats, denominator: Stats): Stats {
  return stats(numerator.samples.map((value, round) => value / denominator.samples[round]));
}

function ratioLine(ratios: Stats): string {
  return `median ${ratios.median.toFixed(2)} (rounds ${ratios.min.toFixed(2)} to ${ratios.max.toFixed(2)})`;
}

/** Why a variant cannot be measured, or undefined when one run succeeds. */
function firstLineOfError(variant: () => number): string | undefined {
  try {
    variant();
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

function perImage(fourSeconds: number, fortySeconds: number): string {
  return `${(((fortySeconds - fourSeconds) / 36) * 1000).toFixed(1)} ms`;
}

function commitAll(dir: string): string {
  git(dir, 'init', '--quiet', '--initial-branch', 'main');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--message', 'bench');
  return dir;
}

/** A fresh project as `projen new typescript` makes it, offline, sharing our node_modules. */
function freshTypeScriptProject(dir: string): string {
  mkdirSync(dir);
  timeCommand(join(REPO_ROOT, 'node_modules', '.bin', 'projen'), ['new', 'typescript', '--no-post', '--no-git'], dir);
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** This project's tasks as projen would write them without our two levers. */
function withProjenDefaults(tasks: any): any {
  const reference = new typescript.TypeScriptProject({
    name: 'reference',
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    outdir: mkdtempSync(join(root, 'reference-')),
    projenrcTs: true,
    projenrcTsOptions: { projenCodeDir: 'src' },
  });
  return {
    ...tasks,
    env: { ...tasks.env, PATH: reference.tasks.env.PATH },
    tasks: { ...tasks.tasks, default: { ...tasks.tasks.default, steps: reference.defaultTask!.steps } },
  };
}

/** Appends 36 images declared like the real ones to the copy's .projenrc.ts. */
function withExtraImages(dir: string): string {
  const rcFile = join(dir, '.projenrc.ts');
  const rc = readFileSync(rcFile, 'utf8');
  const synthCall = /^project\.synth\(\);\s*$/m;
  if (!/^const platform = new ImagePlatform\(/m.test(rc) || !synthCall.test(rc)) {
    throw new Error('the benchmark adds images to `const platform = new ImagePlatform(...)` before `project.synth();` in .projenrc.ts: keep both, or update test/bench/synth.bench.ts');
  }
  for (const options of benchImageOptions(EXTRA_IMAGES)) {
    for (const script of options.scripts ?? []) {
      mkdirSync(join(dir, script.source), { recursive: true });
    }
  }
  writeFileSync(rcFile, [
    "import { benchImageOptions } from './test/bench/bench-images';",
    rc.replace(synthCall, `benchImageOptions(${EXTRA_IMAGES}).forEach((options) => platform.addImage(options));\nproject.synth();\n`),
  ].join('\n'));
  return dir;
}

function synthInProcess(count: number): number {
  process.env.PROJEN_DISABLE_POST = 'true';
  const start = performance.now();
  const { project, platform } = newPlatform();
  for (const options of benchImageOptions(count)) {
    platform.addImage(options);
  }
  project.synth();
  const seconds = (performance.now() - start) / 1000;
  rmSync(project.outdir, { recursive: true, force: true });
  return seconds;
}

const BENCH_TASK = 'build-image:bench';

/** Adds a task whose only step starts the container engine, as a build-image task's first step would. */
function withBenchTask(tasks: any): any {
  return {
    ...tasks,
    tasks: {
      ...tasks.tasks,
      [BENCH_TASK]: { name: BENCH_TASK, steps: [{ exec: '"$CONTAINER_ENGINE" version' }] },
    },
  };
}

/**
 * Stand-ins for docker, podman and buildah that record when they start, first
 * on PATH, so any build-image task reaches one (CONTAINER_ENGINE names docker).
 */
class EngineStandIn {
  private readonly log: string;

  constructor(private readonly dir: string) {
    mkdirSync(dir);
    this.log = join(dir, 'started');
    for (const engine of ['docker', 'podman', 'buildah']) {
      writeFileSync(join(dir, engine), '#!/usr/bin/env bash\necho "$EPOCHREALTIME" >> "$BENCH_ENGINE_LOG"\n', { mode: 0o755 });
    }
  }

  /** Seconds from launching `npx projen <task>` (or another launcher) until the first engine call. */
  public timeToStart(cwd: string, task: string, launcher: string[] = ['npx', 'projen']): number {
    rmSync(this.log, { force: true });
    const env = cleanEnv({
      PATH: `${this.dir}:${process.env.PATH}`,
      CONTAINER_ENGINE: 'docker',
      BENCH_ENGINE_LOG: this.log,
    });
    const launched = (performance.timeOrigin + performance.now()) / 1000;
    const result = spawnSync(launcher[0], [...launcher.slice(1), task], { cwd, env, encoding: 'utf8' });
    if (!existsSync(this.log)) {
      throw new Error(`'${launcher.join(' ')} ${task}' never started the container engine (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
    return Number(readFileSync(this.log, 'utf8').split('\n')[0]) - launched;
  }
}

try {
  main();
} finally {
  rmSync(root, { recursive: true, force: true });
}
