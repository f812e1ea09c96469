import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from './support/local-checkout';
import { cleanEnv, editDeclaration } from './support/sandbox';
import { REPO_ROOT } from './support/workflows';

// A copy of the repository, a synthesis and the suite (but for the end-to-end builds) run inside it.
jest.setTimeout(40 * 60_000);

/**
 * The suite's test files, read from the folder: all but the end-to-end builds
 * (test/e2e/, which a team's edit does not change and which take most of the
 * suite's time), the benchmarks (test/bench/, not tests) and this file. Each
 * of them must pass after any edit a team makes to `.projenrc.ts`: what they
 * expect of this repository comes from its declaration, and the constructs
 * are tested on fixtures of their own.
 */
function suiteTestFiles(): string[] {
  const files: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(join(REPO_ROOT, folder), { withFileTypes: true })) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory() && !['test/e2e', 'test/bench'].includes(path)) {
        walk(path);
      } else if (entry.isFile() && path.endsWith('.test.ts') && path !== 'test/declaration-edit.test.ts') {
        files.push(path);
      }
    }
  };
  walk('test');
  return files.sort();
}

/** The README's "Adding an image" declaration, as a team pastes it. */
function readmeSnippet(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Adding an image'));
  const snippet = section.match(/```ts\n([\s\S]*?)```/);
  if (!snippet) {
    throw new Error('README.md\'s "Adding an image" has no ts block');
  }
  return snippet[1];
}

/** The repository's files as git sees them (tracked and new, ignored ones aside), copied into a new git repository. */
function copyRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'declaration-edit-'));
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .stdout.split('\0').filter(Boolean);
  const tar = spawnSync('bash', ['-c', 'tar --null -T - -cf - | tar -C "$1" -xf -', 'copy', dir], { cwd: REPO_ROOT, input: files.join('\0') });
  if (tar.status !== 0) {
    throw new Error(`copying the repository failed: ${tar.stderr}`);
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  git(dir, 'init', '--quiet', '--initial-branch=main');
  // .gitignore's `node_modules/` matches a folder, not this link.
  writeFileSync(join(dir, '.git/info/exclude'), '/node_modules\n');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--message', 'as cloned');
  return dir;
}

