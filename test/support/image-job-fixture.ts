import { gitRepo } from './git-fixture';
import { libraryContents } from './library';
import { newPlatform, synth } from './project';
import { ContainerImage, ImageKind, Pipeline, Registry, ScriptCopy, Size, Tool } from '../../src';

/**
 * The declaration the image job's tests synthesize: two images of a `demo`
 * pipeline in an account and region that are visibly not this repository's,
 * so what they expect comes from this declaration and never from the seed's.
 * The training image declares its size threshold, the deployment image takes
 * its kind's default and copies two script folders.
 */
export const FIXTURE_ACCOUNT = '111122223333';
export const FIXTURE_REGION = 'ap-southeast-2';
/** The registry host the fixture's images are pushed to. */
export const FIXTURE_REGISTRY = `${FIXTURE_ACCOUNT}.dkr.ecr.${FIXTURE_REGION}.amazonaws.com`;

export interface ImageJobFixture {
  /** The generated files, by repository path. */
  readonly files: Record<string, any>;
  readonly training: ContainerImage;
  readonly deployment: ContainerImage;
}

/** The fixture declaration, synthesized into a temp folder. */
export function imageJobFixture(): ImageJobFixture {
  const { project, platform } = newPlatform({ registry: Registry.ecr({ account: FIXTURE_ACCOUNT, region: FIXTURE_REGION }) });
  const demo = Pipeline.of('demo', 'Demo');
  const training = platform.addImage({
    pipeline: demo,
    kind: ImageKind.TRAINING,
    repository: 'demo-training-tools',
    sizeWarning: Size.gigabytes(4),
    pythonPackages: ['requests'],
    tools: [Tool.awsCliV2()],
  });
  const deployment = platform.addImage({
    pipeline: demo,
    kind: ImageKind.DEPLOYMENT,
    repository: 'demo-deployment-tools',
    pythonPackages: ['boto3'],
    tools: [Tool.awsCliV2()],
    scripts: [ScriptCopy.of('deployment/demo', '/scripts'), ScriptCopy.of('evaluation/demo', '/eval-scripts')],
  });
  return { files: synth(project), training, deployment };
}

/**
 * A git checkout of the fixture project as its repository would hold it: the
 * generated files, the hand-written shell library, and a script in each
 * declared script folder.
 */
export function fixtureCheckout(fixture: ImageJobFixture): string {
  const generated = Object.entries(fixture.files).filter(([, content]) => typeof content === 'string');
  const scripts = [fixture.training, fixture.deployment].flatMap((image) => image.scripts.map((s) => [`${s.source}/run.py`, 'print("demo")\n']));
  return gitRepo({ ...libraryContents(), ...Object.fromEntries([...generated, ...scripts]) });
}
