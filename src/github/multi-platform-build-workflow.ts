import * as github from 'projen/lib/github';
import { actionRef } from './actions';
import {
  awsLoginSteps, checkoutStep, CI_PROVENANCE, FINGERPRINT_ENV, IMAGE_JOB_PERMISSIONS, MULTI_PLATFORM_INPUTS, named, ON_GITHUB_HOSTED_RUNNER,
  onWorkflowCall, REFRESH_ON_REBUILD,
} from './image-build-workflow';
import { IMAGE_STEPS, ImageStep, libraryCall, MULTI_PLATFORM_WORKFLOW_FILE, MULTI_PLATFORM_WORKFLOW_PATH } from './image-steps';
import { attestSteps, imageJobPermissions, verifiedReuseSteps } from './provenance-steps';
import { PROVENANCE_ARGS } from '../docker/build-args';
import { SMOKE_TEST_STAGE } from '../docker/smoke-test-stage';
import type { PlatformSettings } from '../platform/platform-settings';
import { ECR_MAX_ATTEMPTS } from '../shell/library';

/** The jobs of the multi-platform workflow, in the order they run. */
export const MULTI_PLATFORM_JOBS = {
  /** Fingerprints every platform and the index; promotes an index of the same inputs. */
  index: 'index',
  /** One job per platform (a matrix), each on a runner of its architecture. */
  platform: 'platform',
  /** Merges the platforms' images into one index under the wanted tag. */
  merge: 'merge',
} as const;

/** The steps only the multi-platform workflow has. */
export const MULTI_PLATFORM_STEPS = {
  indexInputs: {
    id: 'inputs',
    name: 'Fingerprint every platform and the index',
    description: 'fingerprints each platform as a single-platform image is fingerprinted (the platform is an input), and the index from the platforms\' fingerprints, into the index\'s inputs tag',
  },
  platformReuse: {
    id: 'reuse',
    name: 'Reuse this platform\'s image of the same inputs',
    description: 'when ECR has this platform\'s inputs tag, takes that image and builds nothing for this platform; a dispatch with `rebuild: true` builds anyway',
  },
  platformBuild: {
    id: 'build',
    name: 'Build and push this platform\'s image',
    description: 'builds the Dockerfile for this platform natively (no emulation) and pushes it under this platform\'s inputs tag only: the wanted tag goes on the index',
  },
  sizes: {
    id: 'size',
    name: 'Check each platform\'s image size',
    description: 'reads the compressed size in ECR of each platform\'s image the index lists, as the size check of one image does, and warns per platform, the platform heading its warning, its line and its section of the job summary (digest and size)',
  },
  merge: {
    id: 'merge',
    name: 'Merge the platforms into one index',
    description: 'writes an OCI image index of the platforms\' images (found by their inputs tags) under the index\'s inputs tag, and puts the wanted tag on it with its digest unchanged',
  },
} as const satisfies Record<string, ImageStep>;

const INDEX_OUTPUT = (name: string) => `\${{ needs.${MULTI_PLATFORM_JOBS.index}.outputs.${name} }}`;

/**
 * The reusable workflow of an image built for several platforms: one job
 * fingerprints the platforms and the index and promotes an index built
 * before from the same inputs; otherwise one job per platform builds it on a
 * runner of its own architecture (a platform whose inputs did not change
 * reuses its image), and one job merges them into an OCI image index under
 * the wanted tag. A single-platform image keeps the one job of
 * `ImageBuildWorkflow`.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/running-variations-of-jobs-in-a-workflow
 * @see https://github.com/opencontainers/image-spec/blob/main/image-index.md
 */
