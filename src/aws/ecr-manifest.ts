import { readFileSync } from 'node:fs';

/**
 * The ECR side of `.projenrc.ts`, written by `npx projen` for the `ecr:ensure`
 * and `ecr:status` tasks. The tasks read this file instead of re-running the
 * projenrc, so they start fast and depend only on the AWS SDK.
 *
 * Nothing here may import projen: the task runtime stays small.
 */

/** The folder of the generated AWS documents, relative to the project root. */
export const AWS_DIR = '.github/aws';
/** Where `npx projen` writes the manifest. */
export const MANIFEST_PATH = `${AWS_DIR}/ecr-repositories.json`;
/** The policy of whoever runs the ECR tasks. */
export const OPERATOR_POLICY_PATH = `${AWS_DIR}/ecr-operator-policy.json`;

/** The manifest's format; bumped when a field changes meaning. */
export const MANIFEST_VERSION = 3;

/** @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html */
export interface LifecycleSelection {
  readonly tagStatus: 'tagged' | 'untagged';
  readonly tagPatternList?: string[];
  readonly countType: 'imageCountMoreThan' | 'sinceImagePushed';
  readonly countUnit?: 'days';
  readonly countNumber: number;
}

export interface LifecyclePolicyRuleDocument {
  readonly rulePriority: number;
  readonly description: string;
  readonly selection: LifecycleSelection;
  readonly action: { readonly type: 'expire' };
}

/** An ECR lifecycle policy, as `PutLifecyclePolicy` takes it. */
export interface LifecyclePolicyDocument {
  readonly rules: LifecyclePolicyRuleDocument[];
}

/** @see https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageTagMutabilityExclusionFilter.html */
export interface TagMutabilityExclusionFilter {
  /** Tags this matches stay movable; `*` stands for any characters. */
  readonly filter: string;
  readonly filterType: 'WILDCARD';
}

/** A repository's tag immutability, as `CreateRepository` and `PutImageTagMutability` take it. */
export interface TagImmutability {
  readonly imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION';
  readonly imageTagMutabilityExclusionFilters: TagMutabilityExclusionFilter[];
}

/** One declared repository and the settings `ecr:ensure` keeps it at. */
export interface RepositoryDeclaration extends TagImmutability {
  /** The ECR repository name. */
  readonly name: string;
  /** The id of the image pushed there, e.g. `triton-training`. */
  readonly imageId: string;
  readonly scanOnPush: boolean;
  /** The size above which the image's workflow warns. */
  readonly sizeThreshold: { readonly bytes: number; readonly label: string };
}

export interface EcrManifest {
  readonly version: number;
  readonly registry: { readonly account: string; readonly region: string };
  /**
   * Tags that are build plumbing, not images people run, as ECR filter
   * patterns (`*`: any characters), e.g. `buildcache*`, `inputs-*`.
   */
  readonly internalTagPatterns: string[];
  /** The lifecycle policy of every repository; absent when images are kept forever. */
  readonly lifecyclePolicy?: LifecyclePolicyDocument;
  readonly repositories: RepositoryDeclaration[];
}

/** Reads and checks the manifest; a missing or stale file says how to regenerate it. */
export function readManifest(path: string = MANIFEST_PATH): EcrManifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${path} not found: run 'npx projen' in the project root to generate it from .projenrc.ts`);
  }
  let manifest: Partial<EcrManifest>;
  try {
    manifest = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path} is not valid JSON (${(e as Error).message}): run 'npx projen' to regenerate it`);
  }
  if (manifest.version !== MANIFEST_VERSION || !manifest.registry || !Array.isArray(manifest.repositories)) {
    throw new Error(`${path} was written by another version of this project: run 'npx projen' to regenerate it`);
  }
  // The account decides where the tasks act: never guess it from a damaged file.
  if (!/^\d{12}$/.test(String(manifest.registry.account))) {
    throw new Error(`${path} names account '${manifest.registry.account}', not a 12-digit AWS account id: run 'npx projen' to regenerate it`);
  }
  return manifest as EcrManifest;
}
