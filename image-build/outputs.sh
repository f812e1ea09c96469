# shellcheck shell=bash
# Step outputs, written one way by every step of the image job. The runner
# reads `$GITHUB_OUTPUT` line by line: a value with a line break would end one
# output and start another (`promoted=false`, a forged `digest=`), so a value
# is checked before it is written, never after.
# https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-an-output-parameter

step_output_name() {
  local pattern='^[A-Za-z_][A-Za-z0-9_-]*$'
  if [[ ! "$1" =~ $pattern ]]; then
    printf '::error title=Step output::%q is not an output name: use letters, digits, "_" or "-"\n' "$1" >&2
    return 1
  fi
}

# step_output NAME VALUE: one output of one line.
step_output() {
  step_output_name "$1" || return 1
  if [[ "$2" == *[$'\n\r']* ]]; then
    printf '::error title=Step output::the value of %s has a line break (%q): an output is one line\n' "$1" "$2" >&2
    return 1
  fi
  printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"
}

# step_output_lines NAME VALUE: an output of several lines, between delimiters
# of random hex no line of the value can equal.
step_output_lines() {
  local delimiter
  step_output_name "$1" || return 1
  delimiter="ghadelimiter_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  if [[ "$2" == *"$delimiter"* || "$2" == *$'\r'* ]]; then
    printf '::error title=Step output::the value of %s has a carriage return or the delimiter\n' "$1" >&2
    return 1
  fi
  printf '%s<<%s\n%s\n%s\n' "$1" "$delimiter" "$2" "$delimiter" >> "$GITHUB_OUTPUT"
}
