import * as github from 'projen/lib/github';
import { actionRef } from './actions';
import { IMAGE_STEPS, libraryCall, MULTI_PLATFORM_WORKFLOW_PATH, REUSABLE_WORKFLOW_FILE, REUSABLE_WORKFLOW_PATH } from './image-steps';
import { attestSteps, imageJobPermissions, verifiedReuseSteps } from './provenance-steps';
import { roleSessionName } from '../declaration/oidc-role';
import { BUILD_CACHE_TAG, SMOKE_TEST_CACHE_TAG } from '../declaration/tagging';
import { PROVENANCE_ARGS, ProvenanceKey } from '../docker/build-args';
import { BuildContextIgnore } from '../docker/build-context-ignore';
import { SMOKE_TEST_STAGE } from '../docker/smoke-test-stage';
import type { ContainerImage } from '../platform/container-image';
import type { PlatformSettings } from '../platform/platform-settings';
import { copiedInputs } from '../shell/fingerprint';
import { ECR_MAX_ATTEMPTS } from '../shell/library';

const { JobPermission } = github.workflows;

/** The id of the image job, in the reusable workflow and in every image workflow that calls it. */
export const IMAGE_JOB_ID = 'build-test-push';

/**
 * What the image job needs from the token: `id-token: write` to request the
 * OIDC token, `contents: read` to check out. The calling job grants them; a
 * called workflow can only narrow what its caller grants.
 *
 * @see https://docs.github.com/en/actions/sharing-automations/reusing-workflows#access-and-permissions
 */
export const IMAGE_JOB_PERMISSIONS: github.workflows.JobPermissions = { idToken: JobPermission.WRITE, contents: JobPermission.READ };

/**
 * Where the workflow reads each provenance value; the local tasks compute the
 * same from the checkout (see `docker/image-tasks.sh`).
 */
export const CI_PROVENANCE: Record<ProvenanceKey, string> = {
  source: '${{ github.server_url }}/${{ github.repository }}',
  revision: '${{ github.sha }}',
  created: '${{ steps.commit.outputs.created }}',
};

/**
 * The condition of the steps that change the machine itself: freeing disk
 * space deletes toolchains with `sudo rm -rf` and prunes every Docker image.
 * On GitHub's hosted runners each job gets a fresh VM; on a shared self-hosted
 * runner that would be destructive (and fails without sudo), so it is skipped
 * there.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/accessing-contextual-information-about-workflow-runs#runner-context
 */
export const ON_GITHUB_HOSTED_RUNNER = 'runner.environment == \'github-hosted\'';

/**
 * Runs that would write the same image tag share a concurrency group, and the
 * newest cancels the older, so an older commit never overwrites a newer
 * image: a push groups with the pushes of its ref (a branch, or one git
 * tag), a dispatch with the dispatches on its ref asking for the same tag
 * (tags are bound to refs, and without a tag input the ref decides the tag).
 * A push and a dispatch never share a group, and neither do a branch and a git tag.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/control-the-concurrency-of-workflows-and-jobs
 */
export const CONCURRENCY_GROUP = '${{ github.workflow }}-${{ github.event_name == \'workflow_dispatch\''
  + ' && format(\'dispatch-{0}-{1}\', github.ref, inputs.tag) || format(\'push-{0}\', github.ref) }}';

/** Whether the run is on a git tag ref (a pushed release tag, or a dispatch on one). */
const ON_TAG_REF = 'github.ref_type == \'tag\'';

/** The condition of the steps that build: no earlier image of the same inputs was promoted. */
const BUILDING = 'steps.reuse.outputs.promoted != \'true\'';

/** What each image passes the reusable workflow, by input name. */
export type ImageBuildInputs = Record<string, string | number | boolean>;

/**
 * The inputs of the reusable workflow: everything that differs per image.
 * Platform-wide values (registry, role, tag rules) are written into the
 * reusable workflow or its shell library once.
 */
