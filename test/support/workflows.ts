import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The repository this test suite belongs to. */
export const REPO_ROOT = join(__dirname, '..', '..');

export const WORKFLOWS_DIR = join(REPO_ROOT, '.github', 'workflows');

/** Every committed workflow file name. */
export function workflowFiles(): string[] {
  return readdirSync(WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
}

/** The workflows that build no image: projen's build workflow and the weekly upgrade. */
const PLATFORM_WORKFLOWS = ['build.yml', 'upgrade-pins.yml'];

/** The file names of the image build workflows, the reusable one and its callers, sorted. */
export function imageWorkflowFiles(): string[] {
  return workflowFiles().filter((f) => !PLATFORM_WORKFLOWS.includes(f));
}

export function readWorkflowText(file: string): string {
  return readFileSync(join(WORKFLOWS_DIR, file), 'utf8');
}

/** A committed workflow, parsed. */
export function loadWorkflow(file: string): any {
  return parse(readWorkflowText(file));
}

export interface RunStep {
  readonly job: string;
  readonly step: string;
  readonly shell?: string;
  readonly run: string;
  readonly env: Record<string, string>;
}

/** Every `run:` script of a parsed workflow, with the shell it runs under. */
export function runSteps(workflow: any): RunStep[] {
  return Object.entries<any>(workflow.jobs ?? {}).flatMap(([job, def]) =>
    (def.steps ?? []).filter((s: any) => typeof s.run === 'string').map((s: any) => ({
      job,
      step: s.name ?? s.id ?? '(unnamed)',
      shell: s.shell ?? def.defaults?.run?.shell,
      run: s.run,
      env: { ...(def.env ?? {}), ...(s.env ?? {}) },
    })));
}

/** The `run:` script of the step with this id. */
export function stepScript(workflow: any, job: string, stepId: string): string {
  const step = workflow.jobs[job].steps.find((s: any) => s.id === stepId);
  if (!step?.run) {
    throw new Error(`no run step '${stepId}' in job '${job}'`);
  }
  return step.run;
}
