import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A Dockerfile's instructions as the engine reads them: one per line, continuations joined, comments and blank lines dropped. */
export function logicalLines(dockerfile: string): string[] {
  return dockerfile.replace(/\\\n/g, '').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/** The instructions of the stage named `name` (`FROM ... AS name`), without its FROM. */
export function stageInstructions(dockerfile: string, name: string): string[] {
  const lines = logicalLines(dockerfile);
  const start = lines.findIndex((l) => new RegExp(`^FROM \\S+ AS ${name}$`, 'i').test(l));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('FROM '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

export interface StageRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the stage left below /opt, copied out: `tools/bin/kubectl` and so on. */
  readonly opt: string;
}

/** The uid 0 the tools stage runs as; the sandbox below needs it to mount. */
export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the tools stage test mounts a private /opt (unshare --mount) and needs root, as in CI and .ci/run');
  }
}

/**
 * Runs a stage's `COPY <context path> <dest>` and `RUN` instructions the way
 * an engine runs them in a Debian image: COPY from the build context `files`,
 * each RUN's text under `/bin/sh -c` (dash), with the stage's `ARG` values as
 * environment. The stage writes to /opt as in the image; a private mount
 * namespace with a tmpfs over /opt keeps that off the machine, and whatever it
 * wrote is copied out for the test to read. A private PID namespace ends
 * what the stage left running (GnuPG's agent) as a container's end would.
 */
export async function runStage(
  work: string, instructions: string[], context: Record<string, string>, args: Record<string, string>,
): Promise<StageRun> {
  requireRoot();
  const opt = join(work, 'opt');
  mkdirSync(opt);
  const copyOut = `cp -a /opt/. '${opt}'`;
  const steps: string[] = ['set -e', 'mount -t tmpfs tmpfs /opt', 'mkdir /opt/.tmp'];
  instructions.forEach((line, n) => {
    const [keyword, ...rest] = line.split(' ');
    if (keyword === 'COPY') {
      const [source, dest] = rest;
      const file = join(work, 'context', source);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, context[source] ?? '');
      steps.push(`mkdir -p "$(dirname '${dest}')"`, `cp '${file}' '${dest}'`);
    } else if (keyword === 'RUN') {
      const script = join(work, `run-${n}.sh`);
      writeFileSync(script, rest.join(' '));
      steps.push(`dash -c "$(cat '${script}')" || { status=$?; ${copyOut}; exit "$status"; }`);
    }
  });
  steps.push(copyOut);
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/opt/.tmp', TMPDIR: '/opt/.tmp', ...args };
  const child = spawn('unshare', ['--mount', '--pid', '--fork', 'sh', '-c', steps.join('\n')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { status, stdout, stderr, opt };
}
