import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ContainerImageOptions, ImageKind, OidcRole, Pipeline, PythonPackage, Registry, ScriptCopy, Size } from '../src';
import { newPlatform, synth } from './support/project';
import { cleanEnv, copyProject, editDeclaration, projectFiles } from './support/sandbox';
import { REPO_ROOT } from './support/workflows';

// A fixture image, named unlike this repository's images.
const fixture = Pipeline.of('fixture');

function valid(overrides: Partial<ContainerImageOptions> = {}): ContainerImageOptions {
  return { pipeline: fixture, kind: ImageKind.TRAINING, repository: 'fixture-training', ...overrides };
}

describe('a bad image declaration fails synth with the value, the rule and the fix', () => {
  test.each<[string, Partial<ContainerImageOptions>, RegExp]>([
    ['an ECR repository name ECR rejects', { repository: 'Fixture_Tools' },
      /repository 'Fixture_Tools' is not a name ECR accepts: .*lower-case.*e\.g\. 'triton-training-tools'/],
    ['a repository name with a double separator', { repository: 'fixture--tools' }, /repository 'fixture--tools' is not a name ECR accepts/],
    ['a one-character repository name', { repository: 'a' }, /repository 'a' is not a name ECR accepts: 2 to 256/],
    ['a path filter above the repository', { extraPaths: ['../elsewhere/**'] },
      /path filter '\.\.\/elsewhere\/\*\*' is outside the repository: use a relative path/],
    ['an absolute path filter', { extraPaths: ['/etc/**'] }, /path filter '\/etc\/\*\*' is outside the repository/],
    ['a Dockerfile outside the repository', { dockerfile: '../Dockerfile' }, /Dockerfile '\.\.\/Dockerfile' is outside the repository/],
    ['a workflow file that is not YAML', { workflowFileName: 'build.json' },
      /workflow file 'build\.json' must be a plain file name ending in '\.yml' or '\.yaml'/],
    ['a workflow file in a sub-folder', { workflowFileName: 'images/build.yaml' }, /workflow file 'images\/build\.yaml' must be a plain file name/],
    ['an id with capitals', { id: 'Fixture' }, /image id 'Fixture' must be lower-case letters and digits/],
    ['an empty runner list', { runsOn: [] }, /runsOn is empty/],
    ['a zero timeout', { timeoutMinutes: 0 }, /timeoutMinutes 0 must be a whole number of minutes from 1 to 360/],
    ['a package declared twice', { pythonPackages: ['numpy', 'NumPy'] }, /Python package 'numpy' is declared twice/],
    ['an id that makes the role session name longer than STS allows', { id: `fixture-${'x'.repeat(30)}` },
      /image id 'fixture-x{30}' is 38 characters: the role session name 'gha-<id>-<run id>-<run attempt>' can reach 65, above the 64 STS accepts; give the image an `id` of at most 37 characters/],
  ])('%s', (_case, overrides, message) => {
    // GIVEN a platform
    const { platform } = newPlatform();
    // WHEN an image is declared with the mistake
    // THEN the declaration fails, naming the image
    expect(() => platform.addImage(valid(overrides))).toThrow(message);
    expect(() => platform.addImage(valid(overrides))).toThrow(/^Invalid image declaration '[^']+':\n {2}- /);
  });

  test('an id of 37 characters, whose session name reaches exactly 64, is accepted', () => {
    const { platform } = newPlatform();
    expect(platform.addImage(valid({ id: `fixture-${'x'.repeat(29)}` })).imageId).toHaveLength(37);
  });

  test.each([
    ['zero', () => Size.gigabytes(0), /Size 0 GB is not allowed: a size must be a positive number/],
    ['negative', () => Size.megabytes(-5), /Size -5 MB is not allowed/],
    ['fraction of a byte', () => Size.bytes(0.4), /Size 0\.4 B is 0\.4 bytes: a size must be a whole number of bytes, at least 1\. Use e\.g\. Size\.bytes\(400\)/],
    ['non-whole byte count', () => Size.bytes(1.5), /Size 1\.5 B is 1\.5 bytes: a size must be a whole number of bytes/],
    ['gigabyte amount below one byte', () => Size.gigabytes(1e-10), /Size 1e-10 GB is 0\.1 bytes: a size must be a whole number of bytes/],
  ])('a %s size threshold is rejected', (_case, make, message) => {
    expect(make).toThrow(message);
  });

  test('a decimal amount of megabytes is a whole number of bytes despite binary floating point', () => {
    expect(Size.megabytes(1.1).bytes).toBe(1_100_000);
    expect(Size.gigabytes(2.5).bytes).toBe(2_500_000_000);
  });

  test('every violation of one declaration is listed at once', () => {
    const { platform } = newPlatform();
    let error: Error | undefined;
    try {
      platform.addImage(valid({ repository: 'BAD', workflowFileName: 'x.txt', extraPaths: ['/abs'] }));
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(3);
  });

  test.each<[string, Partial<ContainerImageOptions>, RegExp]>([
    ['the same id', { repository: 'other-repo', workflowFileName: 'other.yaml', workflowName: 'Other' },
      /image id 'fixture-training' is used by 'fixture-training' \(addImage #1, repository 'fixture-training'\) and 'fixture-training' \(addImage #2, repository 'other-repo'\): give one of them another `id`/],
    ['the same workflow file', { id: 'other', repository: 'other-repo', workflowName: 'Other' },
      /workflow file 'fixture-build-training-image\.yaml' is used by 'fixture-training' \(addImage #1, [^)]+\) and 'other' \(addImage #2, [^)]+\)/],
    ['the same workflow name', { id: 'other', repository: 'other-repo', workflowFileName: 'other.yaml' },
      /workflow name 'Build Fixture Training Image' is used by 'fixture-training' \(addImage #1, [^)]+\) and 'other' \(addImage #2/],
    ['the same repository', { id: 'other', workflowFileName: 'other.yaml', workflowName: 'Other' },
      /ECR repository 'fixture-training' is used by 'fixture-training' \(addImage #1, [^)]+\) and 'other' \(addImage #2, [^)]+\): each image needs its own repository/],
  ])('a second image with %s is rejected, naming both images', (_case, overrides, message) => {
    // GIVEN a platform with one image
    const { platform } = newPlatform();
    platform.addImage(valid());
    // WHEN a second image clashes with it
    // THEN the second declaration fails and the first still stands alone
    expect(() => platform.addImage(valid(overrides))).toThrow(message);
    expect(platform.images.map((i) => i.imageId)).toEqual(['fixture-training']);
  });

  test('a rejected declaration leaves nothing half-written', () => {
    // GIVEN a project whose second image clashes with the first
    const { project, platform } = newPlatform();
    platform.addImage(valid());
    expect(() => platform.addImage(valid({ id: 'dup' }))).toThrow();
    // WHEN the project is synthesized anyway
    const files = synth(project);
    // THEN only the valid image's workflow exists, with the reusable workflow it calls, besides the platform's weekly upgrade
    expect(Object.keys(files).filter((f) => /^\.github\/workflows\/.*\.ya?ml$/.test(f))).toEqual([
      '.github/workflows/fixture-build-training-image.yaml',
      '.github/workflows/image-build.yaml',
      '.github/workflows/upgrade-pins.yml',
    ]);
    expect(existsSync(join(project.outdir, '.github/workflows/dup.yaml'))).toBe(false);
  });
});

describe('bad shared declarations fail with the value and the rule', () => {
  test.each<[string, () => unknown, RegExp]>([
    ['an account that is not 12 digits', () => Registry.ecr({ account: '1234', region: 'ap-southeast-2' }),
      /account '1234' must be the 12-digit AWS account id/],
    ['a region that is not a region', () => Registry.ecr({ account: '444455556666', region: 'Frankfurt' }),
      /region 'Frankfurt' is not an AWS region name, e\.g\. 'eu-central-1'/],
    ['a secret name GitHub reserves', () => OidcRole.fromSecret('GITHUB_ROLE'), /secret 'GITHUB_ROLE' is not a valid GitHub secret name/],
    ['a role that is not an IAM role ARN', () => OidcRole.fromArn('arn:aws:s3:::bucket'), /OIDC role 'arn:aws:s3:::bucket' is not an IAM role ARN/],
    ['a session duration STS refuses', () => OidcRole.fromSecret('AWS_ROLE_ARN', { sessionDurationSeconds: 60 }), /900 to 43200/],
    ['an import name that is not a module', () => PythonPackage.of('pyyaml', { importName: 'py-yaml' }), /import name 'py-yaml' is not a Python module path/],
    ['a version with an operator', () => PythonPackage.of('torch', { version: '>=2' }), /version '>=2' is not an exact version/],
    ['a script folder outside the repository', () => ScriptCopy.of('../scripts', '/scripts'), /script folder '\.\.\/scripts' is outside the repository/],
    ['a relative script destination', () => ScriptCopy.of('training/fixture', 'scripts'), /script destination 'scripts' must be an absolute folder/],
    ['a pipeline name with spaces', () => Pipeline.of('ml server'), /pipeline name 'ml server' must be lower-case letters and digits/],
    ['a tagging branch that is a pattern', () => newPlatform({ tagging: { snapshotBranches: ['release/*'] } }),
      /branch 'release\/\*' must be a plain branch name/],
    ['a script folder with a glob character', () => ScriptCopy.of('training/c++', '/scripts'),
      /script folder 'training\/c\+\+' may only use letters, digits, '\.', '_', '-' and '\/', e\.g\. 'training\/triton'/],
    ['a release tag pattern that matches the build cache tag', () => newPlatform({ tagging: { releaseTagPattern: 'b*' } }),
      /release tag pattern 'b\*' matches git tag 'buildcache', which would become image tag 'buildcache', reserved for the registry build caches: narrow the pattern, e\.g\. 'v\*'/],
    ['a release tag pattern of every tag', () => newPlatform({ tagging: { releaseTagPattern: '*' } }), /release tag pattern '\*' matches git tag 'buildcache'/],
  ])('%s', (_case, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('npx projen with a bad declaration', () => {
  const PROJEN = join(REPO_ROOT, 'node_modules', 'projen', 'bin', 'projen');
  let copy: string;

  beforeEach(() => {
    // GIVEN a copy of this project
    copy = copyProject(mkdtempSync(join(tmpdir(), 'bad-declaration-')));
  });

  afterEach(() => rmSync(copy, { recursive: true, force: true }));

  function synthWith(edit: (projenrc: string) => string) {
    const projenrc = join(copy, '.projenrc.ts');
    writeFileSync(projenrc, edit(readFileSync(projenrc, 'utf8')));
    const before = projectFiles(copy);
    const result = spawnSync('node', [PROJEN, '--no-post'], { cwd: copy, env: cleanEnv(), encoding: 'utf8' });
    return { ...result, unchanged: isDeepStrictEqual(projectFiles(copy), before) };
  }

  test('fails with the declaration\'s message alone, no stack trace, and writes no file', () => {
    // WHEN the declaration gains an image whose id makes the role session name too long: added before
    // the closing synth, whatever images .projenrc.ts declares
    const result = synthWith((text) => editDeclaration(text, 'project.synth();', [
      "{ const src = require('./src');",
      "  src.ImagePlatform.of(project).addImage({ pipeline: src.Pipeline.of('fixture'), kind: src.ImageKind.TRAINING, repository: 'fixture-training',",
      "    id: 'fixture-training-with-an-id-far-too-long-for-sts', scripts: [] }); }",
      'project.synth();',
    ].join('\n')));
    // THEN synthesis fails with the rule and the fix, without frames or Node's banner, and nothing changed
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("Invalid image declaration 'fixture-training-with-an-id-far-too-long-for-sts':\n  - image id 'fixture-training-with-an-id-far-too-long-for-sts' is 48 characters");
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toMatch(/Node\.js v\d+|\^\n/);
    expect(result.unchanged).toBe(true);
  });

  test('any other error still shows its stack trace', () => {
    // WHEN a declaration error was caught and then a programming error escapes
    const result = synthWith((text) => editDeclaration(text, 'project.synth();', [
      "try { require('./src').Size.bytes(0.4); } catch (e) { if (e.name !== 'DeclarationError') throw e; }",
      "throw new TypeError('not a declaration error');",
    ].join('\n')));
    // THEN it is reported with its stack, and synthesis fails
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('TypeError: not a declaration error');
    expect(result.stderr).toMatch(/^\s+at .*\.projenrc\.ts/m);
    expect(result.unchanged).toBe(true);
  });
});
