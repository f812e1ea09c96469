import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerImage, ImageKind, Pipeline, ScriptCopy } from '../src';
import { commitAll, documentOf, fingerprintCall, fingerprintOf, InputsRepository, setExecutable } from './support/fingerprint-fixture';
import { fixtureImages, fixtureRepositoryFiles, newFixturePlatform } from './support/fixture-images';
import { git, GIT_ENV, runScript } from './support/git-fixture';
import { imageStep } from './support/image-job';
import { LIBRARY } from './support/library';
import { copiedPaths } from '../src/docker/dockerfile-args';
import { fingerprintArguments } from '../src/shell/fingerprint';

// The fingerprint is computed on the tests' own fixture project (test/support/fixture-images.ts):
// a training image with one script folder, a deployment image with three and two tools.
const FIXTURE = fixtureImages();
const IMAGES = FIXTURE.images.map((image) => [image.imageId, image] as const);

type Change = (dir: string, image: ContainerImage) => void;

const firstScriptFolder = (image: ContainerImage) => image.scripts[0].source;
const otherImage = (image: ContainerImage) => FIXTURE.images.find((other) =>
  other.scripts.every((a) => !image.scripts.some((b) => a.source === b.source)))!;

// Each changes what the build reads: the fingerprint must move.
const CHANGES: Array<[string, Change]> = [
  ['a line added to the Dockerfile', (dir, image) => appendFileSync(join(dir, image.dockerfile), 'RUN true\n')],
  ['the value of a build argument', (dir, image) => writeFileSync(join(dir, image.buildArgsFile),
    readFileSync(join(dir, image.buildArgsFile), 'utf8').replace(/^BASE_IMAGE=.*$/m, 'BASE_IMAGE=python:3.13-slim'))],
  ['a new build argument', (dir, image) => appendFileSync(join(dir, image.buildArgsFile), 'EXTRA_VERSION=1\n')],
  ['a file edited in the first script folder', (dir, image) => appendFileSync(join(dir, firstScriptFolder(image), 'README.md'), 'more\n')],
  ['a file added to the first script folder', (dir, image) => writeFileSync(join(dir, firstScriptFolder(image), 'run.py'), 'print(1)\n')],
  ['a file added in a subfolder of the last script folder', (dir, image) => {
    const folder = join(dir, image.scripts[image.scripts.length - 1].source, 'lib');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'util.py'), '');
  }],
  ['a file deleted from the first script folder', (dir, image) => rmSync(join(dir, firstScriptFolder(image), 'README.md'))],
  ['a script made executable', (dir, image) => setExecutable(join(dir, firstScriptFolder(image), 'README.md'), true)],
  ['the .dockerignore that filters the copied folders', (dir) => appendFileSync(join(dir, '.dockerignore'), '**/*.tmp\n')],
  ['the signing key the tools stage copies', (dir, image) => {
    const key = copiedPaths(readFileSync(join(dir, image.dockerfile), 'utf8')).find((p) => p.startsWith('docker/keys/'))!;
    appendFileSync(join(dir, key), '\n');
  }],
];

// None of these reaches the image: the fingerprint must stay.
const NON_CHANGES: Array<[string, Change]> = [
  ['a comment in the build arguments file', (dir, image) => appendFileSync(join(dir, image.buildArgsFile), '# a reviewer\'s note\n')],
  ['the README at the root', (dir) => appendFileSync(join(dir, 'README.md'), 'more\n')],
  ['a file of another image\'s script folder', (dir, image) => appendFileSync(join(dir, firstScriptFolder(otherImage(image)), 'README.md'), 'more\n')],
  ['a new workflow file', (dir) => {
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, '.github/workflows/other.yaml'), 'on: push\n');
  }],
];

