import { posix } from 'node:path';
import { IMAGE_JOB_PERMISSIONS, ImageWorkflow, MULTI_PLATFORM_INPUTS } from './image-build-workflow';
import { IMAGE_STEPS, ImageStep, MULTI_PLATFORM_WORKFLOW_FILE, REUSABLE_WORKFLOW_FILE } from './image-steps';
import { code, fenced, table } from './markdown';
import { MULTI_PLATFORM_JOBS, MultiPlatformBuildWorkflow } from './multi-platform-build-workflow';
import type { PullRequestBuildOptions, PullRequestChecks } from './pull-request-checks';
import { PUSH_POLICY_PATH, TRUST_POLICY_PATH } from '../aws/aws-setup';
import { AWS_DIR } from '../aws/ecr-manifest';
import { GITHUB_OIDC_HOST, renderPushPolicy, renderTrustPolicy, STS_AUDIENCE } from '../aws/iam-policies';
import { INPUTS_TAG_PREFIX, LATEST_TAG, snapshotTagPrefix, TagPolicy } from '../declaration/tagging';
import type { ContainerImage } from '../platform/container-image';
import type { PlatformSettings } from '../platform/platform-settings';
import { LIBRARY_DIR } from '../shell/library';
import { quote } from '../shell/quote';

const WORKFLOWS_DIR = '.github/workflows';

/** An image with the workflow generated for it. */
export interface DocumentedImage {
  readonly image: ContainerImage;
  readonly workflow: ImageWorkflow;
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
    'Each tag is bound to the ref that may publish it. The tag step (and, for a release, the step after it) refuses every other',
    'combination with one line naming the tag, the ref and the fix, before the job asks for AWS credentials.',
    '',
    ...tagTable(policy),
    '',
    `In ECR every tag is immutable except ${platform.tagImmutability.imageTagMutabilityExclusionFilters.map((f) => code(f.filter)).join(', ')}, which later runs move`
      + ' (`npx projen ecr:ensure` sets this): a release tag always names the image first pushed with it, and a run that would push it again fails before building.',
    '',
    ...trustBoundary(policy),
  ];
}

/** The tag rules of `image-build/tags.sh`, trigger by trigger; the tests run the tag step for every row. */
function tagTable(policy: TagPolicy): string[] {
  const latest = code(policy.latestBranch);
  const release = code(policy.releaseTagPattern);
  const snapshotGlobs = policy.snapshotBranches.map((b) => code(`${snapshotTagPrefix(b)}*`));
  return table(['Trigger', 'Image tag', 'Refused'], [
    [`Push to ${latest}`, code(LATEST_TAG), '-'],
    [`Manual on ${latest}`, `the \`tag\` input, or ${code(LATEST_TAG)} without one`,
      snapshotGlobs.length ? `a tag of a snapshot branch (${snapshotGlobs.join(', ')})` : '-'],
    ...policy.snapshotBranches.flatMap((b) => {
      const prefix = snapshotTagPrefix(b);
      return [
        [`Push to ${code(b)}`, code(`${prefix}<short-sha>`), '-'],
        [`Manual on ${code(b)}`, `the \`tag\` input if it starts with ${code(prefix)}, or ${code(`${prefix}<short-sha>`)} without one`,
          `${code(LATEST_TAG)}, a release tag (${release}), any other tag`],
      ];
    }),
    [`Git tag matching ${release} (pushed, or a manual run on it)`, 'the git tag itself',
      `a commit outside the history of ${latest}; a \`tag\` input other than the git tag`],
    ['Any other branch or git tag', '-', 'every run'],
  ]);
}

