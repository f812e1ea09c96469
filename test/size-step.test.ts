import { fakeAws, FakeEcrScenario } from './support/fake-aws';
import { imageJob } from './support/image-job';
import { FIXTURE_ACCOUNT, FIXTURE_REGION, imageJobFixture } from './support/image-job-fixture';
import { twoPlatformProject } from './support/project';
import { runStep } from './support/runner';
import { MULTI_PLATFORM_JOBS } from '../src/github/multi-platform-build-workflow';

const DIGEST = `sha256:${'ab12'.repeat(16)}`;
// The image job generated for the fixture declaration: a training image declaring a 4 GB threshold,
// a deployment image with its kind's default of 1 GB.
const { files } = imageJobFixture();
const IMAGES = [
  { workflow: 'demo-build-training-image.yaml', repository: 'demo-training-tools', threshold: '4 GB', thresholdBytes: 4e9 },
  { workflow: 'demo-build-deployment-image.yaml', repository: 'demo-deployment-tools', threshold: '1 GB', thresholdBytes: 1e9 },
];

/** The size step of the image job, with the environment an image's workflow gives it. */
function sizeStep(file: string): { run: string; env: Record<string, string> } {
  const job = imageJob(file, {}, files);
  const step = job.steps.find((s: any) => s.id === 'size');
  // Expressions are what the runner would have substituted from earlier steps.
  return { run: step.run, env: { ...job.env, ...step.env, IMAGE_TAG: 'v1.2.3', IMAGE_DIGEST: DIGEST } };
}

