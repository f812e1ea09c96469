import { ContainerImageOptions, ImageKind, Pipeline, PythonPackage, ScriptCopy, Tool } from '../../src';

/**
 * Declarations shaped like the four real images (a PyTorch training image and
 * a light deployment image per pipeline), so synthesis does the same work per
 * image whatever the count.
 */
export function benchImageOptions(count: number): ContainerImageOptions[] {
  return Array.from({ length: count }, (_, i) => {
    const pipeline = Pipeline.of(`bench${Math.floor(i / 2)}`);
    const training = i % 2 === 0;
    const kind = training ? ImageKind.TRAINING : ImageKind.DEPLOYMENT;
    return {
      pipeline,
      kind,
      repository: `${pipeline.name}-${kind.name}-tools`,
      systemPackages: ['curl', 'unzip', 'jq', 'libgomp1'],
      heavyPythonPackages: training ? ['torch', 'torchvision'] : [],
      pythonPackages: ['mlflow', 'onnx', 'numpy', PythonPackage.of('pyyaml', { importName: 'yaml' }), 'boto3'],
      tools: training ? [Tool.awsCliV2()] : [Tool.awsCliV2(), Tool.kubectl()],
      scripts: [ScriptCopy.of(`${kind.name}/${pipeline.name}`, '/scripts')],
    };
  });
}
