import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageKind, Pipeline, PythonPackage, ScriptCopy } from '../../src';
import { Buildah, ImageFacts } from '../support/buildah';
import { buildDebianBaseImage, OFFERED_WHEEL } from '../support/debian-base-image';
import { fakeAws } from '../support/fake-aws';
import { imageJob } from '../support/image-job';
import { commitSynthesized, git } from '../support/local-checkout';
import { newPlatform } from '../support/project';
import { LocalRegistry, startRegistry } from '../support/registry';
import { getBlobJson, getManifest } from '../support/registry-api';
import { runStep } from '../support/runner';
import { runProjenTask, scriptErrors, TaskRun } from '../support/tasks';

// Real builds on vfs storage take tens of seconds each.
jest.setTimeout(10 * 60_000);

const BASE_IMAGE = 'localhost/e2e-python:3.11';
const SCRIPT = 'deployment/e2e/run.py';
const MANIFEST_TYPES = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

/**
 * A project declaring images with the same constructs as .projenrc.ts, on the
 * Debian-made base image: one that works, one whose smoke test imports a
 * module its package does not provide, and one whose package pip cannot find.
 */
function declareProject(): string {
  const { project, platform } = newPlatform();
  const e2e = Pipeline.of('e2e');
  const common = {
    pipeline: e2e,
    baseImage: BASE_IMAGE,
    tools: [],
    env: { E2E_GREETING: 'hello "world" $HOME' },
  };
  platform.addImage({
    ...common,
    kind: ImageKind.DEPLOYMENT,
    repository: 'e2e-tools',
    pythonPackages: [PythonPackage.of(OFFERED_WHEEL.name, { version: OFFERED_WHEEL.version })],
    scripts: [ScriptCopy.of('deployment/e2e', '/scripts')],
  });
  platform.addImage({
    ...common,
    kind: ImageKind.custom('wrong-import', { title: 'Wrong import', sizeWarning: ImageKind.DEPLOYMENT.sizeWarning, freeDiskSpace: false }),
    repository: 'e2e-wrong-import',
    pythonPackages: [PythonPackage.of(OFFERED_WHEEL.name, { version: OFFERED_WHEEL.version, importName: 'no_such_module' })],
    scripts: [ScriptCopy.of('deployment/e2e', '/scripts')],
  });
  platform.addImage({
    ...common,
    kind: ImageKind.custom('missing-package', { title: 'Missing package', sizeWarning: ImageKind.DEPLOYMENT.sizeWarning, freeDiskSpace: false }),
    repository: 'e2e-missing-package',
    // Pinned in the declaration: the lock cannot know a package no index has.
    pythonPackages: [PythonPackage.of('not-in-the-wheel-folder', { version: '1.0.0' })],
    scripts: [ScriptCopy.of('deployment/e2e', '/scripts')],
  });
  return commitSynthesized(project, { [SCRIPT]: 'print("version 1")\n' }, {
    message: 'e2e images',
    // Credentials in the remote URL must never reach an image label.
    remote: 'https://e2e-user:not-a-secret@git.example.com/ml/e2e.git',
  });
}

