# shellcheck shell=bash
# Registry functions over the registry HTTP API (curl only), for the workflow's
# reuse step and the local tasks alike; they work against ECR and a local
# registry, which is how the tests run the real functions.
#
# `manifest_digest REGISTRY REPOSITORY TAG` prints the digest a tag (or a
# digest) points to; it returns 1 when the tag does not exist and 2 when the registry could not
# tell (unreachable, refused, malformed answer).
#
# `image_revision REGISTRY REPOSITORY REFERENCE` prints the commit an image
# was built from, its revision label, read from its configuration (needs jq);
# nothing for an index or an image without it, and it returns 2 when the
# registry could not tell.
#
# `index_children REGISTRY REPOSITORY REFERENCE` prints, when REFERENCE names
# an image index (OCI or Docker's manifest list), one line per child: its
# platform (`os/architecture[/variant]`) and its digest, as the index says
# them; nothing for an image manifest. The lines are the registry's data, for
# the caller to check; it returns 2 when the registry could not tell.
#
# `promote_image REGISTRY REPOSITORY SOURCE_TAG TARGET_TAG` puts TARGET_TAG on
# the image SOURCE_TAG names and prints its digest. It copies the manifest's
# bytes and media type unchanged (GET by digest, PUT under the new tag), so
# the digest stays the same. A target that already has that digest is left
# alone without a write, which an immutable ECR tag requires (ECR refuses even
# an identical re-push); a target with another digest that the registry
# refuses to move fails with one line naming both digests and the registry's
# own error.
#
# `put_index REGISTRY REPOSITORY TAG DIGEST...` writes, under TAG, an OCI
# image index of the image manifests the DIGESTs name (each platform's build,
# pushed by digest) and prints the index's digest. Each child is described by
# what the registry holds: its media type, its size in bytes, and the
# platform (os, architecture, variant) read from its configuration; the
# children are listed in platform order and the JSON is written compactly, so
# the same children always give the same bytes, hence the same digest,
# whatever order they are given in. Two children of one platform, an index or
# an unknown media type as a child, or a child the repository lacks fail with
# one line; a TAG that already names that digest is left alone.
#
# Registries on loopback are spoken to over http, as Docker itself does;
# every other one over https. With `REGISTRY_USERNAME` set (for ECR: `AWS`,
# and `REGISTRY_PASSWORD` from `aws ecr get-login-password`), the credentials
# reach curl through a pipe, never its command line. Every request has a
# connect timeout and an overall one.
#
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
# https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests

# shellcheck source=image-build/settings.sh
source "${BASH_SOURCE[0]%/*}/settings.sh"

# Every manifest media type a promotion copies, so the registry answers with
# the bytes it stored instead of converting.
registry_accept="Accept: $(printf '%s, ' "${image_build_manifest_media_types[@]}")"
registry_accept=${registry_accept%, }

# Prints only: a non-zero status here would end a caller running under
# `set -e` before it could return its own.
registry_error() {
  printf '::error title=Registry::%s\n' "$1" >&2
}

# registry_check REGISTRY REPOSITORY TAG...: the names go into URLs, so they are checked first.
registry_check() {
  local host_pattern='^[A-Za-z0-9.-]+(:[0-9]+)?$'
  local repository_pattern='^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$'
  local tag_pattern=$image_build_docker_tag_pattern tag
  if [[ ! "$1" =~ $host_pattern ]]; then
    registry_error "$(printf 'registry %q is not a host such as 127.0.0.1:5000 or ACCOUNT.dkr.ecr.REGION.amazonaws.com' "$1")"
    return 1
  fi
  if [[ ! "$2" =~ $repository_pattern ]]; then
    registry_error "$(printf 'repository %q is not a repository name such as team/training-tools' "$2")"
    return 1
  fi
  for tag in "${@:3}"; do
    if [[ ! "$tag" =~ $tag_pattern ]]; then
      registry_error "$(printf '%q is not a valid Docker tag: use 1 to 128 letters, digits, "_", "." or "-", starting with a letter, digit or "_"' "$tag")"
      return 1
    fi
  done
}

registry_base() {
  local loopback='^(localhost|127\.[0-9]+\.[0-9]+\.[0-9]+)(:[0-9]+)?$'
  if [[ "$1" =~ $loopback ]]; then
    printf 'http://%s/v2/%s\n' "$1" "$2"
  else
    printf 'https://%s/v2/%s\n' "$1" "$2"
  fi
}

