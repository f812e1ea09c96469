import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './workflows';

/**
 * The real interface of the third-party actions, without the network:
 * `../shared/external-actions/` holds each released major's `action.yml` and
 * `releases.json` (every tag with its commit, each major's newest release).
 */
export const EXTERNAL_ACTIONS_DIR = join(REPO_ROOT, '..', 'shared', 'external-actions');

export interface Release {
  readonly tag: string;
  readonly commit: string;
}

interface ActionReleases {
  readonly newestMajor: string;
  readonly majors: Record<string, { readonly newestRelease: Release }>;
  /** Every tag, floating majors included, with the commit it points to. */
  readonly tags: Record<string, string>;
}

export interface ActionInput {
  readonly required?: boolean | string;
  readonly default?: unknown;
}

export interface ActionMetadata {
  readonly inputs?: Record<string, ActionInput>;
  readonly runs: { readonly using: string };
}

let releases: Record<string, ActionReleases> | undefined;

function allReleases(): Record<string, ActionReleases> {
  const file = join(EXTERNAL_ACTIONS_DIR, 'releases.json');
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: the tests read the actions' releases from ../shared/external-actions next to the repository`);
  }
  releases ??= JSON.parse(readFileSync(file, 'utf8'));
  return releases!;
}

/** What releases.json knows about `owner/repo`. */
export function releasesOf(action: string): ActionReleases {
  const known = allReleases()[action];
  if (!known) {
    throw new Error(`releases.json knows nothing about ${action}`);
  }
  return known;
}

/** The newest release of the newest major, e.g. `{ tag: 'v7.0.1', commit }`. */
export function newestRelease(action: string): Release {
  const known = releasesOf(action);
  return known.majors[known.newestMajor].newestRelease;
}

/** The `action.yml` of the major a release tag belongs to (`v7.0.1` → `v7/action.yml`). */
export function actionMetadata(action: string, tag: string): ActionMetadata {
  const major = tag.split('.')[0];
  return parse(readFileSync(join(EXTERNAL_ACTIONS_DIR, action, major, 'action.yml'), 'utf8'));
}

/** Inputs the action requires and does not default: a step must give them. */
export function requiredInputs(metadata: ActionMetadata): string[] {
  return Object.entries(metadata.inputs ?? {})
    .filter(([, input]) => String(input.required) === 'true' && input.default === undefined)
    .map(([name]) => name);
}
