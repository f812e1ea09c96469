import { FileBase } from 'projen/lib/file';
import { PROVENANCE_ARGS } from './build-args';
import type { ContainerImage } from '../platform/container-image';

/**
 * The build arguments projen owns for one image, as `NAME=value` lines: what
 * the local tasks pass, and what reviewers read when a version changes. The
 * workflow's fingerprint step hashes these lines and hands them to its build.
 */
export class BuildArgsFile extends FileBase {
  constructor(public readonly image: ContainerImage) {
    super(image, image.buildArgsFile, { readonly: true, marker: true });
  }

  protected synthesizeContent(): string {
    const image = this.image;
    const width = Math.max(...PROVENANCE_ARGS.map((a) => a.name.length));
    return [
      `# ${this.marker}`,
      `# Build arguments of ${image.repository} (${image.dockerfile}), passed by`,
      `# ${image.workflowPath} and by \`npx projen build-image:${image.imageId}\`.`,
      '# Also passed, with values known only at build time:',
      ...PROVENANCE_ARGS.map((a) => `#   ${a.name.padEnd(width)}  ${a.description}`),
      '# No version label: one image is promoted to several tags, which name it.',
      ...image.buildArgs.map((a) => `${a.name}=${a.value}`),
      '',
    ].join('\n');
  }
}
