import { PROVENANCE_ARGS, ProvenanceKey } from './build-args';
import { BUILD_CONTEXT_EXCLUDES } from './build-context-ignore';
import { LATEST_TAG, TagPolicy } from '../declaration/tagging';
import type { ContainerImage } from '../platform/container-image';
import type { PlatformSettings } from '../platform/platform-settings';
import { quote } from '../shell/quote';
import { renderTagFunctions } from '../shell/tag-functions';

/** The engines the local tasks drive, docker first as the default. */
export const CONTAINER_ENGINES = ['docker', 'podman', 'buildah'] as const;

/** The oldest bash the script runs on: `shopt -s inherit_errexit` came with 4.4. */
export const MINIMUM_BASH = '4.4';

/** How many changed files the refusal to build from a dirty tree names before it counts the rest. */
const FILES_NAMED = 3;

/**
 * How the local script computes each provenance value; the workflow reads the
 * same values from the runner (see `ImageBuildWorkflow`).
 */
const LOCAL_PROVENANCE: Record<ProvenanceKey, string> = {
  source: '$(source_url)',
  revision: '$revision',
  version: '$tag',
  created: '$(git log -1 --format=%cI HEAD 2>/dev/null || true)',
};

/**
 * The bash script behind the `build-image:<id>`, `test-image:<id>` and
 * `push-image:<id>` tasks. It runs without Node, so the engine starts at once,
 * and shares with the workflow its tag functions, build arguments, platform
 * and smoke test command. Every value from outside (tag argument,
 * environment) reaches commands only as a quoted argument and is checked first.
 */