export const INPUTS: Record<string, github.workflows.WorkflowCallInput & { of: (image: ContainerImage) => string | number | boolean }> = {
  repository: { type: 'string', required: true, description: 'The ECR repository', of: (i) => i.repository },
  image_id: { type: 'string', required: true, description: 'The declared image id, which names the role session', of: (i) => i.imageId },
  dockerfile: { type: 'string', required: true, description: 'The Dockerfile', of: (i) => i.dockerfile },
  build_args_file: { type: 'string', required: true, description: 'The generated build arguments file', of: (i) => i.buildArgsFile },
  platform: { type: 'string', required: true, description: 'The OS/ARCH the image is built for', of: (i) => i.targetPlatform.value },
  copied_paths: {
    type: 'string',
    required: true,
    description: 'What the image copies from the repository besides its Dockerfile, one path a line',
    of: (i) => copiedInputs(i).join('\n'),
  },
  size_threshold_bytes: { type: 'number', required: true, description: 'Compressed size above which the job warns', of: (i) => i.sizeWarning.bytes },
  size_threshold: { type: 'string', required: true, description: 'The same threshold as people read it', of: (i) => i.sizeWarning.toString() },
  free_disk_space: { type: 'boolean', required: true, description: 'Remove unused toolchains before building', of: (i) => i.freeDiskSpace },
  runs_on: { type: 'string', required: true, description: 'Runner labels, as a JSON array', of: (i) => JSON.stringify(i.runsOn) },
  timeout_minutes: { type: 'number', required: true, description: 'Minutes before GitHub cancels the job', of: (i) => i.timeoutMinutes },
  tag: { type: 'string', required: false, description: 'Image tag of a dispatch (default: latest)', of: () => '${{ inputs.tag }}' },
  rebuild: { type: 'boolean', required: false, default: false, description: 'Build even if an image of the same inputs exists', of: () => '${{ inputs.rebuild == true }}' },
};

/** Inputs of the single-platform job that the multi-platform workflow takes per platform instead. */
const PER_PLATFORM_INPUTS = new Set(['platform', 'runs_on']);

/**
 * The inputs of the multi-platform reusable workflow: the same, except that
 * `platforms` lists each platform with the runner labels that build it.
 */
export const MULTI_PLATFORM_INPUTS: typeof INPUTS = {
  ...Object.fromEntries(Object.entries(INPUTS).filter(([name]) => !PER_PLATFORM_INPUTS.has(name))),
  platforms: {
    type: 'string',
    required: true,
    description: 'Each platform, the runner labels that build it natively and its build cache tag, as a JSON array of {platform, runs_on, cache_tag}',
    of: (i) => JSON.stringify(i.platforms.map((p) => ({
      platform: p.value,
      runs_on: i.runnerOf(p),
      // One cache per platform: their layers differ, and one would overwrite the other.
      cache_tag: `${BUILD_CACHE_TAG}-${p.value.replace(/\//g, '-')}`,
    }))),
  },
};

/** What an image workflow passes to the reusable workflow for an image: its `with:`. */
export function imageBuildInputs(image: ContainerImage): ImageBuildInputs {
  const inputs = image.multiPlatform ? MULTI_PLATFORM_INPUTS : INPUTS;
  return Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.of(image)]));
}

/**
 * The one reusable workflow (`on: workflow_call`) that builds, smoke-tests and
 * pushes an image to ECR, authenticated by OIDC, or promotes the image an
 * earlier run built from the same inputs, so no image is built twice. Every
 * image workflow calls it with the image's inputs; its `run:` steps call
 * functions of the shell library in `image-build/`.
 *
 * @see https://docs.github.com/en/actions/sharing-automations/reusing-workflows
 */
export class ImageBuildWorkflow extends github.GithubWorkflow {
  constructor(gh: github.GitHub, public readonly platform: PlatformSettings) {
    super(gh, 'Build, test and push an image (reusable)', { fileName: REUSABLE_WORKFLOW_FILE });
    onWorkflowCall(this, INPUTS, platform.role.secretName);
    this.addJob(IMAGE_JOB_ID, {
      name: 'Build, test and push ${{ inputs.repository }}',
      runsOn: ['${{ fromJSON(inputs.runs_on) }}'],
      permissions: imageJobPermissions(IMAGE_JOB_PERMISSIONS, platform.registry, true),
      defaults: { run: { shell: 'bash' } },
      env: { IMAGE_REPOSITORY: `${platform.registry.host}/\${{ inputs.repository }}` },
      steps: this.steps(gh),
    });
    // The job's timeout is an input: a job that calls a reusable workflow cannot set one.
    this.file?.addOverride(`jobs.${IMAGE_JOB_ID}.timeout-minutes`, '${{ inputs.timeout_minutes }}');
  }