registry_credentials() {
  local user=${REGISTRY_USERNAME//\\/\\\\} password=${REGISTRY_PASSWORD:-}
  password=${password//\\/\\\\}
  printf 'user = "%s:%s"\n' "${user//\"/\\\"}" "${password//\"/\\\"}"
}

registry_curl() {
  local options=(--silent --show-error --connect-timeout 10 --max-time 60 --retry 2)
  if [[ -n "${REGISTRY_USERNAME:-}" ]]; then
    curl "${options[@]}" --config <(registry_credentials) "$@"
  else
    curl "${options[@]}" "$@"
  fi
}

# registry_header NAME FILE: the last value of a response header, case-insensitively.
registry_header() {
  awk -v name="$1" 'BEGIN { name = tolower(name) ":" } { sub(/\r$/, "") }
    tolower(substr($0, 1, length(name))) == name { value = substr($0, length(name) + 1); sub(/^[ \t]+/, "", value) }
    END { print value }' "$2"
}

# A file's text on one line, for a message that must stay one line.
registry_oneline() {
  tr '\r\n' '  ' < "$1" | sed 's/[[:space:]]*$//' | cut -c 1-300
}

# What a refusal said: the code and message of a JSON error body, else its text.
registry_error_text() {
  local body code message
  body=$(registry_oneline "$1")
  code=$(printf '%s\n' "$body" | sed -n 's/.*"code"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
  message=$(printf '%s\n' "$body" | sed -n 's/.*"message"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
  if [[ -n "$code$message" ]]; then
    printf ' %s: %s' "$code" "$message"
  elif [[ -n "$body" ]]; then
    printf ' %s' "$body"
  fi
}

manifest_digest() (
  digest_pattern='^sha256:[0-9a-f]{64}$'
  if [[ "$3" =~ $digest_pattern ]]; then registry_check "$1" "$2" || exit 2; else registry_check "$@" || exit 2; fi
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/registry.XXXXXX") || exit 2
  trap 'rm -rf "$tmp"' EXIT
  status=$(registry_curl --head --output /dev/null --dump-header "$tmp/headers" --write-out '%{http_code}' \
    --header "$registry_accept" "$(registry_base "$1" "$2")/manifests/$3" 2>"$tmp/error") \
    || { registry_error "cannot reach $1: $(registry_oneline "$tmp/error")"; exit 2; }
  case "$status" in
    200) ;;
    404) exit 1 ;;
    401 | 403)
      registry_error "$1 refused access to $2 (HTTP $status): log in first with REGISTRY_USERNAME and REGISTRY_PASSWORD (for ECR: AWS and the output of aws ecr get-login-password)"
      exit 2 ;;
    *) registry_error "$1 answered HTTP $status for $2:$3"; exit 2 ;;
  esac
  digest=$(registry_header Docker-Content-Digest "$tmp/headers")
  if [[ ! "$digest" =~ $digest_pattern ]]; then
    registry_error "$1 sent no sha256 Docker-Content-Digest for $2:$3"
    exit 2
  fi
  printf '%s\n' "$digest"
)

image_revision() (
  digest_pattern='^sha256:[0-9a-f]{64}$'
  if [[ "$3" =~ $digest_pattern ]]; then registry_check "$1" "$2" || exit 2; else registry_check "$@" || exit 2; fi
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/registry.XXXXXX") || exit 2
  trap 'rm -rf "$tmp"' EXIT
  base=$(registry_base "$1" "$2")
  status=$(registry_curl --output "$tmp/manifest" --write-out '%{http_code}' --header "$registry_accept" "$base/manifests/$3" 2>"$tmp/error") \
    || { registry_error "cannot reach $1: $(registry_oneline "$tmp/error")"; exit 2; }
  [[ "$status" == 200 ]] || { registry_error "reading $1/$2:$3 failed: HTTP $status$(registry_error_text "$tmp/manifest")"; exit 2; }
  config=$(jq -r '.config.digest // empty' "$tmp/manifest" 2>/dev/null) || config=""
  [[ "$config" =~ $digest_pattern ]] || exit 0
  status=$(registry_curl --location --output "$tmp/config" --write-out '%{http_code}' "$base/blobs/$config" 2>"$tmp/error") \
    || { registry_error "cannot reach $1: $(registry_oneline "$tmp/error")"; exit 2; }
  [[ "$status" == 200 ]] || { registry_error "reading the configuration of $1/$2:$3 failed: HTTP $status"; exit 2; }
  jq -r --arg key "$image_build_revision_label" '.config.Labels[$key] // empty' "$tmp/config"
)

# index_child_valid PLATFORM DIGEST: whether an index's child names a
# platform (`os/architecture[/variant]`) and a sha256 digest.
index_child_valid() {
  local platform_pattern='^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$' digest_pattern='^sha256:[0-9a-f]{64}$'
  [[ "$1" =~ $platform_pattern && "$2" =~ $digest_pattern ]]
}

