# shellcheck shell=bash
# The checks projen's build workflow runs on a pull request: generated files
# that drifted from .projenrc.ts, and which images merging would rebuild. File
# names come from the pull request: they are data, read from a file, compared,
# and printed with every character outside a safe set replaced.

# pr_printable TEXT: one line with no markup and no workflow command.
pr_printable() {
  printf '%s' "${1//[^A-Za-z0-9._\/ +@=,-]/?}"
}

# The drift check: after the build synthesized the files again, any change to
# the checkout means someone edited the declarations without running
# `npx projen`, or edited a generated file by hand. It fails with the fix
# rather than fixing the branch itself.
drift_check_step() {
  local entry
  if [[ -z $(git status --porcelain --untracked-files=all) ]]; then
    echo "Generated files match .projenrc.ts."
    return 0
  fi
  echo "::error title=Generated files are out of date::Files generated from .projenrc.ts differ from the committed ones. Run 'npx projen' and commit the result."
  git status --short --untracked-files=all
  git --no-pager diff
  {
    echo "### Generated files are out of date"
    echo
    echo "Run \`npx projen\` and commit the result. These files differ from what \`.projenrc.ts\` generates:"
    echo
    git status --porcelain -z --untracked-files=all | while IFS= read -r -d '' entry; do
      echo "- \`$(pr_printable "${entry:3}")\`"
    done
    echo
    echo "Source files in this list were reformatted by \`eslint --fix\`, which \`npx projen test\` runs: run it and commit them too."
  } >> "$GITHUB_STEP_SUMMARY"
  return 1
}

# Writes the pull request's changed files, NUL-separated, to CHANGED_FILES.
# The checkout is GitHub's merge commit of the pull request, whose first parent
# is the base branch: the same changes GitHub matches path filters against.
# `--no-renames` lists a moved file under both names, as a deletion and an addition.
changed_files_step() {
  git diff --name-only -z --no-renames HEAD^1 HEAD > "$CHANGED_FILES"
}

# image_matches INDEX FILE: whether the path filters of image INDEX match FILE,
# evaluated as GitHub does: in order, a later `!` exclusion drops a file a
# previous filter matched.
image_matches() {
  local index=$1 file=$2 matched=1 k
  for k in "${!rule_image[@]}"; do
    [[ ${rule_image[k]} == "$index" ]] || continue
    if [[ $file =~ ${rule_regex[k]} ]]; then
      if [[ ${rule_sign[k]} == + ]]; then matched=0; else matched=1; fi
    fi
  done
  return "$matched"
}

# Writes to the job summary which images a merge would rebuild: those whose
# path filters match a file of CHANGED_FILES. Reads IMAGE_REPOSITORIES and
# IMAGE_WORKFLOWS (one image a line) and PATH_RULES (one filter a line: the
# image's line number from 0, `+` to include or `-` to exclude, and the
# filter as an anchored POSIX regular expression).
affected_images_step() {
  local repositories=() workflows=() hits=() example=() changed=0 file i index sign regex
  rule_image=() rule_sign=() rule_regex=()
  while IFS= read -r i; do repositories+=("$i"); done <<<"$IMAGE_REPOSITORIES"
  while IFS= read -r i; do workflows+=("${i//|/\\|}"); done <<<"$IMAGE_WORKFLOWS"
  while read -r index sign regex; do
    rule_image+=("$index") rule_sign+=("$sign") rule_regex+=("$regex")
  done <<<"$PATH_RULES"
  while IFS= read -r -d '' file; do
    changed=$((changed + 1))
    for i in "${!repositories[@]}"; do
      if image_matches "$i" "$file"; then
        hits[i]=$(( ${hits[i]:-0} + 1 ))
        example[i]=${example[i]:-$(pr_printable "$file")}
      fi
    done
  done < "$CHANGED_FILES"
  {
    echo "### Images this pull request rebuilds when merged"
    echo
    if (( ${#hits[@]} == 0 )); then
      echo "None: no path filter of an image workflow matches the $changed changed file(s)."
    else
      echo "The workflows whose path filters match at least one of the $changed changed file(s):"
      echo
      echo "| Image | Workflow | Matching files | For example |"
      echo "|---|---|---|---|"
      for i in "${!repositories[@]}"; do
        if [[ -n ${hits[i]:-} ]]; then
          echo "| \`${repositories[i]}\` | ${workflows[i]} | ${hits[i]} | \`${example[i]}\` |"
        fi
      done
    fi
    echo
    echo "A release tag builds every image: tag pushes ignore path filters."
  } | tee -a "$GITHUB_STEP_SUMMARY"
}
