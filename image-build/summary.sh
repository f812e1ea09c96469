# shellcheck shell=bash
# The job summary's account of where the image came from: promoted from an
# earlier build of the same inputs, with a link to the commit it was built
# from, or built by this run.

# commit_link SHA: a Markdown link to the commit. The label is data from the
# registry: only a commit hash reaches the summary.
commit_link() {
  local pattern='^[0-9a-f]{40}$'
  if [[ "$1" =~ $pattern ]]; then
    printf '[%s](%s/%s/commit/%s)' "${1:0:7}" "$GITHUB_SERVER_URL" "$GITHUB_REPOSITORY" "$1"
  else
    printf 'an unknown commit'
  fi
}

# commit_links SHAS: Markdown links to the commits (an index's platforms may
# come from several), joined with "and"; any word that is no commit hash makes
# it `an unknown commit`.
commit_links() {
  local sha shas=() links=() pattern='^[0-9a-f]{40}$'
  read -r -a shas <<<"$1"
  for sha in "${shas[@]}"; do
    [[ "$sha" =~ $pattern ]] || { commit_link ""; return 0; }
    links+=("$(commit_link "$sha")")
  done
  (( ${#links[@]} > 0 )) || { commit_link ""; return 0; }
  printf '%s' "${links[0]}"
  (( ${#links[@]} == 1 )) || printf ' and %s' "${links[@]:1}"
}

# The step. Reads IMAGE_REPOSITORY, IMAGE_TAG, IMAGE_DIGEST, INPUTS_TAG,
# PROMOTED, BUILT_FROM (a commit; for an index, its platforms' commits,
# space-separated) and REBUILD, and the runner's GITHUB_SERVER_URL,
# GITHUB_REPOSITORY and GITHUB_SHA.
origin_summary_step() {
  local image="\`$IMAGE_REPOSITORY:$IMAGE_TAG\`" requested="" line
  # The build steps ran with no-cache and pull exactly when REBUILD is true.
  [[ "${REBUILD:-}" != true ]] \
    || requested=", rebuilt on request: no layer came from the build cache and the base image was pulled again, so unpinned packages (apt-get, pip) and the base image are as of this run"
  if [[ "${PROMOTED:-}" == true ]]; then
    line="Promoted \`$IMAGE_DIGEST\` built from $(commit_links "${BUILT_FROM:-}") to $image: its inputs (\`$INPUTS_TAG\`) were built before, so nothing was built or pushed."
  else
    line="Built \`$IMAGE_DIGEST\` from $(commit_link "$GITHUB_SHA") and pushed it as $image and \`$INPUTS_TAG\`$requested."
  fi
  echo "$line"
  { echo; echo "$line"; } >> "$GITHUB_STEP_SUMMARY"
}
