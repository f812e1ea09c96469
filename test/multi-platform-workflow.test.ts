import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { gitRepo, runScript, writeFiles } from './support/git-fixture';
import { libraryCall } from './support/library';
import { twoPlatformProject } from './support/project';
import { workflowFiles } from './support/workflows';
import { IMAGE_JOB_ID } from '../src/github/image-build-workflow';
import { MULTI_PLATFORM_WORKFLOW_FILE, REUSABLE_WORKFLOW_FILE } from '../src/github/image-steps';
import { MULTI_PLATFORM_JOBS } from '../src/github/multi-platform-build-workflow';

const MULTI = `.github/workflows/${MULTI_PLATFORM_WORKFLOW_FILE}`;

describe('an image of several platforms', () => {
  const files = twoPlatformProject();
  const caller = parse(files['.github/workflows/edge-build-deployment-image.yaml']);
  const reusable = parse(files[MULTI]);

  test('the repository\'s seed images, all of one platform, generate no multi-platform workflow', () => {
    expect(workflowFiles()).not.toContain(MULTI_PLATFORM_WORKFLOW_FILE);
  });

  test('calls the multi-platform workflow with each platform, its runner and its own build cache; a one-platform image keeps the single job', () => {
    expect(caller.jobs[IMAGE_JOB_ID].uses).toBe(`./${MULTI}`);
    expect(JSON.parse(caller.jobs[IMAGE_JOB_ID].with.platforms)).toEqual([
      { platform: 'linux/amd64', runs_on: ['ubuntu-24.04'], cache_tag: 'buildcache-linux-amd64' },
      { platform: 'linux/arm64', runs_on: ['self-hosted', 'arm64'], cache_tag: 'buildcache-linux-arm64' },
    ]);
    expect(caller.jobs[IMAGE_JOB_ID].with).not.toHaveProperty('platform');
    expect(caller.on.push.paths).toContain(MULTI);
    expect(parse(files['.github/workflows/triton-build-deployment-image.yaml']).jobs[IMAGE_JOB_ID].uses).toBe(`./.github/workflows/${REUSABLE_WORKFLOW_FILE}`);
  });

  test('fingerprints first, builds each platform in a matrix job on its own runner unless the index is promoted, then merges', () => {
    const { index, platform, merge } = MULTI_PLATFORM_JOBS;
    expect(Object.keys(reusable.jobs)).toEqual([index, platform, merge]);
    expect(reusable.jobs[platform]).toMatchObject({
      'needs': index,
      'if': `needs.${index}.outputs.promoted != 'true'`,
      'runs-on': '${{ matrix.runs_on }}',
      'strategy': { matrix: { include: '${{ fromJSON(inputs.platforms) }}' } },
    });
    expect(reusable.jobs[merge].needs).toEqual([index, platform]);
    const build = reusable.jobs[platform].steps.find((s: any) => s.id === 'build');
    // Under its own inputs tag only: the wanted tag goes on the index.
    expect(build.with.tags).toBe('${{ env.IMAGE_REPOSITORY }}:${{ steps.inputs.outputs.tag }}');
    // The platform the fingerprint step hashed, which is this job's matrix platform.
    expect(build.with.platforms).toBe('${{ steps.inputs.outputs.platform }}');
    // Its fingerprint is the one the index job computed for the platform.
    expect(reusable.jobs[platform].steps.find((s: any) => s.id === 'inputs').run).toBe('source image-build/platforms.sh\nplatform_inputs_step\n');
    for (const job of Object.values(reusable.jobs) as any[]) {
      expect(job.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
    }
  });
});

describe('index_inputs_step, under bash in a git checkout', () => {
  let repo: string;
  let work: string;
  const run = (platforms: string[]) => {
    const output = join(work, `output-${Math.random()}`);
    writeFileSync(output, '');
    const result = runScript(libraryCall('platforms.sh', 'index_inputs_step'), repo, {
      GITHUB_OUTPUT: output,
      IMAGE_PLATFORMS: JSON.stringify(platforms.map((platform) => ({ platform, runs_on: ['x'] }))),
      IMAGE_DOCKERFILE: 'docker/Dockerfile',
      IMAGE_BUILD_ARGS_FILE: 'docker/edge.build-args',
      IMAGE_COPIED: 'app',
      CONTEXT_IGNORE: '.dockerignore',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return Object.fromEntries(readFileSync(output, 'utf8').trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)));
  };
  const single = (platform: string) => {
    const result = runScript(libraryCall('fingerprint.sh', 'inputs_fingerprint', [platform, 'docker/Dockerfile', 'docker/edge.build-args', 'app', '.dockerignore']), repo);
    return runScript(libraryCall('fingerprint.sh', 'inputs_tag', [result.stdout.trim()]), repo).stdout.trim();
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'index-inputs-'));
    repo = gitRepo({ 'docker/Dockerfile': 'FROM scratch\nCOPY app /app\n', 'docker/edge.build-args': 'BASE_IMAGE=scratch\n', 'app/run.sh': 'echo hi\n', '.dockerignore': '' });
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(repo, { recursive: true, force: true });
  });

  test('each platform\'s tag is the one a single-platform build of it computes, they differ, and the index tag does not depend on the order', () => {
    const outputs = run(['linux/arm64', 'linux/amd64']);
    expect(outputs.child_tags).toBe(`${single('linux/amd64')} ${single('linux/arm64')}`);
    expect(single('linux/amd64')).not.toBe(single('linux/arm64'));
    expect(run(['linux/amd64', 'linux/arm64']).tag).toBe(outputs.tag);
    expect(outputs.tag).toMatch(/^inputs-[0-9a-f]{16}$/);
    expect(outputs.tag).not.toBe(single('linux/amd64'));
  });

  test('a change of the inputs changes every platform\'s tag and the index\'s', () => {
    const before = run(['linux/amd64', 'linux/arm64']);
    writeFiles(repo, { 'app/run.sh': 'echo changed\n' });
    const after = run(['linux/amd64', 'linux/arm64']);
    writeFiles(repo, { 'app/run.sh': 'echo hi\n' });
    expect(after.tag).not.toBe(before.tag);
    expect(after.child_tags.split(' ').filter((t: string) => before.child_tags.split(' ').includes(t))).toEqual([]);
  });

  test('platforms that are no JSON list are refused with one line', () => {
    const result = runScript(libraryCall('platforms.sh', 'index_inputs_step'), repo, { GITHUB_OUTPUT: join(work, 'x'), IMAGE_PLATFORMS: 'linux/amd64', IMAGE_COPIED: '' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toBe('::error title=Inputs fingerprint::IMAGE_PLATFORMS is not a JSON array of {"platform": "OS/ARCH"} objects\n');
  });
});