export class MultiPlatformBuildWorkflow extends github.GithubWorkflow {
  constructor(private readonly gh: github.GitHub, public readonly platform: PlatformSettings) {
    super(gh, 'Build, test and push a multi-platform image (reusable)', { fileName: MULTI_PLATFORM_WORKFLOW_FILE });
    onWorkflowCall(this, MULTI_PLATFORM_INPUTS, platform.role.secretName);
    const common = {
      defaults: { run: { shell: 'bash' } },
      env: { IMAGE_REPOSITORY: `${platform.registry.host}/\${{ inputs.repository }}` },
    };
    // The first platform's runner: the jobs that only talk to ECR need no particular architecture.
    const firstRunner = '${{ fromJSON(inputs.platforms)[0].runs_on }}';
    this.addJob(MULTI_PLATFORM_JOBS.index, {
      name: 'Fingerprint ${{ inputs.repository }}',
      runsOn: [firstRunner],
      ...common,
      // Promotes, never builds: nothing to attest.
      permissions: imageJobPermissions(IMAGE_JOB_PERMISSIONS, platform.registry, false),
      outputs: {
        tag: { stepId: IMAGE_STEPS.tag.id, outputName: 'tag' },
        index_tag: { stepId: MULTI_PLATFORM_STEPS.indexInputs.id, outputName: 'tag' },
        platform_tags: { stepId: MULTI_PLATFORM_STEPS.indexInputs.id, outputName: 'child_tags' },
        promoted: { stepId: IMAGE_STEPS.reuse.id, outputName: 'promoted' },
        created: { stepId: IMAGE_STEPS.commit.id, outputName: 'created' },
      },
      steps: this.indexSteps(),
    });
    this.addJob(MULTI_PLATFORM_JOBS.platform, {
      name: 'Build ${{ matrix.platform }} of ${{ inputs.repository }}',
      needs: [MULTI_PLATFORM_JOBS.index],
      if: `needs.${MULTI_PLATFORM_JOBS.index}.outputs.promoted != 'true'`,
      runsOn: ['${{ matrix.runs_on }}'],
      strategy: { failFast: true, matrix: { include: '${{ fromJSON(inputs.platforms) }}' as never } },
      ...common,
      permissions: imageJobPermissions(IMAGE_JOB_PERMISSIONS, platform.registry, true),
      steps: this.platformSteps(),
    });
    this.addJob(MULTI_PLATFORM_JOBS.merge, {
      name: 'Merge the platforms of ${{ inputs.repository }}',
      needs: [MULTI_PLATFORM_JOBS.index, MULTI_PLATFORM_JOBS.platform],
      runsOn: [firstRunner],
      ...common,
      permissions: imageJobPermissions(IMAGE_JOB_PERMISSIONS, platform.registry, true),
      steps: this.mergeSteps(),
    });
    // Job timeouts are an input: a job that calls a reusable workflow cannot set one.
    for (const job of Object.values(MULTI_PLATFORM_JOBS)) {
      this.file?.addOverride(`jobs.${job}.timeout-minutes`, '${{ inputs.timeout_minutes }}');
    }
    // The matrix of platforms is the input itself, and each runs on its own labels.
    this.file?.addOverride(`jobs.${MULTI_PLATFORM_JOBS.platform}.runs-on`, '${{ matrix.runs_on }}');
    this.file?.addOverride(`jobs.${MULTI_PLATFORM_JOBS.index}.runs-on`, firstRunner);
    this.file?.addOverride(`jobs.${MULTI_PLATFORM_JOBS.merge}.runs-on`, firstRunner);
  }

  private get ecr(): Record<string, string> {
    const { registry } = this.platform;
    return { ECR_REGISTRY: registry.host, ECR_REGISTRY_ID: registry.account, ECR_REGION: registry.region, ECR_REPOSITORY: '${{ inputs.repository }}' };
  }

  /** The size check of every platform's image the index lists, under the wanted tag. */
  private sizes(tag: string, children: string, condition?: string): github.workflows.JobStep {
    return {
      ...named(MULTI_PLATFORM_STEPS.sizes),
      ...(condition ? { if: condition } : {}),
      env: {
        IMAGE_TAG: tag,
        CHILDREN: children,
        ...this.ecr,
        AWS_RETRY_MODE: 'standard',
        AWS_MAX_ATTEMPTS: String(ECR_MAX_ATTEMPTS),
        SIZE_THRESHOLD_BYTES: '${{ inputs.size_threshold_bytes }}',
        SIZE_THRESHOLD: '${{ inputs.size_threshold }}',
      },
      run: libraryCall('size.sh', 'platform_sizes_step'),
    };
  }