describe('a team\'s first edits of .projenrc.ts keep the suite green', () => {
  let dir: string;
  let jestCache: string;
  afterAll(() => [dir, jestCache].forEach((d) => d && rmSync(d, { recursive: true, force: true })));

  test('account, region, repository and IDs, a version, a moved script folder and the README\'s fifth image: npx projen changes what they mean, and the tests pass', () => {
    // GIVEN a copy of the repository with a team's edits: its account, region and GitHub repository,
    // a version bump, a script folder moved, and the MLServer image exactly as the README shows it, with its folder
    dir = copyRepository();
    let projenrc = readFileSync(join(dir, '.projenrc.ts'), 'utf8');
    projenrc = editDeclaration(projenrc, "Registry.ecr({ account: '123456789012', region: 'eu-central-1' })", "Registry.ecr({ account: '210987654321', region: 'us-west-2' })");
    projenrc = editDeclaration(projenrc, "GitHubRepository.of('acme', 'ml-platform', { ownerId: 12345678, repositoryId: 123456789 })",
      "GitHubRepository.of('globex', 'vision', { ownerId: 87654321, repositoryId: 987654321 })");
    projenrc = editDeclaration(projenrc, "PythonPackage.of('torchvision', { version: '0.20.1' })", "PythonPackage.of('torchvision', { version: '0.20.2' })");
    projenrc = editDeclaration(projenrc, "ScriptCopy.of('performance/vllm', '/perf-scripts')", "ScriptCopy.of('benchmarks/vllm', '/perf-scripts')");
    projenrc = editDeclaration(projenrc, '// Synthesis no longer type-checks', `${readmeSnippet()}\n// Synthesis no longer type-checks`);
    writeFileSync(join(dir, '.projenrc.ts'), projenrc);
    mkdirSync(join(dir, 'benchmarks'));
    git(dir, 'mv', 'performance/vllm', 'benchmarks/vllm');
    mkdirSync(join(dir, 'deployment/mlserver'));
    writeFileSync(join(dir, 'deployment/mlserver/serve.py'), 'print("serve")\n');
    git(dir, 'add', '--all');
    git(dir, 'commit', '--quiet', '--message', 'our account, repository and images');

    // WHEN npx projen synthesizes, without its npm install: node_modules is the repository's, and
    // under CI=true projen's install would be `npm ci`, which empties it. The CLI sets
    // PROJEN_DISABLE_POST from its own --post option, so the option is what turns it off.
    const synth = spawnSync(process.execPath, [join(dir, 'node_modules/projen/bin/projen'), '--no-post'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, PROJEN_DISABLE_POST: 'true' },
    });
    expect(synth.stderr.split('\n').filter((l) => /error|fail/i.test(l))).toEqual([]);
    expect(synth.status).toBe(0);

    // THEN the generated diff is what the edits mean, and nothing else
    git(dir, 'add', '--all');
    const changed = git(dir, 'diff', '--cached', '--name-status', '--no-renames').split('\n').sort();
    expect(changed).toEqual([
      // the new image's own files, and projen's lists of generated files and tasks naming them
      'A\t.github/workflows/mlserver-build-deployment-image.yaml',
      'A\tdocker/mlserver/Dockerfile.deployment',
      'A\tdocker/mlserver/mlserver-deployment.build-args',
      'M\t.gitattributes',
      // account, region, repository and IDs, and the new repository
      'M\t.github/aws/README.md',
      'M\t.github/aws/ecr-operator-policy.json',
      'M\t.github/aws/ecr-push-policy.json',
      'M\t.github/aws/ecr-repositories.json',
      'M\t.github/aws/trust-policy.json',
      // the image table, the pull request check's images and path rules, the registry of the reusable job
      'M\t.github/workflows/README.md',
      'M\t.github/workflows/build.yml',
      'M\t.github/workflows/image-build.yaml',
      // the moved folder: the vLLM deployment image's path filter and COPY
      'M\t.github/workflows/vllm-build-deployment-image.yaml',
      'M\t.gitignore',
      'M\t.projen/files.json',
      // what the weekly upgrade resolves: the new image's packages, the held torchvision version
      'M\t.projen/pins-intent.json',
      'M\t.projen/tasks.json',
      'M\tdocker/image-tasks.sh',
      // the version bump
      'M\tdocker/triton/Dockerfile.training',
      'M\tdocker/triton/triton-training.build-args',
      'M\tdocker/vllm/Dockerfile.deployment',
      'M\tpackage.json',
    ]);
    // No generated file still names what the edits replaced (the hand-written library's examples may).
    const generated: string[] = JSON.parse(readFileSync(join(dir, '.projen/files.json'), 'utf8')).files;
    const stale = generated.filter((file) => /123456789012|eu-central-1|acme\/ml-platform|performance\/vllm|0\.20\.1/.test(readFileSync(join(dir, file), 'utf8')));
    expect(stale).toEqual([]);

    // AND the suite passes in the copy: every test file but the end-to-end builds, in one jest run. Its
    // cache is its own and it reports to the terminal only (no junit file), so nothing is written into
    // this checkout; the tests that synthesize do so with --no-post, which keeps the shared node_modules.
    // Two workers: jest's default on 2 cores is one, and this test's own worker only waits meanwhile.
    git(dir, 'commit', '--quiet', '--message', 'npx projen');
    const tests = suiteTestFiles();
    jestCache = mkdtempSync(join(tmpdir(), 'declaration-edit-jest-'));
    const jest = spawnSync(process.execPath, [
      join(dir, 'node_modules/jest/bin/jest.js'), '--ci', '--coverage=false', '--reporters=default', `--cacheDirectory=${jestCache}`, '--maxWorkers=2',
      '--runTestsByPath', ...tests,
    ], { cwd: dir, encoding: 'utf8', env: cleanEnv({ CI: 'true' }), maxBuffer: 256 * 1024 * 1024, timeout: 35 * 60_000 });
    if (jest.status !== 0) {
      throw new Error(`the suite failed in the edited copy:\n${jest.stderr.slice(-20000)}`);
    }
    expect(jest.stderr).toMatch(new RegExp(`Test Suites: ${tests.length} passed, ${tests.length} total`));
    expect(existsSync(join(dir, 'test-reports'))).toBe(false);
  });
});
