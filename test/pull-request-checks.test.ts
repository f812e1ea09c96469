import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { javascript } from 'projen';
import { parse } from 'yaml';
import { AFFECTED_IMAGES_JOB_ID, CI_CONTAINER_IMAGE, CI_DEBIAN_RELEASE, CI_NODE_MAJOR, ImageKind, Pipeline, ScriptCopy } from '../src';
import { render } from './support/expressions';
import { checkoutPullRequestMerge, gitRepo, runScript, ScriptRun, writeFiles } from './support/git-fixture';
import { libraryContents, linkLibrary } from './support/library';
import { ownPlatform } from './support/own-declaration';
import { FixturePlatform, newPlatform, projectFolder, synth, TEST_REGISTRY } from './support/project';
import { loadWorkflow, REPO_ROOT } from './support/workflows';
import { affectedImagesEnv } from '../src/github/affected-images-script';
import { ImagePlatform } from '../src/platform/image-platform';

const BUILD = loadWorkflow('build.yml');

function step(job: string, name: string): any {
  const found = BUILD.jobs[job].steps.find((s: any) => s.name === name);
  if (!found) {
    throw new Error(`build.yml has no step '${name}' in job '${job}'`);
  }
  return found;
}

const DRIFT_STEP = 'Check generated files are up to date';
const GUARD_STEP = 'Require a GitHub-hosted runner';
const LIST_STEP = step(AFFECTED_IMAGES_JOB_ID, 'List changed files');
const SUMMARY_STEP = step(AFFECTED_IMAGES_JOB_ID, 'Summarize affected images');

/**
 * The summary step of the committed build.yml with the images of a fixture
 * declaration, named unlike this repository's: a training and a deployment
 * image of two pipelines, the demo deployment image with a second script folder.
 */
const FIXTURE_SUMMARY_STEP = ((): { run: string; env: Record<string, string> } => {
  const { platform } = newPlatform();
  for (const pipeline of [Pipeline.of('demo'), Pipeline.of('sample')]) {
    platform.addImage({ pipeline, kind: ImageKind.TRAINING, repository: `${pipeline.name}-training-images` });
    platform.addImage({
      pipeline,
      kind: ImageKind.DEPLOYMENT,
      repository: `${pipeline.name}-serving-images`,
      scripts: [ScriptCopy.of(`deployment/${pipeline.name}`, '/scripts'), ...pipeline.name === 'demo' ? [ScriptCopy.of('evaluation/demo', '/eval-scripts')] : []],
    });
  }
  return { run: SUMMARY_STEP.run, env: affectedImagesEnv(platform.images) };
})();

/** The images in the summary table, by repository. */
function affected(summary: string): string[] {
  return [...summary.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]).sort();
}

