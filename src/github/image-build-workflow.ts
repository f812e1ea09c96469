import { github } from 'projen';
import { actionRef } from './actions';
import { renderReleaseTagScript } from './release-tag-script';
import { renderSizeScript } from './size-script';
import {
  renderCiTagScript, renderContainerdStoreScript, renderFreeDiskScript, renderPushScript, renderSmokeTestScript,
} from './step-scripts';
import { BUILD_CACHE_TAG } from '../declaration/tagging';
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
      // Newest push wins: an older commit still building is cancelled, so it
      // can never overwrite `latest` after a newer one.
      concurrencyOptions: { group: '${{ github.workflow }}-${{ github.ref }}', cancelInProgress: true },
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
      ...(image.freeDiskSpace ? [{ name: 'Free disk space', run: renderFreeDiskScript() }] : []),
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
          'role-session-name': `gha-${image.imageId}-\${{ github.run_id }}-\${{ github.run_attempt }}`,
          'role-duration-seconds': role.sessionDurationSeconds,
          'aws-region': registry.region,
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
      { name: 'Use the containerd image store', run: renderContainerdStoreScript() },
      {
        name: 'Build image',
        uses: actionRef(gh, 'buildPush'),
        with: {
          'context': '.',
          'file': image.dockerfile,
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
          SIZE_THRESHOLD_BYTES: String(image.sizeWarning.bytes),
          SIZE_THRESHOLD: image.sizeWarning.toString(),
        },
        run: renderSizeScript(),
      },
    ];
  }
}
