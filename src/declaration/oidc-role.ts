import { OptionKeys, optional } from './option-keys';
import { DeclarationError } from './violations';

/** Options shared by every way of naming the role. */
export interface OidcRoleOptions {
  /**
   * How long the assumed credentials last, in seconds. A training build takes
   * about 15 minutes; ECR login tokens outlive the session anyway.
   * @default 3600
   * @see https://github.com/aws-actions/configure-aws-credentials#session-duration
   */
  readonly sessionDurationSeconds?: number;
}

const OIDC_ROLE_OPTION_KEYS = new OptionKeys<OidcRoleOptions>('OidcRoleOptions', { sessionDurationSeconds: optional() });

const SECRET = /^(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * The IAM role the workflows assume through GitHub's OIDC provider.
 *
 * Only OIDC is offered: there is deliberately no way to hand the workflows
 * static access keys.
 *
 * @see https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
 */
export class OidcRole {
  /**
   * The role ARN is read from a repository or organisation secret, so the
   * account's role name stays out of the repository.
   * @param secretName @default 'AWS_ROLE_ARN'
   */
  public static fromSecret(secretName: string = 'AWS_ROLE_ARN', options: OidcRoleOptions = {}): OidcRole {
    OIDC_ROLE_OPTION_KEYS.check('OidcRole.fromSecret', options);
    if (!SECRET.test(secretName)) {
      throw new DeclarationError(`OIDC role secret '${secretName}' is not a valid GitHub secret name: letters, digits and '_', not starting with a digit or 'GITHUB_', e.g. 'AWS_ROLE_ARN'`);
    }
    return new OidcRole(`\${{ secrets.${secretName} }}`, `secret ${secretName}`, options, secretName);
  }

  /** The role ARN is written into the workflows as is. */
  public static fromArn(roleArn: string, options: OidcRoleOptions = {}): OidcRole {
    OIDC_ROLE_OPTION_KEYS.check('OidcRole.fromArn', options);
    if (!ROLE_ARN.test(roleArn)) {
      throw new DeclarationError(`OIDC role '${roleArn}' is not an IAM role ARN, e.g. 'arn:aws:iam::123456789012:role/github-ecr-push'`);
    }
    return new OidcRole(roleArn, roleArn, options);
  }

  /** The session duration in seconds. */
  public readonly sessionDurationSeconds: number;

  private constructor(
    /** The value of `role-to-assume`: an ARN or a secret expression. */
    public readonly roleToAssume: string,
    /** How documentation names the role, e.g. `secret AWS_ROLE_ARN`. */
    public readonly description: string,
    options: OidcRoleOptions,
    /** The secret that holds the role ARN, if the ARN is not written into the workflows. */
    public readonly secretName?: string,
  ) {
    const duration = options.sessionDurationSeconds ?? 3600;
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      throw new DeclarationError(`OIDC session duration ${duration} s is not allowed: STS accepts whole seconds from 900 to 43200`);
    }
    this.sessionDurationSeconds = duration;
  }
}

/**
 * The most characters STS accepts in a role session name.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 */
export const MAX_ROLE_SESSION_NAME = 64;

/** `github.run_id` is a 64-bit number (up to 19 digits); GitHub re-runs a run at most 50 times. */
const RUN_ID_DIGITS = 19;
const RUN_ATTEMPT_DIGITS = 2;

/**
 * The role session name of an image's workflow runs, so CloudTrail ties each
 * ECR call to the image and the run: `gha-<image id>-<run id>-<run attempt>`.
 */
export function roleSessionName(imageId: string): string {
  return `gha-${imageId}-\${{ github.run_id }}-\${{ github.run_attempt }}`;
}

/** Why an image id makes the session name too long for STS, if it does. */
export function roleSessionNameViolation(imageId: string): string | undefined {
  const fixed = 'gha-'.length + '-'.length + RUN_ID_DIGITS + '-'.length + RUN_ATTEMPT_DIGITS;
  const longest = fixed + imageId.length;
  if (longest <= MAX_ROLE_SESSION_NAME) {
    return undefined;
  }
  return `image id '${imageId}' is ${imageId.length} characters: the role session name 'gha-<id>-<run id>-<run attempt>' can reach ${longest}, `
    + `above the ${MAX_ROLE_SESSION_NAME} STS accepts; give the image an \`id\` of at most ${MAX_ROLE_SESSION_NAME - fixed} characters`;
}
