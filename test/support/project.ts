import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { javascript, Testing } from 'projen';
import { REPO_ROOT } from './workflows';
import {
  ContainerImage, ContainerImageOptions, ImageKind, ImagePlatform, ImagePlatformOptions, Pipeline, PINS_LOCK_FILE, Registry, ScriptCopy,
  TargetPlatform,
} from '../../src';

/**
 * A new temp folder for a project, with the repository's lock in it, as a
 * project has its `pins.lock.json` at its root.
 */
export function projectFolder(prefix = 'image-platform-'): string {
  const outdir = mkdtempSync(join(tmpdir(), prefix));
  copyFileSync(join(REPO_ROOT, PINS_LOCK_FILE), join(outdir, PINS_LOCK_FILE));
  return outdir;
}

/** A throwaway project with GitHub support, synthesized into its own temp folder. */
export function newProject(): javascript.NodeProject {
  return new javascript.NodeProject({
    name: 'fixture',
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    // Testing.synth deletes its outdir: never let it be the repository.
    outdir: projectFolder(),
    buildWorkflow: false,
    release: false,
    depsUpgrade: false,
    pullRequestTemplate: false,
    githubOptions: { mergify: false, pullRequestLint: false },
    jest: false,
  });
}

export const TEST_REGISTRY = Registry.ecr({ account: '123456789012', region: 'eu-central-1' });

/**
 * An image platform whose project folder has the script folders of the images
 * declared on it, as a repository does: synthesis refuses a declared script
 * folder that does not exist.
 */
export class FixturePlatform extends ImagePlatform {
  public override addImage(options: ContainerImageOptions): ContainerImage {
    // A declaration with a mistake in these options is left for addImage to report.
    const scripts = options.scripts ?? (options.pipeline && options.kind ? [ScriptCopy.defaultFor(options.pipeline, options.kind)] : []);
    for (const script of Array.isArray(scripts) ? scripts : []) {
      if (script instanceof ScriptCopy) {
        mkdirSync(join(this.project.outdir, script.source), { recursive: true });
      }
    }
    return super.addImage(options);
  }
}

/** A project with an image platform on the test registry. */
export function newPlatform(options: Partial<ImagePlatformOptions> = {}): { project: javascript.NodeProject; platform: ImagePlatform } {
  const project = newProject();
  const platform = new FixturePlatform(project, { registry: TEST_REGISTRY, ...options });
  return { project, platform };
}

/** The generated files of a project, by path. */
export function synth(project: javascript.NodeProject): Record<string, any> {
  return Testing.synth(project);
}

/**
 * The files of a project with one image of one platform (`triton-deployment-tools`)
 * and one of two (`edge-tools`: linux/amd64 on GitHub's runner, linux/arm64
 * on self-hosted labels), as synthesized.
 */
export function twoPlatformProject(): Record<string, any> {
  const { project, platform } = newPlatform();
  platform.addImage({ pipeline: Pipeline.of('triton'), kind: ImageKind.DEPLOYMENT, repository: 'triton-deployment-tools' });
  platform.addImage({
    pipeline: Pipeline.of('edge'),
    kind: ImageKind.DEPLOYMENT,
    repository: 'edge-tools',
    platforms: [TargetPlatform.LINUX_AMD64, TargetPlatform.of('linux/arm64', { runsOn: ['self-hosted', 'arm64'] })],
  });
  return synth(project);
}
