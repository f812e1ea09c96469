import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ContainerImageOptions, GitHubRepository, ImageKind, ImagePlatform, ImagePlatformOptions, LifecycleRule, OidcRole, PINS_LOCK_FILE, Pipeline,
  PythonPackage, Registry, ScriptCopy, Size, TargetPlatform, Tool,
} from '../src';
import { FixturePlatform, newPlatform, newProject, synth, TEST_REGISTRY } from './support/project';
import { cleanEnv } from './support/sandbox';
import { REPO_ROOT } from './support/workflows';
import { nearest, OptionKeys, optional, required } from '../src/declaration/option-keys';

type Options = Record<string, unknown>;

const triton = Pipeline.of('triton');

/** A valid image, with `overrides` written into its declaration. */
function image(overrides: Options = {}): ContainerImageOptions {
  return { pipeline: triton, kind: ImageKind.TRAINING, repository: 'triton-training-tools', ...overrides } as ContainerImageOptions;
}

/** A fixture project with the platform options and images given, synthesized. */
function synthesize(platformOptions: Options, ...images: ContainerImageOptions[]): Record<string, any> {
  const { project, platform } = newPlatform(platformOptions as Partial<ImagePlatformOptions>);
  images.forEach((i) => platform.addImage(i));
  return synth(project);
}