/** Runs the summary step of the committed build.yml (with the fixture's images, unless given others) on a list of changed files, in a folder holding the library. */
function summarize(files: readonly string[], summaryStep: { run: string; env: Record<string, string> } = FIXTURE_SUMMARY_STEP): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), 'changed-'));
  try {
    linkLibrary(dir);
    const list = join(dir, 'changed-files');
    writeFileSync(list, files.map((f) => `${f}\0`).join(''));
    return runScript(summaryStep.run, dir, { ...summaryStep.env, CHANGED_FILES: list });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the build workflow on pull requests', () => {
  test('it runs on every pull request, reads the repository only and never pushes to the branch', () => {
    // GIVEN the committed build workflow
    // THEN it triggers on pull requests, has no self-mutation job and installs from the lockfile
    expect(Object.keys(BUILD.on)).toContain('pull_request');
    expect(Object.keys(BUILD.jobs).sort()).toEqual([AFFECTED_IMAGES_JOB_ID, 'build']);
    for (const job of Object.values<any>(BUILD.jobs)) {
      expect(job.permissions).toEqual({ contents: 'read' });
    }
    expect(JSON.stringify(BUILD)).not.toMatch(/git push|self_mutation/);
  });

  test('the build job installs with .ci/install, synthesizes, then runs the README\'s test command, as .ci/run does', () => {
    // GIVEN the build job's steps
    const runs = BUILD.jobs.build.steps.map((s: any) => s.run ?? s.uses);
    const at = (command: string) => runs.indexOf(command);
    // THEN .ci/install replaces npm ci and comes before synthesis and the test task
    expect(at('.ci/install')).toBeGreaterThan(-1);
    expect(runs).not.toContain('npm ci');
    expect(at('.ci/install')).toBeLessThan(at('npx projen'));
    expect(at('npx projen')).toBeLessThan(at('npx projen test'));
    // and the test task is the README's test command
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toMatch(/^npx projen test +# run the whole test suite$/m);
  });

  test('the build job runs in the declared container: Node 24 on the Debian release CI runs on, privileged for buildah', () => {
    const job = BUILD.jobs.build;
    expect(job.container).toEqual({ image: CI_CONTAINER_IMAGE, options: '--privileged' });
    expect(CI_CONTAINER_IMAGE).toBe(`node:${CI_NODE_MAJOR}-${CI_DEBIAN_RELEASE.codename}`);
    expect(step('build', 'Setup Node.js').with['node-version']).toBe(CI_NODE_MAJOR);
    expect(job['timeout-minutes']).toBe(60);
  });

  test('this machine, where .ci/install and the suite run, is the Debian release the container declares', () => {
    const release = Object.fromEntries(readFileSync('/etc/os-release', 'utf8').split('\n')
      .filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).replace(/^"|"$/g, '')]));
    expect({ id: release.ID, version: release.VERSION_ID, codename: release.VERSION_CODENAME })
      .toEqual({ id: 'debian', ...CI_DEBIAN_RELEASE });
  });

  test('the container image and the Debian release are declared in one place', () => {
    // GIVEN every hand-written file that configures CI or generates the workflows
    const sources = [
      '.projenrc.ts', '.ci/install', '.ci/run', 'test/e2e/fetch-base-debs.sh', 'test/e2e/fetch-tools-rootfs.sh',
      ...readdirSync(join(REPO_ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => `src/${f}`),
    ];
    // THEN only src/github/ci-container.ts names the release or the image
    const naming = sources.filter((f) => /bookworm|node:\d+-/.test(readFileSync(join(REPO_ROOT, f), 'utf8')));
    expect(naming).toEqual(['src/github/ci-container.ts']);
  });

  test('the build job first refuses any runner but a GitHub-hosted one, before anything is checked out', () => {
    // GIVEN the build job's steps
    const [first, second] = BUILD.jobs.build.steps;
    // THEN the guard comes first, unconditionally, reading runner.environment through env
    expect(first.name).toBe(GUARD_STEP);
    expect(first.if).toBeUndefined();
    expect(first.env).toEqual({ RUNNER_KIND: '${{ runner.environment }}' });
    expect(second.uses).toMatch(/^actions\/checkout@/);
    // and the job itself has no `if:`, which would skip it (a skipped required check passes)
    expect(BUILD.jobs.build.if).toBeUndefined();
  });

  test('the build job checks out the pull request\'s head commit, not its branch, and keeps no token', () => {
    expect(step('build', 'Checkout').with).toEqual({
      'ref': '${{ github.event.pull_request.head.sha }}',
      'repository': '${{ github.event.pull_request.head.repo.full_name }}',
      'persist-credentials': false,
    });
  });

  test('the drift check runs after the tests, even failed ones, in place of projen\'s silent mutation check', () => {
    // GIVEN the build job's steps
    const names = BUILD.jobs.build.steps.map((s: any) => s.name);
    // THEN the drift check follows the tests and ends the job
    expect(names.slice(-2)).toEqual(['Test', DRIFT_STEP]);
    expect(step('build', DRIFT_STEP).if).toBe('${{ !cancelled() }}');
  });

  test('no run script of the build workflow interpolates an expression, so no branch or file name becomes code', () => {
    // GIVEN every `run:` script of build.yml
    const scripts = Object.values<any>(BUILD.jobs).flatMap((job) => job.steps.filter((s: any) => s.run).map((s: any) => s.run));
    // THEN none contains `${{`: values arrive through env
    expect(scripts.length).toBeGreaterThan(3);
    for (const script of scripts) {
      expect(script).not.toContain('${{');
    }
  });

  test('the affected-images job runs only for pull requests, on the merge commit and its base', () => {
    // GIVEN the job
    const job = BUILD.jobs[AFFECTED_IMAGES_JOB_ID];
    // THEN it is skipped for manual runs and checks out two commits without keeping the token
    expect(job.if).toBe('github.event_name == \'pull_request\'');
    expect(step(AFFECTED_IMAGES_JOB_ID, 'Checkout').with).toEqual({ 'fetch-depth': 2, 'persist-credentials': false });
  });
});

