import { quote } from './quote';
import { DOCKER_TAG_PATTERN, LATEST_TAG, RESERVED_TAGS, snapshotTagPrefix, TagPolicy } from '../declaration/tagging';

/**
 * The tag rules as bash functions, shared by the workflow step and the local
 * build task so both answer the same question the same way.
 *
 * `resolve_tag EVENT REF_TYPE REF_NAME SHA REQUESTED` prints the tag;
 * `check_tag TAG` rejects anything Docker would not accept as a tag, and the
 * tags the workflows reserve for themselves (`RESERVED_TAGS`). No value
 * is ever evaluated: inputs arrive as arguments and are only compared.
 */
export function renderTagFunctions(policy: TagPolicy): string {
  const snapshotCases = policy.snapshotBranches.map((branch) =>
    `        ${quote(branch)}) printf '%s%s\\n' ${quote(snapshotTagPrefix(branch))} "\${sha:0:7}" ;;`);
  return [
    'resolve_tag() {',
    '  local event=$1 ref_type=$2 ref_name=$3 sha=$4 requested=$5',
    '  case "$event" in',
    '    workflow_dispatch)',
    `      printf '%s\\n' "\${requested:-${LATEST_TAG}}" ;;`,
    '    push)',
    '      if [[ "$ref_type" == tag ]]; then',
    '        printf \'%s\\n\' "$ref_name"',
    '        return 0',
    '      fi',
    '      case "$ref_name" in',
    `        ${quote(policy.latestBranch)}) printf '%s\\n' ${LATEST_TAG} ;;`,
    ...snapshotCases,
    '        *)',
    '          printf \'::error title=No tag rule::branch %q has no tagging rule; push to %s or dispatch with a tag\\n\' \\',
    `            "$ref_name" ${quote([policy.latestBranch, ...policy.snapshotBranches].join(', '))} >&2`,
    '          return 1 ;;',
    '      esac ;;',
    '    *)',
    '      printf \'::error title=No tag rule::event %q is not a push or a dispatch\\n\' "$event" >&2',
    '      return 1 ;;',
    '  esac',
    '}',
    '',
    'check_tag() {',
    `  local pattern=${quote(DOCKER_TAG_PATTERN)}`,
    '  if [[ ! "$1" =~ $pattern ]]; then',
    // %q prints the value escaped on one line: it can neither run nor start a workflow command.
    '    printf \'::error title=Invalid image tag::%q is not a valid Docker tag: use 1 to 128 letters, digits, "_", "." or "-", starting with a letter, digit or "_" (e.g. v2.0.0)\\n\' "$1" >&2',
    '    return 1',
    '  fi',
    // The workflows' own tags, e.g. the build cache: pushing an image there would overwrite it.
    ...RESERVED_TAGS.flatMap((r) => [
      `  pattern=${quote(r.pattern)}`,
      '  if [[ "$1" =~ $pattern ]]; then',
      `    printf '::error title=Reserved image tag::%q is reserved for %s: choose another tag (e.g. v2.0.0)\\n' "$1" ${quote(r.purpose)} >&2`,
      '    return 1',
      '  fi',
    ]),
    '}',
  ].join('\n');
}
