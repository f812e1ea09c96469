# shellcheck shell=bash
# The generated build arguments file of an image, read the same way by the
# workflow's build and the local tasks: every `NAME=value` line, comments and
# blank lines left out (what the fingerprint also hashes).

# build_args_lines FILE: prints the file's `NAME=value` lines.
build_args_lines() {
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ -z "$line" || "$line" == "#"* ]] || printf '%s\n' "$line"
  done < "$1"
}

# The workflow's step: reads IMAGE_BUILD_ARGS_FILE; outputs `args`, one `NAME=value` a line.
build_args_step() {
  local delimiter
  delimiter="build_args_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  build_args_lines "$IMAGE_BUILD_ARGS_FILE" > /dev/null || return 1
  { echo "args<<$delimiter"; build_args_lines "$IMAGE_BUILD_ARGS_FILE"; echo "$delimiter"; } >> "$GITHUB_OUTPUT"
}
