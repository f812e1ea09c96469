import { parse } from 'yaml';
import { ImageKind, Pipeline, Registry, TargetPlatform } from '../src';
import { newPlatform, synth, TEST_REGISTRY } from './support/project';
import { loadWorkflow } from './support/workflows';
import { IMAGE_JOB_ID } from '../src/github/image-build-workflow';
import { IMAGE_STEPS, MULTI_PLATFORM_WORKFLOW_FILE, REUSABLE_WORKFLOW_FILE } from '../src/github/image-steps';
import { MULTI_PLATFORM_JOBS, MULTI_PLATFORM_STEPS } from '../src/github/multi-platform-build-workflow';
import { PROVENANCE_STEPS } from '../src/github/provenance-steps';

/**
 * The wiring of `provenance: true`. GitHub's parser checks these workflows
 * too (test/github-workflow-parser.test.ts, whose every-option fixture
 * enables provenance); the verification's decisions are tested in
 * test/provenance-decision.test.ts.
 */
const SINGLE = `.github/workflows/${REUSABLE_WORKFLOW_FILE}`;
const MULTI = `.github/workflows/${MULTI_PLATFORM_WORKFLOW_FILE}`;
const { candidate, verify, attest } = PROVENANCE_STEPS;
const BASE = { 'id-token': 'write', 'contents': 'read' };
const ATTESTING = { ...BASE, attestations: 'write' };

function workflows(provenance: boolean): Record<string, any> {
  const registry = Registry.ecr({ account: TEST_REGISTRY.account, region: TEST_REGISTRY.region, provenance });
  const { project, platform } = newPlatform({ registry });
  platform.addImage({ pipeline: Pipeline.of('triton'), kind: ImageKind.DEPLOYMENT, repository: 'triton-deployment-tools' });
  platform.addImage({
    pipeline: Pipeline.of('edge'),
    kind: ImageKind.DEPLOYMENT,
    repository: 'edge-tools',
    platforms: [TargetPlatform.LINUX_AMD64, TargetPlatform.LINUX_ARM64],
  });
  const files = synth(project);
  return Object.fromEntries(Object.entries(files).filter(([path]) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(path)).map(([path, text]) => [path, parse(text)]));
}

const ids = (job: any): string[] => job.steps.map((s: any) => s.id);
const step = (job: any, id: string): any => job.steps.find((s: any) => s.id === id);

