/**
 * The seed's four images, as its tables describe them: the one expectation
 * every per-image test reads, so a change to the seed is one edit here.
 */
export interface SeedImage {
  readonly id: string;
  readonly workflow: string;
  readonly name: string;
  readonly repository: string;
  readonly dockerfile: string;
  readonly buildArgs: string;
  /** The image's own path filters, before its Dockerfile and workflow file. */
  readonly paths: readonly string[];
  readonly training: boolean;
  readonly threshold: string;
  readonly thresholdBytes: number;
  readonly system: readonly string[];
  readonly heavy: readonly string[];
  /** Build arguments pinning heavy packages, as the build-args file lists them. */
  readonly pins: readonly string[];
  readonly python: readonly string[];
  /** The smoke test's import list. */
  readonly imports: string;
  /** Build arguments pinning the tools. */
  readonly tools: readonly string[];
  readonly scripts: ReadonlyArray<readonly [string, string]>;
}

export const SEED_IMAGES: readonly SeedImage[] = [
  {
    id: 'triton-training',
    workflow: 'triton-build-training-image.yaml',
    name: 'Build Triton Training Image',
    repository: 'triton-training-tools',
    dockerfile: 'docker/triton/Dockerfile.training',
    buildArgs: 'docker/triton/triton-training.build-args',
    paths: ['training/triton/**'],
    training: true,
    threshold: '3 GB',
    thresholdBytes: 3e9,
    system: ['curl', 'unzip', 'jq', 'libgomp1'],
    heavy: ['torch', 'torchvision'],
    pins: ['TORCH_VERSION=2.5.1', 'TORCHVISION_VERSION=0.20.1'],
    python: ['mlflow', 'onnx', 'onnxruntime', 'onnxscript', 'numpy', 'pyyaml', 'boto3'],
    imports: 'torch, torchvision, mlflow, onnx, onnxruntime, onnxscript, numpy, yaml, boto3',
    tools: ['AWS_CLI_VERSION'],
    scripts: [['training/triton/', '/scripts/']],
  },
  {
    id: 'triton-deployment',
    workflow: 'triton-build-deployment-image.yaml',
    name: 'Build Triton Deployment Image',
    repository: 'mlops-deployment-tools',
    dockerfile: 'docker/triton/Dockerfile.deployment',
    buildArgs: 'docker/triton/triton-deployment.build-args',
    paths: ['deployment/triton/**'],
    training: false,
    threshold: '1 GB',
    thresholdBytes: 1e9,
    system: ['curl', 'unzip', 'jq', 'libgomp1'],
    heavy: [],
    pins: [],
    python: ['mlflow', 'onnx', 'onnxruntime', 'numpy', 'boto3', 'requests'],
    imports: 'mlflow, onnx, onnxruntime, numpy, boto3, requests',
    tools: ['AWS_CLI_VERSION'],
    scripts: [['deployment/triton/', '/scripts/']],
  },
  {
    id: 'vllm-training',
    workflow: 'vllm-build-training-image.yaml',
    name: 'Build vLLM Training Image',
    repository: 'vllm-training-tools',
    dockerfile: 'docker/vllm/Dockerfile.training',
    buildArgs: 'docker/vllm/vllm-training.build-args',
    paths: ['training/vllm/**'],
    training: true,
    threshold: '3 GB',
    thresholdBytes: 3e9,
    system: ['curl', 'unzip', 'jq'],
    heavy: ['torch'],
    pins: ['TORCH_VERSION=2.5.1'],
    python: ['transformers', 'peft', 'bitsandbytes', 'trl', 'datasets', 'mlflow', 'boto3'],
    imports: 'torch, transformers, peft, bitsandbytes, trl, datasets, mlflow, boto3',
    tools: ['AWS_CLI_VERSION'],
    scripts: [['training/vllm/', '/scripts/']],
  },
  {
    id: 'vllm-deployment',
    workflow: 'vllm-build-deployment-image.yaml',
    name: 'Build vLLM Deployment Image',
    repository: 'vllm-deployment-tools',
    dockerfile: 'docker/vllm/Dockerfile.deployment',
    buildArgs: 'docker/vllm/vllm-deployment.build-args',
    paths: ['deployment/vllm/**', 'evaluation/vllm/**', 'performance/vllm/**'],
    training: false,
    threshold: '1 GB',
    thresholdBytes: 1e9,
    system: ['curl', 'unzip', 'jq'],
    heavy: [],
    pins: [],
    python: ['mlflow', 'boto3', 'requests'],
    imports: 'mlflow, boto3, requests',
    tools: ['AWS_CLI_VERSION', 'KUBECTL_VERSION'],
    scripts: [['deployment/vllm/', '/scripts/'], ['evaluation/vllm/', '/eval-scripts/'], ['performance/vllm/', '/perf-scripts/']],
  },
];
