import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './workflows';
import { LIBRARY_DIR } from '../../src/shell/library';

/**
 * A fresh working directory as a step finds it: a checkout, of which the
 * steps read only the shell library (linked, so the tests run the files of
 * this repository).
 */
function stepWorkdir(): string {
  const workdir = mkdtempSync(join(tmpdir(), 'runner-'));
  symlinkSync(join(REPO_ROOT, LIBRARY_DIR), join(workdir, LIBRARY_DIR));
  return workdir;
}

export interface StepRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the step wrote to $GITHUB_OUTPUT. */
  readonly outputs: Record<string, string>;
  /** What the step wrote to $GITHUB_STEP_SUMMARY. */
  readonly summary: string;
  /** The step's working directory (holding the linked library), to look for side effects. */
  readonly workdir: string;
}

/**
 * Runs a workflow step's script the way a GitHub runner does: `bash -e` on a
 * temp file, in a fresh working directory with the shell library, with GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files and only the environment given (plus PATH).
 *
 * @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idstepsshell
 */
export function runStep(script: string, env: Record<string, string>, options: { path?: string; cwd?: string } = {}): StepRun {
  const workdir = options.cwd ?? stepWorkdir();
  // The runner's own files, outside the working directory as on a runner.
  const runnerDir = mkdtempSync(join(tmpdir(), 'runner-files-'));
  const scriptFile = join(runnerDir, 'step.sh');
  const outputFile = join(runnerDir, 'output');
  const summaryFile = join(runnerDir, 'summary');
  writeFileSync(scriptFile, script);
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], {
    cwd: workdir,
    encoding: 'utf8',
    env: {
      PATH: options.path ?? process.env.PATH ?? '/usr/bin:/bin',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...env,
    },
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '',
    workdir,
  };
}

/**
 * What a step wrote to GITHUB_OUTPUT, as the runner reads it: `name=value`
 * lines, and `name<<DELIMITER` blocks for values of several lines.
 *
 * @see https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings
 */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const block = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (block) {
      const end = lines.indexOf(block[2], i + 1);
      outputs[block[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i].includes('=')) {
      outputs[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1);
    }
  }
  return outputs;
}

/**
 * `runStep` without blocking this process, for a step that talks to a server
 * running in it (e.g. the local ECR).
 */
export async function runStepAsync(script: string, env: Record<string, string>, options: { path?: string } = {}): Promise<StepRun> {
  const workdir = stepWorkdir();
  const base = join(workdir, '..', workdir.split('/').pop() as string);
  writeFileSync(`${base}.sh`, script);
  writeFileSync(`${base}.output`, '');
  writeFileSync(`${base}.summary`, '');
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', `${base}.sh`], {
    cwd: workdir,
    env: { PATH: options.path ?? process.env.PATH ?? '/usr/bin:/bin', GITHUB_OUTPUT: `${base}.output`, GITHUB_STEP_SUMMARY: `${base}.summary`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    status,
    stdout,
    stderr,
    outputs: parseOutputs(readFileSync(`${base}.output`, 'utf8')),
    summary: readFileSync(`${base}.summary`, 'utf8'),
    workdir,
  };
}
