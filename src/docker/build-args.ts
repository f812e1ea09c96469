/** A build argument projen passes, with the value the declaration gives it. */
export interface BuildArg {
  /** The `ARG` name, e.g. `AWS_CLI_VERSION`. */
  readonly name: string;
  /** The value passed, e.g. `2.27.50`. */
  readonly value: string;
}

/**
 * pip's index, a build argument pip reads from the environment: pip's own
 * default in the build arguments file, like the tools' download servers, so a
 * local build behind a mirror can replace it for that build alone
 * (`PIP_INDEX_URL=... npx projen build-image:<id>`), installing the same pinned versions.
 *
 * @see https://pip.pypa.io/en/stable/topics/configuration/#environment-variables
 */
export const PIP_INDEX_URL_ARG = 'PIP_INDEX_URL';

/** pip's default index. */
export const DEFAULT_PIP_INDEX_URL = 'https://pypi.org/simple';

/** What a provenance build argument records. */
export type ProvenanceKey = 'source' | 'revision' | 'created';

/**
 * A provenance build argument: its value exists only when the image is built,
 * so the workflow and the local task each supply it, and the Dockerfile turns
 * it into an OCI label.
 *
 * @see https://github.com/opencontainers/image-spec/blob/main/annotations.md#pre-defined-annotation-keys
 */
export interface ProvenanceArg {
  readonly key: ProvenanceKey;
  /** The `ARG` name. */
  readonly name: string;
  /** The OCI label it sets. */
  readonly label: string;
  /** What the value is, for people reading the build arguments file. */
  readonly description: string;
}

/**
 * The provenance build arguments every image receives, in the order they are
 * passed. No `org.opencontainers.image.version`: one image (one digest) is
 * promoted to several tags (`develop-<sha7>`, `latest`, `v2.0.0`), and a
 * digest cannot carry per-tag data; the tags and the job summary name it.
 */
export const PROVENANCE_ARGS: readonly ProvenanceArg[] = [
  { key: 'source', name: 'IMAGE_SOURCE', label: 'org.opencontainers.image.source', description: 'the repository URL, without credentials' },
  { key: 'revision', name: 'IMAGE_REVISION', label: 'org.opencontainers.image.revision', description: 'the full commit SHA' },
  // The commit time rather than the clock: rebuilding a commit gives the same labels.
  { key: 'created', name: 'IMAGE_CREATED', label: 'org.opencontainers.image.created', description: 'the commit time, RFC 3339' },
];
