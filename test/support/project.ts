import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { javascript, Testing } from 'projen';
import { ImagePlatform, ImagePlatformOptions, Registry } from '../../src';

/** A throwaway project with GitHub support, synthesized into its own temp folder. */
export function newProject(): javascript.NodeProject {
  return new javascript.NodeProject({
    name: 'fixture',
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    // Testing.synth deletes its outdir: never let it be the repository.
    outdir: mkdtempSync(join(tmpdir(), 'image-platform-')),
    buildWorkflow: false,
    release: false,
    depsUpgrade: false,
    pullRequestTemplate: false,
    githubOptions: { mergify: false, pullRequestLint: false },
    jest: false,
  });
}

export const TEST_REGISTRY = Registry.ecr({ account: '123456789012', region: 'eu-central-1' });

/** A project with an image platform on the test registry. */
export function newPlatform(options: Partial<ImagePlatformOptions> = {}): { project: javascript.NodeProject; platform: ImagePlatform } {
  const project = newProject();
  const platform = new ImagePlatform(project, { registry: TEST_REGISTRY, ...options });
  return { project, platform };
}

/** The generated files of a project, by path. */
export function synth(project: javascript.NodeProject): Record<string, any> {
  return Testing.synth(project);
}
