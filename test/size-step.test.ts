import { IMAGE_JOB_ID } from '../src';
import { fakeDockerReportingSize } from './support/fake-engine';
import { runStep } from './support/runner';
import { SEED_IMAGES } from './support/seed-images';
import { loadWorkflow } from './support/workflows';

const IMAGES = SEED_IMAGES.map((i) => [i.workflow, i.threshold, i.thresholdBytes] as const);

function sizeStep(file: string): { run: string; env: Record<string, string> } {
  const workflow = loadWorkflow(file);
  const job = workflow.jobs[IMAGE_JOB_ID];
  const step = job.steps.find((s: any) => s.name === 'Check image size');
  // Expressions are what the runner would have substituted from earlier steps.
  return {
    run: step.run,
    env: {
      ...job.env,
      ...step.env,
      IMAGE_TAG: 'v1.2.3',
      IMAGE_DIGEST: 'sha256:abc123',
    },
  };
}

describe.each(IMAGES)('the size step of %s (threshold %s)', (file, threshold, bytes) => {
  const { run, env } = sizeStep(file);

  test('declares the threshold from the image declaration', () => {
    expect(env.SIZE_THRESHOLD).toBe(threshold);
    expect(Number(env.SIZE_THRESHOLD_BYTES)).toBe(bytes);
  });

  test('an image above the threshold gets a warning naming size and threshold, and the step passes', () => {
    // GIVEN an engine that reports a size above the threshold
    const path = fakeDockerReportingSize(String(bytes + 250_000_000));
    // WHEN the step runs
    const result = runStep(run, env, { path });
    // THEN it warns with both figures and still succeeds
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^::warning title=Image size::.+:v1\\.2\\.3 is [0-9.]+ GB, above the ${threshold} threshold$`, 'm'));
    expect(result.summary).toContain('| `v1.2.3` | `sha256:abc123` |');
    expect(result.summary).toContain(`| ${threshold} |`);
  });

  test('an image below the threshold passes quietly, with a summary', () => {
    // GIVEN an engine that reports a size below the threshold
    const path = fakeDockerReportingSize(String(bytes - 1));
    // WHEN the step runs
    const result = runStep(run, env, { path });
    // THEN there is no warning, the step succeeds and the summary has the image
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('::warning');
    expect(result.stdout).toContain(`within the ${threshold} threshold`);
    expect(result.summary).toMatch(/^### .+\n\n\| Image \| Tag \| Digest \| Size \| Threshold \|/);
  });

  test('an engine that cannot report a size gives a warning, never a failure', () => {
    const path = fakeDockerReportingSize('not-a-number');
    const result = runStep(run, env, { path });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('::warning title=Image size unknown::');
    expect(result.summary).toContain('| unknown |');
  });
});
