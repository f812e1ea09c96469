import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './workflows';
import { EcrManifest, MANIFEST_PATH, OPERATOR_POLICY_PATH, readManifest } from '../../src/aws/ecr-manifest';
import type { PolicyDocument } from '../../src/aws/iam-policies';

/** The manifest `npx projen` wrote from this repository's own .projenrc.ts. */
export function committedManifest(): EcrManifest {
  return readManifest(join(REPO_ROOT, MANIFEST_PATH));
}

/** Writes a manifest to a temp file, for running the CLI on it. */
export function manifestFile(manifest: EcrManifest): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ecr-manifest-')), 'ecr-repositories.json');
  writeFileSync(path, JSON.stringify(manifest));
  return path;
}

/** The operator policy `npx projen` wrote for this repository's declaration. */
export function committedOperatorPolicy(): PolicyDocument {
  return JSON.parse(readFileSync(join(REPO_ROOT, OPERATOR_POLICY_PATH), 'utf8'));
}
