import { IgnoreFile } from 'projen/lib/ignore-file';
import { Project } from 'projen/lib/project';

/**
 * Folders of the repository no image copies, kept out of the build context.
 *
 * Every image builds with the repository root as its context. BuildKit only
 * reads what a Dockerfile copies, but the legacy builder and remote podman send
 * the whole folder first, node_modules included; and a hand-written
 * `COPY . .` must never pick up credentials or local state.
 */
export const BUILD_CONTEXT_EXCLUDES = [
  '.git/',
  'node_modules/',
  '.cache/',
  'coverage/',
  'test-reports/',
  '**/.env',
  '**/.env.*',
  '**/*.pem',
] as const;

/**
 * The generated `.dockerignore` at the root of the images' build context.
 *
 * @see https://docs.docker.com/build/concepts/context/#dockerignore-files
 */
export class BuildContextIgnore extends IgnoreFile {
  /** The file's path, relative to the repository root. */
  public static readonly PATH = '.dockerignore';

  constructor(project: Project) {
    super(project, BuildContextIgnore.PATH, { ignorePatterns: [...BUILD_CONTEXT_EXCLUDES] });
  }
}