index_children() (
  digest_pattern='^sha256:[0-9a-f]{64}$'
  if [[ "$3" =~ $digest_pattern ]]; then registry_check "$1" "$2" || exit 2; else registry_check "$@" || exit 2; fi
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/registry.XXXXXX") || exit 2
  trap 'rm -rf "$tmp"' EXIT
  status=$(registry_curl --output "$tmp/manifest" --dump-header "$tmp/headers" --write-out '%{http_code}' \
    --header "$registry_accept" "$(registry_base "$1" "$2")/manifests/$3" 2>"$tmp/error") \
    || { registry_error "cannot reach $1: $(registry_oneline "$tmp/error")"; exit 2; }
  [[ "$status" == 200 ]] || { registry_error "reading $1/$2:$3 failed: HTTP $status$(registry_error_text "$tmp/manifest")"; exit 2; }
  media_type=$(registry_header Content-Type "$tmp/headers")
  case "${media_type%%;*}" in
    application/vnd.oci.image.index.v1+json | application/vnd.docker.distribution.manifest.list.v2+json) ;;
    *) exit 0 ;;
  esac
  # Every child gives one line, even one without a platform or a digest, and no
  # value can break its line: the caller refuses what is not a platform and a digest.
  jq -r '.manifests[] | [([.platform.os, .platform.architecture, .platform.variant // empty] | map(strings) | join("/")), (.digest // "" | tostring)]
    | map(gsub("[[:cntrl:] ]"; "?")) | join(" ")' \
    "$tmp/manifest" 2>/dev/null || { registry_error "$1/$2:$3 is an index without a list of manifests"; exit 2; }
)

promote_image() (
  if (( $# != 4 )); then
    registry_error 'usage: promote_image REGISTRY REPOSITORY SOURCE_TAG TARGET_TAG'
    exit 1
  fi
  registry_check "$@" || exit 1
  registry=$1 repository=$2 source=$3 target=$4
  status=0
  source_digest=$(manifest_digest "$registry" "$repository" "$source") || status=$?
  if (( status == 1 )); then
    registry_error "$registry/$repository:$source does not exist: there is no image to promote"
  fi
  (( status == 0 )) || exit 1
  status=0
  target_digest=$(manifest_digest "$registry" "$repository" "$target") || status=$?
  (( status <= 1 )) || exit 1
  if [[ "$target_digest" == "$source_digest" ]]; then
    printf '%s\n' "$source_digest"
    exit 0
  fi

  tmp=$(mktemp -d "${TMPDIR:-/tmp}/registry.XXXXXX") || exit 1
  trap 'rm -rf "$tmp"' EXIT
  base=$(registry_base "$registry" "$repository")
  status=$(registry_curl --output "$tmp/manifest" --dump-header "$tmp/headers" --write-out '%{http_code}' \
    --header "$registry_accept" "$base/manifests/$source_digest" 2>"$tmp/error") \
    || { registry_error "cannot reach $registry: $(registry_oneline "$tmp/error")"; exit 1; }
  if [[ "$status" != 200 ]]; then
    registry_error "reading $registry/$repository@$source_digest failed: HTTP $status$(registry_error_text "$tmp/manifest")"
    exit 1
  fi
  media_type=$(registry_header Content-Type "$tmp/headers")
  media_type=${media_type%%;*}
  known=false
  for type in "${image_build_manifest_media_types[@]}"; do
    [[ "$media_type" != "$type" ]] || known=true
  done
  if [[ "$known" != true ]]; then
    registry_error "$(printf '%s/%s:%s has media type %q, not an image manifest or index' "$registry" "$repository" "$source" "$media_type")"
    exit 1
  fi
  status=$(registry_curl --request PUT --header "Content-Type: $media_type" --data-binary "@$tmp/manifest" \
    --output "$tmp/response" --write-out '%{http_code}' "$base/manifests/$target" 2>"$tmp/error") \
    || status="no answer ($(registry_oneline "$tmp/error"))"

  written=$(manifest_digest "$registry" "$repository" "$target") || true
  if [[ "$written" == "$source_digest" ]]; then
    printf '%s\n' "$source_digest"
    exit 0
  fi
  if [[ "$status" == 201 ]]; then
    registry_error "$registry/$repository:$target points to ${written:-nothing}, not $source_digest, after the write: the manifest changed on the way"
    exit 1
  fi
  registry_error "cannot tag $registry/$repository:$source ($source_digest) as $target: HTTP $status$(registry_error_text "$tmp/response")${target_digest:+; $target points to $target_digest, and an immutable tag cannot move}"
  exit 1
)

# registry_child BASE DIGEST DIR: one index entry, as compact JSON, for the image manifest DIGEST.
registry_child() {
  local base=$1 digest=$2 tmp=$3 status media_type config
  status=$(registry_curl --output "$tmp/child" --dump-header "$tmp/child-headers" --write-out '%{http_code}' \
    --header "$registry_accept" "$base/manifests/$digest" 2>"$tmp/error") \
    || { registry_error "cannot reach the registry for $digest: $(registry_oneline "$tmp/error")"; return 1; }
  [[ "$status" == 200 ]] || { registry_error "child $digest is not in the repository: HTTP $status$(registry_error_text "$tmp/child")"; return 1; }
  [[ "$(sha256sum < "$tmp/child" | cut -d ' ' -f 1)" == "${digest#sha256:}" ]] \
    || { registry_error "the registry sent other bytes than $digest for that digest"; return 1; }
  media_type=$(registry_header Content-Type "$tmp/child-headers")
  media_type=${media_type%%;*}
  case "$media_type" in
    application/vnd.oci.image.manifest.v1+json | application/vnd.docker.distribution.manifest.v2+json) ;;
    *) registry_error "$(printf 'child %s has media type %q: an index lists image manifests only' "$digest" "$media_type")"; return 1 ;;
  esac
  config=$(jq -r '.config.digest // empty' "$tmp/child" 2>/dev/null) || config=""
  [[ "$config" =~ ^sha256:[0-9a-f]{64}$ ]] || { registry_error "child $digest names no configuration"; return 1; }
  status=$(registry_curl --location --output "$tmp/config" --write-out '%{http_code}' "$base/blobs/$config" 2>"$tmp/error") \
    || { registry_error "cannot reach the registry for $config: $(registry_oneline "$tmp/error")"; return 1; }
  [[ "$status" == 200 ]] || { registry_error "reading the configuration of child $digest failed: HTTP $status"; return 1; }
  jq -cj --arg mediaType "$media_type" --arg digest "$digest" --argjson size "$(wc -c < "$tmp/child")" '
    if (.os | type) == "string" and (.architecture | type) == "string" and (.os + "/" + .architecture | test("^[a-z0-9]+/[a-z0-9_]+$"))
    then {mediaType: $mediaType, digest: $digest, size: $size,
      platform: ({architecture, os} + (if (.variant | type) == "string" then {variant} else {} end))}
    else error("no os and architecture") end' "$tmp/config" 2>/dev/null \
    || { registry_error "the configuration of child $digest names no os and architecture"; return 1; }
  printf '\n'
}

