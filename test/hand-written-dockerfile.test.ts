import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerImageOptions, DockerfileSource, ImageKind, Pipeline, PythonPackage, ScriptCopy, Tool } from '../src';
import { writeFiles } from './support/git-fixture';
import { ciBuildArgs, imageStep } from './support/image-job';
import { linkLibrary } from './support/library';
import { newPlatform, synth } from './support/project';

const PATH = 'docker/custom/Dockerfile';

function declaration(overrides: Partial<ContainerImageOptions> = {}): ContainerImageOptions {
  return {
    pipeline: Pipeline.of('custom'),
    kind: ImageKind.DEPLOYMENT,
    repository: 'custom-tools',
    dockerfile: DockerfileSource.handWritten(PATH),
    pythonPackages: [PythonPackage.of('requests', { version: '2.32.3' })],
    tools: [Tool.awsCliV2()],
    ...overrides,
  };
}

/** A platform whose project folder holds a hand-written Dockerfile. */
function platformWithDockerfile(text: string) {
  const { project, platform } = newPlatform();
  mkdirSync(join(project.outdir, 'docker/custom'), { recursive: true });
  writeFileSync(join(project.outdir, PATH), text);
  return { project, platform };
}

const COMPLETE = [
  'ARG BASE_IMAGE',
  'FROM ${BASE_IMAGE} AS base',
  'ARG REQUESTS_VERSION AWS_CLI_VERSION AWS_CLI_MIRROR',
  'RUN pip install "requests==${REQUESTS_VERSION}"',
  'FROM base AS smoke-test',
  'RUN ["python", "-c", "import requests"]',
  'FROM base',
  'arg IMAGE_SOURCE',
  'ARG IMAGE_REVISION=unknown',
  'ARG IMAGE_VERSION',
  'ARG IMAGE_CREATED',
  '',
].join('\n');

