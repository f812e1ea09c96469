// The public API. A module not exported here is internal to the project.

// What .projenrc.ts declares.
export * from './declaration/dockerfile-source';
export * from './declaration/github-repository';
export * from './declaration/image-kind';
export * from './declaration/lifecycle-rule';
export * from './declaration/oidc-role';
export * from './declaration/pipeline';
export * from './declaration/python-package';
export * from './declaration/registry';
export * from './declaration/script-copy';
export * from './declaration/signing-key';
export * from './declaration/size';
export * from './declaration/subject-format';
export * from './declaration/tagging';
export * from './declaration/target-platform';
export * from './declaration/tool';
export * from './declaration/trust-scope';

// What each pinned input resolved to: pins.lock.json.
export * from './pins/lock-file';

// The platform and its images.
export * from './platform/container-image';
export * from './platform/image-platform';
export * from './platform/platform-settings';

// What the platform generates.
export * from './github/actions';
export * from './github/ci-container';
export * from './github/image-build-workflow';
export * from './github/pull-request-checks';
export * from './github/workflows-readme';
export * from './docker/build-args';
export * from './docker/build-args-file';
export * from './docker/build-context-ignore';
export * from './docker/image-dockerfile';
export * from './docker/smoke-test-stage';
export * from './docker/local-image-tasks';
export * from './aws/aws-setup';
export * from './aws/ecr-manifest';
