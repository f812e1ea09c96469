import { FileBase } from 'projen/lib/file';
import { Project } from 'projen/lib/project';
import type { SigningKey } from '../declaration/signing-key';

/**
 * A tool's release signing key, written into the repository so the image
 * build copies it from the build context instead of asking a key server.
 */
export class ToolKeyFile extends FileBase {
  constructor(project: Project, private readonly key: SigningKey, private readonly owner: string) {
    super(project, key.path, { readonly: true, marker: true });
  }

  protected synthesizeContent(): string {
    return [
      `# ${this.marker}`,
      `# The ${this.owner} release signing key, fingerprint ${this.key.fingerprint}.`,
      '# Image builds copy it into their tools stage and refuse any other key.',
      '',
      this.key.armored,
      '',
    ].join('\n');
  }
}
