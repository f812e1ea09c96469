import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ImageKind, Pipeline } from '../src';
import { actionlint } from './support/actionlint';
import { runScript } from './support/git-fixture';
import { libraryCall } from './support/library';
import { newPlatform, synth } from './support/project';
import { affectedImagesEnv } from '../src/github/affected-images-script';

/** Paths a repository may hold that GitHub's filter syntax would read as patterns. */
const ODD_DOCKERFILES: Array<[string, string, string[]]> = [
  // path, its filter, paths an unescaped filter would also (or instead) match
  ['docker/c++/Dockerfile', 'docker/c\\+\\+/Dockerfile', ['docker/c/Dockerfile', 'docker/cc/Dockerfile']],
  ['docker/gpu[1]/Dockerfile', 'docker/gpu\\[1\\]/Dockerfile', ['docker/gpu1/Dockerfile']],
  ['docker/any?/Dockerfile*', 'docker/any\\?/Dockerfile\\*', ['docker/any/Dockerfile', 'docker/anyx/Dockerfile.old']],
  ['!docker/Dockerfile', '\\!docker/Dockerfile', ['docker/Dockerfile']],
];

function imageWithDockerfile(dockerfile: string) {
  const { project, platform } = newPlatform();
  const image = platform.addImage({ pipeline: Pipeline.of('triton'), kind: ImageKind.DEPLOYMENT, repository: 'mlops-deployment-tools', dockerfile });
  return { project, image };
}

/** Whether the affected-images step, which mirrors GitHub's matching, rebuilds the image for one changed file. */
function rebuilds(pathFilters: readonly string[], file: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'changed-'));
  try {
    writeFileSync(join(dir, 'changed'), `${file}\0`);
    const env = affectedImagesEnv([{ repository: 'probe', workflowName: 'Probe', pathFilters }]);
    const run = runScript(libraryCall('pull-request.sh', 'affected_images_step'), dir, { ...env, CHANGED_FILES: join(dir, 'changed') });
    expect(run.status).toBe(0);
    return run.summary.includes('| `probe` |');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(ODD_DOCKERFILES)('a Dockerfile at %s', (dockerfile, filter, lookalikes) => {
  test('is escaped in the workflow\'s path filters, which actionlint accepts', async () => {
    // GIVEN an image whose Dockerfile path has characters GitHub's filters treat specially
    const { project, image } = imageWithDockerfile(dockerfile);
    // WHEN the workflow is generated
    const text = synth(project)[image.workflowPath];
    // THEN its filter escapes them, and the file is still a valid workflow
    expect(parse(text).on.push.paths).toContain(filter);
    expect(await actionlint(text, image.workflowPath)).toEqual([]);
  });

  test('rebuilds the image when exactly that file changes, and not for a look-alike', () => {
    const { image } = imageWithDockerfile(dockerfile);
    expect(rebuilds(image.pathFilters, dockerfile)).toBe(true);
    for (const other of lookalikes) {
      expect(rebuilds(image.pathFilters, other)).toBe(false);
    }
  });
});
