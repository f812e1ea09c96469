import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv } from './sandbox';
import { REPO_ROOT } from './workflows';

/** The call that closes a `.projenrc.ts`: what it declares is complete before it. */
const CLOSING = 'project.synth();';

/**
 * Declares one image more in the `.projenrc.ts` of a copy of this project,
 * after all it declares: `options` is the source of the image's options,
 * naming the API as `added` (e.g. `pipeline: added.Pipeline.of('demo')`). The
 * image is added through its own import and `ImagePlatform.of(project)`, so it
 * does not depend on what the declaration holds or which names it imports.
 */
export function addImageToProjenrc(copy: string, options: string): void {
  const path = join(copy, '.projenrc.ts');
  const text = readFileSync(path, 'utf8');
  if (text.split(CLOSING).length !== 2) {
    throw new Error(`.projenrc.ts must close with one '${CLOSING}' for this test to add an image before it`);
  }
  writeFileSync(path, [
    "import * as added from './src';",
    text.replace(CLOSING, `added.ImagePlatform.of(project)!.addImage({ ${options} });\n${CLOSING}`),
  ].join('\n'));
}

/** Runs `npx projen --no-post` in a copy of this project, as a person's shell would. */
export function synthesizeCopy(copy: string): SpawnSyncReturns<string> {
  return spawnSync('node', [join(REPO_ROOT, 'node_modules', 'projen', 'bin', 'projen'), '--no-post'], { cwd: copy, env: cleanEnv(), encoding: 'utf8' });
}
