import { github } from 'projen';

/**
 * Every third-party action the generated workflows use, in one place, so a
 * version bump or a pin to a commit SHA is one reviewed change. That includes
 * the actions of projen's own build workflow: `useActionTable()` routes them
 * through this table too.
 *
 * To pin without editing this table, override through projen's action
 * provider after declaring the platform:
 * `project.github!.actions.set('actions/checkout', 'actions/checkout@<sha>')`.
 */
export const ACTIONS = {
  /** @see https://github.com/actions/checkout */
  checkout: 'actions/checkout@v6',
  /** @see https://github.com/aws-actions/configure-aws-credentials */
  configureAwsCredentials: 'aws-actions/configure-aws-credentials@v5',
  /** @see https://github.com/aws-actions/amazon-ecr-login */
  amazonEcrLogin: 'aws-actions/amazon-ecr-login@v2',
  /** @see https://github.com/docker/build-push-action */
  buildPush: 'docker/build-push-action@v6',
  /** Used by projen's build workflow. @see https://github.com/actions/setup-node */
  setupNode: 'actions/setup-node@v7.0.0',
} as const;

/** The reference a workflow writes, after projen's overrides. */
export function actionRef(gh: github.GitHub, action: keyof typeof ACTIONS): string {
  return gh.actions.get(ACTIONS[action]);
}

/**
 * Makes every workflow of the project, projen's included, use the versions in
 * `ACTIONS`, unless an override for that action is already set.
 */
export function useActionTable(gh: github.GitHub): void {
  for (const ref of Object.values(ACTIONS)) {
    const name = ref.split('@')[0];
    if (gh.actions.get(name) === name) {
      gh.actions.set(name, ref);
    }
  }
}
