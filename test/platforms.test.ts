import { ContainerImageOptions, ImageKind, Pipeline, TargetPlatform } from '../src';
import { newPlatform, synth } from './support/project';

const triton = Pipeline.of('triton');

function image(overrides: Partial<ContainerImageOptions> = {}): ContainerImageOptions {
  return { pipeline: triton, kind: ImageKind.DEPLOYMENT, repository: 'triton-deployment-tools', ...overrides };
}

const TWO = [TargetPlatform.LINUX_AMD64, TargetPlatform.LINUX_ARM64];

describe('the platforms an image is built for', () => {
  test('an image that declares none is built for linux/amd64 alone, on the platform\'s runner', () => {
    const { platform } = newPlatform();
    const declared = platform.addImage(image());
    expect(declared.platforms.map(String)).toEqual(['linux/amd64']);
    expect(declared.multiPlatform).toBe(false);
    expect(declared.runnerOf(declared.targetPlatform)).toEqual(['ubuntu-latest']);
  });

  test('a declared targetPlatform alone is still the one platform', () => {
    const { platform } = newPlatform();
    expect(platform.addImage(image({ targetPlatform: TargetPlatform.LINUX_ARM64 })).platforms.map(String)).toEqual(['linux/arm64']);
  });

  test('declaring platforms: [linux/amd64] generates exactly the files the default does', () => {
    const files = (overrides: Partial<ContainerImageOptions>) => {
      const { project, platform } = newPlatform();
      platform.addImage(image(overrides));
      return synth(project);
    };
    expect(files({ platforms: [TargetPlatform.LINUX_AMD64] })).toEqual(files({}));
  });

  test.each<[string, TargetPlatform[], string[][]]>([
    ['GitHub\'s hosted runner of each architecture by default', TWO, [['ubuntu-24.04'], ['ubuntu-24.04-arm']]],
    ['the runners declared per platform', [TargetPlatform.of('linux/amd64', { runsOn: ['large-x64'] }), TargetPlatform.of('linux/arm64/v8', { runsOn: ['self-hosted', 'arm64'] })],
      [['large-x64'], ['self-hosted', 'arm64']]],
  ])('an image of several platforms builds each natively: %s', (_case, platforms, runners) => {
    const { platform } = newPlatform();
    const declared = platform.addImage(image({ platforms }));
    expect(declared.multiPlatform).toBe(true);
    expect(declared.platforms.map((p) => declared.runnerOf(p))).toEqual(runners);
  });

  test.each<[string, Partial<ContainerImageOptions>, string]>([
    ['both targetPlatform and platforms', { targetPlatform: TargetPlatform.LINUX_ARM64, platforms: TWO },
      'targetPlatform and platforms are both declared: platforms supersedes targetPlatform, so declare only platforms, e.g. platforms: [TargetPlatform.LINUX_AMD64, TargetPlatform.LINUX_ARM64]'],
    ['no platform', { platforms: [] }, 'platforms is empty: declare at least one, e.g. [TargetPlatform.LINUX_AMD64], or leave it out for linux/amd64'],
    ['a platform twice', { platforms: [TargetPlatform.LINUX_ARM64, TargetPlatform.of('linux/arm64', { runsOn: ['arm'] })] },
      "platform 'linux/arm64' is declared twice: keep one declaration"],
    ['an image-wide runner for several platforms', { platforms: TWO, runsOn: ['ubuntu-latest'] },
      "runsOn is declared for an image of several platforms: each platform runs on its own runner, so declare it per platform, e.g. TargetPlatform.of('linux/arm64', { runsOn: ['my-arm-runner'] })"],
    ['a platform without a hosted runner', { platforms: [TargetPlatform.LINUX_AMD64, TargetPlatform.of('linux/s390x')] },
      "platform 'linux/s390x' has no GitHub-hosted runner of its architecture: declare one that builds it natively, e.g. TargetPlatform.of('linux/s390x', { runsOn: ['self-hosted', 's390x'] })"],
  ])('%s is refused with one line', (_case, overrides, message) => {
    const { platform } = newPlatform();
    expect(() => platform.addImage(image(overrides))).toThrow(`Invalid image declaration 'triton-deployment':\n  - ${message}`);
  });

  test.each<[string, () => TargetPlatform, string]>([
    ['an unknown architecture', () => TargetPlatform.of('linux/x86_64'), "platform 'linux/x86_64' is not a known OS/ARCH[/VARIANT]: use one of linux/amd64, linux/amd64/v2,"],
    ['a variant the architecture has not', () => TargetPlatform.of('linux/arm64/v7'), "platform 'linux/arm64/v7' is not a known OS/ARCH[/VARIANT]"],
    ['an OS without its architecture', () => TargetPlatform.of('linux'), "platform 'linux' is not a known OS/ARCH[/VARIANT]"],
    ['an empty runner list', () => TargetPlatform.of('linux/arm64', { runsOn: [] }), "TargetPlatform.of('linux/arm64') › runsOn must list at least one runner label"],
    ['a misspelled option', () => TargetPlatform.of('linux/arm64', { runOn: ['arm'] } as never),
      "TargetPlatform.of('linux/arm64') › runOn: unknown option of TargetPlatformOptions; did you mean 'runsOn'?"],
  ])('a platform declared with %s is refused with one line', (_case, make, message) => {
    expect(make).toThrow(message);
  });
});