describe.each(IMAGES)('the size step of $workflow', (image) => {
  const { run, env } = sizeStep(image.workflow);
  const check = (scenario: FakeEcrScenario, overrides: Record<string, string> = {}) => {
    const aws = fakeAws(scenario);
    const result = runStep(run, { ...env, ...overrides }, { path: aws.path });
    return { ...result, calls: aws.calls() };
  };

  test('declares the threshold from the image declaration', () => {
    expect(env.SIZE_THRESHOLD).toBe(image.threshold);
    expect(Number(env.SIZE_THRESHOLD_BYTES)).toBe(image.thresholdBytes);
  });

  test('asks ECR for exactly the pushed digest, in the declared account, region and repository, with timeouts', () => {
    // WHEN the step runs against a stand-in ECR
    const { calls } = check({ images: { [DIGEST]: 1 } });
    // THEN it made one describe-images call naming all four, with connect and read timeouts
    expect(calls).toEqual([[
      'ecr', 'describe-images', '--registry-id', FIXTURE_ACCOUNT, '--region', FIXTURE_REGION,
      '--repository-name', image.repository, '--image-ids', `imageDigest=${DIGEST}`, '--output', 'json',
      '--cli-connect-timeout', '10', '--cli-read-timeout', '30',
    ]]);
    expect(env).toMatchObject({ AWS_RETRY_MODE: 'standard', AWS_MAX_ATTEMPTS: '3' });
  });

  test('an image above the threshold gets a warning naming image, compressed size and threshold, and the step passes', () => {
    // GIVEN ECR reports a compressed size above the threshold
    const result = check({ images: { [DIGEST]: image.thresholdBytes + 250_000_000 } });
    // THEN it warns with both figures and still succeeds
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^::warning title=Image size::\\S+/${image.repository}:v1\\.2\\.3 is [0-9.]+ GB \\(compressed size in ECR\\), above the ${image.threshold} threshold$`, 'm'));
    expect(result.summary).toContain('| Compressed size in ECR | Threshold |');
    expect(result.summary).toContain(`| \`v1.2.3\` | \`${DIGEST}\` |`);
    expect(result.summary).toContain(`| ${image.threshold} |`);
  });

  test.each([
    ['below', -1],
    ['exactly at', 0],
  ])('an image %s the threshold passes quietly, with a summary', (_where, delta) => {
    const result = check({ images: { [DIGEST]: image.thresholdBytes + delta } });
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('::warning');
    expect(result.stdout).toContain(`(compressed size in ECR), within the ${image.threshold} threshold`);
    expect(result.summary).toMatch(/^### .+\n\n\| Image \| Tag \| Digest \| Compressed size in ECR \| Threshold \|/);
  });

  test.each<[string, FakeEcrScenario, RegExp]>([
    ['the image is not in the repository', { images: {} }, /ECR did not answer: An error occurred \(ImageNotFoundException\) when calling the DescribeImages operation: The image with imageId/],
    ['the role may not describe images', { error: { code: 'AccessDeniedException', message: 'User: arn:aws:sts::111122223333:assumed-role/github-ecr-push/gha is not authorized to perform: ecr:DescribeImages' } },
      /ECR did not answer: An error occurred \(AccessDeniedException\) when calling the DescribeImages operation: User: arn:aws:sts::111122223333:assumed-role\/github-ecr-push\/gha is not authorized/],
  ])('when %s, the step warns that ECR could not answer and never fails', (_case, scenario, reason) => {
    const result = check(scenario);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^::warning title=Image size unknown::could not read the compressed size in ECR of \S+:v1\.2\.3 \(/m);
    expect(result.stdout).toMatch(reason);
    expect(result.stdout).toMatch(/[^?]\)\n$/);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(result.summary).toContain('| unknown |');
  });

  test('without a digest from the push step it warns without asking ECR', () => {
    const result = check({ images: {} }, { IMAGE_DIGEST: '' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('::warning title=Image size unknown::could not read the compressed size in ECR of');
    expect(result.stdout).toContain('(the push step reported no digest)');
    expect(result.calls).toEqual([]);
  });

  test('a CLI that fails without a word still gives the warning', () => {
    const result = check({ error: { code: 'X', message: '' } });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('::warning title=Image size unknown::');
  });

  test('an AWS error message cannot start a workflow command in the log', () => {
    const result = check({ error: { code: 'ServerException', message: 'x\n::error::injected' } });
    expect(result.status).toBe(0);
    expect(result.stdout).not.toMatch(/^::error/m);
  });
});

describe('the size check of an image of several platforms, in the merge job and, for a promoted index, the index job', () => {
  const twoPlatformFiles = twoPlatformProject();
  const AMD64 = `sha256:${'a1'.repeat(32)}`;
  const ARM64 = `sha256:${'b2'.repeat(32)}`;
  const sizeOf = (jobId: string) => {
    const job = imageJob('edge-build-deployment-image.yaml', {}, twoPlatformFiles, jobId);
    const step = job.steps.find((s: any) => s.id === 'size');
    return { run: step.run, env: { ...job.env, ...step.env, IMAGE_TAG: 'v2.0.0' }, wiring: step.env.CHILDREN };
  };
  const check = (jobId: string, children: string, scenario: FakeEcrScenario) => {
    const { run, env } = sizeOf(jobId);
    const aws = fakeAws(scenario);
    return { ...runStep(run, { ...env, CHILDREN: children }, { path: aws.path }), calls: aws.calls(), threshold: Number(env.SIZE_THRESHOLD_BYTES) };
  };

  test.each<[string, string]>([
    [MULTI_PLATFORM_JOBS.merge, '${{ steps.merge.outputs.children }}'],
    [MULTI_PLATFORM_JOBS.index, '${{ steps.reuse.outputs.children }}'],
  ])('the %s job checks every platform the index lists', (jobId, children) => {
    expect(sizeOf(jobId).wiring).toBe(children);
  });

  test('each platform gets its digest, its compressed size and its own warning, the platform heading its line and its section', () => {
    // GIVEN the arm64 image is above the threshold and the amd64 one within it
    const { threshold } = check(MULTI_PLATFORM_JOBS.merge, '', { images: {} });
    const sizes = { [AMD64]: threshold - 1, [ARM64]: threshold + 1 };
    const result = check(MULTI_PLATFORM_JOBS.merge, `linux/amd64@${AMD64} linux/arm64@${ARM64}`, { images: sizes });
    // THEN one describe-images call per platform's digest, one warning, for arm64, and a summary section per platform
    expect(result.status).toBe(0);
    expect(result.calls.map((c) => c[c.indexOf('--image-ids') + 1])).toEqual([`imageDigest=${AMD64}`, `imageDigest=${ARM64}`]);
    expect(result.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^linux\/amd64: \S+\/edge-tools:v2\.0\.0 is \S+ (MB|GB) \(compressed size in ECR\), within the .+ threshold$/),
      expect.stringMatching(/^::warning title=Image size \(linux\/arm64\)::linux\/arm64: \S+\/edge-tools:v2\.0\.0 is \S+ (MB|GB) \(compressed size in ECR\), above the .+ threshold$/),
    ]);
    expect(result.summary).toMatch(new RegExp(`^### linux/amd64\n\n\\| Image .*\n.*\n\\| \`\\S+/edge-tools\` \\| \`v2\\.0\\.0\` \\| \`${AMD64}\` \\| .* \\(${threshold - 1} bytes\\) \\|`, 'm'));
    expect(result.summary).toMatch(new RegExp(`^### linux/arm64\n\n\\| Image .*\n.*\n\\| \`\\S+/edge-tools\` \\| \`v2\\.0\\.0\` \\| \`${ARM64}\` \\| .* \\(${threshold + 1} bytes\\) \\|`, 'm'));
  });

  test('a platform ECR cannot size is warned about under its own name; the others are still checked', () => {
    const result = check(MULTI_PLATFORM_JOBS.index, `linux/amd64@${AMD64} linux/arm64@${ARM64}`, { images: { [ARM64]: 1 } });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^::warning title=Image size unknown \(linux\/amd64\)::linux\/amd64: could not read the compressed size in ECR of \S+:v2\.0\.0 \(ECR did not answer: /m);
    expect(result.stdout).toMatch(/^linux\/arm64: \S+ is 0 MB \(compressed size in ECR\), within/m);
    expect(result.summary).toContain('### linux/amd64');
    expect(result.summary).toContain('| unknown |');
  });

  test.each([
    ['no platform', ''],
    ['a word that is no platform@digest, and would start a workflow command', `linux/amd64@${AMD64}\n::error::injected`],
  ])('with %s, it warns without asking ECR about it and never fails', (_case, children) => {
    const result = check(MULTI_PLATFORM_JOBS.merge, children, { images: { [AMD64]: 1 } });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^::warning title=Image size unknown::could not read the compressed sizes? in ECR of \S+:v2\.0\.0/m);
    expect(result.stdout).not.toMatch(/^::error/m);
    expect(result.calls.length).toBeLessThanOrEqual(1);
  });
});
