import type { LifecyclePolicyDocument } from '../aws/ecr-manifest';

/**
 * Whether the lifecycle policy ECR returns means the declared one. ECR keeps
 * its own serialization of a policy, not the text it was given: rules ordered
 * by priority, keys in its order, defaults filled in. So both are compared as
 * parsed documents with those differences taken out: rule order, the order
 * of tag lists (a rule selects images carrying all of them), empty lists and
 * descriptions, and the defaults ECR applies. Anything else that differs is a
 * change someone made, and `ecr:ensure` puts the declared policy back.
 *
 * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
 */
export function sameLifecyclePolicy(declared: LifecyclePolicyDocument, actual: unknown): boolean {
  return canonical(withEcrDefaults(declared)) === canonical(withEcrDefaults(actual));
}

/** The selection fields ECR fills in when a rule leaves them out. */
const SELECTION_DEFAULTS: Record<string, unknown> = { storageClass: 'standard' };

function withEcrDefaults(policy: unknown): unknown {
  if (!isObject(policy) || !Array.isArray(policy.rules)) {
    return policy;
  }
  const rules = policy.rules.map((rule: unknown) => {
    if (!isObject(rule)) {
      return rule;
    }
    const { description, selection, ...rest } = rule;
    return {
      ...rest,
      ...(typeof description === 'string' && description !== '' ? { description } : {}),
      selection: isObject(selection) ? withSelectionDefaults(selection) : selection,
    };
  });
  rules.sort((a: any, b: any) => Number(a?.rulePriority) - Number(b?.rulePriority));
  return { ...policy, rules };
}

function withSelectionDefaults(selection: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...SELECTION_DEFAULTS, ...selection };
  for (const list of ['tagPatternList', 'tagPrefixList']) {
    const value = result[list];
    if (Array.isArray(value) && value.length === 0) {
      delete result[list];
    } else if (Array.isArray(value)) {
      result[list] = [...value].sort();
    }
  }
  return result;
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with keys sorted, so key order and spacing never count. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) => isObject(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v);
}