put_index() (
  if (( $# < 4 )); then
    registry_error 'usage: put_index REGISTRY REPOSITORY TAG DIGEST...'
    exit 1
  fi
  registry_check "$1" "$2" "$3" || exit 1
  registry=$1 repository=$2 tag=$3
  for digest in "${@:4}"; do
    [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]] \
      || { registry_error "$(printf 'child %q is not a digest such as sha256:<64 hex digits>' "$digest")"; exit 1; }
  done
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/registry.XXXXXX") || exit 1
  trap 'rm -rf "$tmp"' EXIT
  base=$(registry_base "$registry" "$repository")
  for digest in $(printf '%s\n' "${@:4}" | sort -u); do
    registry_child "$base" "$digest" "$tmp" >> "$tmp/children" || exit 1
  done
  twice=$(jq -r '.platform | [.os, .architecture, .variant // empty] | join("/")' "$tmp/children" | sort | uniq -d | head -n 1)
  [[ -z "$twice" ]] || { registry_error "two children are built for $twice: an index holds one image per platform"; exit 1; }
  index_type=application/vnd.oci.image.index.v1+json
  jq -csj --arg mediaType "$index_type" \
    '{schemaVersion: 2, mediaType: $mediaType, manifests: sort_by(.platform.os, .platform.architecture, .platform.variant // "")}' \
    "$tmp/children" > "$tmp/index" || { registry_error 'cannot write the index'; exit 1; }
  index_digest="sha256:$(sha256sum < "$tmp/index" | cut -d ' ' -f 1)"
  status=0
  current=$(manifest_digest "$registry" "$repository" "$tag") || status=$?
  (( status <= 1 )) || exit 1
  if [[ "$current" != "$index_digest" ]]; then
    status=$(registry_curl --request PUT --header "Content-Type: $index_type" --data-binary "@$tmp/index" \
      --output "$tmp/response" --write-out '%{http_code}' "$base/manifests/$tag" 2>"$tmp/error") \
      || status="no answer ($(registry_oneline "$tmp/error"))"
    if [[ "$status" != 201 ]]; then
      registry_error "cannot write the index $index_digest as $registry/$repository:$tag: HTTP $status$(registry_error_text "$tmp/response")${current:+; $tag points to $current, and an immutable tag cannot move}"
      exit 1
    fi
  fi
  printf '%s\n' "$index_digest"
)
