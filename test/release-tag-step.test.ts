import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EcrServer } from './support/ecr-server';
import { dummyAwsEnv } from './support/ecr-tasks';
import { imageJob, imageStep } from './support/image-job';
import { FIXTURE_ACCOUNT, FIXTURE_REGION, imageJobFixture } from './support/image-job-fixture';
import { runStepAsync, StepRun } from './support/runner';
import { PUSH_POLICY_PATH } from '../src/aws/aws-setup';
import type { PolicyDocument } from '../src/aws/iam-policies';

/**
 * The step that refuses to move an immutable tag, run under bash with the
 * real AWS CLI of this machine, sent to a local ECR that enforces the
 * generated push policy. The CLI stand-in only adds `--endpoint-url`.
 */

const STEP_ID = 'immutable_tag';
// The workflows and push policy generated for the fixture declaration: demo images in account 111122223333.
const { files } = imageJobFixture();
const PUSH_POLICY: PolicyDocument = files[PUSH_POLICY_PATH];

function awsCliTo(endpoint: string): string {
  const real = execFileSync('bash', ['-c', 'command -v aws'], { encoding: 'utf8' }).trim();
  const bin = mkdtempSync(join(tmpdir(), 'aws-cli-'));
  writeFileSync(join(bin, 'aws'), `#!/bin/sh\nexec '${real}' --endpoint-url '${endpoint}' "$@"\n`);
  chmodSync(join(bin, 'aws'), 0o755);
  return `${bin}:${process.env.PATH}`;
}

/** The step of a workflow with the runner's environment for a run tagged `tag`. */
function step(workflowFile: string): { script: string; env: (tag: string) => Record<string, string> } {
  const found = imageStep(workflowFile, STEP_ID, {}, files);
  return { script: found.run, env: (tag) => ({ ...found.env, IMAGE_TAG: tag, ...dummyAwsEnv() }) };
}

let ecr: EcrServer;
let path: string;
beforeEach(async () => {
  ecr = new EcrServer({ region: FIXTURE_REGION, callerAccount: FIXTURE_ACCOUNT, identityPolicy: PUSH_POLICY });
  path = awsCliTo(await ecr.start());
});
afterEach(async () => ecr.stop());

const { script, env } = step('demo-build-training-image.yaml');
const run = (tag: string): Promise<StepRun> => runStepAsync(script, env(tag), { path });

describe('the immutable tag step', () => {
  test('lets a new release tag through after asking ECR about exactly that tag in the declared account', async () => {
    // GIVEN the repository with another release
    ecr.addRepository('demo-training-tools');
    ecr.pushImage('demo-training-tools', { tags: ['v1.2.2'] });
    // WHEN
    const result = await run('v1.2.3');
    // THEN
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('Tag v1.2.3 is new in demo-training-tools; once pushed it names this image for good\n');
    expect(ecr.requests).toEqual([{
      operation: 'DescribeImages',
      input: { registryId: FIXTURE_ACCOUNT, repositoryName: 'demo-training-tools', imageIds: [{ imageTag: 'v1.2.3' }] },
      signedRegion: FIXTURE_REGION,
    }]);
  });

  test('refuses a tag that already names an image, before anything is built, with one line naming it', async () => {
    // GIVEN v1.2.3 was pushed by an earlier run
    ecr.addRepository('demo-training-tools');
    const earlier = ecr.pushImage('demo-training-tools', { tags: ['v1.2.3'] });
    // WHEN a dispatch asks for v1.2.3 again
    const result = await run('v1.2.3');
    // THEN
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`::error title=Tag already in ECR::demo-training-tools:v1.2.3 already names image ${earlier.digest}, and ECR never moves this tag: use a new tag (a new git tag, or dispatch with -f tag=<new tag>); to replace the image on purpose, delete the tag in ECR first\n`);
  });

  test.each(['latest', 'buildcache', 'develop-0123abc'])('lets %s through without asking ECR: the workflows move it', async (tag) => {
    const result = await run(tag);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`Tag ${tag} moves with later runs: nothing to check\n`);
    expect(ecr.requests).toEqual([]);
  });

  test('a missing repository fails with the command that creates it', async () => {
    const result = await run('v1.2.3');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('::error title=Repository missing::demo-training-tools does not exist in ECR account 111122223333: run npx projen ecr:ensure\n');
  });

  test('a role without DescribeImages fails with ECR\'s words on one line', async () => {
    // GIVEN the push policy as it was before this step needed DescribeImages
    ecr.setIdentityPolicy({
      ...PUSH_POLICY,
      Statement: PUSH_POLICY.Statement.map((s) => ({ ...s, Action: [s.Action].flat().filter((a) => a !== 'ecr:DescribeImages') })),
    });
    ecr.addRepository('demo-training-tools');
    // WHEN
    const result = await run('v1.2.3');
    // THEN
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stderr).toMatch(/^::error title=Cannot check the tag::could not ask ECR whether demo-training-tools:v1.2.3 exists: An error occurred \(AccessDeniedException\) when calling the DescribeImages operation: User: arn:aws:iam::111122223333:user\/operator is not authorized to perform: ecr:DescribeImages/);
  });
});

describe.each([
  ['demo-build-training-image.yaml', 'demo-training-tools'],
  ['demo-build-deployment-image.yaml', 'demo-deployment-tools'],
])('the immutable tag step of %s', (workflowFile, repository) => {
  test('runs after the ECR login and the reuse of an earlier build, only before a build, and asks about its own repository', async () => {
    const steps: any[] = imageJob(workflowFile, {}, files).steps;
    const index = (name: string) => steps.findIndex((s) => s.name === name || s.id === name);
    expect(index('Reuse an image of the same inputs')).toBe(index('Login to Amazon ECR') + 1);
    expect(index(STEP_ID)).toBe(index('Reuse an image of the same inputs') + 1);
    expect(index(STEP_ID)).toBeLessThan(index('Build and push image'));
    // A promotion moves the tag itself, and a promotion onto the same image is no move at all.
    expect(steps[index(STEP_ID)].if).toBe('steps.reuse.outputs.promoted != \'true\'');
    // AND with its own repository, an existing release is refused
    ecr.addRepository(repository);
    ecr.pushImage(repository, { tags: ['v2.0.0'] });
    const own = step(workflowFile);
    const result = await runStepAsync(own.script, own.env('v2.0.0'), { path });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`::error title=Tag already in ECR::${repository}:v2.0.0 already names image sha256:`);
  });
});
