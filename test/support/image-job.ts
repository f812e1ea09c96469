import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { evaluate, render, Value } from './expressions';
import { runStep } from './runner';
import { REPO_ROOT, WORKFLOWS_DIR } from './workflows';
import { IMAGE_JOB_ID } from '../../src/github/image-build-workflow';
import { REUSABLE_WORKFLOW_FILE } from '../../src/github/image-steps';

/**
 * Where workflows are read: a workflows folder, or the files a synthesis
 * returned (`Testing.synth`), by repository path.
 */
export type WorkflowSource = string | Record<string, unknown>;

/** A workflow of a project's workflows folder, this repository's by default, parsed. */
function load(file: string, source: WorkflowSource): any {
  if (typeof source === 'string') {
    return parse(readFileSync(join(source, file), 'utf8'));
  }
  const text = source[`.github/workflows/${file}`];
  return typeof text === 'string' ? parse(text) : text;
}

/** The reusable workflow every image workflow calls, parsed. */
export function reusableWorkflow(dir: WorkflowSource = WORKFLOWS_DIR): any {
  return load(REUSABLE_WORKFLOW_FILE, dir);
}

/** The reusable workflow an image workflow calls (the one of an image of several platforms, or the single one), parsed. */
function calledWorkflow(callerFile: string, dir: WorkflowSource): any {
  const uses: string = load(callerFile, dir).jobs[IMAGE_JOB_ID].uses;
  return load(uses.replace(/^\.\/\.github\/workflows\//, ''), dir);
}

/** What a dispatch of an image workflow asks for; a push has neither. */
export interface Dispatch {
  readonly tag?: string;
  readonly rebuild?: boolean;
}

/**
 * The `inputs` context of the reusable workflow when an image workflow calls
 * it: the caller's `with:`, evaluated as GitHub does for the event, and the
 * declared defaults of what it leaves out.
 */
export function callerInputs(callerFile: string, dispatch: Dispatch = {}, dir: WorkflowSource = WORKFLOWS_DIR): Record<string, Value> {
  const caller = load(callerFile, dir).jobs[IMAGE_JOB_ID];
  const declared: Record<string, any> = calledWorkflow(callerFile, dir).on.workflow_call.inputs;
  const contexts = { inputs: { tag: dispatch.tag ?? null, rebuild: dispatch.rebuild ?? null } };
  return Object.fromEntries(Object.entries(declared).map(([name, input]) => {
    const given = caller.with?.[name];
    if (given === undefined) {
      return [name, input.default ?? null];
    }
    // A value that is one expression keeps its type, as a boolean input needs.
    const whole = typeof given === 'string' ? /^\$\{\{(.*)\}\}$/s.exec(given) : null;
    return [name, whole ? evaluate(whole[1], contexts) : typeof given === 'string' ? render(given, contexts) : given];
  }));
}

/**
 * The reusable image job (or, of an image of several platforms, its job
 * `jobId`) as it runs for one image workflow: every
 * `${{ inputs.<name> }}` and `${{ env.<name> }}` in its values replaced by
 * what that caller passes. Expressions over step outputs, the runner or
 * `github` are left as they are, for the test to give.
 */
export function imageJob(callerFile: string, dispatch: Dispatch = {}, dir: WorkflowSource = WORKFLOWS_DIR, jobId: string = IMAGE_JOB_ID): any {
  const inputs = callerInputs(callerFile, dispatch, dir);
  const job = calledWorkflow(callerFile, dir).jobs[jobId];
  const substitute = (value: any, env: Record<string, string>): any => {
    if (typeof value === 'string') {
      return value.replace(/\$\{\{ (inputs|env)\.([A-Za-z0-9_]+) \}\}/g, (_m, context: string, name: string) =>
        (context === 'inputs' ? render('${{ inputs.value }}', { inputs: { value: inputs[name] } }) : env[name] ?? ''));
    }
    if (Array.isArray(value)) {
      return value.map((v) => substitute(v, env));
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, env)]));
    }
    return value;
  };
  const env = substitute(job.env ?? {}, {});
  return { ...substitute(job, env), env, inputs };
}

/** A step of the image job as it runs for one image workflow, by id. */
export function imageStep(callerFile: string, id: string, dispatch: Dispatch = {}, dir: WorkflowSource = WORKFLOWS_DIR): any {
  const step = imageJob(callerFile, dispatch, dir).steps.find((s: any) => s.id === id);
  if (!step) {
    throw new Error(`no step '${id}' in the reusable image job`);
  }
  return step;
}

/**
 * A build step of the image job (`build` or `smoke_test`) as BuildKit gets it
 * for one image workflow: the fingerprint step run for real in `checkout`, and
 * its outputs put where the step reads them. Other step outputs and `github`
 * expressions are left for the test; `fingerprint` is what the fingerprint
 * step wrote to its outputs, `log` what it printed (the document it hashed).
 */
export function buildStep(callerFile: string, id: string, options: { source?: WorkflowSource; checkout?: string; dispatch?: Dispatch } = {}): any {
  const job = imageJob(callerFile, options.dispatch ?? {}, options.source ?? WORKFLOWS_DIR);
  const inputs = job.steps.find((s: any) => s.id === 'inputs');
  const run = runStep(inputs.run, inputs.env, { cwd: options.checkout ?? REPO_ROOT });
  if (run.status !== 0) {
    throw new Error(`the fingerprint step failed: ${run.stderr}`);
  }
  const step = job.steps.find((s: any) => s.id === id);
  const given = (value: unknown) => (typeof value === 'string'
    ? value.replace(/\$\{\{ steps\.inputs\.outputs\.([a-z_]+) \}\}/g, (_m, name: string) => run.outputs[name] ?? '')
    : value);
  return { ...step, with: Object.fromEntries(Object.entries(step.with).map(([k, v]) => [k, given(v)])), fingerprint: run.outputs, log: run.stdout };
}

/**
 * The `build-args` the image job's build step passes for an image: the lines
 * the fingerprint step hashed in `checkout` (run for real), then the
 * provenance, whose expressions are left for the test.
 */
export function ciBuildArgs(callerFile: string, source: WorkflowSource = WORKFLOWS_DIR, checkout: string = REPO_ROOT): string[] {
  return buildStep(callerFile, 'build', { source, checkout }).with['build-args'].split('\n');
}
