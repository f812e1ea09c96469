import { fixtureEcr, manifestFile } from './support/ecr';
import { EcrServer } from './support/ecr-server';
import { CapturedIo, localClientFactory } from './support/ecr-tasks';
import { main } from '../src/ecr/cli';
import { PAGE_SIZE } from '../src/ecr/status';

/**
 * ecr:status in this process, through the real SDK to a local ECR that
 * enforces the operator policy, on the manifest of a fixture declaration
 * (support/ecr.ts) whose values the tests spell out.
 */

const { manifest, operatorPolicy } = fixtureEcr();
let ecr: EcrServer;
beforeEach(async () => {
  ecr = new EcrServer({ region: manifest.registry.region, callerAccount: manifest.registry.account, identityPolicy: operatorPolicy });
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
    ecr.pushImage('demo-training-images', { tags: ['develop-1a2b3c4'], pushedAt: '2026-03-01T09:00:00Z', sizeBytes: 2_100_000_000 });
    ecr.pushImage('demo-training-images', { tags: ['latest', 'v1.2.0'], pushedAt: '2026-03-02T10:30:00Z', sizeBytes: 2_412_000_000 });
    ecr.pushImage('demo-serving-images', { tags: ['latest'], pushedAt: '2026-03-01T08:00:00Z', sizeBytes: 388_000_000 });
    // WHEN
    const { code, io } = await status();
    // THEN
    expect(code).toBe(0);
    expect(io.stdout.slice(0, 5)).toEqual([
      'IMAGE              REPOSITORY              NEWEST TAGS     PUSHED (UTC)      SIZE     THRESHOLD',
      'demo-training      demo-training-images    latest, v1.2.0  2026-03-02 10:30  2.41 GB  3 GB       ok (80%)',
      'demo-deployment    demo-serving-images     latest          2026-03-01 08:00  388 MB   1 GB       ok (39%)',
      'sample-training    sample-training-images  no image pushed yet',
      'sample-deployment  sample-serving-images   no image pushed yet',
    ]);
    expect(io.stdout.at(-1)).toBe('Sizes are as ECR reports them: compressed, the quantity the build workflow\'s size check warns about.');
  });

  test('an image over its threshold says OVER, in red on a colour terminal, and is listed below the table', async () => {
    // GIVEN
    ecr.pushImage('sample-serving-images', { tags: ['develop-9f8e7d6'], pushedAt: '2026-03-03T12:00:00Z', sizeBytes: 1_250_000_000 });
    // WHEN
    const plain = await status();
    const colored = await status(true);
    // THEN
    expect(plain.code).toBe(0);
    const row = plain.io.lineFor('sample-deployment');
    expect(row).toMatch(/develop-9f8e7d6\s+2026-03-03 12:00\s+1\.25 GB\s+1 GB\s+OVER by 250 MB$/);
    expect(colored.io.stdout).toContain(`\u001b[1;31m${row}\u001b[0m`);
    expect(plain.io.stdout).toContain('1 of 4 images over their size threshold: sample-deployment');
    expect(plain.io.stdout.join('\n')).not.toContain('\u001b[');
  });

  test('build plumbing is never shown: neither the build caches as the newest image nor the inputs tags among its tags', async () => {
    // GIVEN an image with its inputs tag, and the two build caches pushed after it, as every build does
    ecr.pushImage('sample-training-images', { tags: ['latest', 'inputs-0123456789abcdef'], pushedAt: '2026-03-01T10:00:00Z', sizeBytes: 2_900_000_000 });
    ecr.pushImage('sample-training-images', { tags: ['buildcache-smoke-test'], pushedAt: '2026-03-01T10:04:00Z', sizeBytes: 3_400_000_000 });
    ecr.pushImage('sample-training-images', { tags: ['buildcache'], pushedAt: '2026-03-01T10:05:00Z', sizeBytes: 3_500_000_000 });
    ecr.pushImage('sample-training-images', { tags: ['inputs-fedcba9876543210'], pushedAt: '2026-03-01T10:06:00Z', sizeBytes: 3_500_000_000 });
    // WHEN
    const { io } = await status();
    // THEN
    expect(io.lineFor('sample-training')).toMatch(/sample-training-images\s+latest\s+2026-03-01 10:00\s+2\.90 GB/);
  });

  test('reads every page of DescribeImages and finds the newest image on the last one', async () => {
    // GIVEN 5 images, and an ECR that answers 2 per page
    ecr.pageSize = 2;
    for (let i = 1; i <= 5; i++) {
      ecr.pushImage('demo-training-images', { tags: [`develop-000000${i}`], pushedAt: `2026-03-0${i}T00:00:00Z`, sizeBytes: i * 100_000_000 });
    }
    // WHEN
    const { io } = await status();
    // THEN
    expect(io.lineFor('demo-training')).toMatch(/develop-0000005\s+2026-03-05 00:00\s+500 MB/);
    const pages = ecr.requests.filter((r) => r.operation === 'DescribeImages' && r.input.repositoryName === 'demo-training-images');
    expect(pages.map((r) => r.input.nextToken)).toEqual([undefined, '2', '4']);
    for (const page of pages) {
      expect(page.input).toMatchObject({ registryId: '444455556666', filter: { tagStatus: 'TAGGED' }, maxResults: PAGE_SIZE });
    }
  });

  test('a missing repository is a row that says to run ecr:ensure', async () => {
    // GIVEN a registry where one declared repository is missing
    await ecr.stop();
    ecr = new EcrServer({ region: manifest.registry.region, callerAccount: manifest.registry.account, identityPolicy: operatorPolicy });
    await ecr.start();
    ecr.addRepository('demo-serving-images');
    // WHEN
    const { code, io } = await status();
    // THEN
    expect(code).toBe(0);
    expect(io.lineFor('demo-training')).toMatch(/demo-training-images\s+repository missing: run npx projen ecr:ensure/);
    expect(io.lineFor('demo-deployment')).toMatch(/demo-serving-images\s+no image pushed yet/);
  });

  test('a repository whose policy blocks the call is reported in its row, the others are still shown, and the exit code says so', async () => {
    // GIVEN
    ecr.pushImage('sample-training-images', { tags: ['latest'], pushedAt: '2026-03-01T10:00:00Z', sizeBytes: 2_000_000_000 });
    ecr.fail('DescribeImages', 'AccessDeniedException', {
      repository: 'demo-training-images',
      message: 'User: arn:aws:sts::444455556666:assumed-role/dev/alice is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:ap-southeast-2:444455556666:repository/demo-training-images with an explicit deny in a resource-based policy',
    });
    // WHEN
    const { code, io } = await status();
    // THEN
    expect(code).toBe(1);
    expect(io.lineFor('demo-training')).toContain('FAILED: Blocked by the repository policy: it explicitly denies ecr:DescribeImages to arn:aws:sts::444455556666:assumed-role/dev/alice');
    expect(io.lineFor('sample-training')).toMatch(/latest\s+2026-03-01 10:00\s+2\.00 GB/);
  });
});
