import { CreateRepositoryCommand, PutImageScanningConfigurationCommand, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { committedManifest, manifestFile } from './support/ecr';
import { awsError, CapturedIo, FakeEcr } from './support/fake-ecr';
import type { EcrManifest } from '../src/aws/ecr-manifest';
import { main } from '../src/ecr/cli';

const manifest = committedManifest();
const declared = manifest.repositories.map((r) => r.name);
const policyText = JSON.stringify(manifest.lifecyclePolicy);

let ecr: FakeEcr;
beforeEach(() => {
  ecr = new FakeEcr();
});
afterEach(() => ecr.restore());

async function ensure(args: string[] = [], m: EcrManifest = manifest): Promise<{ code: number; io: CapturedIo }> {
  const io = new CapturedIo();
  const code = await main(['ensure', '--manifest', manifestFile(m), ...args], io);
  return { code, io };
}

describe('ecr:ensure', () => {
  test('the manifest it reads declares the four images of .projenrc.ts with one lifecycle policy', () => {
    expect(declared).toEqual(['triton-training-tools', 'mlops-deployment-tools', 'vllm-training-tools', 'vllm-deployment-tools']);
    expect(manifest.lifecyclePolicy?.rules.length).toBeGreaterThan(0);
  });

  test('creates every missing repository with scan on push, mutable tags and the declared lifecycle policy', async () => {
    // GIVEN an empty registry
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(0);
    expect(ecr.repositoryNames).toEqual([...declared].sort());
    for (const name of declared) {
      expect(ecr.mock).toHaveReceivedCommandWith(CreateRepositoryCommand, {
        repositoryName: name, imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: true },
      });
      expect(ecr.repository(name)?.lifecyclePolicyText).toBe(policyText);
      expect(io.lineFor(name)).toMatch(/created repository \(scan on push, mutable tags\); put lifecycle policy \(5 rules\)$/);
    }
    expect(io.stdout.at(-1)).toBe('Changed 4 of 4 repositories.');
  });

  test('a second run changes nothing and says so', async () => {
    // GIVEN a first run that created everything
    await ensure();
    ecr.mock.resetHistory();
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(0);
    expect(ecr.writeCount()).toBe(0);
    for (const name of declared) {
      expect(io.lineFor(name)).toMatch(/ up to date$/);
    }
    expect(io.stdout.at(-1)).toBe('Nothing to change: all 4 declared repositories match .projenrc.ts.');
  });

  test('--dry-run prints the plan and changes nothing', async () => {
    // GIVEN one repository that exists with scan on push off and no lifecycle policy
    ecr.addRepository('mlops-deployment-tools', { scanOnPush: false });
    // WHEN
    const { code, io } = await ensure(['--dry-run']);
    // THEN
    expect(code).toBe(0);
    expect(ecr.writeCount()).toBe(0);
    expect(ecr.repositoryNames).toEqual(['mlops-deployment-tools']);
    expect(io.stdout[0]).toMatch(/^Dry run: planning 4 declared ECR repositories in account 123456789012, region eu-central-1$/);
    expect(io.lineFor('triton-training-tools')).toMatch(/would create repository \(scan on push, mutable tags\); would put lifecycle policy \(5 rules\)$/);
    expect(io.lineFor('mlops-deployment-tools')).toMatch(/would put lifecycle policy \(5 rules\); would turn scan on push on$/);
    expect(io.stdout.at(-1)).toBe('Dry run: 4 of 4 repositories would change; nothing was changed.');
  });

  test('brings a drifted lifecycle policy and scan setting back in line and says what it changed', async () => {
    // GIVEN repositories that exist: one as declared, one whose policy and scan setting were changed by hand
    ecr.addRepository('triton-training-tools', { lifecyclePolicyText: policyText });
    ecr.addRepository('vllm-training-tools', { scanOnPush: false, lifecyclePolicyText: '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}' });
    ecr.addRepository('mlops-deployment-tools', { lifecyclePolicyText: policyText });
    ecr.addRepository('vllm-deployment-tools', { lifecyclePolicyText: policyText });
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(0);
    expect(io.lineFor('vllm-training-tools')).toMatch(/replaced the lifecycle policy, which differed from \.projenrc\.ts; turned scan on push on$/);
    expect(ecr.repository('vllm-training-tools')).toMatchObject({ scanOnPush: true, lifecyclePolicyText: policyText });
    expect(ecr.mock).toHaveReceivedCommandTimes(PutLifecyclePolicyCommand, 1);
    expect(ecr.mock).toHaveReceivedCommandTimes(PutImageScanningConfigurationCommand, 1);
    expect(ecr.mock).not.toHaveReceivedCommand(CreateRepositoryCommand);
    expect(io.lineFor('triton-training-tools')).toMatch(/ up to date$/);
    expect(io.stdout.at(-1)).toBe('Changed 1 of 4 repositories.');
  });

  test('a policy ECR returns with other key order and spacing counts as unchanged', async () => {
    // GIVEN the declared policy, re-serialized with keys reversed and indented
    const reordered = JSON.stringify(JSON.parse(policyText, (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v), undefined, 2);
    for (const name of declared) {
      ecr.addRepository(name, { lifecyclePolicyText: reordered });
    }
    // WHEN
    const { io } = await ensure();
    // THEN
    expect(ecr.writeCount()).toBe(0);
    expect(io.stdout.at(-1)).toMatch(/^Nothing to change/);
  });

  test('removes a lifecycle policy when .projenrc.ts declares no lifecycle rules', async () => {
    // GIVEN a declaration without lifecycle rules and a repository that has a policy
    const { lifecyclePolicy: _, ...withoutPolicy } = manifest;
    ecr.addRepository('triton-training-tools', { lifecyclePolicyText: policyText });
    // WHEN
    const { io } = await ensure([], withoutPolicy);
    // THEN
    expect(ecr.repository('triton-training-tools')?.lifecyclePolicyText).toBeUndefined();
    expect(io.lineFor('triton-training-tools')).toMatch(/removed the lifecycle policy \(\.projenrc\.ts declares no lifecycle rules\)$/);
    expect(io.lineFor('vllm-training-tools')).toMatch(/created repository \(scan on push, mutable tags\)$/);
  });

  test('warns about immutable tags but leaves the setting to people', async () => {
    // GIVEN
    for (const name of declared) {
      ecr.addRepository(name, { lifecyclePolicyText: policyText });
    }
    ecr.addRepository('vllm-deployment-tools', { lifecyclePolicyText: policyText, imageTagMutability: 'IMMUTABLE' });
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(0);
    expect(ecr.writeCount()).toBe(0);
    expect(io.stdout).toContain('vllm-deployment-tools   warning: tag mutability is IMMUTABLE, not MUTABLE: pushing \'latest\' or \'buildcache\' again may fail; change it in ECR if that is not intended');
  });

  test('never touches a repository that is not declared', async () => {
    // GIVEN other teams' repositories in the same registry, one of them drifted in every way
    ecr.addRepository('someone-elses-service', { scanOnPush: false, imageTagMutability: 'IMMUTABLE' });
    ecr.addRepository('triton-training-tools-old', { scanOnPush: false });
    // WHEN
    await ensure();
    // THEN
    expect(ecr.namesTouched()).toEqual([...declared].sort());
    expect(ecr.repository('someone-elses-service')).toMatchObject({ scanOnPush: false, imageTagMutability: 'IMMUTABLE' });
    expect(ecr.repository('triton-training-tools-old')?.lifecyclePolicyText).toBeUndefined();
  });

  test('one repository failing does not stop the others, and the exit code says so', async () => {
    // GIVEN CreateRepository is denied for one repository only
    ecr.failOn('CreateRepository', 'vllm-training-tools', awsError('AccessDeniedException',
      'User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: ecr:CreateRepository on resource: arn:aws:ecr:eu-central-1:123456789012:repository/vllm-training-tools because no identity-based policy allows the ecr:CreateRepository action'));
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(1);
    expect(ecr.repositoryNames).toEqual(['mlops-deployment-tools', 'triton-training-tools', 'vllm-deployment-tools']);
    expect(io.lineFor('vllm-training-tools')).toMatch(/FAILED: Access denied: arn:aws:sts::123456789012:assumed-role\/dev\/alice may not call ecr:CreateRepository/);
    expect(io.lineFor('vllm-deployment-tools')).toMatch(/created repository/);
    expect(io.stdout.at(-1)).toBe('Changed 3 of 4 repositories. 1 of 4 failed; the others were handled.');
  });

  test('a failure after the repository was created reports both', async () => {
    // GIVEN
    ecr.failOn('PutLifecyclePolicy', 'triton-training-tools', awsError('InvalidParameterException', 'Invalid parameter at \'LifecyclePolicyText\''));
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(1);
    expect(io.lineFor('triton-training-tools')).toBe(
      'triton-training-tools   FAILED: created repository (scan on push, mutable tags); ecr:PutLifecyclePolicy failed: InvalidParameterException: Invalid parameter at \'LifecyclePolicyText\'');
  });

  test('missing credentials stop the run at once with one line on stderr', async () => {
    // GIVEN
    ecr.failOn('DescribeRepositories', 'triton-training-tools', awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    // WHEN
    const { code, io } = await ensure();
    // THEN
    expect(code).toBe(1);
    expect(ecr.mock.calls()).toHaveLength(1);
    expect(io.stderr).toEqual([
      'Stopped: No AWS credentials found (environment, ~/.aws config and credentials, SSO): sign in, e.g. \'aws sso login --profile <name>\' and \'export AWS_PROFILE=<name>\', then run again',
    ]);
  });
});

describe('ecr CLI', () => {
  test.each([
    [['deploy'], 'unknown command \'deploy\': expected \'ensure\' or \'status\''],
    [['status', '--dry-run'], 'unknown option \'--dry-run\' for status'],
    [['ensure', '--force'], 'unknown option \'--force\' for ensure'],
  ])('rejects %j with usage and exit code 2', async (argv, message) => {
    const io = new CapturedIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr[0]).toBe(message);
    expect(io.stderr).toContain('usage: npx projen ecr:ensure [--dry-run] [--manifest <path>]');
    expect(ecr.mock.calls()).toHaveLength(0);
  });

  test('a missing manifest says how to generate it', async () => {
    const io = new CapturedIo();
    expect(await main(['status', '--manifest', '/nonexistent/ecr-repositories.json'], io)).toBe(2);
    expect(io.stderr).toEqual(['/nonexistent/ecr-repositories.json not found: run \'npx projen\' in the project root to generate it from .projenrc.ts']);
  });
});
