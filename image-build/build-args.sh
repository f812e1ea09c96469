# shellcheck shell=bash
# The generated build arguments file of an image, as the local tasks read it:
# every `NAME=value` line, comments and blank lines left out, the lines the
# fingerprint hashes (the workflow's build takes them from the fingerprint
# step's outputs).

# build_args_lines FILE: prints the file's `NAME=value` lines.
build_args_lines() {
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ -z "$line" || "$line" == "#"* ]] || printf '%s\n' "$line"
  done < "$1"
}

