import { BUILD_CONTEXT_EXCLUDES } from './build-context-ignore';
import type { ContainerImage } from '../platform/container-image';
import type { PlatformSettings } from '../platform/platform-settings';
import { fingerprintArguments } from '../shell/fingerprint';
import { LIBRARY_DIR } from '../shell/library';
import { quote } from '../shell/quote';

/** The library file with the local tasks; the generated script only declares the images. */
const LOCAL_TASKS_FILE = `${LIBRARY_DIR}/local-tasks.sh`;

/**
 * The bash script behind the `build-image:<id>`, `test-image:<id>` and
 * `push-image:<id>` tasks: what `.projenrc.ts` declares (registry, images),
 * then the tasks themselves from the shell library the workflow's steps use
 * too (`image-build/local-tasks.sh`).
 */
export function renderLocalScript(platform: PlatformSettings, images: readonly ContainerImage[], path: string, marker: string): string {
  const registry = platform.registry;
  const depth = path.split('/').length - 1;
  return [
    '#!/usr/bin/env bash',
    `# ${marker}`,
    '# Builds, smoke-tests and pushes the images declared in .projenrc.ts on this',
    '# machine, with the tag rules, build arguments, platform and smoke test of the',
    '# workflows.',
    '#',
    `#   ${path} build|test|push|tag|fingerprint IMAGE_ID [TAG]`,
    '#',
    '# fingerprint prints the image named by its inputs tag, as the workflow computes it;',
    '# build tags the image with it too, and push pushes both tags.',
    '# TAG               replaces the tag the git state gives; checked like a dispatch tag',
    '# CONTAINER_ENGINE  docker, podman, buildah (default docker)',
    `# IMAGE_REGISTRY    the registry images are named for and pushed to (default ${registry.host})`,
    '# Behind a mirror or proxy, for one build (the same bytes, so the fingerprint stays):',
    '# BASE_IMAGE_MIRROR a registry serving the base image, e.g. 127.0.0.1:5000 or mirror.example.com/dockerhub',
    '# AWS_CLI_MIRROR, KUBECTL_MIRROR  a tool\'s download base URL, for images with that tool',
    '# PIP_INDEX_URL     pip\'s index, e.g. https://artifacts.example.com/api/pypi/simple',
    '# Engine settings such as STORAGE_DRIVER, BUILDAH_ISOLATION or CONTAINERS_REGISTRIES_CONF',
    '# reach the engine unchanged.',
    '',
    `cd "$(dirname "\${BASH_SOURCE[0]}")${'/..'.repeat(depth)}"`,
    `# shellcheck source=${LOCAL_TASKS_FILE}`,
    // `.`, not `source`: this line and the `cd` above run before the library's bash version check.
    `. ${LOCAL_TASKS_FILE}`,
    '',
    `image_tasks_path=${quote(path)}`,
    `image_tasks_default_registry=${quote(registry.host)}`,
    `image_tasks_region=${quote(registry.region)}`,
    '# What .dockerignore keeps out of every build context, as git pathspecs: a change',
    '# there never reaches an image.',
    `image_tasks_context_excludes=(${contextExcludePathspecs().map(quote).join(' ')})`,
    '',
    '# One declared image: where it goes, what it is built from and its smoke test.',
    'image_config() {',
    '  case "$1" in',
    ...images.flatMap(renderImageCase),
    '    *)',
    `      fail "$(printf 'no image %q is declared; declared: %s' "$1" ${quote(images.map((i) => i.imageId).join(', '))})" ;;`,
    '  esac',
    '}',
    '',
    'image_tasks_main "$@"',
    '',
  ].join('\n');
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
    // Only an image of several platforms lists them: `--platform` picks one, the host's by default.
    ...(image.multiPlatform ? [`      platforms=(${image.platforms.map((p) => quote(p.value)).join(' ')})`] : []),
    `      inputs=(${image.buildInputs.map(quote).join(' ')})`,
    `      fingerprint_inputs=(${fingerprintArguments(image).map(quote).join(' ')})`,
    `      smoke_command=(${image.smokeTestCommand.map(quote).join(' ')})`,
    '      ;;',
  ];
}
