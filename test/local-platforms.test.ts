import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerImage, DockerfileSource, ImageKind, Pipeline, TargetPlatform } from '../src';
import { gitRepo, runScript, writeFiles } from './support/git-fixture';
import { LIBRARY, libraryCall, libraryFiles } from './support/library';
import { recordingEngine } from './support/local-checkout';
import { newPlatform, synth } from './support/project';
import { shellcheckFiles } from './support/shellcheck';
import { copiedInputs } from '../src/shell/fingerprint';

/** A stand-in docker (no docker engine runs here): see the file. */
const DOCKER_STAND_IN = join(__dirname, 'support', 'docker-stand-in.sh');

const HOST = arch() === 'arm64' ? 'linux/arm64' : 'linux/amd64';

/** A git repository holding the synthesized project's docker/, image-build/ and .dockerignore, the shell library and `sources`. */
function checkoutOf(files: Record<string, unknown>, sources: Record<string, string> = {}): string {
  const library = Object.fromEntries(libraryFiles().filter((f) => f !== 'settings.sh').map((f) => [`image-build/${f}`, readFileSync(join(LIBRARY, f), 'utf8')]));
  return gitRepo({
    ...library,
    ...sources,
    ...Object.fromEntries(Object.entries(files).filter(([path]) => /^(docker\/|image-build\/|\.dockerignore$)/.test(path)).map(([path, text]) => [path, String(text)])),
  });
}

