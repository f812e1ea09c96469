import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from './support/local-checkout';
import { REPO_ROOT } from './support/workflows';

// A copy of the repository, a synthesis and four test files run inside it.
jest.setTimeout(10 * 60_000);

/**
 * The test files that check this repository's own declaration and generated
 * files, each deriving what it expects from `.projenrc.ts`: they must stay
 * green after any edit a team makes to it.
 */
const DECLARATION_DERIVED_TESTS = [
  'test/local-tasks.test.ts', 'test/github-workflow-parser.test.ts', 'test/workflows-readme.test.ts', 'test/trust-policy.test.ts',
];

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

/** Replaces `from` in the text once; a declaration that no longer holds it fails the test instead of passing unchanged. */
function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) {
    throw new Error(`.projenrc.ts no longer contains ${from}: update this test's edit`);
  }
  return text.replace(from, to);
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

describe('a team\'s first edits of .projenrc.ts keep the declaration-derived tests green', () => {
  let dir: string;
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('account, region, repository and IDs, a version, a moved script folder and the README\'s fifth image: npx projen changes what they mean, and the tests pass', () => {
    // GIVEN a copy of the repository with a team's edits: its account, region and GitHub repository,
    // a version bump, a script folder moved, and the MLServer image exactly as the README shows it, with its folder
    dir = copyRepository();
    let projenrc = readFileSync(join(dir, '.projenrc.ts'), 'utf8');
    projenrc = edit(projenrc, "Registry.ecr({ account: '123456789012', region: 'eu-central-1' })", "Registry.ecr({ account: '210987654321', region: 'us-west-2' })");
    projenrc = edit(projenrc, "GitHubRepository.of('acme', 'ml-platform', { ownerId: 12345678, repositoryId: 123456789 })",
      "GitHubRepository.of('globex', 'vision', { ownerId: 87654321, repositoryId: 987654321 })");
    projenrc = edit(projenrc, "PythonPackage.of('torchvision', { version: '0.20.1' })", "PythonPackage.of('torchvision', { version: '0.20.2' })");
    projenrc = edit(projenrc, "ScriptCopy.of('performance/vllm', '/perf-scripts')", "ScriptCopy.of('benchmarks/vllm', '/perf-scripts')");
    projenrc = edit(projenrc, '// Synthesis no longer type-checks', `${readmeSnippet()}\n// Synthesis no longer type-checks`);
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

    // AND the declaration-derived tests pass in the copy
    git(dir, 'commit', '--quiet', '--message', 'npx projen');
    const jest = spawnSync(process.execPath, [join(dir, 'node_modules/jest/bin/jest.js'), '--ci', '--coverage=false', ...DECLARATION_DERIVED_TESTS], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 64 * 1024 * 1024,
    });
    if (jest.status !== 0) {
      throw new Error(`the declaration-derived tests failed in the edited copy:\n${jest.stderr.slice(-8000)}`);
    }
    expect(jest.stderr).toMatch(new RegExp(`Test Suites: ${DECLARATION_DERIVED_TESTS.length} passed, ${DECLARATION_DERIVED_TESTS.length} total`));
  });
});
