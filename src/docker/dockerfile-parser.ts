import type { DockerfileParser, Instruction } from 'dockerfile-ast';

let parser: typeof DockerfileParser | undefined;

/**
 * A Dockerfile's instructions. The parser loads on first use: only
 * hand-written Dockerfiles are ever parsed, and synthesis of generated ones
 * should not pay for loading it.
 */
export function dockerfileInstructions(dockerfile: string): Instruction[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  parser ??= (require('dockerfile-ast') as typeof import('dockerfile-ast')).DockerfileParser;
  return parser.parse(dockerfile).getInstructions();
}

/** The names an `ARG` instruction declares, without their defaults. */
export function argNames(instruction: Instruction): string[] {
  return instruction.getArguments().map((a) => a.getValue().split('=')[0]);
}