  /** @param verifies whether the job verifies provenance, which needs the latest branch's history */
  private login(verifies = false): github.workflows.JobStep[] {
    return [checkoutStep(this.gh, verifies && this.platform.registry.provenance), ...awsLoginSteps(this.gh, this.platform)];
  }

  private indexSteps(): github.workflows.JobStep[] {
    const s = IMAGE_STEPS;
    const [checkout, ...login] = this.login(true);
    return [
      checkout,
      { ...named(s.tag), env: { REQUESTED_TAG: '${{ inputs.tag }}' }, run: libraryCall('tags.sh', 'tag_step') },
      { ...named(s.releaseOnMain), env: { IMAGE_TAG: '${{ steps.tag.outputs.tag }}' }, run: libraryCall('tags.sh', 'release_on_main_step') },
      { ...named(s.commit), run: libraryCall('tags.sh', 'commit_time_step') },
      {
        ...named(MULTI_PLATFORM_STEPS.indexInputs),
        env: { IMAGE_PLATFORMS: '${{ inputs.platforms }}', ...FINGERPRINT_ENV },
        run: libraryCall('platforms.sh', 'index_inputs_step'),
      },
      ...login,
      ...verifiedReuseSteps(this.platform.registry, {
        ...named(s.reuse),
        env: { IMAGE_TAG: '${{ steps.tag.outputs.tag }}', INPUTS_TAG: '${{ steps.inputs.outputs.tag }}', REBUILD: '${{ inputs.rebuild }}', ...this.ecr },
        run: libraryCall('ecr.sh', 'reuse_step'),
      }, MULTI_PLATFORM_WORKFLOW_PATH),
      {
        ...named(s.immutableTag),
        if: 'steps.reuse.outputs.promoted != \'true\'',
        env: { IMAGE_TAG: '${{ steps.tag.outputs.tag }}', ...this.ecr },
        run: libraryCall('ecr.sh', 'immutable_tag_step'),
      },
      this.sizes('${{ steps.tag.outputs.tag }}', '${{ steps.reuse.outputs.children }}', 'steps.reuse.outputs.promoted == \'true\''),
      {
        ...named(s.origin),
        if: 'steps.reuse.outputs.promoted == \'true\'',
        env: {
          IMAGE_TAG: '${{ steps.tag.outputs.tag }}',
          IMAGE_DIGEST: '${{ steps.reuse.outputs.digest }}',
          INPUTS_TAG: '${{ steps.inputs.outputs.tag }}',
          PROMOTED: '${{ steps.reuse.outputs.promoted }}',
          BUILT_FROM: '${{ steps.reuse.outputs.built_from }}',
        },
        run: libraryCall('summary.sh', 'origin_summary_step'),
      },
    ];
  }

