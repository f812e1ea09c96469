import { instanceOf, OptionKeys, required } from './option-keys';
import { Size } from './size';
import { checkName } from './violations';

/** Defaults that come with a kind of image. */
export interface ImageKindOptions {
  /** Display name used in workflow names, e.g. `Training`. */
  readonly title: string;
  /** Size above which the workflow warns. */
  readonly sizeWarning: Size;
  /** Whether the runner's pre-installed toolchains are removed before the build to make disk room. */
  readonly freeDiskSpace: boolean;
}

const IMAGE_KIND_OPTION_KEYS = new OptionKeys<ImageKindOptions>('ImageKindOptions', {
  title: required(),
  sizeWarning: required(instanceOf(Size, 'Size.gigabytes(n) or Size.megabytes(n)')),
  freeDiskSpace: required(),
});

/**
 * The role an image plays in its pipeline: training or deployment.
 *
 * A kind carries the defaults the seed gives each role: training images hold
 * PyTorch, need disk room and warn above 3 GB; deployment images warn above 1 GB.
 */
export class ImageKind {
  /** Training image: PyTorch-sized, frees runner disk space, warns above 3 GB. */
  public static readonly TRAINING = new ImageKind('training', {
    title: 'Training',
    sizeWarning: Size.gigabytes(3),
    freeDiskSpace: true,
  });

  /** Deployment image: lightweight, warns above 1 GB. */
  public static readonly DEPLOYMENT = new ImageKind('deployment', {
    title: 'Deployment',
    sizeWarning: Size.gigabytes(1),
    freeDiskSpace: false,
  });

  /** Another kind of image, e.g. `evaluation`. */
  public static custom(name: string, options: ImageKindOptions): ImageKind {
    IMAGE_KIND_OPTION_KEYS.check(`ImageKind.custom('${name}')`, options);
    return new ImageKind(name, options);
  }

  public readonly title: string;
  public readonly sizeWarning: Size;
  public readonly freeDiskSpace: boolean;

  private constructor(public readonly name: string, options: ImageKindOptions) {
    checkName('image kind', name);
    this.title = options.title;
    this.sizeWarning = options.sizeWarning;
    this.freeDiskSpace = options.freeDiskSpace;
  }
}
