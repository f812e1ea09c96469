import { posix } from 'node:path';
import type * as github from 'projen/lib/github';
import { IMAGE_JOB_ID, ImageBuildWorkflow } from './image-build-workflow';
import { code, fenced, table } from './markdown';
import type { PullRequestBuildOptions, PullRequestChecks } from './pull-request-checks';
import { RUNNER_BLOAT } from './step-scripts';
import { PUSH_POLICY_PATH, TRUST_POLICY_PATH } from '../aws/aws-setup';
import { AWS_DIR } from '../aws/ecr-manifest';
import { GITHUB_OIDC_HOST, renderPushPolicy, renderTrustPolicy, STS_AUDIENCE } from '../aws/iam-policies';
import { INPUTS_TAG_PREFIX, LATEST_TAG, RESERVED_TAGS, snapshotTagPrefix } from '../declaration/tagging';
import type { ContainerImage } from '../platform/container-image';
import type { PlatformSettings } from '../platform/platform-settings';
import { quote } from '../shell/quote';

/**
 * What each image job step does, by step name. The steps themselves, their
 * order and which images run them are read from the workflows.
 */
export const STEP_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'Checkout': 'checks out the repository, without keeping the token in the checkout',
  'Set image tag': `derives the image tag from the trigger (see [Tagging strategy](#tagging-strategy)) and rejects a tag Docker would not accept or one the workflows reserve (${RESERVED_TAGS.map((r) => code(r.glob)).join(', ')})`,
  'Read commit time': 'reads the commit\'s time for the image\'s `org.opencontainers.image.created` label, so rebuilding a commit labels it the same',
  'Fingerprint the inputs': 'hashes what determines the image (the Dockerfile, the build arguments, the platform and every folder or file it copies, as git hashes them; no commit, time or tag) into the inputs tag `inputs-<16 hex digits>`, and prints what it hashed',
  'Configure AWS credentials (OIDC)': 'requests a GitHub OIDC token and assumes the AWS role with it, failing if the credentials belong to any account but the registry\'s (`allowed-account-ids`)',
  'Login to Amazon ECR': 'logs Docker in to the registry',
  'Reuse an image of the same inputs': 'when ECR has the inputs tag (an earlier run built the same inputs, e.g. on `develop` before a merge, or before a release tag), puts the wanted tag on that very image through the registry API, copying its manifest byte for byte so the digest stays, and every build step below is skipped; a dispatch with `rebuild: true` builds anyway',
  'Refuse to move an immutable tag': 'before a build, fails when the tag already names an image in ECR and is not one the workflows move (see [Tagging strategy](#tagging-strategy))',
  'Free disk space': `before a build, on GitHub-hosted runners only (\`runner.environment == 'github-hosted'\`; a self-hosted runner's machine is left alone), removes pre-installed toolchains the build never uses (${RUNNER_BLOAT.map(code).join(', ')}) and unused Docker images, to make room for large images`,
  'Set up Docker Buildx': 'starts a BuildKit builder in a container, which builds and pushes without ever loading the image into the runner\'s Docker',
  'Smoke-test the Python layers': 'builds the Dockerfile\'s `smoke-test` stage, which imports every Python dependency with `python -c "import ..."` on the stage the image is built from; only its result is kept, in the `buildcache-smoke-test` cache, so it runs again only when those layers change, and a failure stops the run before anything is pushed',
  'Build and push image': 'builds the Dockerfile with BuildKit, reading and refreshing the registry cache kept as the repository\'s `buildcache` tag, and pushes it straight to ECR under the wanted tag and the inputs tag: after a scripts-only change, only the scripts\' layer is built and uploaded',
  'Check image size': 'reads the pushed digest\'s compressed size in ECR (`aws ecr describe-images`, `imageSizeInBytes`: config plus compressed layers, what every pull downloads), warns, never fails, when it is larger than the threshold (see [Workflows](#workflows)) or when ECR cannot answer, and writes image, tag, digest and size to the job summary',
  'Record where the image came from': 'writes to the job summary whether this run built the image or promoted an earlier build, and the commit it was built from',
};

const WORKFLOWS_DIR = '.github/workflows';

/** An image with the workflow generated for it. */
export interface DocumentedImage {
  readonly image: ContainerImage;
  readonly workflow: ImageBuildWorkflow;
}