describe.each(IMAGES)('the inputs fingerprint of %s', (_id, image) => {
  const inputs = image;
  let repo: InputsRepository;

  beforeAll(() => {
    repo = new InputsRepository(fixtureRepositoryFiles());
  });
  afterAll(() => repo.remove());

  test('is a sha256 and names the tag inputs-<its first 16 hex digits>', () => {
    // WHEN the fingerprint and its tag are computed in a clean checkout
    const fingerprint = fingerprintOf(repo.dir, inputs);
    const tag = fingerprintCall(repo.dir, 'inputs_tag', [fingerprint]);
    // THEN the fingerprint is 64 hex digits and the tag keeps 16 of them
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(tag.stdout).toBe(`inputs-${fingerprint.slice(0, 16)}\n`);
  });

  test('is the same in two clones of the same commit, made at different times', () => {
    // GIVEN two fresh clones of the repository
    const [first, second] = [repo.clone(), repo.clone()];
    // THEN all three checkouts give one value
    expect(fingerprintOf(first, inputs)).toBe(fingerprintOf(repo.dir, inputs));
    expect(fingerprintOf(second, inputs)).toBe(fingerprintOf(repo.dir, inputs));
  });

  test('hashes the platform, the build arguments without comments and git\'s own object for each input', () => {
    // WHEN the document behind the fingerprint is printed in a clean checkout
    const document = documentOf(repo.dir, inputs);
    // THEN each input is the entry `git rev-parse HEAD:<path>` names, and each build argument line is there
    const dir = repo.dir;
    const entry = (path: string) => `input ${path} ${git(dir, 'ls-tree', 'HEAD', '--', path).split('\t')[0]}`;
    expect(document).toEqual([
      'inputs-fingerprint 2',
      'platform linux/amd64',
      `dockerfile ${image.dockerfile}`,
      ...readFileSync(join(dir, image.buildArgsFile), 'utf8').split('\n').filter((l) => /^[A-Z]/.test(l)).map((l) => `build-arg ${l}`),
      ...[image.dockerfile, ...inputs.buildInputs.filter((p) => p !== image.dockerfile && p !== image.buildArgsFile), '.dockerignore'].map(entry),
    ]);
    for (const { source: folder } of image.scripts) {
      expect(document).toContain(`input ${folder} 040000 tree ${git(dir, 'rev-parse', `HEAD:${folder}`).trim()}`);
    }
  });

  test.each(CHANGES)('changes with %s', (_what, change) => {
    // GIVEN a clone where the change is committed
    const dir = repo.clone();
    const before = fingerprintOf(dir, inputs);
    change(dir, image);
    commitAll(dir, 'change');
    // THEN the fingerprint differs
    expect(fingerprintOf(dir, inputs)).not.toBe(before);
  });

  test.each(NON_CHANGES)('stays with %s', (_what, change) => {
    // GIVEN a clone where the change is committed
    const dir = repo.clone();
    const before = fingerprintOf(dir, inputs);
    change(dir, image);
    commitAll(dir, 'change');
    // THEN the fingerprint is the same
    expect(fingerprintOf(dir, inputs)).toBe(before);
  });

  test('changes with the platform', () => {
    expect(fingerprintOf(repo.dir, inputs, 'linux/arm64')).not.toBe(fingerprintOf(repo.dir, inputs, 'linux/amd64'));
  });

  test('stays at a new commit with another message and time', () => {
    // GIVEN an empty commit made a year later
    const dir = repo.clone();
    const before = fingerprintOf(dir, inputs);
    commitAll(dir, 'a release, much later', '2031-06-01T12:00:00Z');
    // THEN nothing the image is built from changed, and neither did the fingerprint
    expect(git(dir, 'rev-parse', 'HEAD')).not.toBe(git(repo.dir, 'rev-parse', 'HEAD'));
    expect(fingerprintOf(dir, inputs)).toBe(before);
  });
});

