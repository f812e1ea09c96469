import { committedManifest, fixtureEcr, manifestFile } from './support/ecr';
import { EcrServer, tagIsImmutable } from './support/ecr-server';
import { CapturedIo, declaredNames, localClientFactory } from './support/ecr-tasks';
import { ownPlatform } from './support/own-declaration';
import type { EcrManifest } from '../src/aws/ecr-manifest';
import { main } from '../src/ecr/cli';

/**
 * ecr:ensure's plans and reports, in this process for speed but through the
 * real SDK and HTTP to a local ECR that enforces the generated operator
 * policy (see ecr-tasks.test.ts for the task as a process), on the manifest
 * of a fixture declaration (support/ecr.ts) whose values the tests spell out.
 */

const { manifest, operatorPolicy } = fixtureEcr();
const declared = declaredNames(manifest);
const policyText = JSON.stringify(manifest.lifecyclePolicy);
const EXCLUSIONS = manifest.repositories[0].imageTagMutabilityExclusionFilters;
const DECLARED_MUTABILITY = { imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: EXCLUSIONS };

let ecr: EcrServer;
beforeEach(async () => {
  ecr = new EcrServer({ region: manifest.registry.region, callerAccount: manifest.registry.account, identityPolicy: operatorPolicy });
  await ecr.start();
});
afterEach(async () => ecr.stop());

async function ensure(args: string[] = [], m: EcrManifest = manifest): Promise<{ code: number; io: CapturedIo }> {
  const io = new CapturedIo();
  const code = await main(['ensure', '--manifest', manifestFile(m), ...args], io, localClientFactory(ecr.endpoint));
  return { code, io };
}

/** A repository as the declaration wants it, lifecycle policy included. */
function addDeclared(name: string, overrides: Parameters<EcrServer['addRepository']>[1] = {}): void {
  ecr.addRepository(name, { scanOnPush: true, ...DECLARED_MUTABILITY, lifecyclePolicyText: policyText, ...overrides });
}