  /** Comment lines written above a step of the workflow file, by step name. */
  public get stepComments(): ReadonlyMap<string, readonly string[]> {
    return new Map(Object.values(IMAGE_STEPS).flatMap((s) => ('comment' in s ? [[s.name, s.comment] as const] : [])));
  }

  private steps(gh: github.GitHub): github.workflows.JobStep[] {
    const { registry } = this.platform;
    const s = IMAGE_STEPS;
    const tag = '${{ steps.tag.outputs.tag }}';
    const inputsTag = '${{ steps.inputs.outputs.tag }}';
    const digest = '${{ steps.reuse.outputs.digest || steps.build.outputs.digest }}';
    const repositoryUri = '${{ env.IMAGE_REPOSITORY }}';
    const cacheRef = (cacheTag: string) => `type=registry,ref=${repositoryUri}:${cacheTag}`;
    // ECR rejects a cache manifest unless it is an OCI image manifest.
    const cacheTo = (cacheTag: string) => `${cacheRef(cacheTag)},mode=max,image-manifest=true,oci-mediatypes=true`;
    // What shapes the image comes from the fingerprint step's outputs, the document it hashed,
    // never from a second copy: nothing else can be built under its inputs tag.
    const fingerprinted = {
      file: '${{ steps.inputs.outputs.dockerfile }}',
      platforms: '${{ steps.inputs.outputs.platform }}',
    };
    const buildArgs = '${{ steps.inputs.outputs.build_args }}';
    const refresh = REFRESH_ON_REBUILD;
    const ecr = { ECR_REGISTRY_ID: registry.account, ECR_REGION: registry.region, ECR_REPOSITORY: '${{ inputs.repository }}' };
    const rebuild = '${{ inputs.rebuild }}';
    return [
      checkoutStep(gh, registry.provenance),
      // The dispatch input reaches the library only as an environment variable.
      { ...named(s.tag), env: { REQUESTED_TAG: '${{ inputs.tag }}' }, run: libraryCall('tags.sh', 'tag_step') },
      { ...named(s.releaseOnMain), env: { IMAGE_TAG: tag }, run: libraryCall('tags.sh', 'release_on_main_step') },
      // The image's `created` label: the commit's time, not the clock's, as the local build does.
      { ...named(s.commit), run: libraryCall('tags.sh', 'commit_time_step') },
      {
        ...named(s.inputs),
        env: { IMAGE_PLATFORM: '${{ inputs.platform }}', ...FINGERPRINT_ENV },
        run: libraryCall('fingerprint.sh', 'inputs_step'),
      },
      ...awsLoginSteps(gh, this.platform),
      ...verifiedReuseSteps(registry, {
        ...named(s.reuse),
        env: { IMAGE_TAG: tag, INPUTS_TAG: inputsTag, REBUILD: rebuild, ECR_REGISTRY: registry.host, ...ecr },
        run: libraryCall('ecr.sh', 'reuse_step'),
      }, REUSABLE_WORKFLOW_PATH),
      { ...named(s.immutableTag), if: BUILDING, env: { IMAGE_TAG: tag, ...ecr }, run: libraryCall('ecr.sh', 'immutable_tag_step') },
      {
        ...named(s.freeDisk),
        if: `inputs.free_disk_space && ${ON_GITHUB_HOSTED_RUNNER} && ${BUILDING}`,
        run: libraryCall('runner.sh', 'free_disk_step'),
      },
      { ...named(s.buildx), if: BUILDING, uses: actionRef(gh, 'setupBuildx'), with: { driver: 'docker-container' } },
      {
        ...named(s.smokeTest),
        if: BUILDING,
        uses: actionRef(gh, 'buildPush'),
        with: {
          'context': '.',
          ...fingerprinted,
          'target': SMOKE_TEST_STAGE,
          // The stage needs no provenance: it would only make its cache key change with every commit.
          'build-args': buildArgs,
          'cache-from': [cacheRef(BUILD_CACHE_TAG), cacheRef(SMOKE_TEST_CACHE_TAG)].join('\n'),
          'cache-to': cacheTo(SMOKE_TEST_CACHE_TAG),
          ...refresh,
          // A test, not an image: only its result is kept, in the cache.
          'outputs': 'type=cacheonly',
          'provenance': false,
        },
      },
      {
        ...named(s.build),
        if: BUILDING,
        uses: actionRef(gh, 'buildPush'),
        with: {
          'context': '.',
          // The declared platform, which the local tasks pass to every engine as well.
          ...fingerprinted,
          'tags': [`${repositoryUri}:${tag}`, `${repositoryUri}:${inputsTag}`].join('\n'),
          'build-args': [buildArgs, ...PROVENANCE_ARGS.map((a) => `${a.name}=${CI_PROVENANCE[a.key]}`)].join('\n'),
          'cache-from': cacheRef(BUILD_CACHE_TAG),
          'cache-to': cacheTo(BUILD_CACHE_TAG),
          ...refresh,
          // One single-platform image: what is tested, pushed and measured is the image itself.
          'provenance': false,
          // Straight from BuildKit to ECR: the image is never loaded onto the runner.
          'push': true,
        },
      },
      ...attestSteps(gh, registry, `\${{ steps.${s.build.id}.outputs.digest }}`, BUILDING),
      {
        ...named(s.size),
        env: {
          IMAGE_TAG: tag,
          IMAGE_DIGEST: digest,
          // Asks the declared registry only, whatever account the role's credentials also reach.
          ...ecr,
          AWS_RETRY_MODE: 'standard',
          AWS_MAX_ATTEMPTS: String(ECR_MAX_ATTEMPTS),
          SIZE_THRESHOLD_BYTES: '${{ inputs.size_threshold_bytes }}',
          SIZE_THRESHOLD: '${{ inputs.size_threshold }}',
        },
        run: libraryCall('size.sh', 'size_step'),
      },
      {
        ...named(s.origin),
        env: {
          IMAGE_TAG: tag,
          IMAGE_DIGEST: digest,
          INPUTS_TAG: inputsTag,
          PROMOTED: '${{ steps.reuse.outputs.promoted }}',
          BUILT_FROM: '${{ steps.reuse.outputs.built_from }}',
          REBUILD: rebuild,
        },
        run: libraryCall('summary.sh', 'origin_summary_step'),
      },
    ];
  }
}

