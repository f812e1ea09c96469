import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { javascript } from 'projen';
import {
  DockerfileSource, GitHubRepository, ImageKind, LifecycleRule, OidcRole, Pipeline, PythonPackage, Registry, ScriptCopy, Size,
  TargetPlatform, Tool, TrustScope,
} from '../src';
import { githubWorkflowCheck } from './support/github-workflow-check';
import { FixturePlatform, projectFolder, synth, TEST_REGISTRY } from './support/project';
import { readWorkflowText, REPO_ROOT, workflowFiles } from './support/workflows';
import { MULTI_PLATFORM_WORKFLOW_FILE, REUSABLE_WORKFLOW_FILE } from '../src/github/image-steps';

const WORKFLOWS = workflowFiles().map((file) => `.github/workflows/${file}`);
const NOTHING = { parser: [], languageService: [] };

/** Writes `files` (path → text) below a new temp folder and returns it. */
function writeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'github-parser-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/**
 * A project that sets every platform and image option, with projen's build
 * workflow and the platform's pull request checks, synthesized: its workflows.
 */
function everyOptionWorkflows(): Record<string, string> {
  const project = new javascript.NodeProject({
    name: 'every-option',
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    outdir: projectFolder('every-option-'),
    release: false,
    // As .projenrc.ts: projen's self-mutation job uses actions (download-artifact) outside the action table.
    buildWorkflowOptions: { mutableBuild: false },
    depsUpgrade: false,
    pullRequestTemplate: false,
    githubOptions: { mergify: false, pullRequestLint: false },
    jest: false,
  });
  const platform = new FixturePlatform(project, {
    // Provenance on: the attest and verify steps, and the permissions they need.
    registry: Registry.ecr({ account: TEST_REGISTRY.account, region: TEST_REGISTRY.region, provenance: true }),
    role: OidcRole.fromArn('arn:aws:iam::123456789012:role/gha-images', { sessionDurationSeconds: 7200 }),
    tagging: { latestBranch: 'trunk', snapshotBranches: ['develop', 'staging'], releaseTagPattern: 'release-*' },
    runsOn: ['ubuntu-24.04'],
    timeoutMinutes: 90,
    githubRepository: GitHubRepository.of('acme', 'ml-platform', { ownerId: 12, repositoryId: 34 }),
    trustScope: TrustScope.anyRef(),
    lifecycleRules: [LifecycleRule.keepLast(5, { tagPrefix: 'develop-' }), LifecycleRule.expireUntaggedAfterDays(3)],
    pullRequestBuild: {
      container: { image: 'debian:12', options: '--privileged' },
      installCommand: '.ci/install',
      testCommand: 'npx projen test',
      timeoutMinutes: 45,
    },
  });
  platform.addImage({
    pipeline: Pipeline.of('triton'),
    kind: ImageKind.TRAINING,
    repository: 'team/triton-training',
    id: 'triton-train',
    workflowName: 'Triton training image',
    workflowFileName: 'triton-train.yml',
    dockerfile: DockerfileSource.generated('images/triton/Dockerfile'),
    sizeWarning: Size.gigabytes(5),
    freeDiskSpace: true,
    targetPlatform: TargetPlatform.LINUX_ARM64,
    runsOn: ['ubuntu-24.04-arm'],
    timeoutMinutes: 120,
    extraPaths: ['shared/**'],
    baseImage: 'python:3.11-slim',
    systemPackages: ['curl', 'jq'],
    heavyPythonPackages: [PythonPackage.of('torch', { version: '2.5.1' })],
    pythonPackages: ['mlflow', PythonPackage.of('pyyaml', { importName: 'yaml' })],
    tools: [Tool.awsCliV2(), Tool.kubectl()],
    scripts: [ScriptCopy.of('training/triton', '/scripts'), ScriptCopy.of('evaluation/triton', '/eval')],
    env: { MLFLOW_TRACKING_URI: 'http://mlflow:5000' },
    workdir: '/scripts',
  });
  platform.addImage({ pipeline: Pipeline.of('vllm', 'vLLM'), kind: ImageKind.DEPLOYMENT, repository: 'vllm-deployment-tools' });
  // Two platforms: the multi-platform reusable workflow, one with a self-hosted runner.
  platform.addImage({
    pipeline: Pipeline.of('vllm', 'vLLM'),
    kind: ImageKind.TRAINING,
    repository: 'vllm-training-tools',
    platforms: [TargetPlatform.LINUX_AMD64, TargetPlatform.of('linux/arm64', { runsOn: ['self-hosted', 'arm64'] })],
  });
  const files = synth(project);
  return Object.fromEntries(Object.entries(files).filter(([path]) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path)));
}

