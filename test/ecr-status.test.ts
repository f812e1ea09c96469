import { committedManifest, committedOperatorPolicy, manifestFile } from './support/ecr';
import { EcrServer } from './support/ecr-server';
import { CapturedIo, localClientFactory } from './support/ecr-tasks';
import { main } from '../src/ecr/cli';
import { PAGE_SIZE } from '../src/ecr/status';

/** ecr:status in this process, through the real SDK to a local ECR that enforces the operator policy. */

const manifest = committedManifest();
let ecr: EcrServer;
beforeEach(async () => {
  ecr = new EcrServer({ region: manifest.registry.region, callerAccount: manifest.registry.account, identityPolicy: committedOperatorPolicy() });
  await ecr.start();
  for (const { name } of manifest.repositories) {
    ecr.addRepository(name);
  }
});
afterEach(async () => ecr.stop());

async function status(color = false): Promise<{ code: number; io: CapturedIo }> {
  const io = new CapturedIo(color);
  const code = await main(['status', '--manifest', manifestFile(manifest)], io, localClientFactory(ecr.endpoint));
  return { code, io };
}

describe('ecr:status', () => {
  test('shows one row per image: newest tags, push time, size as ECR reports it and the threshold', async () => {
    // GIVEN
    ecr.pushImage('triton-training-tools', { tags: ['develop-1a2b3c4'], pushedAt: '2026-03-01T09:00:00Z', sizeBytes: 2_100_000_000 });
    ecr.pushImage('triton-training-tools', { tags: ['latest', 'v1.2.0'], pushedAt: '2026-03-02T10:30:00Z', sizeBytes: 2_412_000_000 });
    ecr.pushImage('mlops-deployment-tools', { tags: ['latest'], pushedAt: '2026-03-01T08:00:00Z', sizeBytes: 388_000_000 });
    // WHEN
    const { code, io } = await status();
    // THEN
    expect(code).toBe(0);
    expect(io.stdout.slice(0, 5)).toEqual([
      'IMAGE              REPOSITORY              NEWEST TAGS     PUSHED (UTC)      SIZE     THRESHOLD',
      'triton-training    triton-training-tools   latest, v1.2.0  2026-03-02 10:30  2.41 GB  3 GB       ok (80%)',
      'triton-deployment  mlops-deployment-tools  latest          2026-03-01 08:00  388 MB   1 GB       ok (39%)',
      'vllm-training      vllm-training-tools     no image pushed yet',
      'vllm-deployment    vllm-deployment-tools   no image pushed yet',
    ]);
    expect(io.stdout.at(-1)).toBe('Sizes are as ECR reports them: compressed, the quantity the build workflow\'s size check warns about.');
  });

  test('an image over its threshold says OVER, in red on a colour terminal, and is listed below the table', async () => {
    // GIVEN
    ecr.pushImage('vllm-deployment-tools', { tags: ['develop-9f8e7d6'], pushedAt: '2026-03-03T12:00:00Z', sizeBytes: 1_250_000_000 });
    // WHEN
    const plain = await status();
    const colored = await status(true);
    // THEN
    expect(plain.code).toBe(0);
    const row = plain.io.lineFor('vllm-deployment');
    expect(row).toMatch(/develop-9f8e7d6\s+2026-03-03 12:00\s+1\.25 GB\s+1 GB\s+OVER by 250 MB$/);
    expect(colored.io.stdout).toContain(`\u001b[1;31m${row}\u001b[0m`);
    expect(plain.io.stdout).toContain('1 of 4 images over their size threshold: vllm-deployment');
    expect(plain.io.stdout.join('\n')).not.toContain('\u001b[');
  });

  test('build plumbing is never shown: neither the build caches as the newest image nor the inputs tags among its tags', async () => {
    // GIVEN an image with its inputs tag, and the two build caches pushed after it, as every build does
    ecr.pushImage('vllm-training-tools', { tags: ['latest', 'inputs-0123456789abcdef'], pushedAt: '2026-03-01T10:00:00Z', sizeBytes: 2_900_000_000 });
    ecr.pushImage('vllm-training-tools', { tags: ['buildcache-smoke-test'], pushedAt: '2026-03-01T10:04:00Z', sizeBytes: 3_400_000_000 });
    ecr.pushImage('vllm-training-tools', { tags: ['buildcache'], pushedAt: '2026-03-01T10:05:00Z', sizeBytes: 3_500_000_000 });
    ecr.pushImage('vllm-training-tools', { tags: ['inputs-fedcba9876543210'], pushedAt: '2026-03-01T10:06:00Z', sizeBytes: 3_500_000_000 });
    // WHEN
    const { io } = await status();
    // THEN
    expect(io.lineFor('vllm-training')).toMatch(/vllm-training-tools\s+latest\s+2026-03-01 10:00\s+2\.90 GB/);
  });

  test('reads every page of DescribeImages and finds the newest image on the last one', async () => {
    // GIVEN 5 images, and an ECR that answers 2 per page
    ecr.pageSize = 2;
    for (let i = 1; i <= 5; i++) {
      ecr.pushImage('triton-training-tools', { tags: [`develop-000000${i}`], pushedAt: `2026-03-0${i}T00:00:00Z`, sizeBytes: i * 100_000_000 });
    }
    // WHEN
    const { io } = await status();
    // THEN
    expect(io.lineFor('triton-training')).toMatch(/develop-0000005\s+2026-03-05 00:00\s+500 MB/);
    const pages = ecr.requests.filter((r) => r.operation === 'DescribeImages' && r.input.repositoryName === 'triton-training-tools');
    expect(pages.map((r) => r.input.nextToken)).toEqual([undefined, '2', '4']);
    for (const page of pages) {
      expect(page.input).toMatchObject({ registryId: '123456789012', filter: { tagStatus: 'TAGGED' }, maxResults: PAGE_SIZE });
    }
  });

  test('a missing repository is a row that says to run ecr:ensure', async () => {
    // GIVEN a registry where one declared repository is missing
    await ecr.stop();
    ecr = new EcrServer({ region: manifest.registry.region, callerAccount: manifest.registry.account, identityPolicy: committedOperatorPolicy() });
    await ecr.start();
    ecr.addRepository('mlops-deployment-tools');
    // WHEN
    const { code, io } = await status();
    // THEN
    expect(code).toBe(0);
    expect(io.lineFor('triton-training')).toMatch(/triton-training-tools\s+repository missing: run npx projen ecr:ensure/);
    expect(io.lineFor('triton-deployment')).toMatch(/mlops-deployment-tools\s+no image pushed yet/);
  });

  test('a repository whose policy blocks the call is reported in its row, the others are still shown, and the exit code says so', async () => {
    // GIVEN
    ecr.pushImage('vllm-training-tools', { tags: ['latest'], pushedAt: '2026-03-01T10:00:00Z', sizeBytes: 2_000_000_000 });
    ecr.fail('DescribeImages', 'AccessDeniedException', {
      repository: 'triton-training-tools',
      message: 'User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:eu-central-1:123456789012:repository/triton-training-tools with an explicit deny in a resource-based policy',
    });
    // WHEN
    const { code, io } = await status();
    // THEN
    expect(code).toBe(1);
    expect(io.lineFor('triton-training')).toContain('FAILED: Blocked by the repository policy: it explicitly denies ecr:DescribeImages to arn:aws:sts::123456789012:assumed-role/dev/alice');
    expect(io.lineFor('vllm-training')).toMatch(/latest\s+2026-03-01 10:00\s+2\.00 GB/);
  });
});
