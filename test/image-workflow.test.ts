import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { evaluate, render } from './support/expressions';
import { buildStep, callerInputs, imageJob, reusableWorkflow } from './support/image-job';
import { fixtureCheckout, FIXTURE_ACCOUNT, FIXTURE_REGION, FIXTURE_REGISTRY, imageJobFixture } from './support/image-job-fixture';
import { ownPlatform } from './support/own-declaration';
import { loadWorkflow, REPO_ROOT, WORKFLOWS_DIR } from './support/workflows';
import { AWS_CLI_SIGNING_KEY } from '../src/declaration/aws-cli-signing-key';
import { IMAGE_JOB_ID } from '../src/github/image-build-workflow';
import { pathFilterRegex } from '../src/github/path-filter';

// The construct's workflows, generated for the fixture declaration (test/support/image-job-fixture.ts)
// into a temp folder, and a git checkout of that project for the steps that run in one.
const fixture = imageJobFixture();
const files = fixture.files;
const checkout = fixtureCheckout(fixture);
afterAll(() => rmSync(checkout, { recursive: true, force: true }));
const workflowText = (file: string): string => files[`.github/workflows/${file}`];
const workflowOf = (file: string): any => parse(workflowText(file));

// What the fixture declares, as its workflows must show it.
const FIXTURE_IMAGES = [
  {
    id: 'demo-training',
    workflow: 'demo-build-training-image.yaml',
    name: 'Build Demo Training Image',
    repository: 'demo-training-tools',
    dockerfile: 'docker/demo/Dockerfile.training',
    buildArgs: 'docker/demo/demo-training.build-args',
    paths: ['training/demo/**'],
    scripts: ['training/demo'],
    training: true,
    threshold: '4 GB',
    thresholdBytes: 4e9,
  },
  {
    id: 'demo-deployment',
    workflow: 'demo-build-deployment-image.yaml',
    name: 'Build Demo Deployment Image',
    repository: 'demo-deployment-tools',
    dockerfile: 'docker/demo/Dockerfile.deployment',
    buildArgs: 'docker/demo/demo-deployment.build-args',
    paths: ['deployment/demo/**', 'evaluation/demo/**'],
    scripts: ['deployment/demo', 'evaluation/demo'],
    training: false,
    threshold: '1 GB',
    thresholdBytes: 1e9,
  },
];

// The image job's order, with the inputs fingerprint and the reuse of an earlier build of the
// same inputs before anything is built, and disk space freed only for a build.
const BEFORE_BUILD = [
  'Checkout',
  'Set image tag',
  'Check a release is on the latest branch',
  'Read commit time',
  'Fingerprint the inputs',
  'Configure AWS credentials (OIDC)',
  'Login to Amazon ECR',
  'Reuse an image of the same inputs',
];
const BUILD = (training: boolean) => [
  'Refuse to move an immutable tag',
  ...(training ? ['Free disk space'] : []),
  'Set up Docker Buildx',
  'Smoke-test the Python layers',
  'Build and push image',
];
const AFTER_BUILD = ['Check image size', 'Record where the image came from'];

