import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';

/** Every name a Dockerfile declares with `ARG`, in any stage. */
export function declaredArgs(dockerfile: string): Set<string> {
  return new Set(DockerfileParser.parse(dockerfile).getInstructions()
    .filter((i) => i.getKeyword() === 'ARG')
    .flatMap((i) => i.getArguments().map((a) => a.getValue().split('=')[0])));
}

/**
 * What is wrong with a hand-written Dockerfile, given the build arguments
 * projen passes to it: it is missing, or it lacks an `ARG` for some of them.
 * An engine ignores or warns about an argument nobody declares, so the value
 * would silently not reach the image.
 */
export function handWrittenDockerfileViolations(root: string, path: string, passed: readonly string[]): string[] {
  const file = join(root, path);
  if (!existsSync(file)) {
    return [`hand-written Dockerfile '${path}' does not exist: write it, or drop \`dockerfile\` so projen generates one`];
  }
  const declared = declaredArgs(readFileSync(file, 'utf8'));
  return passed.filter((name) => !declared.has(name)).map((name) =>
    `hand-written Dockerfile '${path}' has no 'ARG ${name}', but projen passes ${name}: add the line 'ARG ${name}' to the stage that uses it`);
}
