import { join } from 'node:path';
import { Project } from 'projen/lib/project';
import { REPO_ROOT } from './workflows';
import { ImagePlatform } from '../../src';

let platform: ImagePlatform | undefined;

/**
 * The platform this repository's own `.projenrc.ts` declares, as synthesis
 * builds it: the file runs in this process with its closing `project.synth()`
 * held back, so the tests read the declaration itself (repository, IDs,
 * tagging) and nothing is written.
 */
export function ownPlatform(): ImagePlatform {
  if (!platform) {
    let declared: Project | undefined;
    const synth = jest.spyOn(Project.prototype, 'synth').mockImplementation(function (this: Project) {
      declared = this;
    });
    // The declaration reads the repository (its script folders) from its
    // outdir, the folder it runs in: the root, as for `npx projen`.
    const cwd = process.cwd();
    process.chdir(REPO_ROOT);
    try {
      jest.requireActual(join(REPO_ROOT, '.projenrc.ts'));
    } finally {
      process.chdir(cwd);
      synth.mockRestore();
    }
    platform = declared && ImagePlatform.of(declared);
    if (!platform) {
      throw new Error('.projenrc.ts declared no ImagePlatform');
    }
  }
  return platform;
}
