import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  GitHubRepository, IMAGE_JOB_ID, ImageKind, ImagePlatform, OidcRole, Pipeline, PUSH_POLICY_PATH, PythonPackage, ScriptCopy, Tool,
  TRUST_POLICY_PATH, WorkflowsReadme,
} from '../src';
import { evaluate } from './support/expressions';
import { buildStep, imageJob } from './support/image-job';
import { codeSpans, fencedAfter, section, tableRows } from './support/markdown';
import { FixturePlatform, newPlatform, newProject, synth, TEST_REGISTRY, twoPlatformProject } from './support/project';
import { imageWorkflowFiles, loadWorkflow, REPO_ROOT } from './support/workflows';
import { MULTI_PLATFORM_WORKFLOW_FILE, REUSABLE_WORKFLOW_FILE } from '../src/github/image-steps';

const README = readFileSync(join(REPO_ROOT, WorkflowsReadme.PATH), 'utf8');
const IMAGE_FILES = imageWorkflowFiles().filter((f) => f !== REUSABLE_WORKFLOW_FILE);
const WORKFLOWS = IMAGE_FILES.map((file) => ({ file, workflow: loadWorkflow(file) }));

function byName(name: string): any {
  const found = WORKFLOWS.find(({ workflow }) => workflow.name === name);
  if (!found) {
    throw new Error(`the docs name a workflow '${name}' that no workflow file has`);
  }
  return found.workflow;
}

/** The reusable image job as it runs for an image workflow. */
const jobOf = (file: string) => imageJob(file);

/** Whether a step of the image job runs for an image, on a hosted runner, when nothing is reused. */
const runsFor = (file: string, step: any) =>
  step.if === undefined || Boolean(evaluate(step.if, { inputs: jobOf(file).inputs, runner: { environment: 'github-hosted' }, steps: { reuse: { outputs: { promoted: '' } } } }));

