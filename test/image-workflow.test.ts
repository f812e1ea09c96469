import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_JOB_ID } from '../src';
import { evaluate, render } from './support/expressions';
import { SEED_IMAGES } from './support/seed-images';
import { loadWorkflow, readWorkflowText, WORKFLOWS_DIR } from './support/workflows';

const REGISTRY = '123456789012.dkr.ecr.eu-central-1.amazonaws.com';


const STEP_ORDER = [
  'Checkout',
  'Set image tag',
  'Read commit time',
  'Configure AWS credentials (OIDC)',
  'Login to Amazon ECR',
  'Refuse to move an immutable tag',
  'Use the containerd image store',
  'Build image',
  'Test image',
  'Push image',
  'Check image size',
];

describe.each(SEED_IMAGES)('the workflow $workflow', (image) => {
  const workflow = loadWorkflow(image.workflow);
  const job = workflow.jobs[IMAGE_JOB_ID];
  const step = (name: string) => job.steps.find((s: any) => s.name === name);

  test('is named for `gh workflow run` and takes an optional string input `tag`', () => {
    expect(workflow.name).toBe(image.name);
    expect(workflow.on.workflow_dispatch.inputs).toEqual({
      tag: { description: expect.any(String), required: false, type: 'string' },
    });
  });

  test('runs on pushes to main and develop touching its own paths, and on every v* tag', () => {
    expect(workflow.on.push).toEqual({
      branches: ['main', 'develop'],
      tags: ['v*'],
      paths: [...image.paths, image.dockerfile, `.github/workflows/${image.workflow}`],
    });
    expect(Object.keys(workflow.on).sort()).toEqual(['push', 'workflow_dispatch']);
  });

  test('grants exactly id-token: write and contents: read', () => {
    expect(Object.keys(workflow.jobs)).toEqual([IMAGE_JOB_ID]);
    expect(job.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
    expect(workflow.permissions).toBeUndefined();
  });

  test('has a job timeout and a runner', () => {
    expect(job['timeout-minutes']).toBe(60);
    expect(job['runs-on']).toBe('ubuntu-latest');
  });

  describe('concurrency', () => {
    // (event, ref, dispatch input) → the group the runner computes
    const GROUPS: Array<[string, string, string, string | undefined, string]> = [
      ['a push to main', 'push', 'refs/heads/main', undefined, `${image.name}-push-refs/heads/main`],
      ['a push to develop', 'push', 'refs/heads/develop', undefined, `${image.name}-push-refs/heads/develop`],
      ['git tag v1.2.3', 'push', 'refs/tags/v1.2.3', undefined, `${image.name}-push-refs/tags/v1.2.3`],
      ['a dispatch on main with tag v2.0.0', 'workflow_dispatch', 'refs/heads/main', 'v2.0.0', `${image.name}-dispatch-v2.0.0`],
      ['a dispatch on develop with tag v2.0.0', 'workflow_dispatch', 'refs/heads/develop', 'v2.0.0', `${image.name}-dispatch-v2.0.0`],
      ['a dispatch on main without a tag', 'workflow_dispatch', 'refs/heads/main', '', `${image.name}-dispatch-latest`],
    ];
    const group = (event: string, ref: string, tag?: string) => render(workflow.concurrency.group, {
      github: { workflow: image.name, event_name: event, ref },
      // A push has no inputs; a dispatch without a value gets the input's empty default.
      inputs: tag === undefined ? {} : { tag },
    });

    test.each(GROUPS)('%s (event %s, ref %s, tag input %s) runs in group %s', (_trigger, event, ref, tag, expected) => {
      expect(group(event, ref, tag)).toBe(expected);
    });

    test('a newer run in the same group cancels the older one', () => {
      expect(workflow.concurrency['cancel-in-progress']).toBe(true);
      expect(group('push', 'refs/heads/main')).toBe(group('push', 'refs/heads/main'));
    });

    test('a dispatch and a push never share a group, even when both write latest', () => {
      const pushes = GROUPS.filter((g) => g[1] === 'push').map((g) => g[4]);
      const dispatches = GROUPS.filter((g) => g[1] === 'workflow_dispatch').map((g) => g[4]);
      expect(pushes.filter((g) => dispatches.includes(g))).toEqual([]);
      expect(group('workflow_dispatch', 'refs/heads/main', '')).not.toBe(group('push', 'refs/heads/main'));
    });

    test('a git tag build is never in the group of a branch push', () => {
      const tagBuild = group('push', 'refs/tags/v1.2.3');
      expect(['main', 'develop', 'v1.2.3'].map((b) => group('push', `refs/heads/${b}`))).not.toContain(tagBuild);
    });

    test('the generated workflows README describes the same groups', () => {
      const readme = readFileSync(join(WORKFLOWS_DIR, 'README.md'), 'utf8');
      const rows = [...readme.matchAll(/^\| [^|]+ \| `(<workflow name>-[^`]+)` \|/gm)].map((m) => m[1]);
      const fill = (pattern: string, values: Record<string, string>) =>
        Object.entries(values).reduce((p, [k, v]) => p.replace(k, v), pattern.replace('<workflow name>', image.name));
      expect(rows.map((r) => fill(r, { '<branch>': 'main', '<tag>': 'v1.2.3', '<tag input, or latest>': 'v2.0.0' }))).toEqual([
        group('push', 'refs/heads/main'), group('push', 'refs/tags/v1.2.3'), group('workflow_dispatch', 'refs/heads/develop', 'v2.0.0'),
      ]);
    });
  });

  test.each([
    ['a GitHub-hosted runner', 'github-hosted', true],
    ['a self-hosted runner', 'self-hosted', false],
  ])('on %s (runner.environment %s) the steps that change the machine run: %s', (_runner, environment, runs) => {
    // GIVEN the steps that delete toolchains or restart Docker
    const machineSteps = job.steps.filter((s: any) => ['Free disk space', 'Use the containerd image store'].includes(s.name));
    expect(machineSteps).toHaveLength(image.training ? 2 : 1);
    // WHEN GitHub evaluates their condition for the runner
    // THEN they run only on GitHub's hosted runners, and every other step has no condition
    for (const s of machineSteps) {
      expect(evaluate(s.if, { runner: { environment, os: 'Linux' } })).toBe(runs);
    }
    expect(job.steps.filter((s: any) => s.if !== undefined)).toEqual(machineSteps);
  });

  test('runs the seed\'s steps in order, freeing disk space only for training images', () => {
    const names = job.steps.map((s: any) => s.name);
    expect(names).toEqual(image.training ? ['Free disk space', ...STEP_ORDER] : STEP_ORDER);
  });

  test('assumes the role from the AWS_ROLE_ARN secret by OIDC, in the declared account only, with no static keys anywhere', () => {
    expect(step('Configure AWS credentials (OIDC)').with).toEqual({
      'role-to-assume': '${{ secrets.AWS_ROLE_ARN }}',
      'role-session-name': expect.stringMatching(/^gha-[a-z-]+-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}$/),
      'role-duration-seconds': 3600,
      'aws-region': 'eu-central-1',
      'allowed-account-ids': '123456789012',
    });
    expect(readWorkflowText(image.workflow)).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET/i);
  });

  test('builds its Dockerfile with a registry cache in its own repository', () => {
    const build = step('Build image').with;
    const cache = `type=registry,ref=${REGISTRY}/${image.repository}:buildcache`;
    expect(build.file).toBe(image.dockerfile);
    expect(build['cache-from']).toBe(cache);
    expect(build['cache-to']).toBe(`${cache},mode=max,image-manifest=true,oci-mediatypes=true`);
    expect(build.push).toBe(false);
    expect(job.env.IMAGE_REPOSITORY).toBe(`${REGISTRY}/${image.repository}`);
  });

  test('smoke-tests every Python dependency of the declaration by import name', () => {
    expect(step('Test image').run).toContain(`python -c "import ${image.imports}"`);
  });

  test('passes user input to scripts only through env', () => {
    for (const s of job.steps.filter((x: any) => x.run)) {
      expect(s.run).not.toContain('${{');
    }
    expect(step('Set image tag').env).toEqual({ REQUESTED_TAG: '${{ inputs.tag }}' });
  });
});

test('the triton training workflow is stable (filtered snapshot: triggers and job header)', () => {
  // Step scripts are covered by running them; the snapshot keeps the shape reviewable.
  const workflow = loadWorkflow('triton-build-training-image.yaml');
  const { steps, ...jobHeader } = workflow.jobs[IMAGE_JOB_ID];
  expect({
    on: workflow.on,
    concurrency: workflow.concurrency,
    job: jobHeader,
    steps: steps.map((s: any) => ({ name: s.name, id: s.id, uses: s.uses, with: s.with, env: s.env })),
  }).toMatchSnapshot();
});
