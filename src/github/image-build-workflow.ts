import * as github from 'projen/lib/github';
import { actionRef } from './actions';
import { renderReleaseTagScript } from './release-tag-script';
import { renderInputsScript, renderOriginSummaryScript, renderReuseScript } from './reuse-steps';
import { ECR_MAX_ATTEMPTS, renderSizeScript } from './size-script';
import { renderCiTagScript, renderFreeDiskScript } from './step-scripts';
import { roleSessionName } from '../declaration/oidc-role';
import { BUILD_CACHE_TAG, LATEST_TAG, SMOKE_TEST_CACHE_TAG } from '../declaration/tagging';
import { PROVENANCE_ARGS, ProvenanceKey } from '../docker/build-args';
import { SMOKE_TEST_STAGE } from '../docker/smoke-test-stage';
import type { ContainerImage } from '../platform/container-image';
import { fingerprintArguments } from '../shell/fingerprint';

const { JobPermission } = github.workflows;

/** The id of the image job in every image workflow. */
export const IMAGE_JOB_ID = 'build-test-push';

/**
 * Where the workflow reads each provenance value; the local tasks compute the
 * same from the checkout (see `docker/image-tasks.sh`).
 */
const CI_PROVENANCE: Record<ProvenanceKey, string> = {
  source: '${{ github.server_url }}/${{ github.repository }}',
  revision: '${{ github.sha }}',
  version: '${{ steps.tag.outputs.tag }}',
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
 * tag), a dispatch with the dispatches asking for the same tag. A push and a
 * dispatch never share a group, and neither do a branch and a git tag.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/control-the-concurrency-of-workflows-and-jobs
 */
export const CONCURRENCY_GROUP = '${{ github.workflow }}-${{ github.event_name == \'workflow_dispatch\''
  + ` && format('dispatch-{0}', inputs.tag || '${LATEST_TAG}') || format('push-{0}', github.ref) }}`;

/** The step that promotes an image of the same inputs instead of building. */
export const REUSE_STEP = 'Reuse an image of the same inputs';

/** The step that builds the Dockerfile's smoke-test stage before the image. */
export const SMOKE_TEST_STEP = 'Smoke-test the Python layers';

/** The condition of the steps that build: no earlier image of the same inputs was promoted. */
const BUILDING = 'steps.reuse.outputs.promoted != \'true\'';

/**
 * Why the smoke test before the build tests the image that is pushed, written
 * into the workflow above its step.
 */
export const SMOKE_TEST_COMMENT = [
  'The smoke-test stage is built on the Dockerfile\'s python stage, the stage the image',
  'itself starts from: same instructions, same build arguments, same cache, so the layers',
  'it imports every Python dependency in are the ones the next step pushes. Its result is',
  'cached under buildcache-smoke-test, so it runs again only when those layers change.',
];

/**
 * The workflow that builds, smoke-tests and pushes one image to ECR,
 * authenticated by OIDC, or promotes the image an earlier run built from the
 * same inputs (the inputs fingerprint: Dockerfile, build arguments, platform,
 * copied folders), so no image is built twice.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions
 */
