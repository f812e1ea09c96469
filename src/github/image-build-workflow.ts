import * as github from 'projen/lib/github';
import { actionRef } from './actions';
import { renderReleaseTagScript } from './release-tag-script';
import { ECR_MAX_ATTEMPTS, renderSizeScript } from './size-script';
import {
  renderCiTagScript, renderContainerdStoreScript, renderFreeDiskScript, renderPushScript, renderSmokeTestScript,
} from './step-scripts';
import { roleSessionName } from '../declaration/oidc-role';
import { BUILD_CACHE_TAG, LATEST_TAG } from '../declaration/tagging';
import { PROVENANCE_ARGS, ProvenanceKey } from '../docker/build-args';
import type { ContainerImage } from '../platform/container-image';

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
 * space deletes toolchains with `sudo rm -rf` and prunes every Docker image,
 * and the containerd step rewrites `/etc/docker/daemon.json` and restarts
 * Docker. On GitHub's hosted runners each job gets a fresh VM; on a shared
 * self-hosted runner that would be destructive (and fails without sudo or
 * systemd), so they are skipped there.
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

/**
 * The workflow that builds, smoke-tests and pushes one image to ECR,
 * authenticated by OIDC.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions
 */
export class ImageBuildWorkflow extends github.GithubWorkflow {
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
    const tagEnv = { IMAGE_TAG: '${{ steps.tag.outputs.tag }}' };
    const cacheRef = `type=registry,ref=${image.repositoryUri}:${BUILD_CACHE_TAG}`;
    return [
      ...(image.freeDiskSpace ? [{ name: 'Free disk space', if: ON_GITHUB_HOSTED_RUNNER, run: renderFreeDiskScript() }] : []),
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
        name: 'Refuse to move an immutable tag',
        id: 'immutable_tag',
        env: { ...tagEnv, ECR_REPOSITORY: image.repository, ECR_REGISTRY_ID: registry.account, ECR_REGION: registry.region },
        run: renderReleaseTagScript(image.platform.tagPolicy),
      },
      { name: 'Use the containerd image store', if: ON_GITHUB_HOSTED_RUNNER, run: renderContainerdStoreScript() },
      {
        name: 'Build image',
        uses: actionRef(gh, 'buildPush'),
        with: {
          'context': '.',
          'file': image.dockerfile,
          // The declared platform, which the local tasks pass to every engine as well.
          'platforms': image.targetPlatform.value,
          'tags': `${image.repositoryUri}:\${{ steps.tag.outputs.tag }}`,
          'build-args': [
            ...image.buildArgs.map((a) => `${a.name}=${a.value}`),
            ...PROVENANCE_ARGS.map((a) => `${a.name}=${CI_PROVENANCE[a.key]}`),
          ].join('\n'),
          'cache-from': cacheRef,
          // ECR rejects the cache manifest unless it is an OCI image manifest.
          'cache-to': `${cacheRef},mode=max,image-manifest=true,oci-mediatypes=true`,
          // One single-platform image: what is tested, pushed and measured is the image itself.
          'provenance': false,
          'push': false,
        },
      },
      { name: 'Test image', env: tagEnv, run: renderSmokeTestScript(image.smokeTestCommand) },
      { name: 'Push image', id: 'push', env: tagEnv, run: renderPushScript() },
      {
        name: 'Check image size',
        env: {
          ...tagEnv,
          IMAGE_DIGEST: '${{ steps.push.outputs.digest }}',
          // Asks the declared registry only, whatever account the role's credentials also reach.
          ECR_REGISTRY_ID: registry.account,
          ECR_REGION: registry.region,
          ECR_REPOSITORY: image.repository,
          AWS_RETRY_MODE: 'standard',
          AWS_MAX_ATTEMPTS: String(ECR_MAX_ATTEMPTS),
          SIZE_THRESHOLD_BYTES: String(image.sizeWarning.bytes),
          SIZE_THRESHOLD: image.sizeWarning.toString(),
        },
        run: renderSizeScript(),
      },
    ];
  }
}