/** Who can make the one role publish which tags, and the repository settings that narrow it. */
function trustBoundary(policy: TagPolicy): string[] {
  const latest = code(policy.latestBranch);
  const branches = [policy.latestBranch, ...policy.snapshotBranches].map(code).join(' and ');
  const release = code(policy.releaseTagPattern);
  return [
    '### Who can publish what',
    '',
    'One role pushes every image, and its trust policy admits runs on the refs of the tagging strategy. So:',
    '',
    ...table(['Tags', 'Published by', 'Who can start that run'], [
      [code(LATEST_TAG), `a push to ${latest}, or a manual run on it`, `anyone who can push to ${latest}; anyone with write access, by hand`],
      ...policy.snapshotBranches.map((b) => [code(`${snapshotTagPrefix(b)}*`), `a push to ${code(b)}, or a manual run on it`,
        `anyone who can push to ${code(b)}; anyone with write access, by hand`]),
      [release, `a git tag ${release} on a commit of ${latest}'s history (any commit of it, old ones too), or a manual run on ${latest}`,
        'anyone who can push a git tag; anyone with write access, by hand'],
      ['any other tag', `a manual run on ${latest}`, 'anyone with write access'],
    ]),
    '',
    `A manual run executes the workflow and code of the ref it runs on, so one on ${latest} publishes reviewed code, but`,
    'whoever starts it chooses the tag. Repository settings narrow each row:',
    '',
    `- **Branch protection** (or a branch ruleset) on ${branches}: require a pull request with an approving review and block`,
    '  force pushes, so what these branches hold, and so every image built from them, was reviewed.',
    '  See [About protected branches](https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches).',
    `- **A tag ruleset** on ${code(`refs/tags/${policy.releaseTagPattern}`)}: restrict creations, updates and deletions to the people who`,
    '  release (the bypass list), so nobody else can publish a release by pushing a tag.',
    '  See [About rulesets](https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/about-rulesets)',
    '  and [Available rules for rulesets](https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-rulesets/available-rules-for-rulesets).',
    '- **Write access** itself: manual runs need it, so give it only to people trusted to choose a tag',
    '  ([Manually running a workflow](https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/manually-running-a-workflow)).',
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
      ['Manual dispatch', code('<workflow name>-dispatch-<ref>-<tag input>'), 'a dispatch on the same ref asking for the same tag (or for none)'],
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
  const permissions = IMAGE_JOB_PERMISSIONS;
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

/** Which images run a step, where not every image does. */
const STEP_RUNNERS = new Map<ImageStep, (image: ContainerImage) => boolean>([
  [IMAGE_STEPS.freeDisk, (image) => image.freeDiskSpace],
]);

export function buildStepsSection(images: readonly DocumentedImage[]): string[] {
  // An image of several platforms calls the multi-platform workflow instead (see its own section).
  const some = images.some(({ image }) => image.multiPlatform) ? ' of one platform' : '';
  images = images.filter(({ image }) => !image.multiPlatform);
  if (images.length === 0) {
    return [];
  }
  return [
    '## Build steps',
    '',
    `Every image workflow${some} calls the reusable workflow [${code(REUSABLE_WORKFLOW_FILE)}](${REUSABLE_WORKFLOW_FILE}), whose job runs these steps,`,
    `in this order; each \`run:\` step calls a function of the shell library in [${code(`${LIBRARY_DIR}/`)}](../../${LIBRARY_DIR}/):`,
    '',
    ...Object.values(IMAGE_STEPS).map((step: ImageStep, i) => {
      const runs = STEP_RUNNERS.get(step);
      const runners = images.filter(({ image }) => runs?.(image) ?? true);
      const only = runners.length === 0 ? ' (none of these images)'
        : runners.length < images.length ? ` (only ${runners.map(({ image }) => code(image.repository)).join(', ')})` : '';
      return `${i + 1}. **${step.name}**${only}: ${step.description}`;
    }),
    '',
  ];
}

/** What each job of the multi-platform workflow is for, in the order they run. */
const MULTI_PLATFORM_JOB_PURPOSES: Record<keyof typeof MULTI_PLATFORM_JOBS, string> = {
  index: 'on the first platform\'s runner: fingerprints every platform and the index (from the platforms\' fingerprints), and when ECR has'
    + ' the index\'s inputs tag, promotes that index with its digest unchanged, once every platform\'s image it lists is in the repository'
    + ' with a revision label of a commit CI built; then nothing else runs',
  platform: 'one job per platform (a matrix), each on a runner of that platform\'s architecture, no emulation: builds and pushes the'
    + ' platform\'s image under its own inputs tag only, unless ECR has that tag already (a platform whose inputs did not change is not rebuilt)',
  merge: 'on the first platform\'s runner: writes an OCI image index of the platforms\' images under the index\'s inputs tag and the wanted'
    + ' tag, then checks each platform\'s compressed size',
};

/** The jobs of the multi-platform workflow and each platform's runner, when an image declares several platforms. */
export function multiPlatformSection(images: readonly DocumentedImage[], workflow: MultiPlatformBuildWorkflow | undefined): string[] {
  const multi = images.filter(({ image }) => image.multiPlatform);
  if (multi.length === 0 || !workflow) {
    return [];
  }
  const link = `[${code(MULTI_PLATFORM_WORKFLOW_FILE)}](${MULTI_PLATFORM_WORKFLOW_FILE})`;
  const stepsOf = (id: string) => {
    const job = workflow.getJob(id);
    return 'steps' in job ? job.steps.map((step) => step.name).filter((name): name is string => !!name) : [];
  };
  return [
    '## Images for several platforms',
    '',
    `${multi.map(({ image }) => code(image.repository)).join(', ')} ${multi.length > 1 ? 'are' : 'is'} built for several platforms: ${multi.length > 1 ? 'their workflows call' : 'its workflow calls'}`
      + ` the reusable workflow ${link} instead, whose jobs run in this order:`,
    '',
    ...Object.entries(MULTI_PLATFORM_JOBS).map(([key, id], i) =>
      `${i + 1}. **${id}**, ${MULTI_PLATFORM_JOB_PURPOSES[key as keyof typeof MULTI_PLATFORM_JOBS]}. Steps: ${stepsOf(id).join('; ')}.`),
    '',
    'Each platform is built on these runners, with a build cache of its own:',
    '',
    // What the image's workflow passes to the multi-platform workflow, so the table cannot disagree with it.
    ...table(['Image', 'Platform', 'Runner labels', 'Build cache tag'], multi.flatMap(({ image }) =>
      (JSON.parse(String(MULTI_PLATFORM_INPUTS.platforms.of(image))) as Array<{ platform: string; runs_on: string[]; cache_tag: string }>)
        .map((p) => [code(image.repository), code(p.platform), p.runs_on.map(code).join(', '), code(p.cache_tag)]))),
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
    `${image.pipeline.title} ${image.kind.name} image for ${image.platforms.map((target) => code(target.value)).join(' and ')}, built by [${code(image.workflowFileName)}](${image.workflowFileName}) from ${dockerfile}`
      + (image.dockerfileGenerated ? ', generated from this declaration.' : `, hand-written; its build arguments are in ${code(image.buildArgsFile)}.`),
    '',
    ...table(['Layer', 'Contents'], rows.filter(([, contents]) => contents !== '')),
    '',
  ];
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
