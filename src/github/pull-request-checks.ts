import * as build from 'projen/lib/build';
import { Component } from 'projen/lib/component';
import * as github from 'projen/lib/github';
import { actionRef } from './actions';
import { affectedImagesEnv } from './affected-images-script';
import { renderHostedRunnerGuardScript, RUNNER_ENVIRONMENT_ENV } from './hosted-runner-script';
import { libraryCall } from './image-steps';
import { nested, OptionKeys, optional, required } from '../declaration/option-keys';
import type { PlatformView } from '../platform/container-image';

const { JobPermission } = github.workflows;

/** The id of projen's build job. */
const BUILD_JOB_ID = 'build';

/** projen's own drift detection at the end of the build job, which this check replaces. */
const PROJEN_DRIFT_STEPS = ['Find mutations', 'Upload patch', 'Fail build on mutation'];

/** The id of the job that lists the images a pull request affects. */
export const AFFECTED_IMAGES_JOB_ID = 'affected-images';

/** projen's checkout step, the build job's first, which checks out the pull request's commit instead of its branch. */
const PROJEN_CHECKOUT_STEP = 'Checkout';

/** The pull request's head commit: what the check is reported on. */
const PULL_REQUEST_HEAD_SHA = '${{ github.event.pull_request.head.sha }}';

/** projen's install step in the build job, which `installCommand` replaces. */
const PROJEN_INSTALL_STEP = 'Install dependencies';

/** The job container of the pull request build. */
export interface PullRequestBuildContainer {
  /** The image, e.g. this repository's `CI_CONTAINER_IMAGE`. */
  readonly image: string;
  /**
   * Options for `docker create`, e.g. `--privileged`.
   * @default - none
   */
  readonly options?: string;
}

/**
 * How projen's build job runs the project's own checks on a pull request.
 * Given any of these, the job installs, synthesizes with `npx projen`, runs
 * the test command and then checks for drift, the way `.ci/run` does. Its
 * first step fails the job unless a GitHub-hosted runner runs it: the pull
 * request's code runs as root there, in the container if one is given.
 *
 * @see https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#hardening-for-self-hosted-runners
 */
export interface PullRequestBuildOptions {
  /**
   * The build job's container, so the suite runs on the distribution its
   * install command expects.
   * @default - the runner itself
   * @see https://docs.github.com/en/actions/writing-workflows/choosing-where-your-workflow-runs/running-jobs-in-a-container
   */
  readonly container?: PullRequestBuildContainer;
  /**
   * The command that installs everything the tests need, in place of
   * projen's `npm ci`, e.g. `.ci/install`.
   * @default - projen's install step
   */
  readonly installCommand?: string;
  /**
   * The test command, run after `npx projen`, in place of projen's build task.
   * @default 'npx projen test'
   */
  readonly testCommand?: string;
  /**
   * Minutes before GitHub cancels the build job.
   * @default - GitHub's, 360
   */
  readonly timeoutMinutes?: number;
}

/** The keys of {@link PullRequestBuildOptions} and its container, checked when `.projenrc.ts` runs. */
export const PULL_REQUEST_BUILD_OPTION_KEYS = new OptionKeys<PullRequestBuildOptions>('PullRequestBuildOptions', {
  container: optional(nested(new OptionKeys<PullRequestBuildContainer>('PullRequestBuildContainer', { image: required(), options: optional() }))),
  installCommand: optional(),
  testCommand: optional(),
  timeoutMinutes: optional(),
});

/**
 * What projen's build workflow checks and reports on every pull request for
 * the image platform:
 *
 * - generated files must match `.projenrc.ts`; a drift fails the build with
 *   the fix (`npx projen`, then commit). This replaces projen's own
 *   "Find mutations" steps, whose message does not say how to fix a drift.
 *   Combine with `buildWorkflowOptions: { mutableBuild: false }`, so projen
 *   never pushes to a pull request branch either;
 * - a job summary lists the images whose path filters match the changed files:
 *   what merging will rebuild;
 * - the build job checks out the pull request's head commit, not its branch,
 *   which may have moved on since the event, and keeps no token in
 *   `.git/config` for the pull request's code to read.
 *
 * Created by `ImagePlatform` when the project has projen's build workflow.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#adding-a-job-summary
 */
export class PullRequestChecks extends Component {
  /** The pull request build's first step, which fails on any runner but a GitHub-hosted one. */
  public readonly runnerGuardStepName = 'Require a GitHub-hosted runner';
  /** The build step that fails when generated files drift. */
  public readonly driftStepName = 'Check generated files are up to date';
  /** The name of the job whose summary lists the affected images. */
  public readonly summaryJobName = 'Images this pull request rebuilds';
  /** The name of projen's build workflow. */
  public readonly buildWorkflowName: string;
  private readonly github: github.GitHub;

  constructor(
    private readonly platform: PlatformView,
    private readonly buildWorkflow: build.BuildWorkflow,
    /** How the build job runs the project's own checks, if set. */
    public readonly buildOptions?: PullRequestBuildOptions,
  ) {
    super(platform, 'pull-request-checks');
    this.buildWorkflowName = buildWorkflow.name;
    const gh = github.GitHub.of(this.project);
    if (!gh) {
      throw new Error('PullRequestChecks needs a project with GitHub support: set `github: true` in the project options');
    }
    this.github = gh;
  }

  /** Runs once every image and every post-build step is declared. */
  public override preSynthesize(): void {
    const job = this.buildWorkflow.workflow.getJob(BUILD_JOB_ID);
    if (!('steps' in job)) {
      throw new Error(`projen's build workflow has no '${BUILD_JOB_ID}' job with steps: PullRequestChecks cannot add its checks`);
    }
    this.replaceDriftDetection(job);
    this.addAffectedImagesJob(job);
  }

