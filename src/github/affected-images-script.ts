import { pathFilterRegex } from './path-filter';

/** What the affected-images summary needs to know about one image. */
export interface AffectedImageEntry {
  /** The ECR repository, as reviewers know the image. */
  readonly repository: string;
  /** The workflow's `name`. */
  readonly workflowName: string;
  /** The workflow's `on.push.paths`, in order. */
  readonly pathFilters: readonly string[];
}

/**
 * The environment of the `affected_images_step` of `image-build/pull-request.sh`,
 * which writes to the job summary which images a merge would rebuild: the
 * images, one a line, and their path filters as anchored POSIX regular
 * expressions (`<image line> <+|-> <regex>`), evaluated as GitHub does.
 */
export function affectedImagesEnv(images: readonly AffectedImageEntry[]): Record<string, string> {
  const rules = images.flatMap((image, index) => image.pathFilters.map((filter) => ({ index, ...pathFilterRegex(filter) })));
  return {
    IMAGE_REPOSITORIES: images.map((i) => i.repository).join('\n'),
    IMAGE_WORKFLOWS: images.map((i) => i.workflowName).join('\n'),
    PATH_RULES: rules.map((r) => `${r.index} ${r.exclude ? '-' : '+'} ${r.regex}`).join('\n'),
  };
}
