import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './workflows';

const PROJEN = join(REPO_ROOT, 'node_modules', 'projen', 'bin', 'projen');

export interface TaskRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a task of the project in `dir` as `npx projen <task> [args]` does:
 * projen's own CLI reads the generated `.projen/tasks.json` and runs it.
 */
export function runProjenTask(dir: string, task: string, args: string[], env: Record<string, string>): TaskRun {
  const result = spawnSync(process.execPath, [PROJEN, task, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) {
    throw result.error;
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The lines a failed task printed that came from the image script. */
export function scriptErrors(run: TaskRun): string[] {
  return run.stderr.split('\n').filter((l) => l.startsWith('image-tasks: '));
}