describe.each(FIXTURE_IMAGES)('the workflow $workflow', (image) => {
  const workflow = workflowOf(image.workflow);
  // The reusable image job as it runs for this image: what the caller passes, in place of its inputs.
  const job = imageJob(image.workflow, {}, files);
  const step = (name: string) => job.steps.find((s: any) => s.name === name);

  test('is named for `gh workflow run` and takes an optional string input `tag` and a boolean `rebuild`, false by default', () => {
    expect(workflow.name).toBe(image.name);
    expect(workflow.on.workflow_dispatch.inputs).toEqual({
      tag: { description: expect.any(String), type: 'string' },
      rebuild: { description: expect.stringMatching(/^Build even if an image of the same inputs exists/), type: 'boolean', default: false },
    });
  });

  test('is one short job that calls the reusable workflow with the image\'s declaration', () => {
    expect(workflowText(image.workflow).trimEnd().split('\n').length).toBeLessThanOrEqual(60);
    expect(workflow.jobs[IMAGE_JOB_ID].uses).toBe('./.github/workflows/image-build.yaml');
    // Every input the reusable workflow declares, from the fixture's declaration
    expect(callerInputs(image.workflow, {}, files)).toEqual({
      repository: image.repository,
      image_id: image.id,
      dockerfile: image.dockerfile,
      build_args_file: image.buildArgs,
      platform: 'linux/amd64',
      copied_paths: [`docker/keys/${AWS_CLI_SIGNING_KEY.fingerprint}.asc`, ...image.scripts].join('\n'),
      size_threshold_bytes: image.thresholdBytes,
      size_threshold: image.threshold,
      free_disk_space: image.training,
      runs_on: '["ubuntu-latest"]',
      timeout_minutes: 60,
      tag: null,
      rebuild: false,
    });
  });

  test.each<[string, { tag?: string; rebuild?: boolean }, string, boolean]>([
    ['a push', {}, '', false],
    ['a dispatch with a tag', { tag: 'v2.0.0' }, 'v2.0.0', false],
    ['a dispatch asking for a rebuild', { rebuild: true }, '', true],
  ])('hands %s\'s tag and rebuild inputs on as the reusable workflow\'s typed inputs', (_event, dispatch, tag, rebuild) => {
    const inputs = callerInputs(image.workflow, dispatch, files);
    expect(inputs.tag ?? '').toBe(tag);
    expect(inputs.rebuild).toBe(rebuild);
  });

  test('passes the role secret by name, never all secrets', () => {
    expect(workflow.jobs[IMAGE_JOB_ID].secrets).toEqual({ AWS_ROLE_ARN: '${{ secrets.AWS_ROLE_ARN }}' });
    expect(Object.keys(reusableWorkflow(files).on.workflow_call.secrets)).toEqual(['AWS_ROLE_ARN']);
  });

  test('runs on pushes to main and develop touching what the image is built from, and on every v* tag', () => {
    // The image's script folders and Dockerfile, and every other input of the fingerprint: build arguments,
    // the AWS CLI's signing key, the .dockerignore; then the workflow itself.
    expect(workflow.on.push).toEqual({
      branches: ['main', 'develop'],
      tags: ['v*'],
      paths: [
        ...image.paths, image.dockerfile, image.buildArgs, `docker/keys/${AWS_CLI_SIGNING_KEY.fingerprint}.asc`, '.dockerignore',
        `.github/workflows/${image.workflow}`, '.github/workflows/image-build.yaml', 'image-build/**',
      ],
    });
    expect(Object.keys(workflow.on).sort()).toEqual(['push', 'workflow_dispatch']);
  });

  test('runs on a change to any input of the image\'s fingerprint, as GitHub matches path filters', () => {
    // GIVEN the paths the fingerprint hashes, a file inside each folder of them, and the filters as GitHub reads them
    const fingerprint = step('Fingerprint the inputs').env;
    const inputs = [fingerprint.IMAGE_DOCKERFILE, fingerprint.IMAGE_BUILD_ARGS_FILE, ...fingerprint.IMAGE_COPIED.split('\n'), fingerprint.CONTEXT_IGNORE];
    const changed = inputs.map((path: string) => (statSync(join(checkout, path)).isDirectory() ? `${path}/run.py` : path));
    const filters = workflow.on.push.paths.map(pathFilterRegex);
    const matches = (file: string) => filters.reduce((hit: boolean, f: { exclude: boolean; regex: string }) =>
      (new RegExp(f.regex).test(file) ? !f.exclude : hit), false);
    // THEN each such change runs the workflow
    expect(changed.filter((file: string) => !matches(file))).toEqual([]);
    expect(changed).toContain('.dockerignore');
    // AND a change to what the job does, for every image, runs it too
    expect(['.github/workflows/image-build.yaml', 'image-build/tags.sh', 'image-build/settings.sh'].filter((file) => !matches(file))).toEqual([]);
  });

  test('grants exactly id-token: write and contents: read, which the called job asks for too', () => {
    expect(Object.keys(workflow.jobs)).toEqual([IMAGE_JOB_ID]);
    expect(workflow.jobs[IMAGE_JOB_ID].permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
    expect(job.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
    expect(workflow.permissions).toBeUndefined();
  });

  test('has a job timeout and a runner, passed as inputs', () => {
    expect(job['timeout-minutes']).toBe('60');
    expect(job['runs-on']).toBe('${{ fromJSON(inputs.runs_on) }}');
    expect(JSON.parse(String(job.inputs.runs_on))).toEqual(['ubuntu-latest']);
  });

  describe('concurrency', () => {
    // (event, ref, dispatch input) → the group the runner computes
    const GROUPS: Array<[string, string, string, string | undefined, string]> = [
      ['a push to main', 'push', 'refs/heads/main', undefined, `${image.name}-push-refs/heads/main`],
      ['a push to develop', 'push', 'refs/heads/develop', undefined, `${image.name}-push-refs/heads/develop`],
      ['git tag v1.2.3', 'push', 'refs/tags/v1.2.3', undefined, `${image.name}-push-refs/tags/v1.2.3`],
      ['a dispatch on main with tag v2.0.0', 'workflow_dispatch', 'refs/heads/main', 'v2.0.0', `${image.name}-dispatch-refs/heads/main-v2.0.0`],
      ['a dispatch on develop with tag develop-gpu', 'workflow_dispatch', 'refs/heads/develop', 'develop-gpu', `${image.name}-dispatch-refs/heads/develop-develop-gpu`],
      ['a dispatch on main without a tag', 'workflow_dispatch', 'refs/heads/main', '', `${image.name}-dispatch-refs/heads/main-`],
      // Without a tag input, develop publishes develop-<sha7>: it must not cancel main's latest.
      ['a dispatch on develop without a tag', 'workflow_dispatch', 'refs/heads/develop', '', `${image.name}-dispatch-refs/heads/develop-`],
      ['a dispatch on git tag v1.2.3', 'workflow_dispatch', 'refs/tags/v1.2.3', '', `${image.name}-dispatch-refs/tags/v1.2.3-`],
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
      const readme: string = files['.github/workflows/README.md'];
      const rows = [...readme.matchAll(/^\| [^|]+ \| `(<workflow name>-[^`]+)` \|/gm)].map((m) => m[1]);
      const fill = (pattern: string, values: Record<string, string>) =>
        Object.entries(values).reduce((p, [k, v]) => p.replace(k, v), pattern.replace('<workflow name>', image.name));
      expect(rows.map((r) => fill(r, { '<branch>': 'main', '<tag>': 'v1.2.3', '<ref>': 'refs/heads/develop', '<tag input>': 'develop-gpu' }))).toEqual([
        group('push', 'refs/heads/main'), group('push', 'refs/tags/v1.2.3'), group('workflow_dispatch', 'refs/heads/develop', 'develop-gpu'),
      ]);
    });
  });

  test('runs its steps in order: fingerprint and reuse before any build, disk space freed before a build (when the image asks for it)', () => {
    const names = job.steps.map((s: any) => s.name);
    expect(names).toEqual([...BEFORE_BUILD, ...BUILD(true), ...AFTER_BUILD]);
  });

  // (runner, whether the reuse step promoted an earlier build) → the steps GitHub runs
  test.each([
    ['a GitHub-hosted runner, nothing to reuse', 'github-hosted', '', [...BEFORE_BUILD, ...BUILD(image.training), ...AFTER_BUILD]],
    ['a self-hosted runner, nothing to reuse', 'self-hosted', '', [...BEFORE_BUILD, ...BUILD(false), ...AFTER_BUILD]],
    ['a GitHub-hosted runner, an earlier build promoted', 'github-hosted', 'true', [...BEFORE_BUILD, ...AFTER_BUILD]],
    ['a self-hosted runner, an earlier build promoted', 'self-hosted', 'true', [...BEFORE_BUILD, ...AFTER_BUILD]],
  ])('on %s, exactly the expected steps run', (_case, environment, promoted, expected) => {
    // WHEN GitHub evaluates each step's condition (none: the step runs)
    const contexts = { runner: { environment, os: 'Linux' }, steps: { reuse: { outputs: { promoted } } }, inputs: job.inputs };
    const running = job.steps.filter((s: any) => s.if === undefined || evaluate(s.if, contexts)).map((s: any) => s.name);
    // THEN a promotion skips every build step, and a self-hosted runner's machine is left alone
    expect(running).toEqual(expected);
  });

  test('assumes the role from the AWS_ROLE_ARN secret by OIDC, in the declared account only, with no static keys anywhere', () => {
    expect(step('Configure AWS credentials (OIDC)').with).toEqual({
      'role-to-assume': '${{ secrets.AWS_ROLE_ARN }}',
      'role-session-name': expect.stringMatching(/^gha-[a-z-]+-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}$/),
      'role-duration-seconds': 3600,
      'aws-region': FIXTURE_REGION,
      'allowed-account-ids': FIXTURE_ACCOUNT,
    });
    expect(workflowText(image.workflow)).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET/i);
    expect(workflowText('image-build.yaml')).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET/i);
  });

  test('builds with BuildKit in a container builder and pushes straight to ECR, under the wanted tag and the inputs tag', () => {
    expect(step('Set up Docker Buildx').with).toEqual({ driver: 'docker-container' });
    const build = step('Build and push image').with;
    const cache = `type=registry,ref=${FIXTURE_REGISTRY}/${image.repository}:buildcache`;
    expect(build['cache-from']).toBe(cache);
    expect(build['cache-to']).toBe(`${cache},mode=max,image-manifest=true,oci-mediatypes=true`);
    expect(build.push).toBe(true);
    expect(build.load).toBeUndefined();
    expect(build.tags.split('\n')).toEqual([
      `${FIXTURE_REGISTRY}/${image.repository}:\${{ steps.tag.outputs.tag }}`,
      `${FIXTURE_REGISTRY}/${image.repository}:\${{ steps.inputs.outputs.tag }}`,
    ]);
    expect(job.env.IMAGE_REPOSITORY).toBe(`${FIXTURE_REGISTRY}/${image.repository}`);
  });

  test('smoke-tests the Dockerfile\'s smoke-test stage first, keeping only its result, in a cache of its own', () => {
    const smoke = step('Smoke-test the Python layers').with;
    const build = step('Build and push image').with;
    const cache = (tag: string) => `type=registry,ref=${FIXTURE_REGISTRY}/${image.repository}:${tag}`;
    expect(smoke).toMatchObject({ file: build.file, target: 'smoke-test', outputs: 'type=cacheonly', platforms: build.platforms });
    expect(smoke['cache-from'].split('\n')).toEqual([cache('buildcache'), cache('buildcache-smoke-test')]);
    expect(smoke['cache-to']).toBe(`${cache('buildcache-smoke-test')},mode=max,image-manifest=true,oci-mediatypes=true`);
    // The same fixed build arguments as the image, none of the provenance that changes with every commit.
    expect(smoke['build-args'].split('\n')).toEqual(build['build-args'].split('\n').filter((a: string) => !a.startsWith('IMAGE_')));
    expect(smoke.push).toBeUndefined();
    // The workflow says why this tests the layers the next step pushes.
    expect(workflowText('image-build.yaml')).toContain('# The smoke-test stage is built on the Dockerfile\'s python stage, the stage the image');
  });

  test.each(['smoke_test', 'build'])('%s builds exactly what the fingerprint step hashed: its Dockerfile, platform and build arguments', (id) => {
    // WHEN the fingerprint step runs in this checkout and the step gets its outputs, as BuildKit would
    const built = buildStep(image.workflow, id, { source: files, checkout });
    // The document it hashed, which it prints after one line naming the tag
    const document: string[] = built.log.trim().split('\n').slice(1);
    expect(document[0]).toBe('inputs-fingerprint 2');
    // THEN the Dockerfile, platform and every fixed build argument are the document's own lines, and
    // the only other arguments are the provenance, which never names a hashed argument
    expect(`dockerfile ${built.with.file}`).toBe(document.find((l) => l.startsWith('dockerfile ')));
    expect(`platform ${built.with.platforms}`).toBe(document.find((l) => l.startsWith('platform ')));
    const args: string[] = built.with['build-args'].split('\n');
    const hashed = document.filter((l) => l.startsWith('build-arg ')).map((l) => l.slice('build-arg '.length));
    expect(args.slice(0, hashed.length)).toEqual(hashed);
    expect(args.slice(hashed.length).map((a) => a.split('=')[0])).toEqual(id === 'build' ? ['IMAGE_SOURCE', 'IMAGE_REVISION', 'IMAGE_CREATED'] : []);
    expect(hashed.map((a) => a.split('=')[0])).not.toEqual(expect.arrayContaining(['IMAGE_SOURCE', 'IMAGE_REVISION', 'IMAGE_CREATED']));
    // AND the image is pushed under the inputs tag of that document
    if (id === 'build') {
      expect(built.with.tags.split('\n')[1]).toBe(`${FIXTURE_REGISTRY}/${image.repository}:${built.fingerprint.tag}`);
    }
  });

  // Another image's files: present in the checkout, and different from this image's.
  const other = FIXTURE_IMAGES.find((i) => i.id !== image.id)!;
  test.each<[string, Record<string, string>]>([
    ['another platform', { platform: 'linux/arm64' }],
    ['another Dockerfile', { dockerfile: other.dockerfile }],
    ['another build arguments file', { build_args_file: other.buildArgs }],
  ])('a caller passing %s builds under another inputs tag', (_what, change) => {
    // GIVEN the caller's `with:` edited, as a workflow-side edit would
    const caller = workflowOf(image.workflow);
    const edited = { ...caller, jobs: { [IMAGE_JOB_ID]: { ...caller.jobs[IMAGE_JOB_ID], with: { ...caller.jobs[IMAGE_JOB_ID].with, ...change } } } };
    const source = { [`.github/workflows/${image.workflow}`]: edited, '.github/workflows/image-build.yaml': reusableWorkflow(files) };
    // WHEN both run their fingerprint step in the same checkout
    const before = buildStep(image.workflow, 'build', { source: files, checkout });
    const after = buildStep(image.workflow, 'build', { source, checkout });
    // THEN what the edited run builds is pushed under the inputs tag of what it builds, never the unedited one
    expect(after.fingerprint.tag).not.toBe(before.fingerprint.tag);
    const changed = Object.keys(change).map((k) => ({ platform: 'platforms', dockerfile: 'file', build_args_file: 'build-args' } as Record<string, string>)[k]);
    for (const key of changed) {
      expect(after.with[key]).not.toBe(before.with[key]);
    }
  });

  test.each<[string, { rebuild?: boolean }, string]>([
    ['a push', {}, 'false'],
    ['a dispatch', { rebuild: false }, 'false'],
    ['a dispatch asking for a rebuild', { rebuild: true }, 'true'],
  ])('on %s, both build steps take no layer from the cache and pull the base image again exactly when rebuilding', (_event, dispatch, expected) => {
    const rebuildJob = imageJob(image.workflow, dispatch, files);
    for (const id of ['smoke_test', 'build']) {
      const { with: given } = rebuildJob.steps.find((s: any) => s.id === id);
      expect({ noCache: given['no-cache'], pull: given.pull }).toEqual({ noCache: expected, pull: expected });
    }
  });

  test('reads the size and reports the origin of the image built or promoted, by its digest', () => {
    const digest = '${{ steps.reuse.outputs.digest || steps.build.outputs.digest }}';
    expect(step('Check image size').env.IMAGE_DIGEST).toBe(digest);
    expect(step('Record where the image came from').env).toMatchObject({
      IMAGE_DIGEST: digest, PROMOTED: '${{ steps.reuse.outputs.promoted }}', BUILT_FROM: '${{ steps.reuse.outputs.built_from }}',
    });
  });

  test('passes user input to scripts only through env', () => {
    for (const s of job.steps.filter((x: any) => x.run)) {
      expect(s.run).not.toContain('${{');
    }
    const raw = reusableWorkflow(files).jobs[IMAGE_JOB_ID].steps;
    expect(raw.find((s: any) => s.id === 'tag').env).toEqual({ REQUESTED_TAG: '${{ inputs.tag }}' });
    expect(raw.find((s: any) => s.id === 'reuse').env.REBUILD).toBe('${{ inputs.rebuild }}');
  });
});

test.each(['smoke_test', 'build'])('the %s step takes what shapes the image only from the fingerprint step\'s outputs, never from a second copy', (id) => {
  // GIVEN the step as the reusable workflow declares it
  const given = reusableWorkflow(files).jobs[IMAGE_JOB_ID].steps.find((s: any) => s.id === id).with;
  // THEN its Dockerfile, platform and fixed build arguments are the outputs of the step that hashed them, and
  // the only other build arguments are the provenance values, which are no input of the image's content
  expect({ file: given.file, platforms: given.platforms }).toEqual({ file: '${{ steps.inputs.outputs.dockerfile }}', platforms: '${{ steps.inputs.outputs.platform }}' });
  const [fixed, ...provenance] = given['build-args'].split('\n');
  expect(fixed).toBe('${{ steps.inputs.outputs.build_args }}');
  expect(provenance.map((line: string) => line.split('=')[0])).toEqual(id === 'build' ? ['IMAGE_SOURCE', 'IMAGE_REVISION', 'IMAGE_CREATED'] : []);
  expect(given.target ?? 'the last stage').toBe(id === 'build' ? 'the last stage' : 'smoke-test');
});

test('the fixture\'s training workflow and the reusable job are stable (filtered snapshot: triggers, call and job header)', () => {
  // Step scripts are covered by running them; the snapshot keeps the shape reviewable.
  const workflow = workflowOf('demo-build-training-image.yaml');
  const { steps, ...jobHeader } = reusableWorkflow(files).jobs[IMAGE_JOB_ID];
  expect({
    on: workflow.on,
    concurrency: workflow.concurrency,
    call: workflow.jobs[IMAGE_JOB_ID],
    job: jobHeader,
    steps: steps.map((s: any) => ({ name: s.name, id: s.id, uses: s.uses, with: s.with, env: s.env })),
  }).toMatchSnapshot();
});

// This repository's own images, as its .projenrc.ts declares them: the committed workflows
// are what that declaration generates, and their steps work in this checkout.
describe.each(ownPlatform().images.filter((i) => !i.multiPlatform).map((image) => ({ workflow: image.workflowFileName, image })))(
  'this repository\'s committed workflow $workflow', ({ image }) => {
    test('calls the reusable workflow with the declared image, and builds in this checkout what its fingerprint step hashed', () => {
      expect(loadWorkflow(image.workflowFileName).jobs[IMAGE_JOB_ID].uses).toBe('./.github/workflows/image-build.yaml');
      expect(callerInputs(image.workflowFileName)).toMatchObject({
        repository: image.repository,
        image_id: image.imageId,
        dockerfile: image.dockerfile,
        build_args_file: image.buildArgsFile,
        size_threshold_bytes: image.sizeWarning.bytes,
        free_disk_space: image.freeDiskSpace,
      });
      // WHEN the committed fingerprint step runs in this checkout (it fails on a declared input git does not hold)
      const built = buildStep(image.workflowFileName, 'build', { source: WORKFLOWS_DIR, checkout: REPO_ROOT });
      // THEN the build step builds the declared Dockerfile into the declared repository, under the inputs tag
      expect(built.with.file).toBe(image.dockerfile);
      expect(built.with.tags.split('\n')[1]).toBe(`${image.repositoryUri}:${built.fingerprint.tag}`);
    });
  });
