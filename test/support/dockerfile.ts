import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { REPO_ROOT } from './workflows';

export interface Instruction {
  /** Upper-case keyword, e.g. `RUN`. */
  readonly keyword: string;
  /** The arguments with line continuations joined, flags left out. */
  readonly args: string;
  /** Flags such as `--from=tools`. */
  readonly flags: string[];
}

/** A Dockerfile parsed by dockerfile-ast, one entry per stage (the global ARGs form stage 0's prelude). */
export interface ParsedDockerfile {
  readonly prelude: Instruction[];
  readonly stages: Instruction[][];
  readonly all: Instruction[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const all: Instruction[] = DockerfileParser.parse(text).getInstructions().map((i) => ({
    keyword: i.getKeyword(),
    args: i.getArgumentsContent() ?? '',
    flags: 'getFlags' in i ? (i as unknown as { getFlags(): Array<{ toString(): string }> }).getFlags().map((f) => f.toString()) : [],
  }));
  const firstFrom = all.findIndex((i) => i.keyword === 'FROM');
  const stages: Instruction[][] = [];
  for (const instruction of all.slice(firstFrom)) {
    if (instruction.keyword === 'FROM') {
      stages.push([]);
    }
    stages[stages.length - 1].push(instruction);
  }
  return { prelude: all.slice(0, Math.max(firstFrom, 0)), stages, all };
}

/** dockerfile-utils' diagnostics: unknown instructions, missing arguments, bad flags and the like. */
export function lintDockerfile(text: string): string[] {
  return validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`);
}

export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}
