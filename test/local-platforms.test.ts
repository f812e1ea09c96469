import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageKind, Pipeline, TargetPlatform } from '../src';
import { gitRepo } from './support/git-fixture';
import { LIBRARY, libraryFiles } from './support/library';
import { recordingEngine } from './support/local-checkout';
import { newPlatform, synth } from './support/project';

const HOST = arch() === 'arm64' ? 'linux/arm64' : 'linux/amd64';

describe('the local tasks of an image of several platforms', () => {
  let repo: string;
  let engines: string;

  beforeAll(() => {
    const { project, platform } = newPlatform();
    platform.addImage({
      pipeline: Pipeline.of('edge'),
      kind: ImageKind.DEPLOYMENT,
      repository: 'edge-tools',
      platforms: [TargetPlatform.LINUX_ARM64, TargetPlatform.LINUX_AMD64],
    });
    const files = synth(project);
    const library = Object.fromEntries(libraryFiles().filter((f) => f !== 'settings.sh').map((f) => [`image-build/${f}`, readFileSync(join(LIBRARY, f), 'utf8')]));
    repo = gitRepo({
      ...library,
      ...Object.fromEntries(Object.entries(files).filter(([path]) => /^(docker|image-build)\//.test(path)).map(([path, text]) => [path, String(text)])),
    });
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
      'image-tasks: buildah builds one platform at a time, not linux/amd64\\,linux/arm64: run the task once per platform, e.g. --platform linux/arm64; the workflow builds every platform natively and merges them into one index\n'],
  ])('refuses %s with one line, before the engine runs', (_case, extra, message) => {
    const result = build('buildah', ...extra);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(message);
    expect(result.platform).toBeUndefined();
  });
});
