import { github } from 'projen';

/**
 * Every third-party action the generated image workflows use, in one place, so
 * a version bump or a pin to a commit SHA is one reviewed change.
 *
 * To pin without editing this table, override through projen's action
 * provider: `project.github!.actions.set('actions/checkout', 'actions/checkout@<sha>')`.
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
} as const;

/** The reference a workflow writes, after projen's overrides. */
export function actionRef(gh: github.GitHub, action: keyof typeof ACTIONS): string {
  return gh.actions.get(ACTIONS[action]);
}
