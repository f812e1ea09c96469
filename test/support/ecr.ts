import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newPlatform, synth } from './project';
import { REPO_ROOT } from './workflows';
import { ImageKind, LifecycleRule, Pipeline, Registry } from '../../src';
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

/** What synthesis writes for the ECR tasks of a declaration: their manifest and the policy of whoever runs them. */
export interface EcrFixture {
  readonly manifest: EcrManifest;
  readonly operatorPolicy: PolicyDocument;
}

/**
 * The ECR tasks' input from a fixture declaration, not this repository's: its
 * own account and region, a training and a deployment image of two pipelines
 * (sizes warned above 3 GB and 1 GB), develop builds kept 20 deep and
 * untagged images expired after 14 days. Tests of the tasks expect what this
 * declares, so an edit of `.projenrc.ts` leaves them as they are.
 */
export function fixtureEcr(): EcrFixture {
  const { project, platform } = newPlatform({
    registry: Registry.ecr({ account: '444455556666', region: 'ap-southeast-2' }),
    lifecycleRules: [LifecycleRule.keepLast(20, { tagPrefix: 'develop-' }), LifecycleRule.expireUntaggedAfterDays(14)],
  });
  for (const pipeline of [Pipeline.of('demo'), Pipeline.of('sample')]) {
    platform.addImage({ pipeline, kind: ImageKind.TRAINING, repository: `${pipeline.name}-training-images` });
    platform.addImage({ pipeline, kind: ImageKind.DEPLOYMENT, repository: `${pipeline.name}-serving-images` });
  }
  const files = synth(project);
  const { '//': _manifestMarker, ...manifest } = files[MANIFEST_PATH];
  const { '//': _policyMarker, ...operatorPolicy } = files[OPERATOR_POLICY_PATH];
  return { manifest: manifest as EcrManifest, operatorPolicy: operatorPolicy as PolicyDocument };
}
