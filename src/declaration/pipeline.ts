import { checkName } from './violations';

/**
 * A family of images that belong together, such as `triton` or `vllm`.
 *
 * The name becomes part of image ids, workflow file names, Dockerfile folders
 * and default script folders; the title is what people read in workflow names.
 */
export class Pipeline {
  /**
   * @param name lower-case name used in ids and paths, e.g. `vllm`
   * @param title display name used in workflow names, e.g. `vLLM`
   * @default title - the name with its first letter capitalized
   */
  public static of(name: string, title?: string): Pipeline {
    return new Pipeline(name, title ?? name.charAt(0).toUpperCase() + name.slice(1));
  }

  private constructor(public readonly name: string, public readonly title: string) {
    checkName('pipeline name', name);
  }
}
