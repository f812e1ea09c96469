import type { Registry } from '../declaration/registry';

/**
 * The IAM documents `npx projen` writes under `.github/aws/`. IAM accepts only
 * `Version`, `Id` and `Statement` at the top level, so these carry no "//"
 * marker: the README beside them does.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Principal?: { readonly Federated: string };
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

/** GitHub's OIDC issuer, also the prefix of its claims' condition keys. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** The audience configure-aws-credentials requests. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/**
 * What a workflow needs on its image's repository: pull (the registry cache
 * and layer reuse), push, and DescribeImages, with which the release tag step
 * looks for a tag that already exists before anything is built and the size
 * check reads the pushed image's compressed size from ECR.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html
 */
export const PUSH_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:CompleteLayerUpload',
  'ecr:DescribeImages',
  'ecr:GetDownloadUrlForLayer',
  'ecr:InitiateLayerUpload',
  'ecr:PutImage',
  'ecr:UploadLayerPart',
];

/**
 * What `ecr:ensure` and `ecr:status` call on the declared repositories,
 * whatever the declaration. The tests check this list against the commands
 * the tasks' code sends and against what they sent to a local ECR.
 */
export const OPERATOR_ACTIONS = [
  'ecr:CreateRepository',
  'ecr:DescribeImages',
  'ecr:DescribeRepositories',
  'ecr:GetLifecyclePolicy',
  'ecr:PutImageScanningConfiguration',
  'ecr:PutImageTagMutability',
];

/** Sent only when lifecycle rules are declared. */
export const PUT_LIFECYCLE_ACTION = 'ecr:PutLifecyclePolicy';
/** Sent only when no lifecycle rule is declared but a repository has a policy. */
export const DELETE_LIFECYCLE_ACTION = 'ecr:DeleteLifecyclePolicy';

/**
 * How the tasks learn the caller's account before any other call. IAM knows
 * no resource for it: it is granted on `*` and reveals only the caller's own
 * registry id.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRegistry.html
 */
export const ACCOUNT_CHECK_ACTION = 'ecr:DescribeRegistry';

/** The role's trust policy: GitHub's OIDC tokens for these subjects, with STS as audience. */
export function renderTrustPolicy(registry: Registry, subjects: readonly string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'GitHubActionsOidc',
      Effect: 'Allow',
      Principal: { Federated: `arn:${registry.partition}:iam::${registry.account}:oidc-provider/${GITHUB_OIDC_HOST}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE },
        StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: [...subjects] },
      },
    }],
  };
}

/** The workflow role's permissions: a login token, then push and pull on exactly the declared repositories. */
export function renderPushPolicy(registry: Registry, repositories: readonly string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      // GetAuthorizationToken has no resource type: IAM only accepts '*' for it.
      { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Sid: 'PushDeclaredRepositories', Effect: 'Allow', Action: [...PUSH_ACTIONS], Resource: arns(registry, repositories) },
    ],
  };
}

/**
 * The permissions of whoever runs `ecr:ensure` and `ecr:status`: the account
 * check, then exactly the calls the tasks make on the declared repositories.
 * A lifecycle policy is either put (rules declared) or deleted (none), never both.
 */
export function renderOperatorPolicy(registry: Registry, repositories: readonly string[], lifecycleDeclared: boolean): PolicyDocument {
  const actions = [...OPERATOR_ACTIONS, lifecycleDeclared ? PUT_LIFECYCLE_ACTION : DELETE_LIFECYCLE_ACTION].sort();
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'IdentifyRegistry', Effect: 'Allow', Action: ACCOUNT_CHECK_ACTION, Resource: '*' },
      { Sid: 'ManageDeclaredRepositories', Effect: 'Allow', Action: actions, Resource: arns(registry, repositories) },
    ],
  };
}

function arns(registry: Registry, repositories: readonly string[]): string[] {
  return [...repositories].sort().map((r) => registry.repositoryArn(r));
}