export function workflowsSection(platform: PlatformSettings, images: readonly DocumentedImage[]): string[] {
  return [
    '## Workflows',
    '',
    ...table(['Workflow file', 'Workflow name', 'Image (ECR repository)', 'Dockerfile', 'Warns above (compressed size in ECR)'],
      images.map(({ image }) => [
        `[${code(image.workflowFileName)}](${image.workflowFileName})`,
        image.workflowName,
        code(image.repository),
        code(image.dockerfile),
        image.sizeWarning.toString(),
      ])),
    '',
    `All images are pushed to ECR: ${code(platform.registry.host)}`,
    '',
  ];
}

export function triggersSection(platform: PlatformSettings, images: readonly DocumentedImage[]): string[] {
  const policy = platform.tagPolicy;
  const branches = [policy.latestBranch, ...policy.snapshotBranches].map(code);
  const branchList = branches.length > 1 ? `${branches.slice(0, -1).join(', ')} or ${branches[branches.length - 1]}` : branches[0];
  const cancels = images.some(({ workflow }) => workflow.concurrency?.cancelInProgress);
  return [
    '## Triggers',
    '',
    'Every image workflow runs on:',
    '',
    `- **Push to ${branchList}**, when a changed file matches its path filters`,
    `- **Git tags** matching ${code(policy.releaseTagPattern)}, for releases: every image workflow runs, as GitHub ignores path filters for tag pushes`,
    '- **Manual dispatch**, with an optional `tag` input and a `rebuild` switch',
    '',
    '### Build once, promote',
    '',
    'No image is built twice from the same inputs. Each run first fingerprints what determines the image',
    '(Dockerfile, build arguments, platform, the folders and files it copies, as git hashes them), and every build pushes',
    `the image under ${code(`${INPUTS_TAG_PREFIX}<fingerprint>`)} as well. When ECR already has that tag, the run puts its`,
    'tag on that very image instead of building: a release tag, or a merge of `develop` into `main`, costs seconds, and the',
    'job summary names the commit the image was built from. `rebuild: true` on a dispatch builds anyway, to pick up newer',
    'unpinned packages or base image; the inputs tag then names the fresh build.',
    '',
    ...(cancels ? concurrencyLines(policy.latestBranch) : []),
    '### Path filters',
    '',
    ...table(['Workflow', 'Triggered by changes to'],
      images.map(({ image }) => [image.workflowName, image.pathFilters.map(code).join(', ')])),
    '',
    '### Tagging strategy',
    '',
    ...table(['Trigger', 'Image tag'], [
      [`Push to ${code(policy.latestBranch)}`, code(LATEST_TAG)],
      ...policy.snapshotBranches.map((b) => [`Push to ${code(b)}`, code(`${snapshotTagPrefix(b)}<short-sha>`)]),
      [`Git tag matching ${code(policy.releaseTagPattern)}`, 'the git tag itself'],
      ['Manual with `tag` input', 'the input, if it is a valid Docker tag'],
      ['Manual without `tag` input', code(LATEST_TAG)],
    ]),
    '',
    `In ECR every tag is immutable except ${platform.tagImmutability.imageTagMutabilityExclusionFilters.map((f) => code(f.filter)).join(', ')}, which later runs move`
      + ' (`npx projen ecr:ensure` sets this): a release tag always names the image first pushed with it, and a run that would push it again fails before building.',
    '',
  ];
}

/** What `CONCURRENCY_GROUP` does, trigger by trigger; the tests evaluate the group for the same triggers. */
function concurrencyLines(latestBranch: string): string[] {
  return [
    '### Concurrency',
    '',
    'Runs that would write the same image tag share a concurrency group, and a newer run cancels the one still in progress (`cancel-in-progress: true`), so an older commit never overwrites a newer image:',
    '',
    ...table(['Trigger', 'Concurrency group', 'A newer run cancels'], [
      ['Push to a branch', code('<workflow name>-push-refs/heads/<branch>'), 'the run of an older push to the same branch'],
      ['Git tag', code('<workflow name>-push-refs/tags/<tag>'), 'only a run of the same git tag pushed again; a branch push never cancels a tag build'],
      ['Manual dispatch', code('<workflow name>-dispatch-<tag input, or latest>'), 'a dispatch asking for the same tag, from any branch'],
    ]),
    '',
    `A dispatch never cancels a push build, nor a push a dispatch, even when both write \`latest\` (a push to ${code(latestBranch)} and a dispatch without a tag): the run that finishes last sets the tag.`,
    '',
  ];
}

