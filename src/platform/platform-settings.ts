import type { IConstruct } from 'constructs';
import type { LifecyclePolicyDocument, TagImmutability } from '../aws/ecr-manifest';
import type { GitHubRepository } from '../declaration/github-repository';
import type { OidcRole } from '../declaration/oidc-role';
import type { Registry } from '../declaration/registry';
import type { TagPolicy } from '../declaration/tagging';
import type { TrustScope } from '../declaration/trust-scope';
import type { PinsLock } from '../pins/lock-file';

/**
 * The settings every image of a platform shares, with defaults resolved: what
 * an image and the files generated for it read from the platform.
 *
 * Images and components receive this, not `ImagePlatform`, so nothing the
 * platform constructs imports the platform back.
 */
export interface PlatformSettings {
  readonly registry: Registry;
  readonly role: OidcRole;
  readonly tagPolicy: TagPolicy;
  readonly runsOn: string[];
  readonly timeoutMinutes: number;
  readonly githubRepository?: GitHubRepository;
  readonly trustScope: TrustScope;
  /** The lifecycle policy of every repository, `undefined` when images are kept forever. */
  readonly lifecyclePolicy?: LifecyclePolicyDocument;
  /** The tag immutability of every repository: only the tags the workflows move stay movable. */
  readonly tagImmutability: TagImmutability;
  /** What every pinned input resolved to (`pins.lock.json`). */
  readonly pins: PinsLock;
}

/** The platform as the construct its images and components attach to. */
export interface PlatformScope extends IConstruct, PlatformSettings {}