describe('ecr:ensure', () => {
  test('the manifest the tasks read by default declares the registry, images and lifecycle policy of .projenrc.ts', () => {
    // The committed file, not a fixture: what ecr:ensure acts on in this repository follows its declaration.
    const platform = ownPlatform();
    const committed = committedManifest();
    expect(committed.registry).toEqual({ account: platform.registry.account, region: platform.registry.region });
    expect(committed.repositories.map((r) => [r.name, r.imageId, r.sizeThreshold.bytes]))
      .toEqual(platform.images.map((i) => [i.repository, i.imageId, i.sizeWarning.bytes]));
    expect(committed.lifecyclePolicy).toEqual(platform.lifecyclePolicy);
  });

  test('the fixture declares four images with one lifecycle policy and the tags that move', () => {
    expect(declared).toEqual(['demo-training-images', 'demo-serving-images', 'sample-training-images', 'sample-serving-images']);
    expect(manifest.lifecyclePolicy?.rules.length).toBe(6);
    expect(EXCLUSIONS.map((f) => f.filter)).toEqual(['latest', 'buildcache*', 'inputs-*', 'develop-*']);
  });

  test('creates every missing repository with scan on push, immutable tags except the moving ones, and the lifecycle policy', async () => {
    // GIVEN an empty registry
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(0);
    expect(ecr.repositoryNames()).toEqual([...declared].sort());
    for (const name of declared) {
      expect(ecr.repository(name)).toMatchObject({
        scanOnPush: true, imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: EXCLUSIONS,
      });
      expect(JSON.parse(ecr.repository(name)?.lifecyclePolicyText ?? '')).toEqual(manifest.lifecyclePolicy);
      expect(io.lineFor(name)).toMatch(/created repository \(scan on push, immutable tags except latest, buildcache\*, inputs-\*, develop-\*\); put lifecycle policy \(6 rules\)$/);
    }
    expect(io.stdout.at(-1)).toBe('Changed 4 of 4 repositories.');
  });

  test('after it, the tags the workflows move can move, and no other tag can', async () => {
    // GIVEN the repositories ecr:ensure created
    await ensure();
    const repository = ecr.repository('demo-training-images')!;
    // THEN ECR's exclusion filters, as set, let exactly the moving tags be pushed again
    for (const tag of ['latest', 'buildcache', 'buildcache-smoke-test', 'inputs-0123456789abcdef', 'develop-0123abc']) {
      expect({ tag, immutable: tagIsImmutable(repository, tag) }).toEqual({ tag, immutable: false });
    }
    for (const tag of ['v1.2.3', 'v2.0.0-rc.1', 'my-experiment', 'latest-gpu', 'developer']) {
      expect({ tag, immutable: tagIsImmutable(repository, tag) }).toEqual({ tag, immutable: true });
    }
    // AND a second push of a release tag is refused as ECR refuses it
    ecr.pushImage('demo-training-images', { tags: ['v1.2.3'], manifest: '{"schemaVersion":2,"build":1}' });
    ecr.pushImage('demo-training-images', { tags: ['latest'], manifest: '{"schemaVersion":2,"build":1}' });
    ecr.pushImage('demo-training-images', { tags: ['latest'], manifest: '{"schemaVersion":2,"build":2}' });
    expect(() => ecr.pushImage('demo-training-images', { tags: ['v1.2.3'], manifest: '{"schemaVersion":2,"build":2}' }))
      .toThrow('The image tag \'v1.2.3\' already exists in the \'demo-training-images\' repository and cannot be overwritten because the tag is immutable.');
  });

  test('a second run makes no write and says so', async () => {
    // GIVEN a first run that created everything
    await ensure();
    const writes = ecr.writes().length;
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(0);
    expect(ecr.writes()).toHaveLength(writes);
    for (const name of declared) {
      expect(io.lineFor(name)).toMatch(/ up to date$/);
    }
    expect(io.stdout.at(-1)).toBe('Nothing to change: all 4 declared repositories match .projenrc.ts.');
  });

  test('--dry-run prints the plan and changes nothing', async () => {
    // GIVEN one repository that exists with scan on push off, mutable tags and no lifecycle policy
    ecr.addRepository('demo-serving-images', { scanOnPush: false });
    // WHEN
    const { code, io } = await ensure(['--dry-run']);
    // THEN
    expect(code).toBe(0);
    expect(ecr.writes()).toEqual([]);
    expect(ecr.repositoryNames()).toEqual(['demo-serving-images']);
    expect(io.stdout[0]).toBe('Dry run: planning 4 declared ECR repositories in account 444455556666, region ap-southeast-2');
    expect(io.lineFor('demo-training-images')).toMatch(/would create repository \(scan on push, immutable tags except latest, buildcache\*, inputs-\*, develop-\*\); would put lifecycle policy \(6 rules\)$/);
    expect(io.lineFor('demo-serving-images')).toMatch(/would put lifecycle policy \(6 rules\); would turn scan on push on; would make immutable tags except latest, buildcache\*, inputs-\*, develop-\* \(now mutable tags\)$/);
    expect(io.stdout.at(-1)).toBe('Dry run: 4 of 4 repositories would change; nothing was changed.');
  });

  test('brings a drifted lifecycle policy, scan setting and tag immutability back in line and says what it changed', async () => {
    // GIVEN repositories that exist: three as declared, one changed by hand in every way
    for (const name of declared) {
      addDeclared(name);
    }
    addDeclared('sample-training-images', {
      scanOnPush: false,
      imageTagMutability: 'MUTABLE',
      exclusionFilters: [],
      lifecyclePolicyText: '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}',
    });
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(0);
    expect(io.lineFor('sample-training-images')).toMatch(/replaced the lifecycle policy, which differed from \.projenrc\.ts; turned scan on push on; made immutable tags except latest, buildcache\*, inputs-\*, develop-\* \(was mutable tags\)$/);
    expect(ecr.repository('sample-training-images')).toMatchObject({ scanOnPush: true, ...DECLARED_MUTABILITY });
    expect(JSON.parse(ecr.repository('sample-training-images')?.lifecyclePolicyText ?? '')).toEqual(manifest.lifecyclePolicy);
    expect(ecr.writes().map((w) => `${w.operation} ${w.input.repositoryName}`)).toEqual([
      'PutLifecyclePolicy sample-training-images', 'PutImageScanningConfiguration sample-training-images', 'PutImageTagMutability sample-training-images',
    ]);
    expect(io.lineFor('demo-training-images')).toMatch(/ up to date$/);
    expect(io.stdout.at(-1)).toBe('Changed 1 of 4 repositories.');
  });

  test.each<[string, Parameters<EcrServer['addRepository']>[1], string]>([
    ['all tags immutable', { imageTagMutability: 'IMMUTABLE', exclusionFilters: [] }, 'immutable tags'],
    ['one exclusion missing', { imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: EXCLUSIONS.slice(0, 2) }, 'immutable tags except latest, buildcache*'],
    ['mutable with exclusions', { imageTagMutability: 'MUTABLE_WITH_EXCLUSION', exclusionFilters: [{ filter: 'v*', filterType: 'WILDCARD' }] }, 'mutable tags except v*'],
  ])('replaces a tag immutability set by hand (%s), where it used to warn and leave it', async (_case, setting, was) => {
    // GIVEN
    for (const name of declared) {
      addDeclared(name);
    }
    addDeclared('sample-serving-images', setting);
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(0);
    expect(io.lineFor('sample-serving-images')).toBe(`sample-serving-images   made immutable tags except latest, buildcache*, inputs-*, develop-* (was ${was})`);
    expect(ecr.repository('sample-serving-images')).toMatchObject(DECLARED_MUTABILITY);
  });

  test('the same exclusions in another order count as unchanged', async () => {
    for (const name of declared) {
      addDeclared(name, { exclusionFilters: [...EXCLUSIONS].reverse() });
    }
    const { io } = await ensure();
    expect(ecr.writes()).toEqual([]);
    expect(io.stdout.at(-1)).toMatch(/^Nothing to change/);
  });

  test.each<[string, (policy: any) => any]>([
    ['its own key order and spacing', (p) => reorderKeys(p)],
    ['the rules ordered by priority from the other end', (p) => ({ rules: [...p.rules].reverse() })],
    ['the default storage class filled in', (p) => ({ rules: p.rules.map((r: any) => ({ ...r, selection: { ...r.selection, storageClass: 'standard' } })) })],
    ['an empty tag prefix list', (p) => ({ rules: p.rules.map((r: any) => ({ ...r, selection: { ...r.selection, tagPrefixList: [] } })) })],
  ])('a lifecycle policy ECR returns with %s means the same, so nothing is written', async (_case, asReturned) => {
    // GIVEN the declared policy as ECR might return it
    const text = JSON.stringify(asReturned(JSON.parse(policyText)), undefined, 2);
    for (const name of declared) {
      addDeclared(name, { lifecyclePolicyText: text });
    }
    // WHEN
    const { io } = await ensure();
    // THEN
    expect(ecr.writes()).toEqual([]);
    expect(io.stdout.at(-1)).toMatch(/^Nothing to change/);
  });

  test.each<[string, (policy: any) => any]>([
    ['another count', (p) => ({ rules: p.rules.map((r: any, i: number) => (i === 3 ? { ...r, selection: { ...r.selection, countNumber: 5 } } : r)) })],
    ['a rule less', (p) => ({ rules: p.rules.slice(1) })],
    ['another storage class', (p) => ({ rules: p.rules.map((r: any) => ({ ...r, selection: { ...r.selection, storageClass: 'archive' } })) })],
    ['priorities swapped', (p) => ({ rules: p.rules.map((r: any) => ({ ...r, rulePriority: r.rulePriority === 1 ? 2 : r.rulePriority === 2 ? 1 : r.rulePriority })) })],
  ])('a lifecycle policy with %s differs, and is replaced', async (_case, changed) => {
    const text = JSON.stringify(changed(JSON.parse(policyText)));
    for (const name of declared) {
      addDeclared(name);
    }
    addDeclared('demo-training-images', { lifecyclePolicyText: text });
    const { io } = await ensure();
    expect(io.lineFor('demo-training-images')).toMatch(/replaced the lifecycle policy, which differed from \.projenrc\.ts$/);
    expect(ecr.writes().map((w) => w.operation)).toEqual(['PutLifecyclePolicy']);
  });

  test('removes a lifecycle policy when .projenrc.ts declares no lifecycle rules', async () => {
    // GIVEN a declaration without lifecycle rules and a repository that has a policy
    const { lifecyclePolicy: _, ...withoutPolicy } = manifest;
    ecr.setIdentityPolicy(undefined);
    addDeclared('demo-training-images');
    // WHEN
    const { io } = await ensure([], withoutPolicy);
    // THEN
    expect(ecr.repository('demo-training-images')?.lifecyclePolicyText).toBeUndefined();
    expect(io.lineFor('demo-training-images')).toMatch(/removed the lifecycle policy \(\.projenrc\.ts declares no lifecycle rules\)$/);
    expect(io.lineFor('sample-training-images')).toMatch(/created repository \(scan on push, immutable tags except latest, buildcache\*, inputs-\*, develop-\*\)$/);
  });

  test('never touches a repository that is not declared', async () => {
    // GIVEN other teams' repositories in the same registry, drifted in every way
    ecr.addRepository('someone-elses-service', { scanOnPush: false, imageTagMutability: 'IMMUTABLE' });
    ecr.addRepository('demo-training-images-old', { scanOnPush: false });
    // WHEN
    await ensure();
    // THEN
    expect(ecr.repositoriesNamed()).toEqual([...declared].sort());
    expect(ecr.repository('someone-elses-service')).toMatchObject({ scanOnPush: false, imageTagMutability: 'IMMUTABLE' });
    expect(ecr.repository('demo-training-images-old')?.lifecyclePolicyText).toBeUndefined();
  });

  test('one repository failing does not stop the others, and the exit code says so', async () => {
    // GIVEN a repository policy that denies CreateRepository for one repository only
    ecr.fail('CreateRepository', 'AccessDeniedException', {
      repository: 'sample-training-images',
      message: 'User: arn:aws:sts::444455556666:assumed-role/dev/alice is not authorized to perform: ecr:CreateRepository on resource: arn:aws:ecr:ap-southeast-2:444455556666:repository/sample-training-images because no identity-based policy allows the ecr:CreateRepository action',
    });
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(1);
    expect(ecr.repositoryNames()).toEqual(['demo-serving-images', 'demo-training-images', 'sample-serving-images']);
    expect(io.lineFor('sample-training-images')).toMatch(/FAILED: Access denied: arn:aws:sts::444455556666:assumed-role\/dev\/alice may not call ecr:CreateRepository/);
    // AND a denial is final: the SDK does not retry it
    expect(ecr.requests.filter((r) => r.operation === 'CreateRepository' && r.input.repositoryName === 'sample-training-images')).toHaveLength(1);
    expect(io.lineFor('sample-serving-images')).toMatch(/created repository/);
    expect(io.stdout.at(-1)).toBe('Changed 3 of 4 repositories. 1 of 4 failed; the others were handled.');
  });

  test('when every repository fails, the summary says all failed', async () => {
    ecr.fail('CreateRepository', 'KmsException', { message: 'The KMS key is disabled.' });
    const { code, io } = await ensure();
    expect(code).toBe(1);
    expect(io.stdout.at(-1)).toBe('Changed 0 of 4 repositories. All 4 failed.');
  });

  test('a failure after the repository was created reports both', async () => {
    // GIVEN ECR rejects the lifecycle policy of one repository
    ecr.fail('PutLifecyclePolicy', 'InvalidParameterException', { repository: 'demo-training-images', message: 'Invalid parameter at \'LifecyclePolicyText\'' });
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(1);
    expect(io.lineFor('demo-training-images')).toBe(
      'demo-training-images    FAILED: created repository (scan on push, immutable tags except latest, buildcache*, inputs-*, develop-*); ecr:PutLifecyclePolicy failed: InvalidParameterException: Invalid parameter at \'LifecyclePolicyText\'');
  });

  test('an ECR that answers slowly, but within the request timeout, is waited for and not asked twice', async () => {
    // GIVEN every answer takes a second
    ecr.delay(1_000);
    // WHEN
    const { code, io } = await ensure(['--dry-run']);
    // THEN
    expect(code).toBe(0);
    expect(io.stdout.at(-1)).toBe('Dry run: 4 of 4 repositories would change; nothing was changed.');
    expect(ecr.operations()).toEqual(['DescribeRegistry', 'DescribeRepositories', 'DescribeRepositories', 'DescribeRepositories', 'DescribeRepositories']);
  });

  test('credentials AWS does not know stop the run at the account check, with one line', async () => {
    // GIVEN
    ecr.fail('DescribeRegistry', 'UnrecognizedClientException', { message: 'The security token included in the request is invalid.' });
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(1);
    expect(ecr.operations()).toEqual(['DescribeRegistry']);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual([
      'Stopped: AWS rejected the credentials in region ap-southeast-2 (UnrecognizedClientException): they are wrong or revoked, or the account has not enabled ap-southeast-2',
    ]);
  });

  test('an operator policy without the account check says which permission to add', async () => {
    ecr.setIdentityPolicy({ Version: '2012-10-17', Statement: operatorPolicy.Statement.filter((s) => s.Sid !== 'IdentifyRegistry') });
    const { code, io } = await ensure();
    expect(code).toBe(1);
    expect(io.stderr).toEqual([
      'Cannot confirm which AWS account the credentials belong to, so nothing was read or changed: Access denied: arn:aws:iam::444455556666:user/operator may not call ecr:DescribeRegistry (no identity-based policy allows the ecr:DescribeRegistry action): attach .github/aws/ecr-operator-policy.json (generated by npx projen) to the identity you run this with',
    ]);
  });
});