describe('the committed .github/workflows/README.md agrees with the committed workflows', () => {
  test('the workflows table lists every image workflow file once, with its name', () => {
    // GIVEN the Workflows table
    const rows = tableRows(section(README, '## Workflows'));
    // THEN its files are the image workflow files and each name is that file's `name`
    expect(rows.map((r) => codeSpans(r[0])[0]).sort()).toEqual(IMAGE_FILES);
    for (const [file, name] of rows) {
      expect(loadWorkflow(codeSpans(file)[0]).name).toBe(name);
    }
  });

  test('the path filters table gives each workflow\'s on.push.paths, in order', () => {
    // GIVEN the Path filters table
    const rows = tableRows(section(README, '### Path filters'));
    // THEN each row's filters are exactly the paths its workflow triggers on
    expect(rows).toHaveLength(WORKFLOWS.length);
    for (const [name, filters] of rows) {
      expect(codeSpans(filters)).toEqual(byName(name).on.push.paths);
    }
  });

  test('the triggers name the branches and tags every image workflow runs on', () => {
    // GIVEN the Triggers list
    const triggers = section(README, '## Triggers');
    const push = codeSpans(triggers.find((l) => l.startsWith('- **Push to'))!);
    const tags = codeSpans(triggers.find((l) => l.startsWith('- **Git tags**'))!);
    const inputs = codeSpans(triggers.find((l) => l.startsWith('- **Manual dispatch**'))!);
    // THEN they are each workflow's push branches and tags, and every workflow can be dispatched with those inputs
    for (const { workflow } of WORKFLOWS) {
      expect(push).toEqual(workflow.on.push.branches);
      expect(tags).toEqual(workflow.on.push.tags);
      expect(Object.keys(workflow.on.workflow_dispatch.inputs)).toEqual(inputs);
    }
  });

  test('the build steps are the image jobs\' steps, in their order, each described and marked where only some images run it', () => {
    // GIVEN the numbered Build steps
    const steps = section(README, '## Build steps').filter((l) => /^\d+\. /.test(l))
      .map((l) => ({ name: l.match(/\*\*(.+?)\*\*/)![1], only: l.match(/ \(only (.+?)\):/)?.[1], line: l }));
    const documented = steps.map((s) => s.name);
    for (const { file } of WORKFLOWS) {
      // THEN each job's steps appear in the same order
      const names: string[] = jobOf(file).steps.filter((s: any) => runsFor(file, s)).map((s: any) => s.name);
      expect(documented.filter((n) => names.includes(n))).toEqual(names);
    }
    for (const step of steps) {
      // AND a step some images skip lists exactly the images that run it
      const runners = WORKFLOWS.filter(({ file }) => jobOf(file).steps.some((s: any) => s.name === step.name && runsFor(file, s)))
        .map(({ file }) => jobOf(file).name.replace('Build, test and push ', ''));
      expect(runners.length).toBeGreaterThan(0);
      expect(step.only ? codeSpans(step.only).sort() : runners.length).toEqual(step.only ? runners.sort() : WORKFLOWS.length);
      // AND each step says what it does
      expect(step.line).toMatch(/\*\*( \(only [^)]+\))?: \w/);
    }
  });

  test('the documented workflow permissions are what every image job is granted', () => {
    // GIVEN the permissions block of the OIDC set-up
    const block = parse(fencedAfter(section(README, '## Authentication: GitHub OIDC to AWS'), '**Permissions**').join('\n'));
    // THEN it is each image job's permissions
    for (const { file, workflow } of WORKFLOWS) {
      expect(block.permissions).toEqual(jobOf(file).permissions);
      expect(block.permissions).toEqual(workflow.jobs[IMAGE_JOB_ID].permissions);
    }
  });

  test('the documented role secret is the one every workflow assumes its role from', () => {
    // GIVEN the first set-up item
    const secret = codeSpans(section(README, '## Authentication: GitHub OIDC to AWS').find((l) => l.startsWith('1. '))!)[0];
    // THEN it is the secret each credentials step reads
    for (const { file } of WORKFLOWS) {
      const credentials = jobOf(file).steps.find((s: any) => s.name === 'Configure AWS credentials (OIDC)');
      expect(credentials.with['role-to-assume']).toBe(`\${{ secrets.${secret} }}`);
    }
  });

  test('the documented trust policy and role permissions are the generated files under .github/aws', () => {
    // GIVEN the OIDC set-up and the committed policy files
    const setup = section(README, '## Authentication: GitHub OIDC to AWS');
    const trustFile = JSON.parse(readFileSync(join(REPO_ROOT, TRUST_POLICY_PATH), 'utf8'));
    const pushFile = JSON.parse(readFileSync(join(REPO_ROOT, PUSH_POLICY_PATH), 'utf8'));
    // THEN the trust policy shown is the file, and each permission line is one statement of the push policy
    expect(JSON.parse(fencedAfter(setup, '**Trust policy**').join('\n'))).toEqual(trustFile);
    const from = setup.findIndex((l) => l.startsWith('4. '));
    const permissionLines = setup.slice(from + 1).filter((l) => l.startsWith('   - '));
    expect(permissionLines.map((l) => l.split(' on ').map(codeSpans))).toEqual(
      pushFile.Statement.map((s: any) => [[s.Action].flat(), [s.Resource].flat()]));
  });

  test('every manual trigger command names a workflow, on the branch tagged latest', () => {
    // GIVEN the commands and the tagging table
    const commands = fencedAfter(section(README, '## Manual trigger'), '## Manual trigger');
    const latest = tableRows(section(README, '### Tagging strategy')).find(([, tag]) => tag === '`latest`')!;
    // THEN each runs a workflow by its name on that branch, and every workflow has one
    const runs = commands.map((c) => c.match(/^gh workflow run "(.+?)" --ref (\S+)( -f tag=\S+)? +# tag: (\S+)$/)!);
    expect(runs.every(Boolean)).toBe(true);
    for (const [, name, ref] of runs) {
      expect(byName(name).on.workflow_dispatch).toBeDefined();
      expect(codeSpans(latest[0])).toEqual([ref]);
    }
    expect(new Set(runs.map((r) => r[1]))).toEqual(new Set(WORKFLOWS.map(({ workflow }) => workflow.name)));
  });

  test.each(WORKFLOWS.map(({ file }) => [jobOf(file).env.IMAGE_REPOSITORY.split('/').pop(), file]))(
    'the %s section gives the smoke test its workflow (%s) runs', (repository, file) => {
      // GIVEN the image's layer table
      const rows = tableRows(section(README, `### ${repository}`));
      const smoke = codeSpans(rows.find(([layer]) => layer === 'Smoke test')![1])[0];
      // THEN the smoke-test stage the workflow builds runs that very command
      const step = buildStep(file, 'smoke_test');
      const [, python, flag, code] = smoke.match(/^(\S+) (\S+) "(.*)"$/)!;
      expect(step.with.target).toBe('smoke-test');
      expect(readFileSync(join(REPO_ROOT, step.with.file), 'utf8')).toContain(`RUN ${JSON.stringify([python, flag, code]).replace(/","/g, '", "')}`);
    });
});

describe('WorkflowsReadme', () => {
  function declareTwoImages(platform: ImagePlatform): void {
    platform.addImage({
      pipeline: Pipeline.of('triton'),
      kind: ImageKind.TRAINING,
      repository: 'triton-training-tools',
      systemPackages: ['curl', 'libgomp1'],
      heavyPythonPackages: [PythonPackage.of('torch', { version: '2.5.1' })],
      pythonPackages: ['mlflow', PythonPackage.of('pyyaml', { importName: 'yaml' })],
      env: { MLFLOW_TRACKING_URI: 'http://mlflow:5000' },
      extraPaths: ['shared/**/*.py'],
    });
    platform.addImage({
      pipeline: Pipeline.of('vllm', 'vLLM'),
      kind: ImageKind.DEPLOYMENT,
      repository: 'vllm-deployment-tools',
      pythonPackages: ['boto3'],
      tools: [Tool.awsCliV2(), Tool.kubectl()],
      scripts: [ScriptCopy.of('deployment/vllm', '/scripts'), ScriptCopy.of('evaluation/vllm', '/eval-scripts')],
    });
  }

  function readmeOf(options: Parameters<typeof newPlatform>[0] = {}): string {
    const { project, platform } = newPlatform(options);
    declareTwoImages(platform);
    return synth(project)[WorkflowsReadme.PATH];
  }

  test('renders the declared images, snapshot of the whole file', () => {
    // GIVEN two declared images WHEN synthesized THEN the document reads as reviewed
    expect(readmeOf()).toMatchSnapshot();
  });

  test('is marked as generated in an HTML comment, read-only and the same on every synthesis', () => {
    // GIVEN a project with images, synthesized to disk
    const project = newProject();
    const platform = new FixturePlatform(project, { registry: TEST_REGISTRY });
    declareTwoImages(platform);
    const previous = process.env.PROJEN_DISABLE_POST;
    process.env.PROJEN_DISABLE_POST = 'true';
    try {
      project.synth();
    } finally {
      process.env.PROJEN_DISABLE_POST = previous;
    }
    const file = join(project.outdir, WorkflowsReadme.PATH);
    // THEN the marker is an HTML comment GitHub does not render, the file is read-only, and synthesis is deterministic
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^<!-- ~~ Generated by projen\. To modify, edit \.projenrc\.\w+ and run "npx projen"\. -->$/);
    expect((statSync(file).mode % 0o1000).toString(8)).toMatch(/^[45][45][45]$/);
    expect(readmeOf()).toBe(text);
    rmSync(project.outdir, { recursive: true, force: true });
  });

  test('an image of several platforms gets the multi-platform workflow\'s jobs, with their steps, and each platform\'s runner and cache as its workflow passes them', () => {
    // GIVEN a project with one image of one platform and one of two
    const files = twoPlatformProject();
    const readme: string = files[WorkflowsReadme.PATH];
    const reusable = parse(files[`.github/workflows/${MULTI_PLATFORM_WORKFLOW_FILE}`]);
    const multi = section(readme, '## Images for several platforms');
    // THEN the jobs are the multi-platform workflow's, in order, each with its steps in order
    const jobs = multi.filter((l) => /^\d+\. /.test(l)).map((l) => ({ id: l.match(/\*\*(.+?)\*\*/)![1], steps: l.replace(/.*\. Steps: /, '').replace(/\.$/, '').split('; ') }));
    expect(jobs.map((j) => j.id)).toEqual(Object.keys(reusable.jobs));
    for (const job of jobs) {
      expect(job.steps).toEqual(reusable.jobs[job.id].steps.map((step: any) => step.name));
    }
    // AND each platform's row is what the image's workflow passes: platform, runner labels, build cache
    const passed = JSON.parse(parse(files['.github/workflows/edge-build-deployment-image.yaml']).jobs[IMAGE_JOB_ID].with.platforms);
    expect(tableRows(multi)).toEqual(passed.map((p: any) => ['`edge-tools`', `\`${p.platform}\``, p.runs_on.map((l: string) => `\`${l}\``).join(', '), `\`${p.cache_tag}\``]));
    // AND the single job's steps are documented for the images of one platform, the image's platforms in its layers
    expect(section(readme, '## Build steps').join('\n')).toContain('Every image workflow of one platform calls the reusable workflow');
    // (of which no deployment image frees disk space)
    expect(section(readme, '## Build steps')).toContainEqual(expect.stringMatching(/^\d+\. \*\*Free disk space\*\* \(none of these images\): /));
    expect(section(readme, '### edge-tools').join('\n')).toMatch(/^Edge deployment image for `linux\/amd64` and `linux\/arm64`, built by/m);
    // AND the repository's own images, all of one platform, have no such section
    expect(README).not.toContain('## Images for several platforms');
  });

  test('a role written into the workflows by ARN needs no secret', () => {
    // GIVEN a role by ARN
    const arn = 'arn:aws:iam::123456789012:role/github-ecr-push';
    const setup = section(readmeOf({ role: OidcRole.fromArn(arn) }), '## Authentication: GitHub OIDC to AWS');
    // THEN the set-up names the role and no secret
    expect(setup.find((l) => l.startsWith('1. '))).toBe(`1. **IAM role** \`${arn}\`, written into the workflows`);
    expect(setup.join('\n')).not.toContain('secret');
  });

  test('custom tagging rules change the triggers, the tagging table and the trust policy together', () => {
    // GIVEN a trunk, a release-candidate branch and tags `ver-*`
    const readme = readmeOf({
      githubRepository: GitHubRepository.of('acme', 'ml-platform', { ownerId: 12, repositoryId: 34 }),
      tagging: { latestBranch: 'trunk', snapshotBranches: ['release/next'], releaseTagPattern: 'ver-*' },
    });
    // THEN every section says so
    expect(readme).toContain('- **Push to `trunk` or `release/next`**');
    expect(tableRows(section(readme, '### Tagging strategy'))).toEqual([
      ['Push to `trunk`', '`latest`', '-'],
      ['Manual on `trunk`', 'the `tag` input, or `latest` without one', 'a tag of a snapshot branch (`release-next-*`)'],
      ['Push to `release/next`', '`release-next-<short-sha>`', '-'],
      ['Manual on `release/next`', 'the `tag` input if it starts with `release-next-`, or `release-next-<short-sha>` without one',
        '`latest`, a release tag (`ver-*`), any other tag'],
      ['Git tag matching `ver-*` (pushed, or a manual run on it)', 'the git tag itself', 'a commit outside the history of `trunk`; a `tag` input other than the git tag'],
      ['Any other branch or git tag', '-', 'every run'],
    ]);
    expect(tableRows(section(readme, '### Who can publish what')).map(([tags]) => tags)).toEqual(['`latest`', '`release-next-*`', '`ver-*`', 'any other tag']);
    expect(readme).toContain('- **A tag ruleset** on `refs/tags/ver-*`');
    const trust = JSON.parse(fencedAfter(section(readme, '## Authentication: GitHub OIDC to AWS'), '**Trust policy**').join('\n'));
    expect(trust.Statement[0].Condition.StringLike['token.actions.githubusercontent.com:sub']).toEqual([
      'repo:acme@12/ml-platform@34:ref:refs/heads/trunk',
      'repo:acme@12/ml-platform@34:ref:refs/heads/release/next',
      'repo:acme@12/ml-platform@34:ref:refs/tags/ver-*',
    ]);
    expect(readme).toContain('gh workflow run "Build Triton Training Image" --ref trunk ');
  });

  test('a value with a table separator cannot break a table row', () => {
    // GIVEN an environment value holding '|'
    const { project, platform } = newPlatform();
    platform.addImage({
      pipeline: Pipeline.of('triton'),
      kind: ImageKind.DEPLOYMENT,
      repository: 'mlops-deployment-tools',
      env: { FILTER: 'a|b' },
    });
    // THEN the row keeps two cells
    const rows = tableRows(section(synth(project)[WorkflowsReadme.PATH], '### mlops-deployment-tools'));
    expect(rows.find(([layer]) => layer === 'Environment')).toEqual(['Environment', '`FILTER=a|b`']);
  });
});
