import { RESERVED_TAGS } from '../declaration/tagging';
import { LIBRARY_DIR, RUNNER_BLOAT } from '../shell/library';

/** Inline Markdown code of each value, as the README writes them. */
const codes = (values: readonly string[]) => values.map((v) => `\`${v}\``).join(', ');

/** The reusable workflow's file under `.github/workflows/`. */
export const REUSABLE_WORKFLOW_FILE = 'image-build.yaml';

/** The reusable workflow's path in the repository. */
export const REUSABLE_WORKFLOW_PATH = `.github/workflows/${REUSABLE_WORKFLOW_FILE}`;

/** The reusable workflow of the images built for several platforms, generated only when one is declared. */
export const MULTI_PLATFORM_WORKFLOW_FILE = 'image-build-multi-platform.yaml';

/** The multi-platform reusable workflow's path in the repository. */
export const MULTI_PLATFORM_WORKFLOW_PATH = `.github/workflows/${MULTI_PLATFORM_WORKFLOW_FILE}`;

/** One step of the image job: its id, its name in the workflow and the run log, and why it is there. */
export interface ImageStep {
  /** The step's `id`, by which later steps read its outputs. */
  readonly id: string;
  /** The step's `name`, shown in the run log and the README. */
  readonly name: string;
  /** What the step does and why, for the README's "Build steps". */
  readonly description: string;
  /**
   * Comment lines written above the step in the workflow file, where its YAML alone does not say why.
   * @default - none
   */
  readonly comment?: readonly string[];
}

/** The `run:` text of a step that calls one function of the library file `file`. */
export function libraryCall(file: string, fn: string): string {
  return `source ${LIBRARY_DIR}/${file}\n${fn}\n`;
}

/**
 * Every step of the image job, in order: the one table the reusable workflow,
 * its comments, the README and the tests read, as projen's `WorkflowSteps`
 * keeps one definition per step. Descriptions name what a reader of a run log
 * wants to know; the README adds which images run a conditional step.
 */
export const IMAGE_STEPS = {
  checkout: {
    id: 'checkout',
    name: 'Checkout',
    description: 'checks out the repository, without keeping the token in the checkout',
  },
  tag: {
    id: 'tag',
    name: 'Set image tag',
    description: `derives the image tag from the trigger and refuses a tag the trigger's ref may not publish (see [Tagging strategy](#tagging-strategy)), a tag Docker would not accept or one the workflows reserve (${codes(RESERVED_TAGS.map((r) => r.glob))})`,
  },
  releaseOnMain: {
    id: 'release_on_main',
    name: 'Check a release is on the latest branch',
    description: 'for a release tag, fails unless the commit is in the latest branch\'s history (`git merge-base --is-ancestor`); a git tag ref is checked out with the whole history of every branch (`fetch-depth: 0`, without file contents: `filter: blob:none`), a branch with its one commit',
  },
  commit: {
    id: 'commit',
    name: 'Read commit time',
    description: 'reads the commit\'s time for the image\'s `org.opencontainers.image.created` label, so rebuilding a commit labels it the same',
  },
  inputs: {
    id: 'inputs',
    name: 'Fingerprint the inputs',
    description: 'hashes what determines the image (the Dockerfile, the build arguments, the platform and every folder or file it copies, as git hashes them; no commit, time or tag) into the inputs tag `inputs-<16 hex digits>`, prints what it hashed, and hands the build steps the Dockerfile, platform and build arguments from that very document, so nothing else can be built under the tag',
  },
  credentials: {
    id: 'credentials',
    name: 'Configure AWS credentials (OIDC)',
    description: 'requests a GitHub OIDC token and assumes the AWS role with it, failing if the credentials belong to any account but the registry\'s (`allowed-account-ids`)',
  },
  login: {
    id: 'ecr',
    name: 'Login to Amazon ECR',
    description: 'logs Docker in to the registry',
  },
  reuse: {
    id: 'reuse',
    name: 'Reuse an image of the same inputs',
    description: 'when ECR has the inputs tag (an earlier run built the same inputs, e.g. on `develop` before a merge, or before a release tag), puts the wanted tag on that very image through the registry API, copying its manifest byte for byte so the digest stays, and every build step below is skipped; an image whose revision label is not a 40-hex commit (a laptop\'s `<sha>-dirty` build, no label) is never promoted, and a dispatch with `rebuild: true` builds anyway',
  },
  immutableTag: {
    id: 'immutable_tag',
    name: 'Refuse to move an immutable tag',
    description: 'before a build, fails when the tag already names an image in ECR and is not one the workflows move (see [Tagging strategy](#tagging-strategy))',
  },
  freeDisk: {
    id: 'free_disk',
    name: 'Free disk space',
    description: `before a build, on GitHub-hosted runners only (\`runner.environment == 'github-hosted'\`; a self-hosted runner's machine is left alone), removes pre-installed toolchains the build never uses (${codes(RUNNER_BLOAT)}) and unused Docker images, to make room for large images`,
  },
  buildx: {
    id: 'buildx',
    name: 'Set up Docker Buildx',
    description: 'starts a BuildKit builder in a container, which builds and pushes without ever loading the image into the runner\'s Docker',
  },
  smokeTest: {
    id: 'smoke_test',
    name: 'Smoke-test the Python layers',
    description: 'builds the Dockerfile\'s `smoke-test` stage, which imports every Python dependency with `python -c "import ..."` on the stage the image is built from; only its result is kept, in the `buildcache-smoke-test` cache, so it runs again only when those layers change, and a failure stops the run before anything is pushed',
    comment: [
      'The smoke-test stage is built on the Dockerfile\'s python stage, the stage the image',
      'itself starts from: same instructions, same build arguments, same cache, so the layers',
      'it imports every Python dependency in are the ones the next step pushes. Its result is',
      'cached under buildcache-smoke-test, so it runs again only when those layers change.',
    ],
  },
  build: {
    id: 'build',
    name: 'Build and push image',
    description: 'builds the Dockerfile with BuildKit, reading and refreshing the registry cache kept as the repository\'s `buildcache` tag, and pushes it straight to ECR under the wanted tag and the inputs tag: after a scripts-only change, only the scripts\' layer is built and uploaded; a dispatch with `rebuild: true` takes no layer from the cache (here and in the smoke test) and pulls the base image again, so unpinned packages are fetched anew',
  },
  size: {
    id: 'size',
    name: 'Check image size',
    description: 'reads the pushed digest\'s compressed size in ECR (`aws ecr describe-images`, `imageSizeInBytes`: config plus compressed layers, what every pull downloads), warns, never fails, when it is larger than the threshold (see [Workflows](#workflows)) or when ECR cannot answer, and writes image, tag, digest and size to the job summary',
  },
  origin: {
    id: 'origin',
    name: 'Record where the image came from',
    description: 'writes to the job summary whether this run built the image or promoted an earlier build, and the commit it was built from',
  },
} as const satisfies Record<string, ImageStep>;