/**
 * Declares a reusable workflow's trigger: `workflow_call` with these typed
 * inputs and the role's secret, by name.
 *
 * @see https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onworkflow_call
 */
export function onWorkflowCall(workflow: github.GithubWorkflow, inputs: typeof INPUTS, secret?: string): void {
  workflow.on({
    workflowCall: {
      inputs: Object.fromEntries(Object.entries(inputs).map(([name, { of: _of, ...input }]) => [name, input])),
    },
  });
  if (secret) {
    // As declared: projen would write the name in lower case, which GitHub reads alike but a reader does not.
    workflow.file?.addOverride(`on.workflow_call.secrets.${secret}`, { description: 'The ARN of the IAM role the job assumes by OIDC', required: true });
  }
}

/**
 * The checkout of every image job. A git tag ref's release check needs the
 * latest branch's history, fetched here while the checkout holds the token
 * (no later step has one); commits and trees only, no old files. A job that
 * verifies provenance before a promotion needs that history on every ref.
 * @param fullHistory whether the job verifies provenance
 */
export function checkoutStep(gh: github.GitHub, fullHistory = false): github.workflows.JobStep {
  return {
    ...named(IMAGE_STEPS.checkout),
    uses: actionRef(gh, 'checkout'),
    with: {
      'persist-credentials': false,
      'fetch-depth': fullHistory ? 0 : `\${{ ${ON_TAG_REF} && '0' || '1' }}`,
      'filter': fullHistory ? 'blob:none' : `\${{ ${ON_TAG_REF} && 'blob:none' || '' }}`,
    },
  };
}