describe('the local tasks of an image of several platforms', () => {
  let repo: string;
  let engines: string;
  let image: ContainerImage;

  beforeAll(() => {
    const { project, platform } = newPlatform();
    image = platform.addImage({
      pipeline: Pipeline.of('edge'),
      kind: ImageKind.DEPLOYMENT,
      repository: 'edge-tools',
      platforms: [TargetPlatform.LINUX_ARM64, TargetPlatform.LINUX_AMD64],
    });
    repo = checkoutOf(synth(project));
    engines = mkdtempSync(join(tmpdir(), 'engines-'));
  });
  afterAll(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(engines, { recursive: true, force: true });
  });

  /** Runs `build` with a recording engine; the platform it was asked for, or the task's error. */
  function build(engine: string, ...extra: string[]): { platform?: string; status: number | null; stderr: string } {
    const fake = recordingEngine({ tempDir: (prefix) => mkdtempSync(join(engines, prefix)) }, engine);
    const run = spawnSync('bash', ['docker/image-tasks.sh', 'build', 'edge-deployment', 'v1', ...extra], {
      cwd: repo, env: { ...process.env, PATH: fake.path, CONTAINER_ENGINE: engine }, encoding: 'utf8',
    });
    const [call] = fake.calls();
    return { platform: call ? call[call.indexOf('--platform') + 1] : undefined, status: run.status, stderr: run.stderr };
  }

  test.each<[string, string[], string]>([
    ['the host\'s platform by default', [], HOST],
    ['a declared platform asked for with --platform', ['--platform', 'linux/arm64'], 'linux/arm64'],
    ['the same as --platform=', ['--platform=linux/amd64'], 'linux/amd64'],
  ])('build %s', (_case, extra, expected) => {
    expect(build('buildah', ...extra).platform).toBe(expected);
  });

  test.each<[string, string[], string]>([
    ['a platform the image does not declare', ['--platform', 'linux/s390x'],
      'image-tasks: platform linux/s390x is not declared for edge-deployment, whose platforms are linux/arm64 linux/amd64\n'],
    ['several platforms at once on buildah', ['--platform', 'linux/amd64,linux/arm64'],
      'image-tasks: buildah builds one platform at a time, not linux/amd64\\,linux/arm64: run the task once per platform, e.g. --platform linux/arm64, or use docker with buildx, which builds several in one build; the workflow builds every platform natively and merges them into one index\n'],
  ])('refuses %s with one line, before the engine runs', (_case, extra, message) => {
    const result = build('buildah', ...extra);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(message);
    expect(result.platform).toBeUndefined();
  });

  /** Runs `args` with the stand-in docker as `docker`, set up by `env`; its calls, and the task's result. */
  function withDocker(args: string[], env: Record<string, string> = {}) {
    const bin = mkdtempSync(join(engines, 'docker-'));
    symlinkSync(DOCKER_STAND_IN, join(bin, 'docker'));
    const log = join(bin, 'calls.log');
    const run = spawnSync('bash', ['docker/image-tasks.sh', ...args], {
      cwd: repo, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CONTAINER_ENGINE: 'docker', STAND_IN_DOCKER_LOG: log, ...env }, encoding: 'utf8',
    });
    let calls: string[][] = [];
    try {
      calls = readFileSync(log, 'utf8').split('\n\n').filter((c) => c !== '').map((c) => c.split('\n'));
    } catch {
      // docker was never called
    }
    return { calls, builds: calls.filter((c) => c[0] === 'build' || c[1] === 'build'), ...run };
  }

  /** What a build command passes after its platform, file and tags: the build arguments and the context. */
  const argumentsOf = (call: string[]) => call.slice(call.indexOf('--build-arg'));

  test('the stand-in docker passes shellcheck', () => {
    expect(shellcheckFiles([DOCKER_STAND_IN])).toEqual({ status: 0, output: '' });
  });

  test.each<[string, string]>([
    ['a list of declared platforms', 'linux/amd64,linux/arm64'],
    ['all, every declared platform', 'all'],
  ])('several platforms on docker with buildx: %s is one `docker buildx build --load` into one index under the index\'s inputs tag, with a single build\'s arguments', (_case, requested) => {
    // GIVEN docker with buildx, the containerd image store and a builder of both platforms (the stand-in's defaults)
    // WHEN several platforms are built
    const result = withDocker(['build', 'edge-deployment', 'v1', '--platform', requested]);
    expect(result.status).toBe(0);
    // THEN it checks buildx, the image store and the builder, then builds once, for both platforms
    expect(result.calls.map((c) => c.slice(0, 2).join(' '))).toEqual(['buildx version', 'info --format', 'buildx inspect', 'buildx build']);
    const [call] = result.builds;
    const index = withDocker(['fingerprint', 'edge-deployment', '--platform', 'linux/arm64,linux/amd64']).stdout.trim();
    expect(index).toMatch(/\/edge-tools:inputs-[0-9a-f]{16}$/);
    expect(call.slice(0, call.indexOf('--build-arg'))).toEqual([
      'buildx', 'build', '--load', '--platform', requested === 'all' ? 'linux/arm64,linux/amd64' : requested,
      '--file', 'docker/edge/Dockerfile.deployment', '--tag', '123456789012.dkr.ecr.eu-central-1.amazonaws.com/edge-tools:v1', '--tag', index,
    ]);
    // with the build arguments (mirrors included) of a one-platform build
    const mirror = { BASE_IMAGE_MIRROR: '127.0.0.1:5000', AWS_CLI_MIRROR: 'https://mirror.example.com/aws' };
    const single = withDocker(['build', 'edge-deployment', 'v1', '--platform', 'linux/amd64'], mirror);
    expect(single.builds[0].slice(0, 2)).toEqual(['build', '--platform']);
    expect(argumentsOf(single.builds[0])).toEqual(expect.arrayContaining(['AWS_CLI_MIRROR=https://mirror.example.com/aws']));
    expect(argumentsOf(withDocker(['build', 'edge-deployment', 'v1', '--platform', requested], mirror).builds[0])).toEqual(argumentsOf(single.builds[0]));
    // and the index's inputs tag is neither platform's own
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      expect(withDocker(['fingerprint', 'edge-deployment', '--platform', platform]).stdout.trim()).not.toBe(index);
    }
  });

  test('the inputs tag of a local build of every platform is the one the workflow\'s index job computes', () => {
    // GIVEN the index job's fingerprint step, run on the same checkout with the image's values
    const output = join(mkdtempSync(join(engines, 'output-')), 'github-output');
    writeFileSync(output, '');
    const step = runScript(libraryCall('platforms.sh', 'index_inputs_step'), repo, {
      GITHUB_OUTPUT: output,
      IMAGE_PLATFORMS: JSON.stringify(image.platforms.map((p) => ({ platform: p.value }))),
      IMAGE_DOCKERFILE: image.dockerfile,
      IMAGE_BUILD_ARGS_FILE: image.buildArgsFile,
      IMAGE_COPIED: copiedInputs(image).join('\n'),
      CONTEXT_IGNORE: '.dockerignore',
    });
    expect(step.status).toBe(0);
    const tag = readFileSync(output, 'utf8').match(/^tag=(.*)$/m)?.[1];
    // THEN the local index is named by the same inputs tag
    expect(withDocker(['fingerprint', 'edge-deployment', '--platform', 'all']).stdout).toBe(`123456789012.dkr.ecr.eu-central-1.amazonaws.com/edge-tools:${tag}\n`);
  });

  const instead = 'or build one platform at a time, e.g. --platform linux/amd64';
  test.each<[string, Record<string, string>, string]>([
    ['docker without buildx', { STAND_IN_BUILDX: 'absent' },
      `docker has no buildx plugin, which builds several platforms in one build: install it (https://docs.docker.com/go/buildx/), ${instead}`],
    ['the classic image store, which holds no image index', { STAND_IN_STORE: 'classic' },
      `docker's image store is the classic one, which cannot hold an image of several platforms: enable the containerd image store (https://docs.docker.com/engine/storage/containerd/), ${instead}`],
    ['a builder without one of the platforms', { STAND_IN_PLATFORMS: 'linux/amd64, linux/amd64/v2, linux/386' },
      `docker's buildx builder default cannot build linux/arm64 (it builds linux/amd64 linux/amd64/v2 linux/386): add a node of that architecture (docker buildx create --append) or emulation, ${instead}`],
  ])('several platforms on %s are refused with one line saying what to set up, before any build', (_case, env, message) => {
    const result = withDocker(['build', 'edge-deployment', 'v1', '--platform', 'linux/amd64,linux/arm64'], env);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`image-tasks: ${message}\n`);
    expect(result.builds).toEqual([]);
  });

  test('the smoke test takes one platform, on any engine', () => {
    const result = withDocker(['test', 'edge-deployment', 'v1', '--platform', 'all']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('image-tasks: the smoke test runs in the image of one platform, not all: pass one, e.g. --platform linux/arm64\n');
    expect(result.calls).toEqual([]);
  });
});