  private replaceDriftDetection(job: github.workflows.Job): void {
    // projen renders the build job's steps lazily, as a function; render them
    // here, after every post-build step was added, to swap one step group.
    const lazy: unknown = job.steps;
    const steps: unknown = typeof lazy === 'function' ? lazy() : lazy;
    const names = Array.isArray(steps) ? steps.map((s) => s?.name) : [];
    const at = names.indexOf(PROJEN_DRIFT_STEPS[0]);
    if (!Array.isArray(steps) || at < 0 || PROJEN_DRIFT_STEPS.some((name, i) => names[at + i] !== name)) {
      throw new Error(`projen's build job no longer ends with the steps ${PROJEN_DRIFT_STEPS.map((n) => `'${n}'`).join(', ')}: update PullRequestChecks to this projen version`);
    }
    const drift: github.workflows.JobStep = {
      name: this.driftStepName,
      // Also after a failed build: a forgotten `npx projen` is often why it failed.
      if: '${{ !cancelled() }}',
      shell: 'bash',
      run: libraryCall('pull-request.sh', 'drift_check_step'),
    };
    const { self_mutation_happened: _replaced, ...outputs } = job.outputs ?? {};
    const checkedOut = [this.checkoutHeadCommit(steps[0]), ...steps.slice(1, at)];
    const built = this.buildOptions ? [this.runnerGuard(), ...this.runSuite(checkedOut)] : checkedOut;
    this.buildWorkflow.workflow.updateJob(BUILD_JOB_ID, {
      ...job,
      ...(this.buildOptions?.container && {
        // projen 0.103.25 types `options` as a list; GitHub reads one string.
        container: this.buildOptions.container as unknown as github.workflows.ContainerOptions,
      }),
      ...(this.buildOptions?.timeoutMinutes && { timeoutMinutes: this.buildOptions.timeoutMinutes }),
      outputs: Object.keys(outputs).length > 0 ? outputs : undefined,
      steps: [...built, drift, ...steps.slice(at + PROJEN_DRIFT_STEPS.length)],
    });
  }

  /**
   * projen's checkout, of the pull request's head commit (projen checks out
   * the branch by name, whatever it points to when the job starts) without
   * persisting the token: nothing in the job pushes.
   */
  private checkoutHeadCommit(step: github.workflows.JobStep | undefined): github.workflows.JobStep {
    if (step?.name !== PROJEN_CHECKOUT_STEP || !step.uses?.startsWith('actions/checkout@')) {
      throw new Error(`projen's build job no longer starts with its '${PROJEN_CHECKOUT_STEP}' step: update PullRequestChecks to this projen version`);
    }
    return { ...step, with: { ...step.with, 'ref': PULL_REQUEST_HEAD_SHA, 'persist-credentials': false } };
  }

  /** The first step: the job goes no further on a self-hosted runner (see `renderHostedRunnerGuardScript`). */
  private runnerGuard(): github.workflows.JobStep {
    return {
      name: this.runnerGuardStepName,
      shell: 'bash',
      env: { [RUNNER_ENVIRONMENT_ENV]: '${{ runner.environment }}' },
      run: renderHostedRunnerGuardScript(),
    };
  }

  /** projen's steps up to its build task, with the install command and `npx projen` plus the tests for the build task. */
  private runSuite(steps: github.workflows.JobStep[]): github.workflows.JobStep[] {
    const options = this.buildOptions!;
    const buildTask = steps.findIndex((s) => s.name === this.project.buildTask.name);
    const install = steps.findIndex((s) => s.name === PROJEN_INSTALL_STEP);
    if (buildTask < 0 || (options.installCommand && install < 0)) {
      throw new Error(`projen's build job no longer has the steps '${PROJEN_INSTALL_STEP}' and '${this.project.buildTask.name}': update PullRequestChecks to this projen version`);
    }
    return [
      ...steps.slice(0, buildTask).map((s, i) => (i === install && options.installCommand ? { ...s, run: options.installCommand } : s)),
      // The same order as .ci/run: synthesize (the drift check then compares), then test.
      { name: 'Synthesize', run: 'npx projen' },
      { name: 'Test', run: options.testCommand ?? 'npx projen test' },
      ...steps.slice(buildTask + 1),
    ];
  }

  private addAffectedImagesJob(buildJob: github.workflows.Job): void {
    const changedFiles = { CHANGED_FILES: '${{ runner.temp }}/changed-files' };
    this.buildWorkflow.workflow.addJob(AFFECTED_IMAGES_JOB_ID, {
      name: this.summaryJobName,
      if: 'github.event_name == \'pull_request\'',
      // A few seconds of bash and git: the build job's runner, not the images'.
      runsOn: buildJob.runsOn,
      runsOnGroup: buildJob.runsOnGroup,
      timeoutMinutes: 10,
      permissions: { contents: JobPermission.READ },
      defaults: { run: { shell: 'bash' } },
      steps: [
        {
          name: 'Checkout',
          uses: actionRef(this.github, 'checkout'),
          // The merge commit and its first parent, the base branch.
          with: { 'fetch-depth': 2, 'persist-credentials': false },
        },
        { name: 'List changed files', env: changedFiles, run: libraryCall('pull-request.sh', 'changed_files_step') },
        {
          name: 'Summarize affected images',
          env: { ...changedFiles, ...affectedImagesEnv(this.platform.images) },
          run: libraryCall('pull-request.sh', 'affected_images_step'),
        },
      ],
    });
  }
}
