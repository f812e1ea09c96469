// The public API: what `.projenrc.ts` declares, and what someone extending the
// platform builds on. Everything else is internal; the tests import it by path.

// What .projenrc.ts declares.
export { DockerfileSource } from './declaration/dockerfile-source';
export { GitHubRepository } from './declaration/github-repository';
export type { GitHubRepositoryOptions } from './declaration/github-repository';
export { ImageKind } from './declaration/image-kind';
export type { ImageKindOptions } from './declaration/image-kind';
export { LifecycleRule } from './declaration/lifecycle-rule';
export type { LifecycleTagFilter } from './declaration/lifecycle-rule';
export { OidcRole } from './declaration/oidc-role';
export type { OidcRoleOptions } from './declaration/oidc-role';
export { Pipeline } from './declaration/pipeline';
export { PythonPackage } from './declaration/python-package';
export type { PythonPackageOptions } from './declaration/python-package';
export { Registry } from './declaration/registry';
export type { EcrRegistryOptions } from './declaration/registry';
export { ScriptCopy } from './declaration/script-copy';
export { SigningKey } from './declaration/signing-key';
export { Size } from './declaration/size';
export { SubjectFormat } from './declaration/subject-format';
export type { TaggingOptions, TagPolicy } from './declaration/tagging';
export { TargetPlatform, TargetPlatformOptions } from './declaration/target-platform';
export { Tool } from './declaration/tool';
export type { ArchitectureChecksums, AwsCliOptions, KubectlOptions } from './declaration/tool';
export { TrustScope } from './declaration/trust-scope';
export { DeclarationError, reportDeclarationErrorsPlainly } from './declaration/violations';

// What each pinned input resolved to: pins.lock.json.
export { normalizePythonName, PINS_LOCK_FILE, readPinsLock, renderPinsLock } from './pins/lock-file';
export type { LockedAction, LockedBaseImage, LockedPythonPackage, LockedTool, PinsLock } from './pins/lock-file';
// How the weekly workflow that keeps it current runs (ImagePlatformOptions.upgrade).
export type { UpgradeWorkflowOptions } from './pins/upgrade-workflow';

// The platform and its images.
export { ContainerImage } from './platform/container-image';
export type { ContainerImageOptions } from './platform/container-image';
export { ImagePlatform } from './platform/image-platform';
export type { ImagePlatformOptions } from './platform/image-platform';
export type { PlatformSettings } from './platform/platform-settings';

// What the platform generates, for a project that adds to it.
export { ACTIONS, ActionIntent } from './github/actions';
export type { PinnedAction } from './github/actions';
export { CI_CONTAINER_IMAGE, CI_DEBIAN_RELEASE, CI_NODE_MAJOR } from './github/ci-container';
export { IMAGE_JOB_ID, ImageBuildWorkflow, ImageWorkflow } from './github/image-build-workflow';
export { IMAGE_STEPS, REUSABLE_WORKFLOW_FILE } from './github/image-steps';
export type { ImageStep } from './github/image-steps';
export { AFFECTED_IMAGES_JOB_ID, PullRequestChecks } from './github/pull-request-checks';
export type { PullRequestBuildContainer, PullRequestBuildOptions } from './github/pull-request-checks';
export { WorkflowsReadme } from './github/workflows-readme';
export { LIBRARY_DIR, LIBRARY_SETTINGS_PATH } from './shell/library';
export { LOCAL_SCRIPT_PATH } from './docker/local-image-tasks';
export { MANIFEST_PATH, OPERATOR_POLICY_PATH } from './aws/ecr-manifest';
export { PUSH_POLICY_PATH, TRUST_POLICY_PATH } from './aws/aws-setup';