describe('the local build of a hand-written Dockerfile that copies per platform', () => {
  const DOCKERFILE = [
    'ARG BASE_IMAGE', 'FROM ${BASE_IMAGE} AS base', 'FROM base AS smoke-test', 'RUN ["python", "-c", "pass"]', 'FROM base',
    'ARG IMAGE_SOURCE IMAGE_REVISION IMAGE_CREATED TARGETARCH', 'COPY bin/${TARGETARCH}/tool /usr/local/bin/', '',
  ].join('\n');
  const SOURCES = { 'docker/edge/Dockerfile': DOCKERFILE, 'bin/amd64/tool': 'amd64\n', 'bin/arm64/tool': 'arm64\n' };
  let repo: string;
  let engines: string;

  beforeAll(() => {
    const { project, platform } = newPlatform();
    writeFiles(project.outdir, SOURCES);
    platform.addImage({
      pipeline: Pipeline.of('edge'),
      kind: ImageKind.DEPLOYMENT,
      repository: 'edge-tools',
      tools: [],
      dockerfile: DockerfileSource.handWritten('docker/edge/Dockerfile'),
      platforms: [TargetPlatform.LINUX_ARM64, TargetPlatform.LINUX_AMD64],
    });
    repo = checkoutOf(synth(project), SOURCES);
    engines = mkdtempSync(join(tmpdir(), 'engines-'));
  });
  afterAll(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(engines, { recursive: true, force: true });
  });

  test('refuses CI\'s tag only for the platform whose copied file has an uncommitted change', () => {
    // GIVEN main with an uncommitted change to the arm64 tool only
    writeFiles(repo, { 'bin/arm64/tool': 'arm64, edited\n' });
    const build = (platform: string) => {
      const fake = recordingEngine({ tempDir: (prefix) => mkdtempSync(join(engines, prefix)) }, 'buildah');
      return spawnSync('bash', ['docker/image-tasks.sh', 'build', 'edge-deployment', '--platform', platform], {
        cwd: repo, env: { ...process.env, PATH: fake.path, CONTAINER_ENGINE: 'buildah' }, encoding: 'utf8',
      });
    };
    // THEN amd64 builds under `latest`, as its inputs are committed
    expect(build('linux/amd64').status).toBe(0);
    // and arm64 is refused, naming the file
    const arm64 = build('linux/arm64');
    expect(arm64.status).toBe(1);
    expect(arm64.stderr).toMatch(/^image-tasks: \S+\/edge-tools:latest would carry a tag CI pushes, but 1 of the files it is built from differ from the last commit \(bin\/arm64\/tool\)/);
  });
});