describe('the inputs fingerprint in a working tree that differs from HEAD', () => {
  const image = FIXTURE.training;
  const inputs = image;
  const folder = firstScriptFolder(image);
  let repo: InputsRepository;

  beforeAll(() => {
    repo = new InputsRepository(fixtureRepositoryFiles());
  });
  afterAll(() => repo.remove());

  test.each<[string, Change]>([
    ['an edited script', (dir) => appendFileSync(join(dir, folder, 'README.md'), 'edited\n')],
    ['a new script', (dir) => writeFileSync(join(dir, folder, 'new.py'), 'print(2)\n')],
    ['a deleted script', (dir) => rmSync(join(dir, folder, 'README.md'))],
    ['a staged and then edited script', (dir) => {
      appendFileSync(join(dir, folder, 'README.md'), 'staged\n');
      git(dir, 'add', '--all');
      appendFileSync(join(dir, folder, 'README.md'), 'edited after staging\n');
    }],
  ])('with %s is the value its commit will have, and leaves the index alone', (_what, change) => {
    // GIVEN an uncommitted change to an input
    const dir = repo.clone();
    const clean = fingerprintOf(dir, inputs);
    change(dir, image);
    const status = git(dir, 'status', '--porcelain');
    const staged = git(dir, 'diff', '--cached');
    // WHEN the fingerprint is computed before committing
    const dirty = fingerprintOf(dir, inputs);
    // THEN it already describes the edited content, exactly as after the commit
    expect(dirty).not.toBe(clean);
    expect(git(dir, 'status', '--porcelain')).toBe(status);
    expect(git(dir, 'diff', '--cached')).toBe(staged);
    commitAll(dir, 'commit the edit');
    expect(fingerprintOf(dir, inputs)).toBe(dirty);
  });

  test('counts a git-ignored file in a script folder, which a COPY takes, without storing it in git', () => {
    // GIVEN a file .gitignore hides in a script folder (a cache, a log, a local .env)
    const dir = repo.clone();
    const clean = fingerprintOf(dir, inputs);
    writeFileSync(join(dir, '.git/info/exclude'), '*.log\n');
    writeFileSync(join(dir, folder, 'debug.log'), 'a secret-looking line\n');
    const blob = git(dir, 'hash-object', join(folder, 'debug.log')).trim();
    // WHEN the fingerprint is computed
    const dirty = fingerprintOf(dir, inputs);
    // THEN the file counts, as the build would copy it, and git holds no copy of it
    expect(dirty).not.toBe(clean);
    expect(documentOf(dir, inputs)).toContain(`ignored ${folder}/debug.log 100644 blob ${blob}`);
    expect(() => git(dir, 'cat-file', '-e', blob)).toThrow();
    // AND removing it gives the clean value back
    rmSync(join(dir, folder, 'debug.log'));
    expect(fingerprintOf(dir, inputs)).toBe(clean);
  });

  test('stays with an uncommitted change outside the inputs', () => {
    const dir = repo.clone();
    const clean = fingerprintOf(dir, inputs);
    appendFileSync(join(dir, 'README.md'), 'edited\n');
    writeFileSync(join(dir, 'scratch.txt'), 'new\n');
    expect(fingerprintOf(dir, inputs)).toBe(clean);
  });

  test('is the same when run from a subfolder of the checkout', () => {
    const run = fingerprintCall(join(repo.dir, folder), 'inputs_fingerprint', ['linux/amd64', ...fingerprintArguments(inputs)]);
    expect(run.stdout.trim()).toBe(fingerprintOf(repo.dir, inputs));
  });
});