  private platformSteps(): github.workflows.JobStep[] {
    const s = IMAGE_STEPS;
    const building = 'steps.reuse.outputs.promoted != \'true\'';
    // A platform's image taken into a new index is verified as a promoted one is.
    const [checkout, ...login] = this.login(true);
    const cacheRef = (cacheTag: string) => `type=registry,ref=${'${{ env.IMAGE_REPOSITORY }}'}:${cacheTag}`;
    const cacheTo = (cacheTag: string) => `${cacheRef(cacheTag)},mode=max,image-manifest=true,oci-mediatypes=true`;
    const provenance: Record<string, string> = { ...CI_PROVENANCE, created: INDEX_OUTPUT('created') };
    // What shapes the image comes from the fingerprint step's outputs, the document it hashed.
    const fingerprinted = { file: '${{ steps.inputs.outputs.dockerfile }}', platforms: '${{ steps.inputs.outputs.platform }}' };
    const buildArgs = '${{ steps.inputs.outputs.build_args }}';
    return [
      checkout,
      {
        ...named(s.inputs),
        env: { IMAGE_PLATFORM: '${{ matrix.platform }}', ...FINGERPRINT_ENV },
        run: libraryCall('platforms.sh', 'platform_inputs_step'),
      },
      ...login,
      ...verifiedReuseSteps(this.platform.registry, {
        ...named(MULTI_PLATFORM_STEPS.platformReuse),
        // Looking the platform's inputs tag up, and tagging it with itself: nothing moves.
        env: { IMAGE_TAG: '${{ steps.inputs.outputs.tag }}', INPUTS_TAG: '${{ steps.inputs.outputs.tag }}', REBUILD: '${{ inputs.rebuild }}', ...this.ecr },
        run: libraryCall('ecr.sh', 'reuse_step'),
      }, MULTI_PLATFORM_WORKFLOW_PATH),
      {
        ...named(s.freeDisk),
        if: `inputs.free_disk_space && ${ON_GITHUB_HOSTED_RUNNER} && ${building}`,
        run: libraryCall('runner.sh', 'free_disk_step'),
      },
      { ...named(s.buildx), if: building, uses: actionRef(this.gh, 'setupBuildx'), with: { driver: 'docker-container' } },
      {
        ...named(s.smokeTest),
        if: building,
        uses: actionRef(this.gh, 'buildPush'),
        with: {
          'context': '.',
          ...fingerprinted,
          'target': SMOKE_TEST_STAGE,
          'build-args': buildArgs,
          'cache-from': [cacheRef('${{ matrix.cache_tag }}'), cacheRef('${{ matrix.cache_tag }}-smoke-test')].join('\n'),
          'cache-to': cacheTo('${{ matrix.cache_tag }}-smoke-test'),
          ...REFRESH_ON_REBUILD,
          'outputs': 'type=cacheonly',
          'provenance': false,
        },
      },
      {
        ...named(MULTI_PLATFORM_STEPS.platformBuild),
        if: building,
        uses: actionRef(this.gh, 'buildPush'),
        with: {
          'context': '.',
          ...fingerprinted,
          'tags': '${{ env.IMAGE_REPOSITORY }}:${{ steps.inputs.outputs.tag }}',
          'build-args': [buildArgs, ...PROVENANCE_ARGS.map((a) => `${a.name}=${provenance[a.key]}`)].join('\n'),
          // One cache per platform: the platforms' layers differ.
          'cache-from': cacheRef('${{ matrix.cache_tag }}'),
          'cache-to': cacheTo('${{ matrix.cache_tag }}'),
          ...REFRESH_ON_REBUILD,
          'provenance': false,
          'push': true,
        },
      },
      ...attestSteps(this.gh, this.platform.registry, `\${{ steps.${MULTI_PLATFORM_STEPS.platformBuild.id}.outputs.digest }}`, building),
    ];
  }

  private mergeSteps(): github.workflows.JobStep[] {
    const [checkout, ...login] = this.login();
    return [
      checkout,
      ...login,
      {
        ...named(MULTI_PLATFORM_STEPS.merge),
        env: { PLATFORM_TAGS: INDEX_OUTPUT('platform_tags'), INDEX_INPUTS_TAG: INDEX_OUTPUT('index_tag'), IMAGE_TAG: INDEX_OUTPUT('tag'), ...this.ecr },
        run: libraryCall('platforms.sh', 'merge_index_step'),
      },
      // The merge job runs only when the index was not promoted: its index is new.
      ...attestSteps(this.gh, this.platform.registry, `\${{ steps.${MULTI_PLATFORM_STEPS.merge.id}.outputs.digest }}`),
      this.sizes(INDEX_OUTPUT('tag'), '${{ steps.merge.outputs.children }}'),
      {
        ...named(IMAGE_STEPS.origin),
        env: {
          IMAGE_TAG: INDEX_OUTPUT('tag'),
          IMAGE_DIGEST: '${{ steps.merge.outputs.digest }}',
          INPUTS_TAG: INDEX_OUTPUT('index_tag'),
          PROMOTED: 'false',
          REBUILD: '${{ inputs.rebuild }}',
        },
        run: libraryCall('summary.sh', 'origin_summary_step'),
      },
    ];
  }
}