describe('ecr CLI', () => {
  test.each([
    [['deploy'], 'unknown command \'deploy\': expected \'ensure\' or \'status\''],
    [['status', '--dry-run'], 'unknown option \'--dry-run\' for status'],
    [['ensure', '--force'], 'unknown option \'--force\' for ensure'],
  ])('rejects %j with usage and exit code 2, calling nothing', async (argv, message) => {
    const io = new CapturedIo();
    expect(await main(argv, io, localClientFactory(ecr.endpoint))).toBe(2);
    expect(io.stderr[0]).toBe(message);
    expect(io.stderr).toContain('usage: npx projen ecr:ensure [--dry-run] [--manifest <path>]');
    expect(ecr.requests).toEqual([]);
  });

  test('a missing manifest says how to generate it', async () => {
    const io = new CapturedIo();
    expect(await main(['status', '--manifest', '/nonexistent/ecr-repositories.json'], io, localClientFactory(ecr.endpoint))).toBe(2);
    expect(io.stderr).toEqual(['/nonexistent/ecr-repositories.json not found: run \'npx projen\' in the project root to generate it from .projenrc.ts']);
  });

  test('a manifest whose account is not an account id is refused before any call', async () => {
    const io = new CapturedIo();
    const path = manifestFile({ ...manifest, registry: { ...manifest.registry, account: '12345' } });
    expect(await main(['ensure', '--manifest', path], io, localClientFactory(ecr.endpoint))).toBe(2);
    expect(io.stderr).toEqual([`${path} names account '12345', not a 12-digit AWS account id: run 'npx projen' to regenerate it`]);
    expect(ecr.requests).toEqual([]);
  });
});

function reorderKeys(value: any): any {
  return JSON.parse(JSON.stringify(value), (_k, v) => v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v);
}