describe.each(IMAGES)('the workflow and the local tasks name %s by the same inputs tag', (_id, image) => {
  let repo: InputsRepository;
  beforeAll(() => {
    repo = new InputsRepository(fixtureRepositoryFiles());
  });
  afterAll(() => repo.remove());

  /** The inputs tag the workflow's own step writes, run in the checkout as the runner runs it. */
  const workflowTag = (): string => {
    const step = imageStep(image.workflowFileName, 'inputs', {}, FIXTURE.files);
    const outputs = join(repo.dir, '..', `outputs-${Math.random().toString(36).slice(2)}`);
    writeFileSync(outputs, '');
    const run = runScript(step.run, repo.dir, { ...step.env, GITHUB_OUTPUT: outputs });
    expect(run.stderr).toBe('');
    const tag = /^tag=(.*)$/m.exec(readFileSync(outputs, 'utf8'))![1];
    rmSync(outputs);
    return tag;
  };
  /** The inputs tag `docker/image-tasks.sh fingerprint` names, run in the same checkout. */
  const localTag = (): string => {
    const run = spawnSync('bash', ['docker/image-tasks.sh', 'fingerprint', image.imageId, 'v9'], { cwd: repo.dir, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
    expect(run.stderr).toBe('');
    return run.stdout.trim().replace(/^.*:/, '');
  };

  test('in a clean checkout', () => {
    const tag = workflowTag();
    expect(tag).toMatch(/^inputs-[0-9a-f]{16}$/);
    expect(localTag()).toBe(tag);
  });

  test('with uncommitted edits to the image\'s files, both name the edited content', () => {
    const clean = workflowTag();
    appendFileSync(join(repo.dir, firstScriptFolder(image), 'README.md'), 'an uncommitted edit\n');
    const edited = workflowTag();
    expect(edited).not.toBe(clean);
    expect(localTag()).toBe(edited);
  });
});

describe('the inputs fingerprint refuses what it cannot hash honestly', () => {
  const image = FIXTURE.training;
  const args = fingerprintArguments(image);
  let repo: InputsRepository;

  beforeAll(() => {
    repo = new InputsRepository(fixtureRepositoryFiles());
  });
  afterAll(() => repo.remove());

  test.each<[string, string, string[], string]>([
    ['a platform that is not OS/ARCH', 'inputs_fingerprint', ['linux/amd64; touch pwned', ...args], 'platform linux/amd64\\;\\ touch\\ pwned is not OS/ARCH[/VARIANT] such as linux/amd64'],
    ['a platform with a line break', 'inputs_fingerprint', ['linux/amd64\n::warning::x', ...args], 'platform $\'linux/amd64\\n::warning::x\' is not OS/ARCH[/VARIANT]'],
    ['a path leaving the repository', 'inputs_fingerprint', ['linux/amd64', image.dockerfile, image.buildArgsFile, '../outside'], 'input ../outside must be a path relative to the repository root'],
    ['an absolute path', 'inputs_fingerprint', ['linux/amd64', image.dockerfile, image.buildArgsFile, '/etc'], 'input /etc must be a path relative to the repository root'],
    ['a missing Dockerfile', 'inputs_fingerprint', ['linux/amd64', 'docker/nope/Dockerfile', image.buildArgsFile], 'Dockerfile docker/nope/Dockerfile does not exist'],
    ['a missing build arguments file', 'inputs_fingerprint', ['linux/amd64', image.dockerfile, 'docker/nope.build-args'], 'build arguments file docker/nope.build-args does not exist'],
    ['too few arguments', 'inputs_fingerprint', ['linux/amd64'], 'usage: inputs_document PLATFORM DOCKERFILE BUILD_ARGS_FILE [PATH...]'],
    ['a tag from something that is no fingerprint', 'inputs_tag', ['0123abc'], '0123abc is not a fingerprint: expected 64 lower-case hex digits'],
  ])('fails on %s with one line naming the value', (_what, fn, callArgs, message) => {
    // WHEN the function runs with the bad value
    const run = fingerprintCall(repo.dir, fn, callArgs);
    // THEN it fails with one workflow error line and prints no value
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`::error title=Inputs fingerprint::${message}`);
  });

  test('fails on a build arguments line that is not NAME=value, which no build could take as the document says', () => {
    // GIVEN a build arguments file with a line BuildKit would not read as one argument
    writeFileSync(join(repo.dir, 'docker/bad.build-args'), '# comment\nBASE_IMAGE=x\nnot an argument\n');
    // WHEN it is fingerprinted
    const run = fingerprintCall(repo.dir, 'inputs_fingerprint', ['linux/amd64', image.dockerfile, 'docker/bad.build-args']);
    // THEN one line names the line and the file
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('::error title=Inputs fingerprint::line not\\ an\\ argument of docker/bad.build-args is not NAME=value: fix the file (npx projen writes it)\n');
  });

  test('fails outside a git checkout, saying the fingerprint needs git', () => {
    const dir = join(repo.clone(), '..');
    rmSync(join(dir, 'repo', '.git'), { recursive: true });
    const run = fingerprintCall(join(dir, 'repo'), 'inputs_fingerprint', ['linux/amd64', ...args]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^::error title=Inputs fingerprint::\S+ is not in a git checkout: the fingerprint hashes git objects\n$/);
  });
});

describe('the fingerprint functions', () => {
  const script = readFileSync(join(LIBRARY, 'fingerprint.sh'), 'utf8');

  test('use no bash 4 syntax, so macOS\'s bash 3.2 can run them', () => {
    // associative arrays, mapfile, case conversion, nameref, ;& and ;;&, |&, &>>, -v tests, inherit_errexit
    const bash4 = /declare -A|local -A|mapfile|readarray|\$\{[^}]*(,,|\^\^)|(local|declare) -n|;;&|;&|\|&|&>>|\[\[ -v|inherit_errexit|\$\{[^}]*@[QEPAa]\}/;
    expect(script).not.toMatch(bash4);
  });

  test('take a declared image\'s Dockerfile, build arguments file, script folders and the .dockerignore', () => {
    // GIVEN an image with two script folders
    const { platform } = newFixturePlatform();
    const image = platform.addImage({
      pipeline: Pipeline.of('demo'),
      kind: ImageKind.DEPLOYMENT,
      repository: 'demo-deployment',
      scripts: [ScriptCopy.of('deployment/demo/', '/scripts'), ScriptCopy.of('evaluation/demo', '/eval-scripts')],
    });
    // THEN its fingerprint covers exactly these paths
    expect(fingerprintArguments(image)).toEqual([
      'docker/demo/Dockerfile.deployment',
      'docker/demo/demo-deployment.build-args',
      'docker/keys/FB5DB77FD5C118B80511ADA8A6310ACC4672475C.asc',
      'deployment/demo',
      'evaluation/demo',
      '.dockerignore',
    ]);
  });
});
