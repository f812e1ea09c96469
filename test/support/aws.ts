import { newPlatform, synth } from './project';
import { ContainerImage, ImageKind, ImagePlatform, ImagePlatformOptions, Pipeline } from '../../src';

/** A platform with a training and a deployment image, and its synthesized files. */
export function awsPlatform(options: Partial<ImagePlatformOptions> = {}): {
  platform: ImagePlatform;
  images: ContainerImage[];
  files: Record<string, any>;
} {
  const { project, platform } = newPlatform(options);
  const triton = Pipeline.of('triton');
  const images = [
    platform.addImage({ pipeline: triton, kind: ImageKind.TRAINING, repository: 'triton-training-tools' }),
    platform.addImage({ pipeline: triton, kind: ImageKind.DEPLOYMENT, repository: 'mlops-deployment-tools' }),
  ];
  return { platform, images, files: synth(project) };
}
