/**
 * IAM's evaluation of a role trust policy for `sts:AssumeRoleWithWebIdentity`,
 * written from AWS's documentation, not from this project's code, so the tests
 * can tell which GitHub tokens a generated trust policy lets in:
 *
 * - `StringEquals`: exact, case-sensitive match;
 * - `StringLike`: case-sensitive match where `*` in the policy value stands for
 *   any run of characters (none included) and `?` for exactly one, anywhere in
 *   the value;
 * - a key absent from the request makes its condition false;
 * - several values for one key: any of them (OR); several keys under one
 *   operator, and several operators: all of them (AND);
 * - the statement must allow the action for the federated principal.
 *
 * Only what trust policies for GitHub's OIDC provider use is implemented; any
 * other operator fails the test rather than being guessed.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
 */

/** What a web identity request carries: the provider it names and its claims as condition keys. */
export interface WebIdentityRequest {
  /** The ARN of the IAM OIDC provider the token's issuer maps to. */
  readonly provider: string;
  /** Condition keys, e.g. `token.actions.githubusercontent.com:sub`, and their values. */
  readonly context: Readonly<Record<string, string>>;
}

/**
 * `StringLike` for one policy value: the value is read left to right; a
 * literal character must equal the request's, `?` takes any one character and
 * `*` any number. The classic backtracking walk remembers the last `*` and, on
 * a mismatch, lets it take one more character.
 */
export function stringLike(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let starV = 0;
  while (v < value.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === value[v])) {
      p++;
      v++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      starV = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++starV;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

const OPERATORS: Record<string, (policyValue: string, requestValue: string) => boolean> = {
  StringEquals: (policyValue, requestValue) => policyValue === requestValue,
  StringLike: stringLike,
};

interface Statement {
  readonly Effect: string;
  readonly Principal?: { readonly Federated?: string | string[] };
  readonly Action: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

function conditionHolds(condition: Statement['Condition'], context: WebIdentityRequest['context']): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) => {
    const match = OPERATORS[operator];
    if (!match) {
      throw new Error(`condition operator ${operator} is not implemented by this evaluator`);
    }
    return Object.entries(keys).every(([key, values]) => {
      const actual = context[key];
      return actual !== undefined && [values].flat().some((value) => match(value, actual));
    });
  });
}

/** Whether the trust policy lets the request assume the role: some Allow statement matches, and no statement denies. */
export function allowsWebIdentity(policy: { Statement: readonly Statement[] }, request: WebIdentityRequest): boolean {
  const applies = (s: Statement) => [s.Action].flat().includes('sts:AssumeRoleWithWebIdentity')
    && [s.Principal?.Federated ?? []].flat().includes(request.provider)
    && conditionHolds(s.Condition, request.context);
  if (policy.Statement.some((s) => s.Effect === 'Deny' && applies(s))) {
    return false;
  }
  return policy.Statement.some((s) => s.Effect === 'Allow' && applies(s));
}

/** GitHub's OIDC issuer host, the prefix of its condition keys in IAM. */
const GITHUB = 'token.actions.githubusercontent.com';

/** Where a GitHub workflow run comes from: the repository, as GitHub names it, and the run's context. */
export interface GitHubRun {
  readonly owner: string;
  readonly ownerId: number;
  readonly repo: string;
  readonly repoId: number;
  /** Whether the repository's tokens carry the immutable subject form. */
  readonly immutable: boolean;
  /** What follows the repository in `sub`, e.g. `ref:refs/heads/main` or `pull_request`. */
  readonly context: string;
  /** @default 'sts.amazonaws.com', what configure-aws-credentials requests */
  readonly audience?: string;
}

/**
 * The request STS sees for a GitHub token of that run, with the `sub` as
 * GitHub's OIDC reference spells it: `repo:OWNER/REPO:CONTEXT`, or
 * `repo:OWNER@OWNER-ID/REPO@REPO-ID:CONTEXT` with immutable subject claims.
 *
 * @see https://docs.github.com/en/actions/reference/security/oidc#immutable-subject-claims
 */
export function githubRequest(account: string, run: GitHubRun, partition = 'aws'): WebIdentityRequest {
  const repo = run.immutable ? `${run.owner}@${run.ownerId}/${run.repo}@${run.repoId}` : `${run.owner}/${run.repo}`;
  return {
    provider: `arn:${partition}:iam::${account}:oidc-provider/${GITHUB}`,
    context: {
      [`${GITHUB}:sub`]: `repo:${repo}:${run.context}`,
      [`${GITHUB}:aud`]: run.audience ?? 'sts.amazonaws.com',
    },
  };
}
