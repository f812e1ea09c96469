import { BuildContextIgnore } from '../docker/build-context-ignore';


/** What an image's fingerprint covers besides the platform; `ContainerImage` is one. */
export interface FingerprintedImage {
  /** The Dockerfile, relative to the repository root. */
  readonly dockerfile: string;
  /** The generated file listing the build arguments projen owns as `NAME=value` lines. */
  readonly buildArgsFile: string;
  /** Every repository path the image is built from: its Dockerfile, build arguments and what it copies. */
  readonly buildInputs: readonly string[];
}

/**
 * The arguments of `inputs_fingerprint` after the platform, quoted by the
 * caller: the Dockerfile, the build arguments file, then every path whose
 * content can reach the image (script folders, the tools' signing keys, what
 * a hand-written Dockerfile copies). The generated `.dockerignore` is one: it
 * decides which files of those folders a COPY takes.
 */
export function fingerprintArguments(image: FingerprintedImage): string[] {
  return [image.dockerfile, image.buildArgsFile, ...copiedInputs(image), BuildContextIgnore.PATH];
}

/**
 * The inputs an image copies from the repository, besides its Dockerfile and
 * build arguments file: what the reusable workflow takes as `copied_paths`,
 * and its fingerprint step puts between those two and the `.dockerignore`.
 */
export function copiedInputs(image: FingerprintedImage): string[] {
  return image.buildInputs.filter((path) => path !== image.dockerfile && path !== image.buildArgsFile);
}
