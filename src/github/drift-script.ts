/**
 * The pull request check that generated files match `.projenrc.ts`: after the
 * build has synthesized them again, any change to the checkout means someone
 * edited the declarations without running `npx projen`, or edited a generated
 * file by hand. It fails with the fix rather than fixing the branch itself.
 *
 * File names come from the pull request: the log shows them as git quotes
 * them, the summary with every character outside a safe set replaced.
 */
export function renderDriftCheckScript(): string {
  return [
    'set -euo pipefail',
    'if [[ -z $(git status --porcelain --untracked-files=all) ]]; then',
    '  echo "Generated files match .projenrc.ts."',
    '  exit 0',
    'fi',
    'echo "::error title=Generated files are out of date::Files generated from .projenrc.ts differ from the committed ones. Run \'npx projen\' and commit the result."',
    'git status --short --untracked-files=all',
    'git --no-pager diff',
    '{',
    '  echo "### Generated files are out of date"',
    '  echo',
    '  echo "Run \\`npx projen\\` and commit the result. These files differ from what \\`.projenrc.ts\\` generates:"',
    '  echo',
    '  git status --porcelain -z --untracked-files=all | while IFS= read -r -d \'\' entry; do',
    '    file=${entry:3}',
    '    echo "- \\`${file//[^A-Za-z0-9._\\/ +@=,-]/?}\\`"',
    '  done',
    '  echo',
    '  echo "Source files in this list were reformatted by \\`eslint --fix\\`, which \\`npx projen test\\` runs: run it and commit them too."',
    '} >> "$GITHUB_STEP_SUMMARY"',
    'exit 1',
    '',
  ].join('\n');
}