export function oidcSection(platform: PlatformSettings, images: readonly DocumentedImage[]): string[] {
  const { registry, role, tagPolicy, githubRepository, trustScope } = platform;
  const indent = (lines: readonly string[]) => lines.map((l) => `   ${l}`);
  const json = (document: object) => indent(fenced('json', JSON.stringify(document, undefined, 2).split('\n')));
  const permissions = images.length > 0 ? imageJob(images[0].workflow).permissions : {};
  const push = renderPushPolicy(registry, images.map(({ image }) => image.repository));
  return [
    '## Authentication: GitHub OIDC to AWS',
    '',
    'The workflows use **OIDC federation**, never static AWS credentials:',
    '',
    ...fenced('', ['GitHub Actions  --OIDC token-->  AWS STS  --assume role-->  ECR push']),
    '',
    `**Required setup** (the files are generated under [${code(AWS_DIR)}](../aws/), the commands are in the project README, section "AWS set-up"):`,
    '',
    role.secretName
      ? `1. **GitHub secret** ${code(role.secretName)}: the ARN of the IAM role the workflows assume`
      : `1. **IAM role** ${code(role.roleToAssume)}, written into the workflows`,
    `2. **OIDC identity provider** for ${code(GITHUB_OIDC_HOST)} in account ${code(registry.account)}, audience ${code(STS_AUDIENCE)}`,
    ...(githubRepository
      ? [
        `3. **Trust policy** of the role, [${code(TRUST_POLICY_PATH)}](${relative(TRUST_POLICY_PATH)}): runs of ${code(githubRepository.fullName)}`
          + ` (owner ID ${code(String(githubRepository.ownerId))}, repository ID ${code(String(githubRepository.repositoryId))})`
          + ` on ${trustScope.description}, whose OIDC \`sub\` claim takes ${githubRepository.subjectFormat.description}:`,
        ...json(renderTrustPolicy(registry, trustScope.subjects(githubRepository, tagPolicy))),
      ]
      : [`3. **Trust policy** of the role: declare \`githubRepository\` in \`.projenrc.ts\` and \`npx projen\` writes it to ${code(TRUST_POLICY_PATH)}, accepting runs on ${trustScope.description}`]),
    `4. **Permissions** of the role, [${code(PUSH_POLICY_PATH)}](${relative(PUSH_POLICY_PATH)}):`,
    ...push.Statement.map((s) => `   - ${[s.Action].flat().map(code).join(', ')} on ${[s.Resource ?? []].flat().map(code).join(', ')}`),
    '5. **Permissions** in every image workflow:',
    ...indent(fenced('yaml', ['permissions:', ...Object.entries(permissions).map(([k, v]) => `  ${kebab(k)}: ${v}`)])),
    '',
    `Sessions are named ${code('gha-<image id>-<run id>-<attempt>')} in CloudTrail and last ${role.sessionDurationSeconds} s.`,
    '',
  ];
}

export function buildStepsSection(images: readonly DocumentedImage[]): string[] {
  const stepsOf = new Map(images.map(({ image, workflow }) =>
    [image, imageJob(workflow).steps.map((s) => s.name ?? s.id ?? '(unnamed)')]));
  const names = mergeInOrder([...stepsOf.values()]);
  return [
    '## Build steps',
    '',
    'Every image job runs these steps, in this order:',
    '',
    ...names.map((name, i) => {
      const runners = images.filter(({ image }) => stepsOf.get(image)!.includes(name));
      const only = runners.length < images.length ? ` (only ${runners.map(({ image }) => code(image.repository)).join(', ')})` : '';
      const what = STEP_DESCRIPTIONS[name];
      return `${i + 1}. **${name}**${only}${what ? `: ${what}` : ''}`;
    }),
    '',
  ];
}

export function imagesSection(images: readonly DocumentedImage[]): string[] {
  return ['## Docker images', '', ...images.flatMap(({ image }) => imageLayers(image))];
}

