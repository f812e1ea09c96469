import { pathFilterRegex } from './path-filter';
import { quote } from '../shell/quote';

/** What the script needs to know about one image. */
export interface AffectedImageEntry {
  /** The ECR repository, as reviewers know the image. */
  readonly repository: string;
  /** The workflow's `name`. */
  readonly workflowName: string;
  /** The workflow's `on.push.paths`, in order. */
  readonly pathFilters: readonly string[];
}

/**
 * Bash that reads a NUL-separated list of changed files from CHANGED_FILES and
 * writes to GITHUB_STEP_SUMMARY which images a merge would rebuild: those whose
 * path filters match a changed file, evaluated as GitHub does (in order, a
 * later `!` exclusion drops a file a previous filter matched).
 *
 * Only declared values are written into the script; file names, which anyone
 * opening a pull request controls, are data: read from a file, compared and
 * printed with every character outside a safe set replaced.
 */
export function renderAffectedImagesScript(images: readonly AffectedImageEntry[]): string {
  const rules = images.flatMap((image, index) => image.pathFilters.map((filter) => ({ index, ...pathFilterRegex(filter) })));
  const array = (name: string, values: readonly string[]) => `${name}=(${values.map(quote).join(' ')})`;
  return [
    'set -euo pipefail',
    array('repositories', images.map((i) => i.repository)),
    array('workflows', images.map((i) => i.workflowName.replace(/\|/g, '\\|'))),
    '# Path filters as anchored POSIX regular expressions: image index, + include or - exclude, pattern.',
    array('rule_image', rules.map((r) => String(r.index))),
    array('rule_sign', rules.map((r) => (r.exclude ? '-' : '+'))),
    array('rule_regex', rules.map((r) => r.regex)),
    '',
    'image_matches() {',
    '  local index=$1 file=$2 matched=1 k',
    '  for k in "${!rule_image[@]}"; do',
    '    [[ ${rule_image[k]} == "$index" ]] || continue',
    '    if [[ $file =~ ${rule_regex[k]} ]]; then',
    '      if [[ ${rule_sign[k]} == + ]]; then matched=0; else matched=1; fi',
    '    fi',
    '  done',
    '  return "$matched"',
    '}',
    '',
    '# Shown in the summary only: no markup, no workflow command, one line.',
    'printable() { printf \'%s\' "${1//[^A-Za-z0-9._\\/ +@=,-]/?}"; }',
    '',
    'declare -a hits=() example=()',
    'changed=0',
    'while IFS= read -r -d \'\' file; do',
    '  changed=$((changed + 1))',
    '  for i in "${!repositories[@]}"; do',
    '    if image_matches "$i" "$file"; then',
    '      hits[i]=$(( ${hits[i]:-0} + 1 ))',
    '      example[i]=${example[i]:-$(printable "$file")}',
    '    fi',
    '  done',
    'done < "$CHANGED_FILES"',
    '',
    '{',
    '  echo "### Images this pull request rebuilds when merged"',
    '  echo',
    '  if (( ${#hits[@]} == 0 )); then',
    '    echo "None: no path filter of an image workflow matches the $changed changed file(s)."',
    '  else',
    '    echo "The workflows whose path filters match at least one of the $changed changed file(s):"',
    '    echo',
    '    echo "| Image | Workflow | Matching files | For example |"',
    '    echo "|---|---|---|---|"',
    '    for i in "${!repositories[@]}"; do',
    '      if [[ -n ${hits[i]:-} ]]; then',
    '        echo "| \\`${repositories[i]}\\` | ${workflows[i]} | ${hits[i]} | \\`${example[i]}\\` |"',
    '      fi',
    '    done',
    '  fi',
    '  echo',
    '  echo "A release tag builds every image: tag pushes ignore path filters."',
    '} | tee -a "$GITHUB_STEP_SUMMARY"',
    '',
  ].join('\n');
}

/**
 * Writes the pull request's changed files, NUL-separated, to CHANGED_FILES.
 * The checkout is GitHub's merge commit of the pull request, whose first parent
 * is the base branch: the same changes GitHub matches path filters against.
 * `--no-renames` lists a moved file under both names, as a deletion and an addition.
 */
export function renderChangedFilesScript(): string {
  return [
    'set -euo pipefail',
    'git diff --name-only -z --no-renames HEAD^1 HEAD > "$CHANGED_FILES"',
    '',
  ].join('\n');
}