export function renderLocalScript(platform: PlatformSettings, images: readonly ContainerImage[], path: string, marker: string): string {
  const ids = images.map((i) => i.imageId).join(', ');
  const registry = platform.registry;
  const depth = path.split('/').length - 1;
  return [
    '#!/usr/bin/env bash',
    `# ${marker}`,
    '# Builds, smoke-tests and pushes the images declared in .projenrc.ts on this',
    '# machine, with the tag rules, build arguments, platform and smoke test of the',
    '# workflows.',
    '#',
    `#   ${path} build|test|push|tag IMAGE_ID [TAG]`,
    '#',
    '# TAG               replaces the tag the git state gives; checked like a dispatch tag',
    `# CONTAINER_ENGINE  ${CONTAINER_ENGINES.join(', ')} (default docker)`,
    `# IMAGE_REGISTRY    the registry images are named for and pushed to (default ${registry.host})`,
    '# Engine settings such as STORAGE_DRIVER, BUILDAH_ISOLATION or CONTAINERS_REGISTRIES_CONF',
    '# reach the engine unchanged.',
    '',
    ...renderBashVersionCheck(),
    '',
    'set -euo pipefail',
    // Without it, a failure inside $(...) would not stop the function that ran it.
    'shopt -s inherit_errexit',
    `cd "$(dirname "\${BASH_SOURCE[0]}")${'/..'.repeat(depth)}"`,
    '',
    renderTagFunctions(platform.tagPolicy),
    '',
    `readonly release_tag_pattern=${quote(platform.tagPolicy.releaseTagPattern)}`,
    `readonly default_registry=${quote(registry.host)}`,
    `readonly usage=${quote(`usage: ${path} build|test|push|tag IMAGE_ID [TAG]`)}`,
    '# What .dockerignore keeps out of every build context, as git pathspecs: a change',
    '# there never reaches an image.',
    `readonly context_excludes=(${contextExcludePathspecs().map(quote).join(' ')})`,
    '',
    'fail() {',
    '  printf \'image-tasks: %s\\n\' "$1" >&2',
    '  exit 1',
    '}',
    '',
    '# Runs a tag function: its workflow-command error becomes one plain line, with a',
    '# local hint appended.',
    'tag_rule() {',
    '  local hint=$1 out',
    '  shift',
    '  if ! out=$("$@" 2>&1); then',
    '    fail "${out#::error title=*::}$hint"',
    '  fi',
    '  printf \'%s\\n\' "$out"',
    '}',
    '',
    '# The tag the workflow gives this commit: a release tag at HEAD wins over the',
    '# branch, as a tag push builds after the branch push; an argument replaces both,',
    '# like a dispatch input.',
    'local_tag() {',
    '  local requested=$1 sha release branch tag',
    '  sha=$(git rev-parse HEAD 2>/dev/null || true)',
    '  if [[ -n "$requested" ]]; then',
    '    tag=$(tag_rule "" resolve_tag workflow_dispatch branch "" "$sha" "$requested")',
    '  else',
    '    [[ -n "$sha" ]] || fail "not in a git checkout with a commit: pass the tag as an argument"',
    '    release=$(git tag --points-at HEAD --sort=-v:refname --list "$release_tag_pattern" | sed -n 1p)',
    '    if [[ -n "$release" ]]; then',
    '      tag=$(tag_rule "" resolve_tag push tag "$release" "$sha" "")',
    '    elif branch=$(git symbolic-ref --quiet --short HEAD); then',
    '      tag=$(tag_rule "; locally, pass the tag as an argument instead" resolve_tag push branch "$branch" "$sha" "")',
    '    else',
    '      fail "HEAD is detached and carries no release tag ($release_tag_pattern): pass the tag as an argument"',
    '    fi',
    '  fi',
    '  tag_rule "" check_tag "$tag" >/dev/null',
    '  printf \'%s\\n\' "$tag"',
    '}',
    '',
    ...renderCiTagCheck(platform.tagPolicy),
    '',
    '# The origin remote as an https URL, without credentials; empty when there is none',
    '# or it names no host and path. Only an https remote keeps its port: the port of an',
    '# ssh:// or git:// remote is the ssh or git daemon\'s, not the web server\'s.',
    'source_url() {',
    '  local url',
    '  url=$(git remote get-url origin 2>/dev/null || true)',
    '  url=${url%.git}',
    '  if [[ "$url" =~ ^https://([^/@]*@)?([A-Za-z0-9.-]+(:[0-9]+)?)(/[^?#]+)$ ]]; then',
    '    printf \'https://%s%s\\n\' "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]}"',
    '  elif [[ "$url" =~ ^[a-z][a-z0-9+.-]*://([^/@]*@)?([A-Za-z0-9.-]+)(:[0-9]+)?(/[^?#]+)$ ]]; then',
    '    printf \'https://%s%s\\n\' "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]}"',
    '  elif [[ "$url" =~ ^([^/@:]+@)?([A-Za-z0-9.-]+):([^/][^?#]*)$ ]]; then',
    '    printf \'https://%s/%s\\n\' "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"',
    '  fi',
    '}',
    '',
    '# The image\'s input files that differ from HEAD: changed, staged, deleted or new',
    '# (git-ignored files aside), minus what never reaches the build context.',
    'uncommitted_inputs() {',
    '  {',
    '    git -c core.quotePath=false diff --name-only --no-renames HEAD -- "${inputs[@]}" "${context_excludes[@]}"',
    '    git -c core.quotePath=false ls-files --others --exclude-standard -- "${inputs[@]}" "${context_excludes[@]}"',
    '  } | sort -u',
    '}',
    '',
    '# The commit the image is built from, for its revision label. CI builds only',
    '# commits, so a CI tag on an image with uncommitted changes would be a lie: refuse',
    '# it. Another tag is allowed, and its revision says `<sha>-dirty`, as `git describe',
    '# --dirty` would.',
    'build_revision() {',
    '  local sha changed files named more=""',
    '  sha=$(git rev-parse HEAD 2>/dev/null || true)',
    '  [[ -n "$sha" ]] || return 0',
    '  changed=$(uncommitted_inputs)',
    '  if [[ -z "$changed" ]]; then',
    '    printf \'%s\\n\' "$sha"',
    '    return 0',
    '  fi',
    '  readarray -t files <<<"$changed"',
    `  named=$(printf '%s, ' "\${files[@]:0:${FILES_NAMED}}")`,
    `  (( \${#files[@]} <= ${FILES_NAMED} )) || more=" and $(( \${#files[@]} - ${FILES_NAMED} )) more"`,
    '  if [[ -z "$requested_tag" ]] || is_ci_tag "$tag"; then',
    '    fail "$ref would carry a tag CI pushes, but ${#files[@]} of the files it is built from differ from the last commit (${named%, }$more): commit or stash them, or pass another tag as an argument, whose image is labelled as not from a clean commit"',
    '  fi',
    '  echo "==> ${#files[@]} uncommitted file(s) go into $ref: its revision label says $sha-dirty" >&2',
    '  printf \'%s-dirty\\n\' "$sha"',
    '}',
    '',
    '# One declared image: where it goes, what it is built from and its smoke test.',
    'image_config() {',
    '  case "$1" in',
    ...images.flatMap(renderImageCase),
    '    *)',
    `      fail "$(printf 'no image %q is declared; declared: %s' "$1" ${quote(ids)})"`,
    '      ;;',
    '  esac',
    '}',
    '',
    'require_engine() {',
    '  case "$engine" in',
    `    ${CONTAINER_ENGINES.join('|')}) ;;`,
    `    *) fail "$(printf 'CONTAINER_ENGINE=%q is not one of %s' "$engine" ${quote(CONTAINER_ENGINES.join(', '))})" ;;`,
    '  esac',
    '  command -v "$engine" >/dev/null 2>&1 \\',
    '    || fail "container engine $engine is not installed (not on PATH): install it, or set CONTAINER_ENGINE to another of docker, podman, buildah"',
    '}',
    '',
    '# Provenance goes in as build arguments only, as in the workflow: the labels come',
    '# from the Dockerfile\'s ARG and LABEL lines, the path CI relies on.',
    '# The Dockerfile for engines other than docker. buildah before 1.41 and podman',
    '# before 5 reject COPY --link, which only spares BuildKit earlier layers, so',
    '# their copy has none. They also key a cached LABEL step on its text, not on',
    '# the build arguments it expands, so a rebuild at a new commit would keep the',
    '# old labels: a no-op RUN before the final stage\'s first LABEL misses their',
    '# cache whenever the provenance arguments change (unless that stage is FROM',
    '# scratch, which has no shell).',
    'engine_dockerfile() {',
    '  awk \'',
    '    { line[NR] = $0 }',
    '    /^[[:space:]]*FROM[[:space:]]/ { final = NR; scratch = ($2 == "scratch") }',
    '    END {',
    '      for (i = 1; i <= NR; i++) {',
    '        text = line[i]',
    '        if (text ~ /^[[:space:]]*(COPY|ADD)[[:space:]]/) gsub(/[[:space:]]--link(=true)?/, "", text)',
    '        if (!labelled && i > final && !scratch && text ~ /^[[:space:]]*LABEL[[:space:]]/) { print "RUN true"; labelled = 1 }',
    '        print text',
    '      }',
    '    }\' "$dockerfile"',
    '}',
    '',
    'build() {',
    '  local line revision file=$dockerfile args=()',
    '  revision=$(build_revision)',
    '  while IFS= read -r line; do',
    '    [[ -z "$line" || "$line" == "#"* ]] || args+=(--build-arg "$line")',
    '  done < "$build_args_file"',
    ...PROVENANCE_ARGS.map((a) => `  args+=(--build-arg "${a.name}=${LOCAL_PROVENANCE[a.key]}")`),
    '  local command=("$engine" build)',
    // buildah keeps no layer cache unless asked; docker and podman do by default.
    '  [[ "$engine" != buildah ]] || command=(buildah bud --layers)',
    '  if [[ "$engine" != docker ]]; then',
    '    file=$(mktemp "${TMPDIR:-/tmp}/image-tasks-dockerfile.XXXXXX")',
    '    temporary+=("$file")',
    '    engine_dockerfile > "$file"',
    '  fi',
    '  echo "==> Building $ref for $platform from $dockerfile with $engine"',
    '  "${command[@]}" --platform "$platform" --file "$file" --tag "$ref" "${args[@]}" . \\',
    '    || fail "building $ref with $engine failed: the engine\'s output above says why"',
    '}',
    '',
    '# Whether the engine\'s local storage holds the image.',
    'image_exists() {',
    '  if [[ "$engine" == buildah ]]; then',
    '    buildah inspect --type image "$ref" >/dev/null 2>&1',
    '  else',
    '    "$engine" image inspect "$ref" >/dev/null 2>&1',
    '  fi',
    '}',
    '',
    'require_image() {',
    '  image_exists || fail "there is no local image $ref: build it first: npx projen build-image:$id${requested_tag:+ $requested_tag}"',
    '}',
    '',
    '# What this run leaves behind, removed when it ends however it ends.',
    'container=""',
    'temporary=()',
    'clean_up() {',
    '  [[ -z "$container" ]] || buildah rm "$container" >/dev/null',
    '  (( ${#temporary[@]} == 0 )) || rm -f "${temporary[@]}"',
    '}',
    'trap clean_up EXIT',
    '',
    'smoke_test() {',
    '  require_image',
    '  echo "==> Smoke test in $ref: ${smoke_command[*]}"',
    '  if [[ "$engine" == buildah ]]; then',
    '    container=$(buildah from --pull=never --quiet "$ref")',
    '    buildah run "$container" -- "${smoke_command[@]}" \\',
    '      || fail "smoke test failed in $ref: ${smoke_command[*]}"',
    '  else',
    '    "$engine" run --rm --pull never "$ref" "${smoke_command[@]}" \\',
    '      || fail "smoke test failed in $ref: ${smoke_command[*]}"',
    '  fi',
    '  echo "==> Smoke test passed"',
    '}',
    '',
    'push() {',
    '  require_image',
    '  echo "==> Pushing $ref with $engine"',
    '  "$engine" push "$ref" \\',
    `    || fail "pushing $ref failed; log in first (for ECR: aws ecr get-login-password --region ${registry.region} | $engine login --username AWS --password-stdin $registry)"`,
    '}',
    '',
    '(( $# == 2 || $# == 3 )) || fail "$usage"',
    'action=$1',
    'id=$2',
    'requested_tag=${3-}',
    'image_config "$id"',
    'tag=$(local_tag "$requested_tag")',
    'registry=${IMAGE_REGISTRY:-$default_registry}',
    '[[ "$registry" =~ ^[A-Za-z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$ ]] \\',
    '  || fail "$(printf \'IMAGE_REGISTRY=%q is not a registry such as 127.0.0.1:5000 or %s\' "$registry" "$default_registry")"',
    'ref="$registry/$repository:$tag"',
    'engine=${CONTAINER_ENGINE:-docker}',
    'case "$action" in',
    '  tag) printf \'%s\\n\' "$tag" ;;',
    '  build) require_engine; build ;;',
    '  test) require_engine; smoke_test ;;',
    '  push) require_engine; push ;;',
    '  *) fail "$usage" ;;',
    'esac',
    '',
  ].join('\n');
}

