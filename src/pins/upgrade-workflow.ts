import { Component } from 'projen/lib/component';
import * as github from 'projen/lib/github';
import { OptionKeys, optional } from '../declaration/option-keys';
import { actionRef } from '../github/actions';
import { CI_NODE_MAJOR } from '../github/ci-container';
import { LIBRARY_DIR } from '../shell/library';

const { JobPermission } = github.workflows;

/** The branch the weekly pull request comes from; one branch, so one pull request, updated each week. */
export const UPGRADE_BRANCH = 'github-actions/upgrade-pins';
/** The job outputs that carry the change from the job that makes it to the job that proposes it. */
const PATCH_OUTPUT = 'patch';
const PLAN_OUTPUT = 'plan';
/** GitHub keeps at most 1 MB of outputs per job; the compressed patch must leave room for the plan. */
const MAX_PATCH_BYTES = 900_000;

/** The library file of the jobs' bash, `upgrade_step JOB` (README, "The weekly upgrade"). */
export const UPGRADE_LIBRARY_FILE = `${LIBRARY_DIR}/upgrade.sh`;

/**
 * The one line each job runs: the job's function of the library. One line,
 * not `source` and a call on two: the shell library's line budget
 * (test/shell-library.test.ts) counts it once for both jobs.
 */
function upgradeCall(job: 'upgrade' | 'pr'): string {
  return `source ${UPGRADE_LIBRARY_FILE} && upgrade_step '${job}'`;
}

/** How the weekly upgrade runs and proposes its change. */
export interface UpgradeWorkflowOptions {
  /**
   * When it runs (UTC), besides by hand.
   * @default '17 5 * * 1' - Mondays 05:17, off the hour most schedules crowd
   * @see https://docs.github.com/en/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#schedule
   */
  readonly schedule?: string;
  /**
   * The repository secret holding the token that pushes the branch and opens
   * the pull request: a fine-grained personal access token or a GitHub App's
   * installation token with `contents: write` and `pull-requests: write` on
   * this repository. Not `GITHUB_TOKEN`: a pull request it opens starts no
   * workflow, so the suite would never gate the upgrade.
   * @default 'PROJEN_GITHUB_TOKEN' - projen's own upgrade workflow's secret
   * @see https://docs.github.com/en/actions/security-for-github-actions/security-guides/automatic-token-authentication#using-the-github_token-in-a-workflow
   */
  readonly tokenSecret?: string;
  /**
   * Runner labels of both jobs.
   * @default ['ubuntu-latest']
   */
  readonly runsOn?: string[];
}

export const UPGRADE_WORKFLOW_OPTION_KEYS = new OptionKeys<UpgradeWorkflowOptions>('UpgradeWorkflowOptions', {
  schedule: optional(),
  tokenSecret: optional(),
  runsOn: optional(),
});

/**
 * The weekly upgrade, in the shape of projen's `upgrade-main` workflow: an
 * `upgrade` job with a read-only token runs `npx projen upgrade-pins` and
 * projen's npm `upgrade` (third-party install scripts run here, never next
 * to a write token) and hands the change on as a compressed patch; a `pr`
 * job applies it and opens or updates one pull request, with the plan as its
 * description, using a token that is not `GITHUB_TOKEN`, so the pull
 * request's own checks (the suite) run and gate the merge.
 *
 * The patch travels as a job output rather than an artifact: every action
 * the workflows use is pinned in `src/github/actions.ts`, and the artifact
 * actions are not among them.
 *
 * @see https://github.com/projen/projen/blob/main/src/javascript/upgrade-dependencies.ts
 */
export class UpgradeWorkflow extends Component {
  public readonly workflow: github.GithubWorkflow;

  constructor(gh: github.GitHub, options: UpgradeWorkflowOptions = {}) {
    super(gh.project, 'upgrade-pins-workflow');
    const schedule = options.schedule ?? '17 5 * * 1';
    const tokenSecret = options.tokenSecret ?? 'PROJEN_GITHUB_TOKEN';
    const runsOn = options.runsOn ?? ['ubuntu-latest'];
    if (!/^[A-Z_][A-Z0-9_]*$/.test(tokenSecret) || tokenSecret.startsWith('GITHUB_')) {
      throw new Error(`tokenSecret '${tokenSecret}' must be a secret name of capitals, digits and '_', not starting with GITHUB_ (GitHub reserves it): e.g. 'PROJEN_GITHUB_TOKEN'`);
    }
    const workflow = new github.GithubWorkflow(gh, 'upgrade-pins');
    this.workflow = workflow;
    workflow.on({ schedule: [{ cron: schedule }], workflowDispatch: {} });
    // One upgrade at a time: two would push the same branch.
    workflow.file?.addOverride('concurrency', { 'group': '${{ github.workflow }}', 'cancel-in-progress': false });
    const checkout = (name: string): github.workflows.JobStep => ({
      name,
      id: 'checkout',
      uses: actionRef(gh, 'checkout'),
      with: { 'persist-credentials': false },
    });
    // Each job is one library call; `set -o pipefail` for it, as GitHub's `bash` shell gives.
    const defaults = { run: { shell: 'bash' } };

    workflow.addJob('upgrade', {
      name: 'Upgrade',
      runsOn,
      // Reads the repository; the token also lifts GitHub's API rate limit for the releases queries.
      permissions: { contents: JobPermission.READ },
      defaults,
      outputs: {
        [PATCH_OUTPUT]: { stepId: 'patch', outputName: PATCH_OUTPUT },
        [PLAN_OUTPUT]: { stepId: 'patch', outputName: PLAN_OUTPUT },
      },
      steps: [
        checkout('Check out the branch to upgrade'),
        { name: 'Set up Node', uses: actionRef(gh, 'setupNode'), with: { 'node-version': CI_NODE_MAJOR } },
        {
          name: 'Upgrade pinned inputs and npm dependencies, and create the patch',
          id: 'patch',
          env: { GITHUB_TOKEN: '${{ github.token }}', PLAN_FILE: '${{ runner.temp }}/upgrade-plan.md', MAX_BYTES: String(MAX_PATCH_BYTES) },
          run: upgradeCall('upgrade'),
        },
      ],
    });

    workflow.addJob('pr', {
      name: 'Pull request',
      needs: ['upgrade'],
      if: `needs.upgrade.outputs.${PATCH_OUTPUT} != ''`,
      runsOn,
      // GITHUB_TOKEN only reads the checkout; the branch and pull request are written with the secret's token.
      permissions: { contents: JobPermission.READ },
      defaults,
      steps: [
        checkout('Check out the commit the patch was made on'),
        {
          name: 'Apply the patch, push the branch, open or update the pull request',
          id: 'pull_request',
          env: {
            PATCH: `\${{ needs.upgrade.outputs.${PATCH_OUTPUT} }}`,
            GH_TOKEN: `\${{ secrets.${tokenSecret} }}`,
            TOKEN_SECRET: tokenSecret,
            BRANCH: UPGRADE_BRANCH,
            BASE: '${{ github.ref_name }}',
            PLAN: `\${{ needs.upgrade.outputs.${PLAN_OUTPUT} }}`,
          },
          run: upgradeCall('pr'),
        },
      ],
    });
  }
}
