import { gitRepo } from './git-fixture';
import { libraryContents } from './library';
import { committedLock } from './pins-fixtures';
import { newPlatform, synth } from './project';
import { ContainerImage, ImageKind, ImagePlatform, ImagePlatformOptions, PinsLock, Pipeline, PythonPackage, Registry, ScriptCopy, Tool } from '../../src';
import { LIBRARY_SETTINGS_PATH } from '../../src/shell/library';

/**
 * The tests' own declaration of two images, for tests of what the constructs
 * generate. Every value is the fixture's, visibly none of this repository's
 * `.projenrc.ts` (pipeline `fixture`, account 111122223333, Python 3.12,
 * torch 2.4.1), so a team's edit of its declaration or its lock changes
 * nothing here, and a test may state what it expects literally.
 */
export const FIXTURE_REGISTRY = Registry.ecr({ account: '111122223333', region: 'ap-southeast-2' });

/**
 * The fixture's own lock: its base image, Python packages and tools, with the
 * repository's action pins (the workflows need them; no Dockerfile shows them).
 * A weekly `upgrade-pins` of the repository's lock leaves the fixture as it is.
 */
export function fixtureLock(): PinsLock {
  return {
    ...committedLock(),
    baseImages: {
      // The constructs' default base image, for fixtures that declare none.
      'python:3.11-slim': {
        digest: `sha256:${'4d'.repeat(32)}`,
        platforms: { 'linux/amd64': `sha256:${'5e'.repeat(32)}`, 'linux/arm64': `sha256:${'6f'.repeat(32)}` },
      },
      'python:3.12-slim': {
        digest: `sha256:${'1a'.repeat(32)}`,
        platforms: { 'linux/amd64': `sha256:${'2b'.repeat(32)}`, 'linux/arm64': `sha256:${'3c'.repeat(32)}` },
      },
    },
    pythonPackages: {
      'torch': { version: '2.4.1' },
      'numpy': { version: '1.26.4' },
      'pyyaml': { version: '6.0.1' },
      'scikit-learn': { version: '1.5.2' },
      'fastapi': { version: '0.115.6' },
      'boto3': { version: '1.35.90' },
    },
    tools: {
      'aws-cli': { version: '2.22.35' },
      'kubectl': { version: '1.31.4', sha256: { amd64: 'a1'.repeat(32), arm64: 'b2'.repeat(32) } },
    },
  } as PinsLock;
}

/** The fixture's pipeline, whose images are `fixture-training` and `fixture-deployment`. */
export const FIXTURE_PIPELINE = Pipeline.of('fixture', 'Fixture');

/** A project with an image platform on the fixture's registry and lock, for a test to declare its own images on. */
export function newFixturePlatform(options: Partial<ImagePlatformOptions> = {}) {
  return newPlatform({ registry: FIXTURE_REGISTRY, pins: fixtureLock(), ...options });
}

/**
 * Declares the fixture's images on a platform of a new project:
 * - `fixture-training`: two heavy packages (torch from the lock, torchaudio at
 *   a declared version), three light ones (one with its own import name), the
 *   AWS CLI, one script folder;
 * - `fixture-deployment`: no heavy layer, the AWS CLI and kubectl, three
 *   script folders.
 */
export function declareFixtureImages() {
  const { project, platform } = newFixturePlatform();
  const training = platform.addImage({
    pipeline: FIXTURE_PIPELINE,
    kind: ImageKind.TRAINING,
    repository: 'fixture-training',
    baseImage: 'python:3.12-slim',
    systemPackages: ['git', 'libgomp1'],
    heavyPythonPackages: ['torch', PythonPackage.of('torchaudio', { version: '2.4.1' })],
    pythonPackages: ['numpy', PythonPackage.of('pyyaml', { importName: 'yaml' }), 'scikit-learn'],
    tools: [Tool.awsCliV2()],
    scripts: [ScriptCopy.of('training/fixture', '/scripts')],
  });
  const deployment = platform.addImage({
    pipeline: FIXTURE_PIPELINE,
    kind: ImageKind.DEPLOYMENT,
    repository: 'fixture-deployment',
    baseImage: 'python:3.12-slim',
    systemPackages: ['curl', 'jq'],
    pythonPackages: ['fastapi', 'boto3'],
    tools: [Tool.awsCliV2(), Tool.kubectl()],
    scripts: [
      ScriptCopy.of('deployment/fixture', '/scripts'),
      ScriptCopy.of('evaluation/fixture', '/eval-scripts'),
      ScriptCopy.of('benchmarks/fixture', '/bench-scripts'),
    ],
  });
  return { project, platform, training, deployment };
}

export interface FixtureImages {
  readonly platform: ImagePlatform;
  readonly training: ContainerImage;
  readonly deployment: ContainerImage;
  readonly images: readonly ContainerImage[];
  /** What synthesis generated, by repository path (JSON files parsed, as `Testing.synth` gives them). */
  readonly files: Record<string, any>;
}

let synthesized: FixtureImages | undefined;

/** The fixture's images and its synthesized files, synthesized once per test file. */
export function fixtureImages(): FixtureImages {
  if (!synthesized) {
    const { project, platform, training, deployment } = declareFixtureImages();
    synthesized = { platform, training, deployment, images: [training, deployment], files: synth(project) };
  }
  return synthesized;
}

/**
 * The fixture project's files as a repository holds them, by path: the
 * synthesized files, the hand-written shell library, a README at the root,
 * and a README in each script folder.
 */
export function fixtureRepositoryFiles(): Record<string, string> {
  const { files, images } = fixtureImages();
  const text = (content: unknown) => (typeof content === 'string' ? content : `${JSON.stringify(content, undefined, 2)}\n`);
  const library = Object.entries(libraryContents()).filter(([path]) => path !== LIBRARY_SETTINGS_PATH);
  const scripts = images.flatMap((image) => image.scripts.map((s) => [`${s.source}/README.md`, `What ${image.imageId} runs from ${s.source}.\n`]));
  return {
    ...Object.fromEntries(Object.entries(files).map(([path, content]) => [path, text(content)])),
    ...Object.fromEntries(library),
    'README.md': '# fixture\n',
    ...Object.fromEntries(scripts),
  };
}

/** A new git repository holding the fixture project's files, committed once on `main`. */
export function fixtureCheckout(): string {
  return gitRepo(fixtureRepositoryFiles());
}