export function manualTriggerSection(platform: PlatformSettings, images: readonly DocumentedImage[]): string[] {
  const ref = platform.tagPolicy.latestBranch;
  const commands = images.flatMap(({ image }) => {
    const run = `gh workflow run ${shellWord(image.workflowName)} --ref ${shellWord(ref)}`;
    return [[run, 'tag: latest'], [`${run} -f tag=v2.0.0`, 'tag: v2.0.0']];
  });
  const width = Math.max(0, ...commands.map(([c]) => c.length));
  return [
    '## Manual trigger',
    '',
    ...fenced('bash', commands.map(([c, comment]) => `${c.padEnd(width)}  # ${comment}`)),
    '',
  ];
}

function suiteLine(options: PullRequestBuildOptions): string {
  const where = options.container ? ` in a ${code(options.container.image)} container${options.container.options ? ` (${code(options.container.options)})` : ''}` : '';
  const commands = [options.installCommand, 'npx projen', options.testCommand ?? 'npx projen test'].filter((c): c is string => !!c);
  return `- **build** runs the project's own checks${where}: ${commands.map(code).join(', then ')}`;
}

export function pullRequestSection(checks: PullRequestChecks): string[] {
  return [
    '## Pull requests',
    '',
    `The ${code(checks.buildWorkflowName)} workflow runs on every pull request. It never pushes to the branch; instead:`,
    '',
    ...(checks.buildOptions ? [suiteLine(checks.buildOptions)] : []),
    `- **${checks.driftStepName}** fails when files differ from what \`.projenrc.ts\` generates: run \`npx projen\` and commit the result`,
    `- **${checks.summaryJobName}** lists in its job summary the images whose path filters match the changed files: what merging will rebuild`,
    '',
  ];
}

function imageLayers(image: ContainerImage): string[] {
  const [python, flag, imports] = image.smokeTestCommand;
  const list = (values: readonly string[]) => values.join(', ');
  // In the generated Dockerfile's order, least volatile first.
  const rows: Array<[string, string]> = [
    ['Base', code(image.baseImageReference)],
    ['System packages', list(image.systemPackages)],
    ['Heavy Python packages (own layer)', list(image.heavyPythonPackages.map((p) => p.requirement))],
    ['Python packages', list(image.pythonPackages.map((p) => p.requirement))],
    ['Tools', list(image.tools.map((t) => `${t.title} ${t.version}`))],
    ['Environment', list(Object.entries(image.env).map(([k, v]) => code(`${k}=${v}`)))],
    ['Working directory', code(image.workdir)],
    ['Scripts', list(image.scripts.map((s) => `${code(`${s.source}/`)} → ${code(`${s.destination.replace(/\/$/, '')}/`)}`))],
    ['Smoke test', code(`${python} ${flag} "${imports}"`)],
  ];
  const dockerfile = `[${code(image.dockerfile)}](${relative(image.dockerfile)})`;
  return [
    `### ${image.repository}`,
    '',
    `${image.pipeline.title} ${image.kind.name} image for ${code(image.targetPlatform.value)}, built by [${code(image.workflowFileName)}](${image.workflowFileName}) from ${dockerfile}`
      + (image.dockerfileGenerated ? ', generated from this declaration.' : `, hand-written; its build arguments are in ${code(image.buildArgsFile)}.`),
    '',
    ...table(['Layer', 'Contents'], rows.filter(([, contents]) => contents !== '')),
    '',
  ];
}

function imageJob(workflow: ImageBuildWorkflow): github.workflows.Job {
  const job = workflow.getJob(IMAGE_JOB_ID);
  if (!('steps' in job)) {
    throw new Error(`workflow '${workflow.name}' has no '${IMAGE_JOB_ID}' job with steps`);
  }
  return job;
}

/** Step names of several jobs in one order, each job's own order kept. */
function mergeInOrder(lists: readonly (readonly string[])[]): string[] {
  const merged: string[] = [];
  for (const list of lists) {
    let at = 0;
    for (const name of list) {
      const found = merged.indexOf(name);
      if (found >= 0) {
        at = found + 1;
      } else {
        merged.splice(at, 0, name);
        at += 1;
      }
    }
  }
  return merged;
}

/** A link from `.github/workflows/` to another file of the repository. */
function relative(path: string): string {
  return posix.relative(WORKFLOWS_DIR, path);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** A word for the reader's shell: bare or in double quotes when nothing in it is special there. */
function shellWord(value: string): string {
  if (/^[A-Za-z0-9._/-]+$/.test(value)) {
    return value;
  }
  return /^[A-Za-z0-9 ._:,()+@/-]+$/.test(value) ? `"${value}"` : quote(value);
}