describe('a registry declared with provenance: true', () => {
  const on = workflows(true);
  const off = workflows(false);
  const single = on[SINGLE].jobs[IMAGE_JOB_ID];
  const { index, platform, merge } = MULTI_PLATFORM_JOBS;

  test('is off unless declared: this repository\'s own image workflow has no provenance step', () => {
    const own = loadWorkflow(REUSABLE_WORKFLOW_FILE).jobs[IMAGE_JOB_ID];
    expect(ids(own)).not.toEqual(expect.arrayContaining([candidate.id]));
    expect(ids(own)).not.toContain(verify.id);
    expect(ids(own)).not.toContain(attest.id);
    expect(own.permissions).toEqual(BASE);
  });

  test('grants attestations: write only to the jobs that attest, and to the callers, which must grant what the called jobs get', () => {
    expect(single.permissions).toEqual(ATTESTING);
    expect(on[MULTI].jobs[index].permissions).toEqual(BASE);
    expect(on[MULTI].jobs[platform].permissions).toEqual(ATTESTING);
    expect(on[MULTI].jobs[merge].permissions).toEqual(ATTESTING);
    for (const caller of ['.github/workflows/triton-build-deployment-image.yaml', '.github/workflows/edge-build-deployment-image.yaml']) {
      expect(on[caller].jobs[IMAGE_JOB_ID].permissions).toEqual(ATTESTING);
      expect(off[caller].jobs[IMAGE_JOB_ID].permissions).toEqual(BASE);
    }
    for (const job of [off[SINGLE].jobs[IMAGE_JOB_ID], ...Object.values(off[MULTI].jobs)]) {
      expect((job as any).permissions).toEqual(BASE);
    }
  });

  test.each<[string, (w: Record<string, any>) => any, string, string]>([
    ['the single-platform build', (w) => w[SINGLE].jobs[IMAGE_JOB_ID], IMAGE_STEPS.build.id, '${{ steps.build.outputs.digest }}'],
    ['each platform\'s build', (w) => w[MULTI].jobs[platform], MULTI_PLATFORM_STEPS.platformBuild.id, '${{ steps.build.outputs.digest }}'],
    ['the merged index', (w) => w[MULTI].jobs[merge], MULTI_PLATFORM_STEPS.merge.id, '${{ steps.merge.outputs.digest }}'],
  ])('attests %s right after it is pushed, with the pushed digest, never on a promotion', (_case, jobOf, after, digest) => {
    const job = jobOf(on);
    expect(ids(job)[ids(job).indexOf(after) + 1]).toBe(attest.id);
    const step_ = step(job, attest.id);
    expect(step_.with).toEqual({
      'subject-name': '${{ env.IMAGE_REPOSITORY }}', 'subject-digest': digest, 'push-to-registry': true, 'create-storage-record': false,
    });
    // The same condition as the build: a promoted image was attested when it was built.
    expect(step_.if).toBe(step(job, after).if);
    expect(ids(jobOf(off))).not.toContain(attest.id);
  });

  test('the merge job, the one attest step without its own condition, runs only when the index job did not promote', () => {
    expect(on[MULTI].jobs[platform].if).toBe(`needs.${index}.outputs.promoted != 'true'`);
    // A job whose need was skipped is skipped: no merge, no attestation, after a promotion.
    expect(on[MULTI].jobs[merge].needs).toContain(platform);
    expect(on[MULTI].jobs[merge].if).toBeUndefined();
  });

  test.each<[string, (w: Record<string, any>) => any, string]>([
    ['the single-platform job', (w) => w[SINGLE].jobs[IMAGE_JOB_ID], SINGLE],
    ['the index job', (w) => w[MULTI].jobs[index], MULTI],
    ['each platform job, before it takes an earlier platform image into a new index', (w) => w[MULTI].jobs[platform], MULTI],
  ])('%s finds the image, verifies its provenance, then promotes only that verified digest', (_case, jobOf, signer) => {
    const job = jobOf(on);
    const reuse = IMAGE_STEPS.reuse.id;
    expect(ids(job).slice(ids(job).indexOf(candidate.id), ids(job).indexOf(reuse) + 1)).toEqual([candidate.id, verify.id, reuse]);
    expect(step(job, candidate.id).run).toBe('source image-build/ecr.sh\nreuse_candidate_step\n');
    expect(step(job, verify.id)).toMatchObject({
      if: 'steps.candidate.outputs.digest != \'\'',
      env: {
        IMAGE_DIGEST: '${{ steps.candidate.outputs.digest }}',
        SIGNER_WORKFLOW: signer,
        CALLER_WORKFLOW_REF: '${{ github.workflow_ref }}',
        GH_TOKEN: '${{ github.token }}',
      },
      run: 'source image-build/provenance.sh\nprovenance_step\n',
    });
    // A refusal fails the step, and a later step without `if: always()` or `failure()` never runs: nothing is promoted.
    expect(step(job, reuse)).toMatchObject({ if: 'steps.candidate.outputs.digest != \'\'', env: { VERIFIED_DIGEST: '${{ steps.candidate.outputs.digest }}' } });
    expect(job.steps.filter((s: any) => /always\(\)|failure\(\)/.test(s.if ?? ''))).toEqual([]);
    // The same lookup as the promotion: every variable the reuse step reads.
    expect(step(job, candidate.id).env).toEqual(Object.fromEntries(Object.entries(step(job, reuse).env).filter(([k]) => k !== 'VERIFIED_DIGEST')));
    // The ancestry check needs the latest branch's history on every ref.
    expect(step(job, IMAGE_STEPS.checkout.id).with).toMatchObject({ 'fetch-depth': 0, 'filter': 'blob:none' });
    expect(step(jobOf(off), reuse)).not.toHaveProperty('if');
    expect(ids(jobOf(off))).not.toContain(verify.id);
  });
});
