import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Instruction } from 'dockerfile-ast';
import { dockerfileContextUse } from './dockerfile-context';
import { argNames, dockerfileInstructions as instructions } from './dockerfile-parser';
import { SMOKE_TEST_STAGE } from './smoke-test-stage';

/** The instructions before the first `FROM` (the global scope) and those after it. */
function scopes(dockerfile: string): { global: Instruction[]; stages: Instruction[] } {
  const all = instructions(dockerfile);
  const firstFrom = all.findIndex((i) => i.getKeyword() === 'FROM');
  return firstFrom < 0 ? { global: all, stages: [] } : { global: all.slice(0, firstFrom), stages: all.slice(firstFrom) };
}

/** Every name a Dockerfile declares with `ARG`, in any stage. */
export function declaredArgs(dockerfile: string): Set<string> {
  return new Set(instructions(dockerfile)
    .filter((i) => i.getKeyword() === 'ARG')
    .flatMap(argNames));
}

/**
 * The build context paths a Dockerfile copies, adds or bind-mounts, relative
 * to the context root; sources {@link dockerfileContextUse} refuses are left out.
 */
export function copiedPaths(dockerfile: string): string[] {
  // No path is checked, for any platform.
  return [...dockerfileContextUse(dockerfile, 'Dockerfile', () => true, []).inputs];
}

/**
 * What is wrong with a hand-written Dockerfile, given the build arguments
 * projen passes to it and the image's smoke test: it is missing, or it lacks
 * an `ARG` for some of them, or declares one only before the first `FROM`,
 * where only `FROM` lines can use it (an engine ignores or warns about an
 * argument nobody declares, so the value would silently not reach the image),
 * or it has no `smoke-test` stage, which the workflow builds before the image.
 */
export function handWrittenDockerfileViolations(root: string, path: string, passed: readonly string[], smokeTest: readonly string[]): string[] {
  const file = join(root, path);
  if (!existsSync(file)) {
    return [`hand-written Dockerfile '${path}' does not exist: write it, or drop \`dockerfile\` so projen generates one`];
  }
  const { global, stages } = scopes(readFileSync(file, 'utf8'));
  const inStage = new Set(stages.filter((i) => i.getKeyword() === 'ARG').flatMap(argNames));
  const inGlobal = new Set(global.filter((i) => i.getKeyword() === 'ARG').flatMap(argNames));
  const fromLines = stages.filter((i) => i.getKeyword() === 'FROM').map((i) => i.getTextContent());
  const usedByFrom = (name: string) => fromLines.some((line) => new RegExp(`\\$\\{?${name}\\b`).test(line));
  const smokeStage = fromLines.some((line) => new RegExp(`\\sAS\\s+${SMOKE_TEST_STAGE}\\s*$`, 'i').test(line))
    ? []
    : [`hand-written Dockerfile '${path}' has no stage '${SMOKE_TEST_STAGE}', which the workflow builds before the image to test its Python environment: `
      + `add one on the stage the image starts from, e.g. 'FROM <that stage> AS ${SMOKE_TEST_STAGE}' then 'RUN [${smokeTest.map((a) => JSON.stringify(a)).join(', ')}]'`];
  return [...smokeStage, ...passed.flatMap((name) => {
    if (inStage.has(name) || (inGlobal.has(name) && usedByFrom(name))) {
      return [];
    }
    return inGlobal.has(name)
      ? [`hand-written Dockerfile '${path}' declares 'ARG ${name}' only before the first FROM, where only FROM lines see it (a LABEL or RUN gets an empty value): repeat 'ARG ${name}' inside the stage that uses it`]
      : [`hand-written Dockerfile '${path}' has no 'ARG ${name}', but projen passes ${name}: add the line 'ARG ${name}' to the stage that uses it`];
  })];
}