describe('GitHub\'s own workflow parser and language service', () => {
  const committed = githubWorkflowCheck(REPO_ROOT, WORKFLOWS);

  test('see every workflow the project generates', () => {
    expect(Object.keys(committed)).toEqual(WORKFLOWS);
    expect(WORKFLOWS.length).toBeGreaterThanOrEqual(5);
  });

  test.each(WORKFLOWS)('report no error and no warning on %s', (file) => {
    expect(committed[file]).toEqual(NOTHING);
  });

  describe('on the workflows of a project that sets every option', () => {
    const files = everyOptionWorkflows();
    const root = writeTree(files);
    const findings = githubWorkflowCheck(root, Object.keys(files));

    test('the fixture generates its image workflows and the build workflow', () => {
      expect(Object.keys(files)).toEqual(expect.arrayContaining([
        '.github/workflows/build.yml', '.github/workflows/triton-train.yml', `.github/workflows/${MULTI_PLATFORM_WORKFLOW_FILE}`,
      ]));
    });

    test.each(Object.keys(files))('report no error and no warning on %s', (file) => {
      expect(findings[file]).toEqual(NOTHING);
    });
  });

  describe('catch what GitHub would reject', () => {
    const caller = '.github/workflows/triton-build-training-image.yaml';
    const reusable = `.github/workflows/${REUSABLE_WORKFLOW_FILE}`;
    // Both files of the image's job, so the caller's `uses:` resolves.
    const texts: Record<string, string> = {
      [caller]: readWorkflowText('triton-build-training-image.yaml'),
      [reusable]: readWorkflowText(REUSABLE_WORKFLOW_FILE),
    };

    test.each<[string, string, (t: string) => string, Partial<Record<'parser' | 'languageService', RegExp[]>>]>([
      ['a boolean input whose default is the string "false"', caller, (t) => t.replace(/^( +default:) false$/m, '$1 "false"'), {
        parser: [/Unexpected type 'StringToken' encountered while reading 'input default'\. The type 'BooleanToken' was expected\./],
        languageService: [/^\d+:\d+ Unexpected type 'StringToken' encountered while reading 'input default'\. The type 'BooleanToken' was expected\.$/],
      }],
      ['an input the pinned release of the action does not have', reusable, (t) => t.replace(/^( +)persist-credentials: false$/m, '$1persist-credentials: false\n$1fetch-everything: true'), {
        languageService: [/^\d+:\d+ Invalid action input 'fetch-everything'$/],
      }],
      ['a required input left out', reusable, (t) => t.replace(/^ +aws-region: .*\n/m, ''), {
        languageService: [/^\d+:\d+ Missing required input `aws-region`$/],
      }],
      ['an action commit the lock does not know', reusable, (t) => t.replace(/actions\/checkout@[0-9a-f]{40}/, `actions/checkout@${'0'.repeat(40)}`), {
        languageService: [/^\d+:\d+ Unable to resolve action `actions\/checkout@0{40}`, repository or version not found$/],
      }],
    ])('%s', (_case, file, edit, expected) => {
      // GIVEN a generated workflow with one mistake
      const edited = edit(texts[file]);
      expect(edited).not.toBe(texts[file]);
      // WHEN GitHub's parser and language service read it
      const found = githubWorkflowCheck(writeTree({ ...texts, [file]: edited }), [file])[file];
      // THEN they report exactly that mistake
      for (const kind of ['parser', 'languageService'] as const) {
        const patterns = expected[kind] ?? [];
        expect(found[kind]).toHaveLength(patterns.length);
        patterns.forEach((pattern, i) => expect(found[kind][i]).toMatch(pattern));
      }
    });
  });
});