/**
 * The first command of the script. bash reads and runs a script one command at
 * a time, so this check runs before anything newer is parsed; it is written in
 * syntax bash 3.2 (macOS's /bin/bash) understands. The version arrives through
 * a variable the test suite can set, as no bash 3.2 is at hand there.
 */
function renderBashVersionCheck(): string[] {
  const [major, minor] = MINIMUM_BASH.split('.');
  return [
    `# bash ${MINIMUM_BASH} or newer. This check comes first and stays in bash 3.2 syntax, so`,
    '# macOS\'s /bin/bash (3.2) reaches it and says what to do instead of failing on a',
    '# later line. IMAGE_TASKS_BASH_VERSION stands in for BASH_VERSION in the tests.',
    'bash_version=${IMAGE_TASKS_BASH_VERSION:-$BASH_VERSION}',
    'case "$bash_version" in',
    `  [0-${Number(major) - 1}].*|${major}.[0-${Number(minor) - 1}].*)`,
    `    echo "image-tasks: bash $bash_version is too old: these tasks need bash ${MINIMUM_BASH} or newer; on macOS run 'brew install bash', open a new terminal (Homebrew's bin comes first on PATH) and run the task again" >&2`,
    '    exit 1',
    '    ;;',
    'esac',
  ];
}

/** `is_ci_tag TAG`: whether CI pushes tags of this form, from the declared tag rules. */
function renderCiTagCheck(policy: TagPolicy): string[] {
  const patterns = [
    quote(LATEST_TAG),
    ...policy.snapshotBranches.map((branch) => `${quote(branch.replace(/\//g, '-'))}-*`),
    // Validated to letters, digits, '.', '_', '-' and '*' (see tagging.ts): safe as a bare glob.
    policy.releaseTagPattern,
  ];
  return [
    '# Whether CI pushes tags of this form: latest, a snapshot tag or a release tag.',
    'is_ci_tag() {',
    '  case "$1" in',
    `    ${patterns.join('|')}) return 0 ;;`,
    '    *) return 1 ;;',
    '  esac',
    '}',
  ];
}

/** The `.dockerignore` patterns as git pathspecs that exclude the same files. */
function contextExcludePathspecs(): string[] {
  return BUILD_CONTEXT_EXCLUDES
    .filter((pattern) => pattern !== '.git/')
    .map((pattern) => `:(exclude,glob)${pattern.endsWith('/') ? `${pattern}**` : pattern}`);
}

/** One image's arm of `image_config`: plain assignments a reviewer can read. */
function renderImageCase(image: ContainerImage): string[] {
  return [
    `    ${quote(image.imageId)})`,
    `      repository=${quote(image.repository)}`,
    `      dockerfile=${quote(image.dockerfile)}`,
    `      build_args_file=${quote(image.buildArgsFile)}`,
    `      platform=${quote(image.targetPlatform.value)}`,
    `      inputs=(${image.buildInputs.map(quote).join(' ')})`,
    `      smoke_command=(${image.smokeTestCommand.map(quote).join(' ')})`,
    '      ;;',
  ];
}