/** The one error a declaration throws, or undefined. */
function errorOf(declare: () => unknown): Error | undefined {
  try {
    declare();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

/** `options` with key `from` renamed to `to`, the way a typo replaces an option. */
function renamed(options: Options, from: string, to: string): Options {
  return Object.fromEntries(Object.entries(options).map(([key, value]) => [key === from ? to : key, value]));
}

interface OptionsCase {
  /** The options interface, as messages name it. */
  readonly name: string;
  /** A valid options object of that interface. */
  readonly valid: Options;
  /** Declares an image platform with one image, writing `options` where this interface goes, and synthesizes it. */
  readonly declare: (options: Options) => Record<string, any>;
  /** A key of `valid` and its misspelling. */
  readonly typo: readonly [string, string];
  /** The message of that misspelling. */
  readonly typoMessage: string;
  /** The message of an added key `colour`, which is close to no option. */
  readonly unrelatedMessage: string;
}

const KUBECTL_SUMS = { amd64: 'a'.repeat(64), arm64: 'b'.repeat(64) };

/** Every options object a `.projenrc.ts` writes, in a valid declaration synthesized on a fixture project. */
const OPTIONS_CASES: OptionsCase[] = [
  {
    name: 'ImagePlatformOptions',
    valid: { registry: TEST_REGISTRY, lifecycleRules: [LifecycleRule.expireUntaggedAfterDays(14)] },
    declare: (options) => {
      const project = newProject();
      new FixturePlatform(project, options as unknown as ImagePlatformOptions).addImage(image());
      return synth(project);
    },
    typo: ['lifecycleRules', 'lifecycleRule'],
    typoMessage: "ImagePlatform › lifecycleRule: unknown option of ImagePlatformOptions; did you mean 'lifecycleRules'?",
    unrelatedMessage: 'ImagePlatform › colour: unknown option of ImagePlatformOptions, whose options are registry, role, tagging, runsOn, '
      + 'timeoutMinutes, githubRepository, trustScope, lifecycleRules, pullRequestBuild, pins, upgrade',
  },
  {
    name: 'TaggingOptions',
    valid: { latestBranch: 'main', snapshotBranches: ['develop'], releaseTagPattern: 'v*' },
    declare: (tagging) => synthesize({ tagging }, image()),
    typo: ['snapshotBranches', 'snapshotBranch'],
    typoMessage: "ImagePlatform › tagging › snapshotBranch: unknown option of TaggingOptions; did you mean 'snapshotBranches'?",
    unrelatedMessage: 'ImagePlatform › tagging › colour: unknown option of TaggingOptions, whose options are latestBranch, snapshotBranches, releaseTagPattern',
  },
  {
    name: 'PullRequestBuildOptions',
    valid: { installCommand: '.ci/install', testCommand: 'npx projen test', timeoutMinutes: 60 },
    declare: (pullRequestBuild) => synthesize({ pullRequestBuild }, image()),
    typo: ['testCommand', 'testComand'],
    typoMessage: "ImagePlatform › pullRequestBuild › testComand: unknown option of PullRequestBuildOptions; did you mean 'testCommand'?",
    unrelatedMessage: 'ImagePlatform › pullRequestBuild › colour: unknown option of PullRequestBuildOptions, whose options are container, installCommand, testCommand, timeoutMinutes',
  },
  {
    name: 'UpgradeWorkflowOptions',
    valid: { schedule: '0 6 * * 2', tokenSecret: 'UPGRADE_TOKEN', runsOn: ['ubuntu-24.04'] },
    declare: (upgrade) => synthesize({ upgrade }, image()),
    typo: ['tokenSecret', 'tokenSecrets'],
    typoMessage: "ImagePlatform › upgrade › tokenSecrets: unknown option of UpgradeWorkflowOptions; did you mean 'tokenSecret'?",
    unrelatedMessage: 'ImagePlatform › upgrade › colour: unknown option of UpgradeWorkflowOptions, whose options are schedule, tokenSecret, runsOn',
  },
  {
    name: 'PullRequestBuildContainer',
    valid: { image: 'debian:12', options: '--privileged' },
    declare: (container) => synthesize({ pullRequestBuild: { container } }, image()),
    typo: ['options', 'option'],
    typoMessage: "ImagePlatform › pullRequestBuild › container › option: unknown option of PullRequestBuildContainer; did you mean 'options'?",
    unrelatedMessage: 'ImagePlatform › pullRequestBuild › container › colour: unknown option of PullRequestBuildContainer, whose options are image, options',
  },
  {
    name: 'ContainerImageOptions',
    valid: image({ pythonPackages: ['numpy'] }) as unknown as Options,
    // The second image: its number in the message is its place among the declarations.
    declare: (options) => synthesize({}, image({ kind: ImageKind.DEPLOYMENT, repository: 'triton-deployment-tools' }), options as unknown as ContainerImageOptions),
    typo: ['pythonPackages', 'pythonPackage'],
    typoMessage: "addImage #2 › pythonPackage: unknown option of ContainerImageOptions; did you mean 'pythonPackages'?",
    unrelatedMessage: 'addImage #2 › colour: unknown option of ContainerImageOptions, whose options are pipeline, kind, repository, id, '
      + 'workflowName, workflowFileName, dockerfile, sizeWarning, freeDiskSpace, targetPlatform, platforms, runsOn, timeoutMinutes, extraPaths, '
      + 'baseImage, systemPackages, heavyPythonPackages, pythonPackages, tools, scripts, env, workdir',
  },
  {
    name: 'EcrRegistryOptions',
    valid: { account: '123456789012', region: 'eu-central-1' },
    declare: (options) => synthesize({ registry: Registry.ecr(options as any) }, image()),
    // A required option misspelled is reported once, not also as missing.
    typo: ['account', 'acount'],
    typoMessage: "Registry.ecr › acount: unknown option of EcrRegistryOptions; did you mean 'account'?",
    unrelatedMessage: 'Registry.ecr › colour: unknown option of EcrRegistryOptions, whose options are account, region, provenance',
  },
  {
    name: 'GitHubRepositoryOptions',
    valid: { ownerId: 12, repositoryId: 34 },
    declare: (options) => synthesize({ githubRepository: GitHubRepository.of('acme', 'ml-platform', options as any) }, image()),
    typo: ['repositoryId', 'repositryId'],
    typoMessage: "GitHubRepository.of('acme', 'ml-platform') › repositryId: unknown option of GitHubRepositoryOptions; did you mean 'repositoryId'?",
    unrelatedMessage: "GitHubRepository.of('acme', 'ml-platform') › colour: unknown option of GitHubRepositoryOptions, whose options are ownerId, repositoryId, subjectFormat",
  },
  {
    name: 'OidcRoleOptions',
    valid: { sessionDurationSeconds: 3600 },
    declare: (options) => synthesize({ role: OidcRole.fromSecret('AWS_ROLE_ARN', options) }, image()),
    typo: ['sessionDurationSeconds', 'sessionDuration'],
    typoMessage: "OidcRole.fromSecret › sessionDuration: unknown option of OidcRoleOptions; did you mean 'sessionDurationSeconds'?",
    unrelatedMessage: 'OidcRole.fromSecret › colour: unknown option of OidcRoleOptions, whose options are sessionDurationSeconds',
  },
  {
    name: 'LifecycleTagFilter',
    valid: { tagPrefix: 'develop-' },
    declare: (filter) => synthesize({ lifecycleRules: [LifecycleRule.keepLast(20, filter)] }, image()),
    typo: ['tagPrefix', 'tagPrefx'],
    typoMessage: "LifecycleRule.keepLast › tagPrefx: unknown option of LifecycleTagFilter; did you mean 'tagPrefix'?",
    unrelatedMessage: 'LifecycleRule.keepLast › colour: unknown option of LifecycleTagFilter, whose options are tagPrefix, tagPattern',
  },
  {
    name: 'PythonPackageOptions',
    valid: { importName: 'yaml', version: '6.0.2' },
    declare: (options) => synthesize({}, image({ pythonPackages: [PythonPackage.of('pyyaml', options)] })),
    typo: ['importName', 'importname'],
    typoMessage: "PythonPackage.of('pyyaml') › importname: unknown option of PythonPackageOptions; did you mean 'importName'?",
    unrelatedMessage: "PythonPackage.of('pyyaml') › colour: unknown option of PythonPackageOptions, whose options are importName, version",
  },
  {
    name: 'AwsCliOptions',
    valid: { version: '2.27.50', mirror: 'https://awscli.amazonaws.com' },
    declare: (options) => synthesize({}, image({ tools: [Tool.awsCliV2(options)] })),
    typo: ['mirror', 'mirrors'],
    typoMessage: "Tool.awsCliV2 › mirrors: unknown option of AwsCliOptions; did you mean 'mirror'?",
    unrelatedMessage: 'Tool.awsCliV2 › colour: unknown option of AwsCliOptions, whose options are version, mirror, signingKey',
  },
  {
    name: 'KubectlOptions',
    valid: { version: '1.34.0', sha256: KUBECTL_SUMS, mirror: 'https://dl.k8s.io' },
    declare: (options) => synthesize({}, image({ tools: [Tool.kubectl(options)] })),
    typo: ['version', 'verison'],
    typoMessage: "Tool.kubectl › verison: unknown option of KubectlOptions; did you mean 'version'?",
    unrelatedMessage: 'Tool.kubectl › colour: unknown option of KubectlOptions, whose options are version, sha256, mirror',
  },
  {
    name: 'ArchitectureChecksums',
    valid: KUBECTL_SUMS,
    declare: (sha256) => synthesize({}, image({ tools: [Tool.kubectl({ version: '1.34.0', sha256: sha256 as any })] })),
    typo: ['amd64', 'amd65'],
    typoMessage: "Tool.kubectl › sha256 › amd65: unknown option of ArchitectureChecksums; did you mean 'amd64'?",
    unrelatedMessage: 'Tool.kubectl › sha256 › colour: unknown option of ArchitectureChecksums, whose options are amd64, arm64',
  },
  {
    name: 'ImageKindOptions',
    valid: { title: 'Evaluation', sizeWarning: Size.gigabytes(2), freeDiskSpace: false },
    declare: (options) => synthesize({}, image({ kind: ImageKind.custom('evaluation', options as any) })),
    typo: ['sizeWarning', 'sizeWarnings'],
    typoMessage: "ImageKind.custom('evaluation') › sizeWarnings: unknown option of ImageKindOptions; did you mean 'sizeWarning'?",
    unrelatedMessage: "ImageKind.custom('evaluation') › colour: unknown option of ImageKindOptions, whose options are title, sizeWarning, freeDiskSpace",
  },
];

describe('every options object a .projenrc.ts writes is checked for unknown keys at synthesis', () => {
  test.each(OPTIONS_CASES)('$name: a valid declaration synthesizes', ({ valid, declare }) => {
    // GIVEN a fixture project declared with valid options WHEN it is synthesized THEN the image's workflow is written
    expect(Object.keys(declare(valid)).filter((f) => f.startsWith('.github/workflows/')).length).toBeGreaterThan(0);
  });

  test.each(OPTIONS_CASES)('$name: a misspelled key fails with one line naming it and the nearest option', ({ valid, declare, typo, typoMessage }) => {
    // GIVEN the valid options with one key misspelled WHEN synthesized
    const error = errorOf(() => declare(renamed(valid, ...typo)));
    // THEN the declaration error is that one line
    expect(error?.name).toBe('DeclarationError');
    expect(error?.message).toBe(typoMessage);
  });

  test.each(OPTIONS_CASES)('$name: a key close to no option fails with one line listing the options', ({ valid, declare, unrelatedMessage }) => {
    const error = errorOf(() => declare({ ...valid, colour: 'blue' }));
    expect(error?.name).toBe('DeclarationError');
    expect(error?.message).toBe(unrelatedMessage);
  });

  test('every unknown or missing key of a declaration is reported, one line each', () => {
    // GIVEN an image with two misspelled keys and a required one left out
    const error = errorOf(() => synthesize({}, { pipeline: triton, kind: ImageKind.TRAINING, tool: [], Scripts: [] } as any));
    // THEN each is one line, the misspellings first
    expect(error?.message.split('\n')).toEqual([
      "addImage #1 › tool: unknown option of ContainerImageOptions; did you mean 'tools'?",
      "addImage #1 › Scripts: unknown option of ContainerImageOptions; did you mean 'scripts'?",
      'addImage #1 › repository: missing; ContainerImageOptions requires it',
    ]);
  });

  test.each<[string, string, string[], string | undefined]>([
    ['an exact match but for case', 'PythonPackages', ['heavyPythonPackages', 'pythonPackages'], 'pythonPackages'],
    ['two swapped letters', 'pyhtonPackages', ['heavyPythonPackages', 'pythonPackages'], 'pythonPackages'],
    ['the start of a longer option', 'timeout', ['tools', 'timeoutMinutes'], 'timeoutMinutes'],
    ['a tie, which goes to the option listed first', 'toolz', ['tools', 'tool'], 'tools'],
    ['a short key three edits away', 'gpu', ['env', 'id', 'runsOn'], undefined],
  ])('the nearest option of %s', (_case, key, candidates, expected) => {
    expect(nearest(key, candidates)).toBe(expected);
  });

  test('a type whose options are not all listed does not compile, nor does a listed key it lacks', () => {
    interface Example {
      readonly name: string;
      readonly added?: string;
    }
    // @ts-expect-error 'added' is an option of Example, so its list must name it
    expect(() => new OptionKeys<Example>('Example', { name: required() })).not.toThrow();
    // @ts-expect-error 'nme' is not an option of Example
    expect(() => new OptionKeys<Example>('Example', { name: required(), added: optional(), nme: optional() })).not.toThrow();
    // @ts-expect-error 'name' is required by Example, so it must be listed as required
    expect(() => new OptionKeys<Example>('Example', { name: optional(), added: optional() })).not.toThrow();
  });
});

describe('a plain object where a declaration class belongs fails with one line naming the factory', () => {
  test.each<[string, Options, string]>([
    ['a script copy', { scripts: [ScriptCopy.of('training/triton', '/scripts'), { source: 'training/extra', destination: '/extra' }] },
      'addImage #1 › scripts[1]: a plain object is not a ScriptCopy; use ScriptCopy.of(source, destination)'],
    ['a target platform', { targetPlatform: 'linux/arm64' },
      "addImage #1 › targetPlatform: 'linux/arm64' is not a TargetPlatform; use TargetPlatform.LINUX_AMD64 or TargetPlatform.LINUX_ARM64"],
    ['a platform given as its value', { platforms: [TargetPlatform.LINUX_AMD64, 'linux/arm64'] },
      "addImage #1 › platforms[1]: 'linux/arm64' is not a TargetPlatform; use TargetPlatform.LINUX_AMD64, TargetPlatform.LINUX_ARM64 or TargetPlatform.of('linux/arm64', { runsOn })"],
    ['a Dockerfile source', { dockerfile: { path: 'docker/triton/Dockerfile', generated: false } },
      'addImage #1 › dockerfile: a plain object is not a string or a DockerfileSource; use a path, DockerfileSource.generated(path) or DockerfileSource.handWritten(path)'],
    ['a tool', { tools: [{ name: 'kubectl', version: '1.33.3' }] },
      'addImage #1 › tools[0]: a plain object is not a Tool; use Tool.awsCliV2() or Tool.kubectl()'],
    ['a Python package', { pythonPackages: ['numpy', { name: 'torch', version: '2.5.1' }] },
      'addImage #1 › pythonPackages[1]: a plain object is not a string or a PythonPackage; use a name, or PythonPackage.of(name, { version, importName })'],
  ])('%s', (_case, overrides, message) => {
    expect(errorOf(() => synthesize({}, image(overrides)))?.message).toBe(message);
  });
});

describe('options that are no object fail with one line naming the interface', () => {
  test.each<[string, () => unknown, string]>([
    ['a string for nested options', () => synthesize({ tagging: 'main' }, image()), "ImagePlatform › tagging: 'main' is not an object of TaggingOptions"],
    ['a list for nested options', () => synthesize({ pullRequestBuild: [] }, image()), 'ImagePlatform › pullRequestBuild: a list is not an object of PullRequestBuildOptions'],
    ['nothing for a factory\'s required options', () => LifecycleRule.keepLast(20, undefined as any),
      'LifecycleRule.keepLast: undefined is not an object of LifecycleTagFilter'],
    // A string would be truthy: 'false' would switch provenance on.
    ['a string for a switch', () => Registry.ecr({ account: '123456789012', region: 'eu-central-1', provenance: 'false' as any }),
      "Registry.ecr › provenance: 'false' is not a boolean; write true or false"],
  ])('%s', (_case, declare, message) => {
    expect(errorOf(declare)?.message).toBe(message);
  });
});

describe('a declared script folder', () => {
  /** A fixture project whose folders are exactly the ones given, declaring one image. */
  function declareWith(folders: Record<string, 'folder' | 'file'>, overrides: Options = {}) {
    const project = newProject();
    for (const [path, kind] of Object.entries(folders)) {
      mkdirSync(join(project.outdir, kind === 'folder' ? path : join(path, '..')), { recursive: true });
      if (kind === 'file') writeFileSync(join(project.outdir, path), 'echo hello\n');
    }
    const platform = new ImagePlatform(project, { registry: TEST_REGISTRY });
    return () => {
      platform.addImage(image(overrides));
      return synth(project);
    };
  }

  test.each<[string, Record<string, 'folder' | 'file'>, Options, string]>([
    ['the default folder, missing', {}, {},
      "  - script folder 'training/triton' does not exist: create it with the files the image carries in /scripts, or declare `scripts` (`[]` for none)"],
    ['a declared folder, missing', { 'training/triton': 'folder' },
      { scripts: [ScriptCopy.of('training/triton', '/scripts'), ScriptCopy.of('evaluation/triton', '/eval')] },
      "  - script folder 'evaluation/triton' does not exist: create it with the files the image carries in /eval, or declare `scripts` (`[]` for none)"],
    ['a file', { 'training/triton': 'file' }, {},
      "  - script folder 'training/triton' is a file, not a folder: put the image's files in a folder and declare that"],
  ])('that is %s fails synthesis naming the folder and the fix', (_case, folders, overrides, line) => {
    // GIVEN a project without the folder WHEN the image is declared and synthesized THEN the image's declaration names it
    expect(errorOf(declareWith(folders, overrides))?.message).toBe(`Invalid image declaration 'triton-training':\n${line}`);
  });

  test.each<[string, Record<string, 'folder' | 'file'>, Options]>([
    ['that exists, even empty', { 'training/triton': 'folder' }, {}],
    ['when the image declares none', {}, { scripts: [] }],
  ])('is accepted %s', (_case, folders, overrides) => {
    expect(declareWith(folders, overrides)()['docker/triton/Dockerfile.training']).toBeDefined();
  });
});

describe('synthesis of a projenrc with a mistake', () => {
  /** A small projenrc, declaring one image on this repository's constructs. */
  const PROJENRC = [
    "import { javascript } from 'projen';",
    `import { ImageKind, ImagePlatform, Pipeline, Registry, reportDeclarationErrorsPlainly } from ${JSON.stringify(join(REPO_ROOT, 'src'))};`,
    '',
    // As this repository's .projenrc.ts: a declaration error is one line, not a stack trace.
    'reportDeclarationErrorsPlainly();',
    "const project = new javascript.NodeProject({ name: 'fixture', defaultReleaseBranch: 'main', jest: false, release: false, depsUpgrade: false, buildWorkflow: false, pullRequestTemplate: false, githubOptions: { mergify: false, pullRequestLint: false } });",
    "const platform = new ImagePlatform(project, { registry: Registry.ecr({ account: '123456789012', region: 'eu-central-1' }) });",
    'platform.addImage({',
    "  pipeline: Pipeline.of('demo'),",
    '  kind: ImageKind.DEPLOYMENT,',
    "  repository: 'demo-deployment-tools',",
    "  pythonPackages: ['requests'],",
    '});',
    'project.synth();',
    '',
  ].join('\n');

  let dir: string;

  beforeEach(() => {
    // GIVEN a copy of the small projenrc in a folder of its own, with its script folder
    dir = mkdtempSync(join(tmpdir(), 'projenrc-mistake-'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, '.projenrc.ts'), PROJENRC);
    copyFileSync(join(REPO_ROOT, PINS_LOCK_FILE), join(dir, PINS_LOCK_FILE));
    mkdirSync(join(dir, 'deployment/demo'), { recursive: true });
    writeFileSync(join(dir, 'deployment/demo/serve.py'), 'print("hello")\n');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Every file of the folder with its content, but node_modules. */
  function files(): Record<string, string> {
    return Object.fromEntries(readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !join(e.parentPath, e.name).includes('/node_modules/'))
      .map((e) => [join(e.parentPath, e.name), readFileSync(join(e.parentPath, e.name), 'utf8')]));
  }

  /** Runs this repository's synthesis entry, `npx projen`'s default task, on the folder. */
  function synthesizeFolder() {
    const before = files();
    const result = spawnSync('node', ['--require', join(REPO_ROOT, 'build-tools/register-ts.js'), '.projenrc.ts'], {
      cwd: dir, env: cleanEnv({ PROJEN_DISABLE_POST: 'true' }), encoding: 'utf8',
    });
    return { ...result, before, after: files() };
  }

  test('as written, it synthesizes: the fixture itself is sound', () => {
    const result = synthesizeFolder();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(Object.keys(result.after)).toContain(join(dir, 'docker/demo/Dockerfile.deployment'));
  });

  test.each<[string, (projenrc: string) => string, string]>([
    ['a misspelled option', (rc) => rc.replace('pythonPackages:', 'pythonPackage:'),
      "addImage #1 › pythonPackage: unknown option of ContainerImageOptions; did you mean 'pythonPackages'?\n"],
    ['a misspelled option of a factory', (rc) => rc.replace("region: 'eu-central-1'", "regoin: 'eu-central-1'"),
      "Registry.ecr › regoin: unknown option of EcrRegistryOptions; did you mean 'region'?\n"],
    ['a missing script folder', (rc) => rc.replace("pipeline: Pipeline.of('demo'),", "pipeline: Pipeline.of('demo'), scripts: [ScriptCopy.of('deployment/mlserver', '/scripts')],")
      .replace('reportDeclarationErrorsPlainly }', 'reportDeclarationErrorsPlainly, ScriptCopy }'),
    "Invalid image declaration 'demo-deployment':\n  - script folder 'deployment/mlserver' does not exist: create it with the files the image carries in /scripts, or declare `scripts` (`[]` for none)\n"],
  ])('with %s, fails with its message alone and writes nothing', (_case, edit, stderr) => {
    // GIVEN the projenrc with the mistake
    writeFileSync(join(dir, '.projenrc.ts'), edit(PROJENRC));
    // WHEN synthesized
    const result = synthesizeFolder();
    // THEN it fails with the message, no stack trace or Node banner, and no file was written or changed
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(stderr);
    expect(result.after).toEqual(result.before);
  });
});
