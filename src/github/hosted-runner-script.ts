/** The guard step's variable that carries `runner.environment`. */
export const RUNNER_ENVIRONMENT_ENV = 'RUNNER_KIND';

/**
 * The first step of the pull request build: it stops the job unless a
 * GitHub-hosted runner, a throwaway VM, runs it. The build runs the pull
 * request's code as root in a privileged container; on a self-hosted runner
 * (one that carries the label `ubuntu-latest`, say) that code would own a
 * persistent host and everything later jobs leave on it.
 *
 * Why a failing step and not a job-level `if:`: `jobs.<id>.if` is evaluated
 * before a runner is assigned, so the `runner` context does not exist there
 * (GitHub's workflow parser rejects it: "Unrecognized named-value: 'runner'"),
 * and a skipped job reports success, which satisfies a required check. A
 * failed step fails the check. The job container has started by then, from
 * the declared image, but no code of the pull request has been checked out.
 *
 * It guards against a runner that merely carries the label: a pull request
 * that edits this workflow edits the guard too, so self-hosted runners must
 * also be kept from this repository's runner groups.
 *
 * `runner.environment` is read in the step's `env:`, which the runner
 * evaluates on its host before the step starts, so the value does not depend
 * on what reaches the job container. An older runner without the property
 * gives an empty value: refused too.
 *
 * @see https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#runner-context
 * @see https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#context-availability
 */
export function renderHostedRunnerGuardScript(): string {
  // Inline, not in image-build/: it runs before the checkout that brings the library.
  return [
    `kind=\${${RUNNER_ENVIRONMENT_ENV}:-}`,
    '[[ "$kind" != github-hosted ]] || { echo "Runner: GitHub-hosted."; exit 0; }',
    // Printed, so reduced to characters that cannot form a workflow command.
    'kind=${kind//[^A-Za-z0-9-]/?}',
    'echo "::error title=GitHub-hosted runner required::runner.environment is \'${kind:-(empty)}\', not \'github-hosted\': this job runs the pull request\'s code as root, which must never reach a persistent self-hosted machine; run it on a GitHub-hosted runner and give no self-hosted runner the label in its runs-on."',
    'exit 1',
    '',
  ].join('\n');
}
