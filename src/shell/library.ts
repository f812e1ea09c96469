import { FileBase } from 'projen/lib/file';
import { Project } from 'projen/lib/project';
import { quote } from './quote';
import {
  DOCKER_TAG_PATTERN, INPUTS_TAG_DIGITS, INPUTS_TAG_PREFIX, LATEST_TAG, movingTags, RESERVED_TAGS, snapshotTagPrefix, TagPolicy,
} from '../declaration/tagging';
import { PROVENANCE_ARGS } from '../docker/build-args';

/**
 * The folder of the shell library: hand-written, shellchecked `.sh` files of
 * functions (tag rules, fingerprint, registry and promotion, size check,
 * summary) that the reusable image workflow's steps and the local script
 * `docker/image-tasks.sh` both source. Only {@link LIBRARY_SETTINGS_PATH} in it
 * is generated.
 */
export const LIBRARY_DIR = 'image-build';

/** The generated file of the values the library takes from `.projenrc.ts` and from constants TypeScript uses too. */
export const LIBRARY_SETTINGS_PATH = `${LIBRARY_DIR}/settings.sh`;

/** Seconds the AWS CLI waits to connect to ECR and for its answer; with its retries, a step ends within about two minutes. */
export const ECR_CONNECT_TIMEOUT_SECONDS = 10;
export const ECR_READ_TIMEOUT_SECONDS = 30;
/** Attempts of the AWS CLI's standard retry mode, first try included. */
export const ECR_MAX_ATTEMPTS = 3;

/**
 * The manifest media types a promotion copies: Docker's and OCI's, single
 * image and multi-platform index. A manifest is requested with all of them,
 * so the registry answers with the bytes it stored instead of converting.
 *
 * @see https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
 */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

/** Folders of pre-installed toolchains on GitHub's hosted runners that image builds never use. */
export const RUNNER_BLOAT = [
  '/usr/share/dotnet',
  '/usr/local/lib/android',
  '/opt/ghc',
  '/opt/hostedtoolcache/CodeQL',
];

/** The label that names the commit an image was built from. */
const REVISION_LABEL = PROVENANCE_ARGS.find((a) => a.key === 'revision')!.label;

/**
 * The text of `image-build/settings.sh`: plain bash assignments, one value a
 * line, so a change to one declared value is one changed line in one file.
 */
export function renderLibrarySettings(policy: TagPolicy, marker: string): string {
  const array = (values: readonly (string | number)[]) => `(${values.map((v) => quote(String(v))).join(' ')})`;
  const assign = (name: string, value: string | number | readonly (string | number)[]) =>
    `image_build_${name}=${Array.isArray(value) ? array(value) : quote(String(value))}`;
  return [
    '# shellcheck shell=bash',
    '# shellcheck disable=SC2034 # read by the files that source this one',
    `# ${marker}`,
    '# The values the image-build library takes from .projenrc.ts and from the',
    '# TypeScript constants that define them once.',
    '',
    '# Tag rules (README, "Tags").',
    assign('latest_branch', policy.latestBranch),
    assign('latest_tag', LATEST_TAG),
    assign('snapshot_branches', policy.snapshotBranches),
    assign('snapshot_prefixes', policy.snapshotBranches.map(snapshotTagPrefix)),
    assign('release_tag_pattern', policy.releaseTagPattern),
    assign('docker_tag_pattern', DOCKER_TAG_PATTERN),
    assign('reserved_tag_patterns', RESERVED_TAGS.map((r) => r.pattern)),
    assign('reserved_tag_purposes', RESERVED_TAGS.map((r) => r.purpose)),
    '# Tags a later run moves again; ECR lets only these move.',
    assign('moving_tag_globs', movingTags(policy).map((t) => t.pattern)),
    assign('inputs_tag_prefix', INPUTS_TAG_PREFIX),
    assign('inputs_tag_digits', INPUTS_TAG_DIGITS),
    '',
    '# Registry and ECR.',
    assign('manifest_media_types', MANIFEST_MEDIA_TYPES),
    assign('revision_label', REVISION_LABEL),
    assign('ecr_connect_timeout', ECR_CONNECT_TIMEOUT_SECONDS),
    assign('ecr_read_timeout', ECR_READ_TIMEOUT_SECONDS),
    assign('runner_bloat', RUNNER_BLOAT),
    '',
    '# The build arguments that carry provenance, passed with values known only at build time.',
    ...PROVENANCE_ARGS.map((a) => assign(`provenance_${a.key}`, a.name)),
    '',
  ].join('\n');
}

/** The generated `image-build/settings.sh`, read-only with projen's marker. */
export class LibrarySettings extends FileBase {
  constructor(project: Project, private readonly policy: TagPolicy) {
    super(project, LIBRARY_SETTINGS_PATH, { readonly: true, marker: true });
  }

  protected synthesizeContent(): string {
    return renderLibrarySettings(this.policy, this.marker ?? '');
  }
}