/**
 * What the fingerprint step reads besides the platform: the paths in
 * `fingerprintArguments`' order, as the local tasks pass them.
 */
export const FINGERPRINT_ENV = {
  IMAGE_DOCKERFILE: '${{ inputs.dockerfile }}',
  IMAGE_BUILD_ARGS_FILE: '${{ inputs.build_args_file }}',
  IMAGE_COPIED: '${{ inputs.copied_paths }}',
  CONTEXT_IGNORE: BuildContextIgnore.PATH,
} as const;

/** OIDC credentials for the declared role, then the ECR login: the steps before any registry call. */
export function awsLoginSteps(gh: github.GitHub, platform: PlatformSettings): github.workflows.JobStep[] {
  const { registry, role } = platform;
  return [
    {
      ...named(IMAGE_STEPS.credentials),
      uses: actionRef(gh, 'configureAwsCredentials'),
      with: {
        'role-to-assume': role.roleToAssume,
        'role-session-name': roleSessionName('${{ inputs.image_id }}'),
        'role-duration-seconds': role.sessionDurationSeconds,
        'aws-region': registry.region,
        // The action fails if the role's credentials belong to any other account.
        'allowed-account-ids': registry.account,
      },
    },
    { ...named(IMAGE_STEPS.login), uses: actionRef(gh, 'amazonEcrLogin'), with: { registries: registry.account } },
  ];
}

/**
 * What the build steps of a rebuild refresh, which the inputs do not pin: no
 * layer from the cache (apt-get and pip run again) and the base image pulled
 * again. Its result still refreshes the cache.
 */
export const REFRESH_ON_REBUILD = { 'no-cache': '${{ inputs.rebuild }}', 'pull': '${{ inputs.rebuild }}' } as const;

/** A step's id and name from the step table. */
export function named(step: { readonly id: string; readonly name: string }): { id: string; name: string } {
  return { id: step.id, name: step.name };
}

/**
 * An image's workflow: its name (which `gh workflow run` takes), triggers with
 * path filters, concurrency and dispatch inputs, and one job that calls the
 * reusable {@link ImageBuildWorkflow} with the image's inputs.
 *
 * @see https://docs.github.com/en/actions/sharing-automations/reusing-workflows#calling-a-reusable-workflow
 */
export class ImageWorkflow extends github.GithubWorkflow {
  constructor(gh: github.GitHub, public readonly image: ContainerImage) {
    super(gh, image.workflowName, {
      fileName: image.workflowFileName,
      limitConcurrency: true,
      concurrencyOptions: { group: CONCURRENCY_GROUP, cancelInProgress: true },
    });
    const policy = image.platform.tagPolicy;
    this.on({
      push: {
        branches: [policy.latestBranch, ...policy.snapshotBranches],
        // GitHub does not evaluate path filters for tag pushes: every release tag builds.
        tags: [policy.releaseTagPattern],
        paths: [...image.pathFilters],
      },
      workflowDispatch: {
        inputs: {
          tag: { description: 'Image tag to push (default: latest)', type: 'string' },
          rebuild: {
            description: 'Build even if an image of the same inputs exists (to refresh unpinned packages or the base image)',
            type: 'boolean',
          },
        },
      },
    });
    // GitHub's parser takes a boolean input's default only as a boolean; projen's type has strings only.
    this.file?.addOverride('on.workflow_dispatch.inputs.rebuild.default', false);
    const secret = image.platform.role.secretName;
    this.addJob(IMAGE_JOB_ID, {
      name: `Build, test and push ${image.repository}`,
      // What the called jobs need, which can only narrow it.
      permissions: imageJobPermissions(IMAGE_JOB_PERMISSIONS, image.platform.registry, true),
      uses: `./${image.multiPlatform ? MULTI_PLATFORM_WORKFLOW_PATH : REUSABLE_WORKFLOW_PATH}`,
      with: imageBuildInputs(image),
      // By name: the called workflow sees this one secret, never all of them (`inherit`).
      ...(secret ? { secrets: { [secret]: `\${{ secrets.${secret} }}` } } : {}),
    });
  }
}