describe('a hand-written Dockerfile', () => {
  test('that declares every build argument is used as it is: projen writes no Dockerfile, only the arguments', () => {
    // GIVEN a hand-written Dockerfile with an ARG for every argument projen passes
    const { project, platform } = platformWithDockerfile(COMPLETE);
    // WHEN the image is declared with it and synthesized
    platform.addImage(declaration());
    const files = synth(project);
    // THEN the workflow builds it with the build arguments, and projen owns only the arguments file
    expect(project.tryFindFile(PATH)).toBeUndefined();
    expect(files[PATH]).toBe(COMPLETE);
    const build = imageStep('custom-build-deployment-image.yaml', 'build', {}, files);
    expect(build.with.file).toBe(PATH);
    const checkout = mkdtempSync(join(tmpdir(), 'checkout-'));
    writeFiles(checkout, { 'docker/custom/custom-deployment.build-args': files['docker/custom/custom-deployment.build-args'] });
    linkLibrary(checkout);
    expect(ciBuildArgs('custom-build-deployment-image.yaml', files, checkout).map((l: string) => l.split('=')[0])).toEqual([
      'BASE_IMAGE', 'REQUESTS_VERSION', 'AWS_CLI_VERSION', 'AWS_CLI_MIRROR', 'IMAGE_SOURCE', 'IMAGE_REVISION', 'IMAGE_VERSION', 'IMAGE_CREATED',
    ]);
    rmSync(checkout, { recursive: true, force: true });
    expect(files['docker/custom/custom-deployment.build-args']).toContain('REQUESTS_VERSION=2.32.3\n');
  });

  test('runs its workflow on a change to anything it copies: a folder with all below it, a file as itself', () => {
    // GIVEN a hand-written Dockerfile that copies a folder and a file of the repository
    const { project, platform } = platformWithDockerfile(`${COMPLETE}COPY shared/ /opt/shared/\nCOPY config/app.yaml /etc/app.yaml\n`);
    mkdirSync(join(project.outdir, 'shared'));
    mkdirSync(join(project.outdir, 'config'));
    writeFileSync(join(project.outdir, 'config/app.yaml'), 'a: 1\n');
    // WHEN the image is declared with it
    const image = platform.addImage(declaration());
    // THEN both are path filters, next to the Dockerfile and its build arguments
    expect(image.pathFilters).toEqual([
      'deployment/custom/**', PATH, 'docker/custom/custom-deployment.build-args', 'shared/**', 'config/app.yaml', '.dockerignore',
      '.github/workflows/custom-build-deployment-image.yaml', '.github/workflows/image-build.yaml', 'image-build/**',
    ]);
  });

  test('without a smoke-test stage fails the declaration, giving the stage to add with the image\'s own imports', () => {
    // GIVEN a hand-written Dockerfile whose stages the workflow could not smoke-test
    const { platform } = platformWithDockerfile(COMPLETE.replace('FROM base AS smoke-test', 'FROM base AS check'));
    // THEN the declaration fails with the stage to add
    expect(() => platform.addImage(declaration())).toThrow(
      `hand-written Dockerfile '${PATH}' has no stage 'smoke-test', which the workflow builds before the image to test its Python environment: `
      + 'add one on the stage the image starts from, e.g. \'FROM <that stage> AS smoke-test\' then \'RUN ["python", "-c", "import requests"]\'');
  });

  test('that lacks build arguments fails the declaration, naming every missing one', () => {
    // GIVEN a hand-written Dockerfile that declares only BASE_IMAGE and IMAGE_VERSION
    const { platform } = platformWithDockerfile('ARG BASE_IMAGE\nFROM ${BASE_IMAGE} AS smoke-test\nFROM ${BASE_IMAGE}\nARG IMAGE_VERSION\n');
    // WHEN the image is declared
    // THEN one error lists each missing ARG with the fix
    expect(() => platform.addImage(declaration())).toThrow([
      'Invalid image declaration \'custom-deployment\':',
      ...['REQUESTS_VERSION', 'AWS_CLI_VERSION', 'AWS_CLI_MIRROR', 'IMAGE_SOURCE', 'IMAGE_REVISION', 'IMAGE_CREATED'].map((name) =>
        `  - hand-written Dockerfile '${PATH}' has no 'ARG ${name}', but projen passes ${name}: add the line 'ARG ${name}' to the stage that uses it`),
    ].join('\n'));
  });

  test('that declares build arguments only before the first FROM fails the declaration, unless a FROM line uses them', () => {
    // GIVEN a hand-written Dockerfile whose provenance arguments are global: out of scope in the stage, so its labels would come out empty
    const { platform } = platformWithDockerfile([
      'ARG BASE_IMAGE',
      'ARG IMAGE_SOURCE',
      'ARG IMAGE_REVISION',
      'FROM ${BASE_IMAGE} AS smoke-test',
      'FROM ${BASE_IMAGE}',
      'ARG REQUESTS_VERSION AWS_CLI_VERSION AWS_CLI_MIRROR IMAGE_VERSION IMAGE_CREATED',
      'LABEL org.opencontainers.image.source="${IMAGE_SOURCE}" org.opencontainers.image.revision="${IMAGE_REVISION}"',
      '',
    ].join('\n'));
    // WHEN the image is declared
    // THEN both global-only arguments are named with the fix; BASE_IMAGE, which FROM uses, is not
    expect(() => platform.addImage(declaration())).toThrow([
      'Invalid image declaration \'custom-deployment\':',
      ...['IMAGE_SOURCE', 'IMAGE_REVISION'].map((name) =>
        `  - hand-written Dockerfile '${PATH}' declares 'ARG ${name}' only before the first FROM, where only FROM lines see it (a LABEL or RUN gets an empty value): repeat 'ARG ${name}' inside the stage that uses it`),
    ].join('\n'));
  });

  test('that does not exist fails the declaration with the fix', () => {
    const { platform } = newPlatform();
    expect(() => platform.addImage(declaration())).toThrow(
      `hand-written Dockerfile '${PATH}' does not exist: write it, or drop \`dockerfile\` so projen generates one`);
  });

  test('a plain path, or DockerfileSource.generated, still means projen generates the Dockerfile there', () => {
    const { project, platform } = newPlatform();
    platform.addImage(declaration({ dockerfile: 'images/a/Dockerfile' }));
    platform.addImage(declaration({ id: 'b', repository: 'b-tools', workflowFileName: 'b.yaml', workflowName: 'B', dockerfile: DockerfileSource.generated('images/b/Dockerfile') }));
    const files = synth(project);
    expect(files['images/a/Dockerfile']).toMatch(/^# ~~ Generated by projen/);
    expect(files['images/b/Dockerfile']).toMatch(/^# ~~ Generated by projen/);
  });

  test('two images cannot generate the same Dockerfile', () => {
    const { platform } = newPlatform();
    platform.addImage(declaration({ dockerfile: 'images/a/Dockerfile' }));
    expect(() => platform.addImage(declaration({ id: 'b', repository: 'b-tools', workflowFileName: 'b.yaml', workflowName: 'B', dockerfile: 'images/a/Dockerfile' })))
      .toThrow(/generated Dockerfile 'images\/a\/Dockerfile' is used by 'custom-deployment' \(addImage #1, repository 'custom-tools'\) and 'b' \(addImage #2, repository 'b-tools'\): give one of them another `dockerfile` path/);
  });
});

describe('the files an image is built from', () => {
  test('of a generated Dockerfile: the Dockerfile, its build arguments, the tools\' signing key and the script folders', () => {
    const { platform } = newPlatform();
    const image = platform.addImage(declaration({ dockerfile: undefined, scripts: [ScriptCopy.of('deployment/custom/', '/scripts')] }));
    expect(image.buildInputs).toEqual([
      'docker/custom/Dockerfile.deployment',
      'docker/custom/custom-deployment.build-args',
      'docker/keys/FB5DB77FD5C118B80511ADA8A6310ACC4672475C.asc',
      'deployment/custom',
    ]);
  });

  test('of a hand-written Dockerfile: what it copies from the build context, not from a stage or a URL', () => {
    const { platform } = platformWithDockerfile([
      COMPLETE,
      'COPY --chown=1000 app/ config/settings.yaml /app/',
      'COPY --from=builder /out /out',
      'ADD https://example.com/data.tar.gz /data/',
      'ADD ./vendor /vendor',
      '',
    ].join('\n'));
    const image = platform.addImage(declaration());
    expect(image.buildInputs).toEqual([PATH, 'docker/custom/custom-deployment.build-args', 'app', 'config/settings.yaml', 'vendor']);
  });
});