describe('the generated tasks build, smoke-test and push an image with buildah to a registry on 127.0.0.1', () => {
  const work = mkdtempSync(join(tmpdir(), 'e2e-build-'));
  const buildah = new Buildah(join(work, 'storage'));
  let registry: LocalRegistry | undefined;
  let dir: string;
  let env: Record<string, string>;
  let ref: string;
  let firstBuild: ImageFacts;

  const task = (name: string, ...args: string[]): TaskRun => runProjenTask(dir, name, args, env);
  const expectSuccess = (run: TaskRun) => {
    if (run.status !== 0) {
      throw new Error(`task failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
  };

  beforeAll(async () => {
    // GIVEN a base image made from Debian packages, a registry on loopback and the generated project
    buildDebianBaseImage(buildah, BASE_IMAGE);
    registry = await startRegistry(work);
    dir = declareProject();
    env = { CONTAINER_ENGINE: 'buildah', IMAGE_REGISTRY: registry.host, CONTAINERS_REGISTRIES_CONF: registry.registriesConf, ...buildah.env };
    ref = `${registry.host}/e2e-tools:latest`;
  });

  afterAll(async () => {
    await registry?.stop();
    buildah.removeAll();
    rmSync(work, { recursive: true, force: true });
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('build-image builds from the generated Dockerfile for the declared platform, streaming the engine\'s steps, with provenance labels from its LABEL', () => {
    // WHEN the build task runs on main (provenance passed as build arguments only)
    const run = task('build-image:e2e-deployment');
    // THEN buildah built every instruction and the image carries the labels CI would give it, set by the Dockerfile
    expectSuccess(run);
    expect(run.stdout).toMatch(/STEP 1\/\d+: FROM localhost\/e2e-python:3\.11/);
    expect(run.stdout).toContain('Successfully installed wheel-0.38.4');
    firstBuild = buildah.inspect(ref);
    expect(firstBuild.labels).toMatchObject({
      'org.opencontainers.image.title': 'e2e-tools',
      'org.opencontainers.image.source': 'https://git.example.com/ml/e2e',
      'org.opencontainers.image.revision': git(dir, 'rev-parse', 'HEAD'),
      'org.opencontainers.image.created': git(dir, 'log', '-1', '--format=%cI'),
    });
    // No version label: a digest promoted to several tags cannot carry one tag's name
    expect(firstBuild.labels['org.opencontainers.image.version']).toBeUndefined();
    expect(firstBuild.env).toContain('E2E_GREETING=hello "world" $HOME');
    expect(firstBuild.platform).toBe('linux/amd64');
    expect(firstBuild.history.map((h) => h.createdBy).find((c) => c.includes('LABEL'))).toContain('org.opencontainers.image.revision="${IMAGE_REVISION}"');
  });

  test('test-image imports the declared package inside the image', () => {
    // WHEN the smoke test task runs against the built image
    const run = task('test-image:e2e-deployment');
    // THEN it ran `python -c "import wheel"` in a container and passed
    expectSuccess(run);
    expect(run.stdout).toContain('==> Smoke test in');
    expect(run.stdout).toContain('python -c import wheel');
    expect(run.stdout).toContain('==> Smoke test passed');
    expect(buildah.run('containers', '--quiet')).toBe('');
  });

  test('push-image pushes the tag alone, which the registry then lists over its HTTP API: inputs tags are written by CI only', async () => {
    // GIVEN the image built above, tagged locally with its inputs tag as well
    const fingerprint = spawnSync('bash', ['docker/image-tasks.sh', 'fingerprint', 'e2e-deployment'], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
    const inputsImage = fingerprint.stdout.trim();
    expect(inputsImage).toMatch(/:inputs-[0-9a-f]{16}$/);
    expect(buildah.inspect(inputsImage).labels['org.opencontainers.image.revision']).toBe(firstBuild.labels['org.opencontainers.image.revision']);
    // WHEN the push task runs
    const run = task('push-image:e2e-deployment');
    // THEN the registry lists its tag and no inputs tag
    expectSuccess(run);
    const response = await fetch(`http://${registry!.host}/v2/e2e-tools/tags/list`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { tags: string[] }).tags).toEqual(['latest']);
  });

  test('a tag given as an argument names the image, pushed next to the first', async () => {
    // WHEN the tasks run with a tag argument, as for a manual release
    expectSuccess(task('build-image:e2e-deployment', 'v0.1.0-rc1'));
    expectSuccess(task('push-image:e2e-deployment', 'v0.1.0-rc1'));
    // THEN the registry has both tags and still no inputs tag, and no label claims a version:
    // the tags name it, the image records only the commit it was built from
    const response = await fetch(`http://${registry!.host}/v2/e2e-tools/tags/list`);
    expect(((await response.json()) as { tags: string[] }).tags.sort()).toEqual(['latest', 'v0.1.0-rc1']);
    const released = buildah.inspect(`${registry!.host}/e2e-tools:v0.1.0-rc1`).labels;
    expect(released['org.opencontainers.image.version']).toBeUndefined();
    expect(released['org.opencontainers.image.revision']).toBe(git(dir, 'rev-parse', 'HEAD'));
  });

  test('promoted to a release tag as the workflow promotes it, the image names the commit it was built from and no version', async () => {
    // GIVEN the image pushed as latest; WHEN the library's promote_image puts v1.0.0 on it
    const promote = spawnSync('bash', ['-c', 'source image-build/registry.sh && promote_image "$@"', 'promote', registry!.host, 'e2e-tools', 'latest', 'v1.0.0'],
      { cwd: dir, encoding: 'utf8' });
    expect(promote.stderr).toBe('');
    // THEN its configuration, read through the registry API as `docker inspect` shows it, is the build's:
    // the revision of the commit that built it, and no version label that would name another tag
    const release = await getManifest(registry!.host, 'e2e-tools', 'v1.0.0');
    expect(release.digest).toBe((await getManifest(registry!.host, 'e2e-tools', 'latest')).digest);
    const labels = (await getBlobJson(registry!.host, 'e2e-tools', release.config)).config.Labels;
    expect(labels['org.opencontainers.image.revision']).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(Object.keys(labels).filter((key) => key.startsWith('org.opencontainers.image.')).sort()).toEqual([
      'org.opencontainers.image.created', 'org.opencontainers.image.revision', 'org.opencontainers.image.source', 'org.opencontainers.image.title',
    ]);
  });

  test('the workflow\'s size step reports the compressed bytes the registry stores for the pushed image: config plus layers', async () => {
    // GIVEN the image pushed above, its manifest and every blob it names, read through the registry API
    const base = `http://${registry!.host}/v2/e2e-tools`;
    const response = await fetch(`${base}/manifests/v0.1.0-rc1`, { headers: { Accept: MANIFEST_TYPES } });
    const digest = response.headers.get('docker-content-digest')!;
    const manifest = await response.json() as { config: { digest: string }; layers: Array<{ digest: string }> };
    let stored = 0;
    for (const blob of [manifest.config, ...manifest.layers]) {
      stored += (await (await fetch(`${base}/blobs/${blob.digest}`)).arrayBuffer()).byteLength;
    }
    // WHEN the generated size step runs with a stand-in ECR that reports sizes from that registry's manifests
    const job = imageJob('e2e-build-deployment-image.yaml', {}, join(dir, '.github/workflows'));
    const step = job.steps.find((s: any) => s.id === 'size');
    const aws = fakeAws({ registry: `http://${registry!.host}` });
    const run = runStep(step.run, {
      ...job.env, ...step.env, IMAGE_REPOSITORY: `${registry!.host}/e2e-tools`, IMAGE_TAG: 'v0.1.0-rc1', IMAGE_DIGEST: digest,
    }, { path: aws.path });
    // THEN it reports exactly the stored bytes, asked for by the pushed digest
    expect(run.status).toBe(0);
    expect(stored).toBeGreaterThan(1_000_000);
    expect(run.summary).toContain(`| \`${digest}\` | `);
    expect(run.summary).toContain(`(${stored} bytes)`);
    expect(aws.calls()[0]).toEqual(expect.arrayContaining(['--repository-name', 'e2e-tools', '--image-ids', `imageDigest=${digest}`]));
  });

  test('a new commit that changes none of the image\'s files rebuilds with every layer cached but gets that commit\'s labels', () => {
    // GIVEN a commit outside the image's files
    writeFileSync(join(dir, 'NOTES.md'), 'not in any image\n');
    git(dir, 'add', 'NOTES.md');
    git(dir, 'commit', '--quiet', '--message', 'a note');
    // WHEN the image is built again
    expectSuccess(task('build-image:e2e-deployment'));
    const again = buildah.inspect(ref);
    // THEN the content layers are the cached ones, and the labels name the new commit:
    // buildah would reuse its cached LABEL step if no RUN keyed on the provenance values came before it
    const contentLayers = firstBuild.history.filter((h) => !h.emptyLayer).findIndex((h) => h.createdBy.includes('COPY')) + 1;
    expect(again.layers.slice(0, contentLayers)).toEqual(firstBuild.layers.slice(0, contentLayers));
    expect(again.labels['org.opencontainers.image.revision']).toBe(git(dir, 'rev-parse', 'HEAD'));
    expect(again.labels['org.opencontainers.image.created']).toBe(git(dir, 'log', '-1', '--format=%cI'));
    expect(again.labels['org.opencontainers.image.revision']).not.toBe(firstBuild.labels['org.opencontainers.image.revision']);
  });

  test('changing only a copied script rebuilds only the scripts\' COPY: every earlier layer keeps its digest', () => {
    // GIVEN a new commit that changes one copied script
    writeFileSync(join(dir, SCRIPT), 'print("version 2")\n');
    git(dir, 'commit', '--quiet', '--all', '--message', 'change a script');
    // WHEN the image is built again
    expectSuccess(task('build-image:e2e-deployment'));
    const second = buildah.inspect(ref);
    // THEN the layers up to the COPY are the same blobs and only the COPY's differs; after it
    // comes only the provenance step, which changes no file
    const layerMaking = firstBuild.history.filter((h) => !h.emptyLayer);
    expect(layerMaking).toHaveLength(firstBuild.layers.length);
    const copyIndex = layerMaking.findIndex((h) => h.createdBy.includes('COPY'));
    expect(layerMaking.slice(copyIndex + 1).map((h) => h.createdBy)).toEqual([expect.stringMatching(/ \/bin\/sh -c true$/)]);
    expect(second.layers.slice(0, copyIndex)).toEqual(firstBuild.layers.slice(0, copyIndex));
    expect(second.layers[copyIndex]).not.toBe(firstBuild.layers[copyIndex]);
    expect(second.labels['org.opencontainers.image.revision']).toBe(git(dir, 'rev-parse', 'HEAD'));
  });

  test('a smoke test that fails ends test-image non-zero with one line naming the image and the command', () => {
    // GIVEN an image whose declared import name is wrong
    expectSuccess(task('build-image:e2e-wrong-import'));
    // WHEN its smoke test runs
    const run = task('test-image:e2e-wrong-import');
    // THEN the task fails, Python's own error streams through, and the script says what failed
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('ModuleNotFoundError: No module named \'no_such_module\'');
    expect(scriptErrors(run)).toEqual([
      `image-tasks: smoke test failed in ${registry!.host}/e2e-wrong-import:latest: python -c import no_such_module`,
    ]);
    expect(buildah.run('containers', '--quiet')).toBe('');
  });

  test('a build that fails ends build-image non-zero with one line naming the image, the engine and the failed step', () => {
    // WHEN an image whose package pip cannot find is built
    const run = task('build-image:e2e-missing-package');
    // THEN the task fails after pip's own error, with one line from the script
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toMatch(/No matching distribution found for not-in-the-wheel-folder/);
    expect(scriptErrors(run)).toEqual([
      `image-tasks: building ${registry!.host}/e2e-missing-package:latest with buildah failed at [1/3] STEP 4/5: `
      + 'RUN python -m pip install --no-cache-dir --disable-pip-version-check "not-in-the-wheel-folder==${NOT_IN_THE_WHEEL_FOLDER_VERSION}": '
      + 'the engine\'s output above says why',
    ]);
  });
});
