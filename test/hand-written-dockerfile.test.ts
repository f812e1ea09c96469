import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { ContainerImage, ContainerImageOptions, DockerfileSource, ImageKind, Pipeline, PythonPackage, ScriptCopy, TargetPlatform, Tool } from '../src';
import { documentOf, fingerprintOf } from './support/fingerprint-fixture';
import { newFixturePlatform } from './support/fixture-images';
import { gitRepo, writeFiles } from './support/git-fixture';
import { buildStep } from './support/image-job';
import { linkLibrary } from './support/library';
import { synth } from './support/project';
import { addImageToProjenrc, synthesizeCopy } from './support/projenrc-copy';
import { copyProject, projectFiles } from './support/sandbox';
import { REUSABLE_WORKFLOW_FILE } from '../src/github/image-steps';
import { LIBRARY_DIR } from '../src/shell/library';

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
  const { project, platform } = newFixturePlatform();
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
    const checkout = gitRepo({ [PATH]: COMPLETE, 'docker/custom/custom-deployment.build-args': files['docker/custom/custom-deployment.build-args'] });
    linkLibrary(checkout);
    const build = buildStep('custom-build-deployment-image.yaml', 'build', { source: files, checkout });
    expect(build.with.file).toBe(PATH);
    expect(build.with['build-args'].split('\n').map((l: string) => l.split('=')[0])).toEqual([
      'BASE_IMAGE', 'REQUESTS_VERSION', 'AWS_CLI_VERSION', 'AWS_CLI_MIRROR', 'IMAGE_SOURCE', 'IMAGE_REVISION', 'IMAGE_CREATED',
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
    // GIVEN a hand-written Dockerfile that declares only BASE_IMAGE and IMAGE_CREATED
    const { platform } = platformWithDockerfile('ARG BASE_IMAGE\nFROM ${BASE_IMAGE} AS smoke-test\nFROM ${BASE_IMAGE}\nARG IMAGE_CREATED\n');
    // WHEN the image is declared
    // THEN one error lists each missing ARG with the fix
    expect(() => platform.addImage(declaration())).toThrow([
      'Invalid image declaration \'custom-deployment\':',
      ...['REQUESTS_VERSION', 'AWS_CLI_VERSION', 'AWS_CLI_MIRROR', 'IMAGE_SOURCE', 'IMAGE_REVISION'].map((name) =>
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
      'ARG REQUESTS_VERSION AWS_CLI_VERSION AWS_CLI_MIRROR IMAGE_CREATED',
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
    const { platform } = newFixturePlatform();
    expect(() => platform.addImage(declaration())).toThrow(
      `hand-written Dockerfile '${PATH}' does not exist: write it, or drop \`dockerfile\` so projen generates one`);
  });

  test('a plain path, or DockerfileSource.generated, still means projen generates the Dockerfile there', () => {
    const { project, platform } = newFixturePlatform();
    platform.addImage(declaration({ dockerfile: 'images/a/Dockerfile' }));
    platform.addImage(declaration({ id: 'b', repository: 'b-tools', workflowFileName: 'b.yaml', workflowName: 'B', dockerfile: DockerfileSource.generated('images/b/Dockerfile') }));
    const files = synth(project);
    expect(files['images/a/Dockerfile']).toMatch(/^# ~~ Generated by projen/);
    expect(files['images/b/Dockerfile']).toMatch(/^# ~~ Generated by projen/);
  });

  test('two images cannot generate the same Dockerfile', () => {
    const { platform } = newFixturePlatform();
    platform.addImage(declaration({ dockerfile: 'images/a/Dockerfile' }));
    expect(() => platform.addImage(declaration({ id: 'b', repository: 'b-tools', workflowFileName: 'b.yaml', workflowName: 'B', dockerfile: 'images/a/Dockerfile' })))
      .toThrow(/generated Dockerfile 'images\/a\/Dockerfile' is used by 'custom-deployment' \(addImage #1, repository 'custom-tools'\) and 'b' \(addImage #2, repository 'b-tools'\): give one of them another `dockerfile` path/);
  });
});

describe('the files an image is built from', () => {
  test('of a generated Dockerfile: the Dockerfile, its build arguments, the tools\' signing key and the script folders', () => {
    const { platform } = newFixturePlatform();
    const image = platform.addImage(declaration({ dockerfile: undefined, scripts: [ScriptCopy.of('deployment/custom/', '/scripts')] }));
    expect(image.buildInputs).toEqual([
      'docker/custom/Dockerfile.deployment',
      'docker/custom/custom-deployment.build-args',
      'docker/keys/FB5DB77FD5C118B80511ADA8A6310ACC4672475C.asc',
      'deployment/custom',
    ]);
  });
});

/** Where the lines after COMPLETE start in a fixture Dockerfile. */
const FIRST_ADDED_LINE = COMPLETE.split('\n').length;
const WORKFLOW = '.github/workflows/custom-build-deployment-image.yaml';
/** The path filters every image of the fixture has, whatever its Dockerfile copies. */
const FIXED_FILTERS = ['deployment/custom/**', PATH, 'docker/custom/custom-deployment.build-args', '.dockerignore', WORKFLOW, `.github/workflows/${REUSABLE_WORKFLOW_FILE}`, `${LIBRARY_DIR}/**`];
/** The repository files of the fixture project, for the Dockerfiles below to use. */
const REPOSITORY = {
  'shared/util.py': 'x = 1\n',
  'config/app.yaml': 'a: 1\n',
  'vendor/lib.tar': 'tar\n',
  'app/main.py': 'print()\n',
  'requirements.txt': 'requests\n',
  'lib/c++/a.h': '//\n',
  'my file': 'x\n',
};

/** A git repository holding what the image is built from: its Dockerfile, build arguments and .dockerignore as synthesized, and REPOSITORY. */
function committed(files: Record<string, any>, image: ContainerImage): string {
  return gitRepo({ ...REPOSITORY, [PATH]: files[PATH], [image.buildArgsFile]: files[image.buildArgsFile], '.dockerignore': files['.dockerignore'] });
}

/** A platform whose Dockerfile is COMPLETE followed by `lines`, in a project holding REPOSITORY. */
function platformCopying(lines: readonly string[]) {
  const fixture = platformWithDockerfile(`${COMPLETE}${lines.join('\n')}\n`);
  writeFiles(fixture.project.outdir, REPOSITORY);
  return fixture;
}

describe('what a hand-written Dockerfile takes from the repository', () => {
  test.each<[string, string[], string[], string[]]>([
    ['a folder and a file', ['COPY shared/ /opt/shared/', 'COPY config/app.yaml /etc/app.yaml'], ['shared', 'config/app.yaml'], ['shared/**', 'config/app.yaml']],
    ['sources written with ./ or a leading / (the context root)', ['ADD ./vendor/lib.tar /vendor/', 'COPY /app/ /srv/'], ['vendor/lib.tar', 'app'], ['vendor/lib.tar', 'app/**']],
    ['the JSON form, with flags', ['COPY --chown=1000 --link ["config/app.yaml", "shared", "/etc/"]'], ['config/app.yaml', 'shared'], ['config/app.yaml', 'shared/**']],
    ['a source on a continuation line', ['COPY config/app.yaml \\', '  shared /etc/'], ['config/app.yaml', 'shared'], ['config/app.yaml', 'shared/**']],
    ['a path with characters path filters read as patterns, escaped', ['COPY lib/c++ /usr/include/'], ['lib/c++'], ['lib/c\\+\\+/**']],
    ['a stage or an image (COPY --from): built from this Dockerfile, or not in the repository', ['COPY --from=base /usr/bin/python3 /opt/', 'COPY --from=python:3.11-slim /usr/local/bin/ /opt/'], [], []],
    ['a URL (ADD), with or without a checksum: not in the repository', [
      'ADD https://example.com/data.tar.gz /data/',
      'ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x.tgz /x/',
      'ADD git@github.com:acme/models.git /models/',
    ], [], []],
    ['a heredoc: its text is in the Dockerfile, and a body line is no instruction', ['COPY <<EOF /etc/motd', 'COPY . /app', 'EOF', 'RUN <<EOT bash', 'ADD ./ /srv', 'EOT'], [], []],
    ['a bind mount with a source', ['RUN --mount=type=bind,source=requirements.txt,target=/tmp/r.txt pip install -r /tmp/r.txt'], ['requirements.txt'], ['requirements.txt']],
    ['a mount without a type (a bind) and src= for source', ['RUN --mount=src=shared,target=/s python /s/util.py'], ['shared'], ['shared/**']],
    ['a bind mount from a stage or an image', ['RUN --mount=type=bind,from=base,source=/usr,target=/u true', 'RUN --mount=type=bind,from=busybox,target=/b true'], [], []],
    ['cache, secret and tmpfs mounts', ['RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=token --mount=type=tmpfs,target=/t true'], [], []],
  ])('%s', (_, lines, inputs, filters) => {
    // GIVEN a hand-written Dockerfile with these lines
    const { project, platform } = platformCopying(lines);
    // WHEN the image is declared and the project synthesized
    const image = platform.addImage(declaration());
    const files = synth(project);
    const paths: string[] = parse(files[WORKFLOW]).on.push.paths;
    // THEN exactly these paths are inputs of the fingerprint and path filters of the workflow
    expect(image.buildInputs).toEqual([PATH, image.buildArgsFile, ...inputs]);
    expect(paths.filter((p) => !FIXED_FILTERS.includes(p))).toEqual(filters);
    expect(paths).toEqual(expect.arrayContaining(FIXED_FILTERS));
    // and the fingerprint, run on a commit of the project, hashes each as a git tree entry
    const repo = committed(files, image);
    try {
      const hashed = documentOf(repo, image).filter((l) => l.startsWith('input ')).map((l) => l.split(' ').slice(1, 3));
      expect(hashed.filter(([path]) => inputs.includes(path))).toEqual(inputs.map((path) => [path, expect.stringMatching(/^(100644|040000)$/)]));
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('editing a bind-mounted file changes the inputs fingerprint; editing a file the Dockerfile does not use does not', () => {
    // GIVEN an image whose Dockerfile installs from a bind-mounted requirements file, committed
    const { project, platform } = platformCopying(['RUN --mount=type=bind,source=requirements.txt,target=/tmp/r.txt pip install -r /tmp/r.txt']);
    const image = platform.addImage(declaration());
    const repo = committed(synth(project), image);
    try {
      const before = fingerprintOf(repo, image);
      // WHEN a file it does not use changes, THEN the fingerprint stays
      writeFiles(repo, { 'config/app.yaml': 'a: 2\n' });
      expect(fingerprintOf(repo, image)).toBe(before);
      // WHEN the mounted file changes, THEN it moves: the next run builds
      writeFiles(repo, { 'requirements.txt': 'requests==2.32.3\n' });
      expect(fingerprintOf(repo, image)).not.toBe(before);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  const at = (line: number) => `${PATH}:${FIRST_ADDED_LINE + line}:`;
  const whole = (example: string) => `the whole repository, so every commit would rebuild the image: name the folders it needs, e.g. '${example}'`;
  test.each<[string, string[], string]>([
    ['the whole repository', ['COPY . /app'], `${at(0)} \`COPY . /app\` copies ${whole('COPY src/ /app/src/')}`],
    ['the whole repository, as ./ in ADD', ['ADD --chown=1000 ./ /srv'], `${at(0)} \`ADD --chown=1000 ./ /srv\` adds ${whole('ADD src/ /app/src/')}`],
    ['a wildcard', ['COPY shared/ \\', '  app/*.py /app/'],
      `${at(1)} \`COPY shared/ app/*.py /app/\` copies 'app/*.py', a wildcard, which the inputs fingerprint cannot hash as one git path: copy its folder, or name each file`],
    ['a character class', ['COPY requirement[s].txt /r/'],
      `${at(0)} \`COPY requirement[s].txt /r/\` copies 'requirement[s].txt', a wildcard, which the inputs fingerprint cannot hash as one git path: copy its folder, or name each file`],
    ['a variable', ['ARG SRC=shared', 'COPY ${SRC} /app/'],
      `${at(1)} \`COPY \${SRC} /app/\` copies '\${SRC}', a variable the build resolves, so the inputs fingerprint cannot know the path: write the path itself`],
    ['a platform argument of the build machine, not the target', ['ARG BUILDARCH', 'COPY bin/$BUILDARCH/tool /t'],
      `${at(1)} \`COPY bin/$BUILDARCH/tool /t\` copies 'bin/$BUILDARCH/tool', a variable the build resolves, so the inputs fingerprint cannot know the path: write the path itself`],
    ['a platform argument with a default', ['ARG TARGETARCH', 'COPY bin/${TARGETARCH:-amd64}/tool /t'],
      `${at(1)} \`COPY bin/\${TARGETARCH:-amd64}/tool /t\` copies 'bin/\${TARGETARCH:-amd64}/tool', a variable the build resolves, so the inputs fingerprint cannot know the path: write the path itself`],
    ['a platform argument empty for a declared platform (linux/amd64 has no variant)', ['ARG TARGETVARIANT', 'COPY bin/${TARGETVARIANT}/tool /t'],
      `${at(1)} \`COPY bin/\${TARGETVARIANT}/tool /t\` copies 'bin/\${TARGETVARIANT}/tool', which is 'bin//tool' for linux/amd64, a name the inputs fingerprint does not accept: use a platform argument that is not empty there, or write the path itself`],
    ['a platform argument its stage does not declare', ['COPY bin/${TARGETARCH}/tool /t'],
      `${at(0)} \`COPY bin/\${TARGETARCH}/tool /t\` copies 'bin/\${TARGETARCH}/tool', but its stage does not declare TARGETARCH, so the build reads it as empty: add 'ARG TARGETARCH' after the stage's FROM`],
    ['a path outside the build context', ['COPY ../outside /x'],
      `${at(0)} \`COPY ../outside /x\` copies '../outside', outside the build context, which is the repository root: move it into the repository`],
    ['a name the fingerprint does not accept', ['COPY ["my file", "/x"]'],
      `${at(0)} \`COPY ["my file", "/x"]\` copies 'my file', a name the inputs fingerprint does not accept: use only letters, digits, '.', '_', '@', '+', '-' and '/'`],
    ['a path that does not exist', ['COPY config/missing.yaml /etc/'],
      `${at(0)} \`COPY config/missing.yaml /etc/\` copies 'config/missing.yaml', which is not in the repository: add it, or correct the path`],
    ['a bind mount without a source: the whole repository', ['RUN --mount=type=bind,target=/src make -C /src'],
      `${at(0)} \`RUN --mount=type=bind,target=/src …\` mounts ${whole('--mount=type=bind,source=src,target=/src')}`],
    ['a bind mount of the whole repository, on a continuation line', ['RUN --mount=type=cache,target=/c \\', '  --mount=type=bind,source=.,target=/src make'],
      `${at(1)} \`RUN --mount=type=bind,source=.,target=/src …\` mounts ${whole('--mount=type=bind,source=src,target=/src')}`],
    ['a bind mount of a wildcard', ['RUN --mount=type=bind,source=shared/*.py,target=/x true'],
      `${at(0)} \`RUN --mount=type=bind,source=shared/*.py,target=/x …\` mounts 'shared/*.py', a wildcard, which the inputs fingerprint cannot hash as one git path: mount its folder, or name each file`],
  ])('%s is refused when the image is declared, with one line naming the place and the fix', (_, lines, refusal) => {
    // GIVEN a hand-written Dockerfile with these lines
    const { platform } = platformCopying(lines);
    // WHEN the image is declared
    // THEN the declaration fails with exactly that line
    expect(() => platform.addImage(declaration())).toThrow(new Error(`Invalid image declaration 'custom-deployment':\n  - ${refusal}`));
  });
});

describe('npx projen with a hand-written Dockerfile that copies the whole repository', () => {
  test('fails with the refusal line alone, no stack trace, and writes nothing', () => {
    // GIVEN a copy of this project that declares an image with a hand-written Dockerfile ending in `COPY . /app`
    const copy = copyProject(mkdtempSync(join(tmpdir(), 'hand-written-')));
    try {
      writeFiles(copy, { [PATH]: `${COMPLETE}COPY . /app\n` });
      addImageToProjenrc(copy, [
        "pipeline: added.Pipeline.of('custom'), kind: added.ImageKind.DEPLOYMENT, repository: 'custom-tools',",
        `dockerfile: added.DockerfileSource.handWritten('${PATH}'),`,
        // Its base image by digest and its versions declared: it needs nothing of the copy's lock.
        `baseImage: 'python:3.12-slim@sha256:${'1a'.repeat(32)}',`,
        "pythonPackages: [added.PythonPackage.of('requests', { version: '2.32.3' })], tools: [added.Tool.awsCliV2({ version: '2.22.35' })],",
      ].join(' '));
      const before = projectFiles(copy);
      // WHEN it is synthesized
      const run = synthesizeCopy(copy);
      // THEN it fails with the image and the one refusal line, and every file is as it was
      expect(run.status).toBe(1);
      // (besides the line projen's task runner adds for any failed synthesis)
      expect(run.stderr.split('\n').filter((line) => !line.startsWith('👾 Synthesis failed: Task "default" failed')).join('\n')).toBe([
        "Invalid image declaration 'custom-deployment':",
        `  - ${PATH}:${FIRST_ADDED_LINE}: \`COPY . /app\` copies the whole repository, so every commit would rebuild the image: name the folders it needs, e.g. 'COPY src/ /app/src/'`,
        '',
      ].join('\n'));
      expect(isDeepStrictEqual(projectFiles(copy), before)).toBe(true);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('a hand-written Dockerfile that copies per platform with BuildKit\'s platform arguments', () => {
  const TOOLS = { 'bin/amd64/tool': 'amd64\n', 'bin/arm64/tool': 'arm64\n' };
  const COPY_TOOL = ['ARG TARGETARCH', 'COPY bin/${TARGETARCH}/tool /usr/local/bin/'];
  const BOTH = { platforms: [TargetPlatform.LINUX_AMD64, TargetPlatform.LINUX_ARM64] };

  /** The image declared with `overrides`, its Dockerfile COMPLETE plus `lines`, in a project holding REPOSITORY and `files`. */
  function imageCopying(lines: readonly string[], files: Record<string, string>, overrides: Partial<ContainerImageOptions>) {
    const { project, platform } = platformCopying(lines);
    writeFiles(project.outdir, files);
    return { project, image: platform.addImage(declaration(overrides)) };
  }

  /** The inputs a platform's fingerprint hashes, from its document: `path mode`. */
  const hashedInputs = (repo: string, image: ContainerImage, platform: string) =>
    documentOf(repo, image, platform).filter((l) => l.startsWith('input bin/')).map((l) => l.split(' ').slice(1, 3).join(' '));

  test('each platform\'s fingerprint hashes its own path only: a change for arm64 changes the arm64 fingerprint alone', () => {
    // GIVEN an image of two platforms whose Dockerfile copies bin/${TARGETARCH}/tool, committed
    const { project, image } = imageCopying(COPY_TOOL, TOOLS, BOTH);
    const files = synth(project);
    // THEN the input keeps the argument, and the workflow runs on a change to either platform's file
    expect(image.buildInputs).toEqual([PATH, image.buildArgsFile, 'bin/${TARGETARCH}/tool']);
    expect(parse(files[WORKFLOW]).on.push.paths).toEqual(expect.arrayContaining(['bin/amd64/tool', 'bin/arm64/tool']));
    const repo = gitRepo({ ...REPOSITORY, ...TOOLS, [PATH]: files[PATH], [image.buildArgsFile]: files[image.buildArgsFile], '.dockerignore': files['.dockerignore'] });
    try {
      // and each platform's fingerprint hashes that platform's file alone
      expect(hashedInputs(repo, image, 'linux/amd64')).toEqual(['bin/amd64/tool 100644']);
      expect(hashedInputs(repo, image, 'linux/arm64')).toEqual(['bin/arm64/tool 100644']);
      const before = { amd64: fingerprintOf(repo, image, 'linux/amd64'), arm64: fingerprintOf(repo, image, 'linux/arm64') };
      // WHEN the arm64 file changes
      writeFiles(repo, { 'bin/arm64/tool': 'arm64, version 2\n' });
      // THEN only the arm64 fingerprint moves: only that platform builds again
      expect(fingerprintOf(repo, image, 'linux/amd64')).toBe(before.amd64);
      expect(fingerprintOf(repo, image, 'linux/arm64')).not.toBe(before.arm64);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('an image of one platform gets that platform\'s value, written $TARGETARCH or ${TARGETARCH}', () => {
    // GIVEN an arm64-only image that copies bin/$TARGETARCH/tool, with only the arm64 file in the repository
    const { project, image } = imageCopying(['ARG TARGETARCH', 'COPY bin/$TARGETARCH/tool /usr/local/bin/'], { 'bin/arm64/tool': 'arm64\n' },
      { targetPlatform: TargetPlatform.LINUX_ARM64 });
    const files = synth(project);
    // THEN its input and path filter are arm64's
    expect(image.buildInputs).toEqual([PATH, image.buildArgsFile, 'bin/${TARGETARCH}/tool']);
    const paths: string[] = parse(files[WORKFLOW]).on.push.paths;
    expect(paths.filter((p) => p.startsWith('bin/'))).toEqual(['bin/arm64/tool']);
    const repo = gitRepo({ ...REPOSITORY, 'bin/arm64/tool': 'arm64\n', [PATH]: files[PATH], [image.buildArgsFile]: files[image.buildArgsFile], '.dockerignore': files['.dockerignore'] });
    try {
      expect(hashedInputs(repo, image, 'linux/arm64')).toEqual(['bin/arm64/tool 100644']);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  test('a path missing for one platform is refused when the image is declared, naming the platform', () => {
    // GIVEN an image of two platforms whose repository has the amd64 file only
    // THEN the declaration fails with one line naming the arm64 path
    expect(() => imageCopying(COPY_TOOL, { 'bin/amd64/tool': 'amd64\n' }, BOTH)).toThrow(new Error([
      'Invalid image declaration \'custom-deployment\':',
      `  - ${PATH}:${FIRST_ADDED_LINE + 1}: \`COPY bin/\${TARGETARCH}/tool /usr/local/bin/\` copies 'bin/arm64/tool' for linux/arm64, which is not in the repository: add it, or correct the path`,
    ].join('\n')));
  });
});
