import { FileBase } from 'projen/lib/file';
import * as github from 'projen/lib/github';
import { ImageWorkflow } from './image-build-workflow';
import { MultiPlatformBuildWorkflow } from './multi-platform-build-workflow';
import type { PullRequestChecks } from './pull-request-checks';
import {
  buildStepsSection, DocumentedImage, imagesSection, manualTriggerSection, multiPlatformSection, oidcSection, pullRequestSection,
  triggersSection, workflowsSection,
} from './workflows-readme-sections';
import type { PlatformView } from '../platform/container-image';

/**
 * `.github/workflows/README.md`, generated from the image declarations and the
 * generated workflows themselves, so it cannot disagree with them: workflows
 * and images, triggers, path filters, tagging, OIDC set-up, build steps, image
 * layers and manual trigger commands.
 *
 * Created by `ImagePlatform`; read-only and marked as generated like every
 * other file projen writes.
 */
export class WorkflowsReadme extends FileBase {
  /** Where the file is written. */
  public static readonly PATH = '.github/workflows/README.md';

  /**
   * @param checks what projen's build workflow checks on pull requests, documented when given
   */
  constructor(private readonly platform: PlatformView, private readonly checks?: PullRequestChecks) {
    super(platform, WorkflowsReadme.PATH);
  }

  protected synthesizeContent(): string {
    const platform = this.platform;
    const all = github.GitHub.of(this.project)?.workflows ?? [];
    const workflows = all.filter((w): w is ImageWorkflow => w instanceof ImageWorkflow);
    const multiPlatform = all.find((w): w is MultiPlatformBuildWorkflow => w instanceof MultiPlatformBuildWorkflow);
    const images: DocumentedImage[] = platform.images.map((image) => {
      const workflow = workflows.find((w) => w.image === image);
      if (!workflow) {
        throw new Error(`image '${image.imageId}' has no workflow to document: declare images with ImagePlatform.addImage()`);
      }
      return { image, workflow };
    });
    const checks = this.checks;
    return [
      ...(this.marker ? [`<!-- ${this.marker} -->`, ''] : []),
      '# GitHub Actions Workflows',
      '',
      'CI/CD workflows that build, test and push the container images to Amazon ECR: one workflow per image, each calling one reusable workflow.',
      'Generated from the image declarations in `.projenrc.ts`: change those and run `npx projen`, never these files.',
      '',
      ...workflowsSection(platform, images),
      ...triggersSection(platform, images),
      ...oidcSection(platform, images),
      ...buildStepsSection(images),
      ...multiPlatformSection(images, multiPlatform),
      ...imagesSection(images),
      ...manualTriggerSection(platform, images),
      ...(checks ? pullRequestSection(checks) : []),
    ].join('\n');
  }
}