describe('the GitHub-hosted runner guard', () => {
  /** Runs the committed guard step as the runner would: its env rendered from the runner context, then its script under bash. */
  function guard(environment: string | null): ScriptRun {
    const { env, run } = step('build', GUARD_STEP);
    const rendered = Object.fromEntries(Object.entries<string>(env).map(([name, value]) => [name, render(value, { runner: { environment } })]));
    const dir = mkdtempSync(join(tmpdir(), 'guard-'));
    try {
      return runScript(run, dir, rendered);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const errors = (run: ScriptRun) => run.stdout.split('\n').filter((l) => l.startsWith('::'));

  test('lets a GitHub-hosted runner go on', () => {
    const run = guard('github-hosted');
    expect(run.status).toBe(0);
    expect(errors(run)).toEqual([]);
  });

  test.each([
    ['a self-hosted runner', 'self-hosted', 'self-hosted'],
    ['a runner too old to say', null, '(empty)'],
    ['a value that tries to start a workflow command', 'self-hosted\n::warning::x', 'self-hosted???warning??x'],
  ])('fails the job on %s, with one error line saying why and what to do', (_, environment, shown) => {
    const run = guard(environment);
    expect(run.status).toBe(1);
    expect(errors(run)).toEqual([
      `::error title=GitHub-hosted runner required::runner.environment is '${shown}', not 'github-hosted': this job runs the pull request's code as root, `
      + 'which must never reach a persistent self-hosted machine; run it on a GitHub-hosted runner and give no self-hosted runner the label in its runs-on.',
    ]);
  });
});

describe('the drift check', () => {
  let repo: string;
  const check = () => runScript(step('build', DRIFT_STEP).run, repo);

  beforeEach(() => {
    // GIVEN a checkout whose generated files were just synthesized again
    repo = gitRepo({ '.projenrc.ts': 'project.synth();\n', 'package.json': '{}\n', ...libraryContents() });
  });

  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  test('passes when synthesis changed nothing', () => {
    // WHEN the check runs on an unchanged checkout
    const run = check();
    // THEN it passes
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Generated files match .projenrc.ts.');
  });

  test.each([
    ['changed a committed file', { 'package.json': '{"name":"x"}\n' }, 'package.json'],
    ['wrote a file that was never committed', { '.github/workflows/new.yaml': 'name: new\n' }, '.github/workflows/new.yaml'],
    ['deleted a committed file', { 'package.json': null }, 'package.json'],
  ])('fails with the fix when synthesis %s', (_, change, file) => {
    // WHEN synthesis produced a difference
    writeFiles(repo, change);
    const run = check();
    // THEN the step fails, says how to fix it and lists the file in the summary
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^::error title=Generated files are out of date::.*Run 'npx projen' and commit the result\.$/m);
    expect(run.summary).toContain('Run `npx projen` and commit the result.');
    expect(run.summary).toContain(`- \`${file}\``);
  });

  test('a file name cannot inject markup into the summary', () => {
    // WHEN the difference is a file with a hostile name
    writeFiles(repo, { 'x`<img src=y>|::error::z.txt': 'x' });
    const run = check();
    // THEN the summary names it with the unsafe characters replaced
    expect(run.status).toBe(1);
    expect(run.summary).toContain('- `x??img src=y????error??z.txt`');
    expect(run.summary).not.toContain('<img');
  });
});

describe('the affected-images summary', () => {
  test('the committed build.yml lists the images .projenrc.ts declares, with their path filters', () => {
    // What the step matches in this repository follows its declaration; the tests below run the step on the fixture's images.
    expect(SUMMARY_STEP.env).toMatchObject(affectedImagesEnv(ownPlatform().images));
  });

  test.each([
    ['a script of the demo training image', ['training/demo/train.py'], ['demo-training-images']],
    ['evaluation scripts of the demo deployment image', ['evaluation/demo/eval.py'], ['demo-serving-images']],
    ['a Dockerfile', ['docker/sample/Dockerfile.training'], ['sample-training-images']],
    ['an image workflow', ['.github/workflows/demo-build-deployment-image.yaml'], ['demo-serving-images']],
    ['files of two images and others', ['training/sample/a.py', 'README.md', 'deployment/demo/b.sh'], ['demo-serving-images', 'sample-training-images']],
    ['files no image is built from', ['README.md', 'src/index.ts', '.projenrc.ts'], []],
    ['near misses of a Dockerfile name', ['docker/demo/Dockerfile.training.bak', 'docker/demo/DockerfileXtraining'], []],
    ['a folder that only starts like a script folder', ['training/demo-old/train.py', 'xtraining/demo/a.py'], []],
  ])('a pull request changing %s rebuilds %j', (_, files, images) => {
    // WHEN the step reads the changed files
    const run = summarize(files);
    // THEN the summary lists exactly the images whose path filters match
    expect(run.status).toBe(0);
    expect(affected(run.summary)).toEqual(images);
    expect(run.summary).toContain(`the ${files.length} changed file(s)`);
    if (images.length === 0) {
      expect(run.summary).toContain('None: no path filter of an image workflow matches');
    }
  });

  test('each listed image counts its matching files and shows one', () => {
    // WHEN two files of one image change
    const run = summarize(['training/demo/a.py', 'docker/demo/Dockerfile.training']);
    // THEN its row counts both and names the first
    expect(run.summary).toContain('| `demo-training-images` | Build Demo Training Image | 2 | `training/demo/a.py` |');
  });

  test('a file name cannot inject markup or a workflow command', () => {
    // WHEN a changed file's name is hostile and spans lines
    const run = summarize(['training/demo/x`|<b>\n::error::pwned.py']);
    // THEN it still counts, but is shown on one line with unsafe characters replaced
    expect(affected(run.summary)).toEqual(['demo-training-images']);
    expect(run.summary).toContain('`training/demo/x???b????error??pwned.py`');
    expect(run.stdout).not.toMatch(/^::/m);
    expect(run.summary).not.toContain('<b>');
  });

  test('deleted and renamed files rebuild the images that held them, from a real merge commit', () => {
    // GIVEN GitHub's merge commit of a pull request that deletes one script and moves another away
    const repo = gitRepo({ 'training/demo/old.py': 'a', 'deployment/sample/serve.py': 'b', 'README.md': 'c', ...libraryContents() });
    try {
      checkoutPullRequestMerge(repo, (root) => {
        // Same content under a new name: git sees a rename.
        writeFiles(root, { 'training/demo/old.py': null, 'deployment/sample/serve.py': null, 'docs/serve.py': 'b' });
      });
      // WHEN the two steps run on it
      const list = join(repo, '..', `${repo.split('/').pop()}.changed`);
      const listed = runScript(LIST_STEP.run, repo, { CHANGED_FILES: list });
      const run = runScript(FIXTURE_SUMMARY_STEP.run, repo, { ...FIXTURE_SUMMARY_STEP.env, CHANGED_FILES: list });
      rmSync(list, { force: true });
      // THEN both names of the move count, and the base branch's own change does not
      expect(listed.status).toBe(0);
      expect(run.status).toBe(0);
      expect(run.summary).toContain('of the 3 changed file(s)');
      expect(affected(run.summary)).toEqual(['demo-training-images', 'sample-serving-images']);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

// GitHub's filter pattern cheat sheet, run through the same bash matching.
// https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet
describe('path filter matching follows GitHub\'s filter patterns', () => {
  test.each([
    [['*'], 'README.md', true],
    [['*'], 'docs/README.md', false],
    [['*.jsx?'], 'page.js', true],
    [['*.jsx?'], 'page.jsx', true],
    [['*.jsx?'], 'page.jsxx', false],
    [['**'], 'all/the/files.txt', true],
    [['*.js'], 'app.js', true],
    [['*.js'], 'js/index.js', false],
    [['**.js'], 'src/js/app.js', true],
    [['docs/*'], 'docs/file.txt', true],
    [['docs/*'], 'docs/mona/octocat.txt', false],
    [['docs/**'], 'docs/mona/octocat.txt', true],
    [['docs/**/*.md'], 'docs/README.md', true],
    [['docs/**/*.md'], 'docs/a/markdown/file.md', true],
    [['docs/**/*.md'], 'docs/a/file.txt', false],
    [['**/docs/**'], 'docs/hello.md', true],
    [['**/docs/**'], 'space/docs/plan/space.doc', true],
    [['**/README.md'], 'README.md', true],
    [['**/README.md'], 'js/README.md', true],
    [['**/*src/**'], 'my-src/code/js/app.js', true],
    [['**/*-post.md'], 'path/their-post.md', true],
    [['**/migrate-*.sql'], 'db/sept/migrate-v1.sql', true],
    [['*.md', '!README.md'], 'hello.md', true],
    [['*.md', '!README.md'], 'README.md', false],
    [['*.md', '!README.md', 'README*'], 'README.md', true],
    [['*.md', '!README.md', 'README*'], 'README.doc', true],
    [['[a-c]*.txt'], 'b.txt', true],
    [['[a-c]*.txt'], 'd.txt', false],
    [['file\\*.txt'], 'file*.txt', true],
    [['file\\*.txt'], 'fileX.txt', false],
    [['v1.2/**'], 'v1x2/a', false],
    [['a+b/**'], 'aaab/x', true],
  ])('filters %j match %s: %s', (pathFilters, file, matches) => {
    // GIVEN an image with these path filters
    const probe = { run: SUMMARY_STEP.run, env: affectedImagesEnv([{ repository: 'probe', workflowName: 'Probe', pathFilters }]) };
    // WHEN the changed file is checked
    const run = summarize([file], probe);
    // THEN it matches exactly as GitHub would
    expect(run.status).toBe(0);
    expect(affected(run.summary)).toEqual(matches ? ['probe'] : []);
  });
});

function captureError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('PullRequestChecks', () => {
  function projectWithBuildWorkflow(): javascript.NodeProject {
    return new javascript.NodeProject({
      name: 'fixture',
      defaultReleaseBranch: 'main',
      packageManager: javascript.NodePackageManager.NPM,
      outdir: projectFolder('pr-checks-'),
      buildWorkflowOptions: { mutableBuild: false },
      release: false,
      depsUpgrade: false,
      pullRequestTemplate: false,
      githubOptions: { mergify: false, pullRequestLint: false },
      jest: false,
    });
  }

  test('the summary step follows the declarations: an image declared with extra paths is reported for them', () => {
    // GIVEN a project with projen's build workflow and an image rebuilt by changes to shared code
    const project = projectWithBuildWorkflow();
    const platform = new FixturePlatform(project, { registry: TEST_REGISTRY });
    platform.addImage({
      pipeline: Pipeline.of('mlserver', 'MLServer'),
      kind: ImageKind.DEPLOYMENT,
      repository: 'mlserver-deployment-tools',
      extraPaths: ['shared/**/*.py', '!shared/tests/**'],
    });
    // WHEN it is synthesized
    const build = parse(synth(project)['.github/workflows/build.yml']);
    const script = build.jobs[AFFECTED_IMAGES_JOB_ID].steps.find((s: any) => s.name === 'Summarize affected images');
    // THEN its summary step reports the image for shared code, but not for the excluded tests
    expect(affected(summarize(['shared/lib/util.py'], script).summary)).toEqual(['mlserver-deployment-tools']);
    expect(affected(summarize(['shared/tests/test_util.py'], script).summary)).toEqual([]);
    expect(build.jobs.build.steps.map((s: any) => s.name)).toContain(DRIFT_STEP);
  });

  test('without a pull request build, projen\'s build job still checks out the head commit, and needs no runner guard', () => {
    // GIVEN a project with projen's build workflow, which runs its build task on the runner
    const project = projectWithBuildWorkflow();
    new ImagePlatform(project, { registry: TEST_REGISTRY });
    // WHEN it is synthesized
    const steps = parse(synth(project)['.github/workflows/build.yml']).jobs.build.steps;
    // THEN the checkout is of the head commit, without a stored token, and comes first
    expect(steps[0].name).toBe('Checkout');
    expect(steps[0].with).toMatchObject({ 'ref': '${{ github.event.pull_request.head.sha }}', 'persist-credentials': false });
    expect(steps.map((s: any) => s.name)).not.toContain(GUARD_STEP);
  });

  test('a project without projen\'s build workflow gets no pull request checks', () => {
    // GIVEN the test fixture, which has no build workflow
    const { project, platform } = newPlatform();
    // THEN nothing is added and no build.yml is written
    expect(platform.pullRequestChecks).toBeUndefined();
    expect(Object.keys(synth(project))).not.toContain('.github/workflows/build.yml');
  });

  test('a path filter GitHub cannot read is rejected when the image is declared, naming the rule', () => {
    // GIVEN a platform
    const { platform } = newPlatform();
    // WHEN an image declares broken extra paths
    const error = captureError(() => platform.addImage({
      pipeline: Pipeline.of('mlserver'),
      kind: ImageKind.DEPLOYMENT,
      repository: 'mlserver-deployment-tools',
      extraPaths: ['shared/[abc', '?x', 'shared/[a_b]/**'],
    }));
    // THEN every broken filter is listed with what to do
    expect(error).toMatch(/path filter 'shared\/\[abc' opens a character class '\[' that is never closed: close it or escape it/);
    expect(error).toMatch(/path filter '\?x' starts with '\?', which repeats the character before it: escape it/);
    expect(error).toMatch(/character class '\[a_b\]': GitHub only allows letters, digits and ranges/);
  });
});