export class ImageBuildWorkflow extends github.GithubWorkflow {
  /** Comment lines written above a step of the workflow file, by step name. */
  public readonly stepComments: ReadonlyMap<string, readonly string[]> = new Map([[SMOKE_TEST_STEP, SMOKE_TEST_COMMENT]]);

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
          tag: { description: 'Image tag to push (default: latest)', required: false, type: 'string' },
          rebuild: {
            description: 'Build even if an image of the same inputs exists (to refresh unpinned packages or the base image)',
            required: false,
            type: 'boolean',
            default: false as unknown as string, // projen types every default as a string; GitHub's parser requires a boolean here
          },
        },
      },
    });
    this.addJob(IMAGE_JOB_ID, {
      name: `Build, test and push ${image.repository}`,
      runsOn: image.runsOn,
      timeoutMinutes: image.timeoutMinutes,
      permissions: { idToken: JobPermission.WRITE, contents: JobPermission.READ },
      defaults: { run: { shell: 'bash' } },
      env: { IMAGE_REPOSITORY: image.repositoryUri },
      steps: this.steps(gh),
    });
  }

  private steps(gh: github.GitHub): github.workflows.JobStep[] {
    const image = this.image;
    const { registry, role } = image.platform;
    const tag = '${{ steps.tag.outputs.tag }}';
    const inputsTag = '${{ steps.inputs.outputs.tag }}';
    const digest = '${{ steps.reuse.outputs.digest || steps.build.outputs.digest }}';
    const cacheRef = (cacheTag: string) => `type=registry,ref=${image.repositoryUri}:${cacheTag}`;
    // ECR rejects a cache manifest unless it is an OCI image manifest.
    const cacheTo = (cacheTag: string) => `${cacheRef(cacheTag)},mode=max,image-manifest=true,oci-mediatypes=true`;
    const fixedArgs = image.buildArgs.map((a) => `${a.name}=${a.value}`);
    const ecr = { ECR_REGISTRY_ID: registry.account, ECR_REGION: registry.region, ECR_REPOSITORY: image.repository };
    return [
      { name: 'Checkout', uses: actionRef(gh, 'checkout'), with: { 'persist-credentials': false } },
      {
        name: 'Set image tag',
        id: 'tag',
        // The dispatch input reaches the script only as an environment variable.
        env: { REQUESTED_TAG: '${{ inputs.tag }}' },
        run: renderCiTagScript(image.platform.tagPolicy),
      },
      {
        name: 'Read commit time',
        id: 'commit',
        // The image's `created` label: the commit's time, not the clock's, as the local build does.
        run: 'echo "created=$(git log -1 --format=%cI HEAD)" >> "$GITHUB_OUTPUT"\n',
      },
      {
        name: 'Fingerprint the inputs',
        id: 'inputs',
        env: { IMAGE_PLATFORM: image.targetPlatform.value },
        run: renderInputsScript(fingerprintArguments(image)),
      },
      {
        name: 'Configure AWS credentials (OIDC)',
        uses: actionRef(gh, 'configureAwsCredentials'),
        with: {
          'role-to-assume': role.roleToAssume,
          'role-session-name': roleSessionName(image.imageId),
          'role-duration-seconds': role.sessionDurationSeconds,
          'aws-region': registry.region,
          // The action fails if the role's credentials belong to any other account.
          'allowed-account-ids': registry.account,
        },
      },
      {
        name: 'Login to Amazon ECR',
        id: 'ecr',
        uses: actionRef(gh, 'amazonEcrLogin'),
        with: { registries: registry.account },
      },
      {
        name: REUSE_STEP,
        id: 'reuse',
        env: { IMAGE_TAG: tag, INPUTS_TAG: inputsTag, REBUILD: '${{ inputs.rebuild }}', ECR_REGISTRY: registry.host, ...ecr },
        run: renderReuseScript(),
      },
      {
        name: 'Refuse to move an immutable tag',
        id: 'immutable_tag',
        if: BUILDING,
        env: { IMAGE_TAG: tag, ...ecr },
        run: renderReleaseTagScript(image.platform.tagPolicy),
      },
      ...(image.freeDiskSpace ? [{ name: 'Free disk space', if: `${ON_GITHUB_HOSTED_RUNNER} && ${BUILDING}`, run: renderFreeDiskScript() }] : []),
      {
        name: 'Set up Docker Buildx',
        if: BUILDING,
        uses: actionRef(gh, 'setupBuildx'),
        with: { driver: 'docker-container' },
      },
      {
        name: SMOKE_TEST_STEP,
        id: 'smoke_test',
        if: BUILDING,
        uses: actionRef(gh, 'buildPush'),
        with: {
          'context': '.',
          'file': image.dockerfile,
          'target': SMOKE_TEST_STAGE,
          'platforms': image.targetPlatform.value,
          // The stage needs no provenance: it would only make its cache key change with every commit.
          'build-args': fixedArgs.join('\n'),
          'cache-from': [cacheRef(BUILD_CACHE_TAG), cacheRef(SMOKE_TEST_CACHE_TAG)].join('\n'),
          'cache-to': cacheTo(SMOKE_TEST_CACHE_TAG),
          // A test, not an image: only its result is kept, in the cache.
          'outputs': 'type=cacheonly',
          'provenance': false,
        },
      },
      {
        name: 'Build and push image',
        id: 'build',
        if: BUILDING,
        uses: actionRef(gh, 'buildPush'),
        with: {
          'context': '.',
          'file': image.dockerfile,
          // The declared platform, which the local tasks pass to every engine as well.
          'platforms': image.targetPlatform.value,
          'tags': [`${image.repositoryUri}:${tag}`, `${image.repositoryUri}:${inputsTag}`].join('\n'),
          'build-args': [
            ...fixedArgs,
            ...PROVENANCE_ARGS.map((a) => `${a.name}=${CI_PROVENANCE[a.key]}`),
          ].join('\n'),
          'cache-from': cacheRef(BUILD_CACHE_TAG),
          'cache-to': cacheTo(BUILD_CACHE_TAG),
          // One single-platform image: what is tested, pushed and measured is the image itself.
          'provenance': false,
          // Straight from BuildKit to ECR: the image is never loaded onto the runner.
          'push': true,
        },
      },
      {
        name: 'Check image size',
        env: {
          IMAGE_TAG: tag,
          IMAGE_DIGEST: digest,
          // Asks the declared registry only, whatever account the role's credentials also reach.
          ...ecr,
          AWS_RETRY_MODE: 'standard',
          AWS_MAX_ATTEMPTS: String(ECR_MAX_ATTEMPTS),
          SIZE_THRESHOLD_BYTES: String(image.sizeWarning.bytes),
          SIZE_THRESHOLD: image.sizeWarning.toString(),
        },
        run: renderSizeScript(),
      },
      {
        name: 'Record where the image came from',
        env: {
          IMAGE_TAG: tag,
          IMAGE_DIGEST: digest,
          INPUTS_TAG: inputsTag,
          PROMOTED: '${{ steps.reuse.outputs.promoted }}',
          BUILT_FROM: '${{ steps.reuse.outputs.built_from }}',
          REBUILD: '${{ inputs.rebuild }}',
        },
        run: renderOriginSummaryScript(),
      },
    ];
  }
}
