import { posix } from 'node:path';
import type { ImageKind } from './image-kind';
import type { Pipeline } from './pipeline';
import { DeclarationError, repoPathViolation } from './violations';

/**
 * A repository folder copied into an image, e.g. `training/triton/` to `/scripts/`.
 *
 * Its source is also a path filter of the image's workflow: a change to the
 * scripts rebuilds the image that carries them.
 */
export class ScriptCopy {
  /**
   * @param source folder relative to the repository root, e.g. `training/triton`
   * @param destination absolute folder in the image, e.g. `/scripts`
   */
  public static of(source: string, destination: string): ScriptCopy {
    return new ScriptCopy(source, destination);
  }

  /** An image's scripts unless it declares others: `<kind>/<pipeline>` to `/scripts`, e.g. `training/triton`. */
  public static defaultFor(pipeline: Pipeline, kind: ImageKind): ScriptCopy {
    return new ScriptCopy(`${kind.name}/${pipeline.name}`, '/scripts');
  }

  /** The source folder, normalized without a trailing '/'. */
  public readonly source: string;

  /** The destination folder, normalized without a trailing '/'. */
  public readonly destination: string;

  private constructor(source: string, destination: string) {
    const outside = repoPathViolation('script folder', source);
    if (outside) {
      throw new DeclarationError(outside);
    }
    if (!posix.isAbsolute(destination) || destination.includes('..')) {
      throw new DeclarationError(`script destination '${destination}' must be an absolute folder in the image without '..', e.g. '/scripts'`);
    }
    for (const [what, path] of [['script folder', source], ['script destination', destination]]) {
      if (!/^[A-Za-z0-9._/-]+$/.test(path)) {
        // The path is written into a Dockerfile COPY instruction as it is.
        throw new DeclarationError(`${what} '${path}' may only use letters, digits, '.', '_', '-' and '/', e.g. 'training/triton'`);
      }
    }
    this.source = posix.normalize(source).replace(/\/+$/, '');
    this.destination = posix.normalize(destination).replace(/(.)\/+$/, '$1');
  }

  /** The workflow path filter that covers this folder. */
  public get pathFilter(): string {
    return `${this.source}/**`;
  }
}
