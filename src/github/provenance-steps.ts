import * as github from 'projen/lib/github';
import { actionRef } from './actions';
import { ImageStep, libraryCall } from './image-steps';
import type { Registry } from '../declaration/registry';

const { JobPermission } = github.workflows;

/**
 * The steps a registry with `provenance: true` adds to the image jobs:
 * finding the image a promotion would take, verifying its attestation before
 * it is promoted, and attesting each newly built digest. A registry without
 * provenance adds none of them.
 *
 * @see https://docs.github.com/en/actions/how-tos/secure-your-work/use-artifact-attestations/use-artifact-attestations
 */
export const PROVENANCE_STEPS = {
  candidate: {
    id: 'candidate',
    name: 'Find an image of the same inputs',
    description: 'when ECR has the inputs tag, names that image\'s digest without promoting it yet: its provenance is verified first',
  },
  verify: {
    id: 'provenance',
    name: 'Verify the provenance of the image to promote',
    description: 'verifies the image\'s attestation with `gh attestation verify --bundle-from-oci`: signed by this repository\'s image workflow, built by this image\'s workflow from a commit in the latest branch\'s history; otherwise the job fails and nothing is promoted',
  },
  attest: {
    id: 'attest',
    name: 'Attest the build provenance',
    description: 'signs an SLSA build provenance attestation of the pushed digest (`actions/attest`) and pushes it to ECR as an OCI referrer of the image',
  },
} as const satisfies Record<string, ImageStep>;

/** The condition of the promotion when provenance is verified first: there is an image to promote. */
const CANDIDATE_FOUND = `steps.${PROVENANCE_STEPS.candidate.id}.outputs.digest != ''`;

/**
 * What a job that attests needs on top of the image job's permissions:
 * `attestations: write` to store the attestation (`id-token: write`, which
 * the OIDC login already has, signs it). No `artifact-metadata: write`: the
 * attest step creates no storage record (`create-storage-record: false`),
 * which only organisation-owned repositories can have.
 *
 * @see https://github.com/actions/attest#usage
 */
export const ATTEST_PERMISSIONS: github.workflows.JobPermissions = { attestations: JobPermission.WRITE };

/** The permissions of an image job: `base`, plus {@link ATTEST_PERMISSIONS} when it attests what it builds. */
export function imageJobPermissions(
  base: github.workflows.JobPermissions, registry: Registry, attests: boolean,
): github.workflows.JobPermissions {
  return registry.provenance && attests ? { ...base, ...ATTEST_PERMISSIONS } : base;
}

/**
 * The step that attests a newly built digest, when the registry enables
 * provenance: none otherwise. The subject is the ECR image name without tag
 * (`IMAGE_REPOSITORY`) and the pushed digest.
 * @param digest the expression of the pushed digest, e.g. `${{ steps.build.outputs.digest }}`
 * @param condition when it runs: never on a promotion
 */
export function attestSteps(gh: github.GitHub, registry: Registry, digest: string, condition?: string): github.workflows.JobStep[] {
  if (!registry.provenance) {
    return [];
  }
  return [{
    id: PROVENANCE_STEPS.attest.id,
    name: PROVENANCE_STEPS.attest.name,
    ...(condition ? { if: condition } : {}),
    uses: actionRef(gh, 'attest'),
    with: {
      'subject-name': '${{ env.IMAGE_REPOSITORY }}',
      'subject-digest': digest,
      'push-to-registry': true,
      'create-storage-record': false,
    },
  }];
}

/**
 * The promotion, preceded when the registry enables provenance by the steps
 * that find the image of the same inputs and verify its attestation: the
 * promotion then runs only when there is one, and promotes that verified
 * digest only. Without provenance, the promotion step alone.
 * @param reuse the promotion step (`reuse_step`)
 * @param signer the reusable workflow's path, whose identity signs every attestation
 */
export function verifiedReuseSteps(
  registry: Registry, reuse: github.workflows.JobStep & { env: Record<string, string> }, signer: string,
): github.workflows.JobStep[] {
  if (!registry.provenance) {
    return [reuse];
  }
  const { candidate, verify } = PROVENANCE_STEPS;
  const digest = `\${{ steps.${candidate.id}.outputs.digest }}`;
  return [
    { id: candidate.id, name: candidate.name, env: reuse.env, run: libraryCall('ecr.sh', 'reuse_candidate_step') },
    {
      id: verify.id,
      name: verify.name,
      if: CANDIDATE_FOUND,
      env: {
        IMAGE_DIGEST: digest,
        SIGNER_WORKFLOW: signer,
        // In a called workflow, the caller's: the workflow file the attestation names.
        CALLER_WORKFLOW_REF: '${{ github.workflow_ref }}',
        GH_TOKEN: '${{ github.token }}',
      },
      run: libraryCall('provenance.sh', 'provenance_step'),
    },
    { ...reuse, if: CANDIDATE_FOUND, env: { ...reuse.env, VERIFIED_DIGEST: digest } },
  ];
}
