import { IMAGE_JOB_ID } from '../src';
import { SEED_IMAGES } from './support/seed-images';
import { loadWorkflow, readWorkflowText } from './support/workflows';

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

  test('lets the newest push of a ref win, with a job timeout and a runner', () => {
    expect(workflow.concurrency).toEqual({ 'group': '${{ github.workflow }}-${{ github.ref }}', 'cancel-in-progress': true });
    expect(job['timeout-minutes']).toBe(60);
    expect(job['runs-on']).toBe('ubuntu-latest');
  });

  test('runs the seed\'s steps in order, freeing disk space only for training images', () => {
    const names = job.steps.map((s: any) => s.name);
    expect(names).toEqual(image.training ? ['Free disk space', ...STEP_ORDER] : STEP_ORDER);
  });

  test('assumes the role from the AWS_ROLE_ARN secret by OIDC, with no static keys anywhere', () => {
    expect(step('Configure AWS credentials (OIDC)').with).toEqual({
      'role-to-assume': '${{ secrets.AWS_ROLE_ARN }}',
      'role-session-name': expect.stringMatching(/^gha-[a-z-]+-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}$/),
      'role-duration-seconds': 3600,
      'aws-region': 'eu-central-1',
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
