import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { cleanEnv } from '../support/sandbox';

/** Runs a command to completion and returns its wall time in seconds; fails loudly. */
export function timeCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): number {
  const start = performance.now();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) {
    throw new Error(`'${command} ${args.join(' ')}' failed in ${cwd} (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return seconds;
}

export interface Stats {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  /** The samples in the order they were taken, for pairing with another variant's. */
  readonly samples: readonly number[];
}

export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], samples: [...samples] };
}

/** One table row: label, then min / median / max. */
export function row(label: string, s: Stats, unit: 's' | 'ms' = 's'): string {
  const fmt = (v: number) => unit === 's' ? `${v.toFixed(2)} s` : `${(v * 1000).toFixed(0)} ms`;
  return `  ${label.padEnd(56)} ${fmt(s.min).padStart(9)} ${fmt(s.median).padStart(9)} ${fmt(s.max).padStart(9)}`;
}

export function header(title: string): string {
  return `\n${title}\n  ${''.padEnd(56)} ${'min'.padStart(9)} ${'median'.padStart(9)} ${'max'.padStart(9)}`;
}
