import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { cleanEnv, copyProject } from './support/sandbox';
import { REPO_ROOT } from './support/workflows';

const PROJEN = join(REPO_ROOT, 'node_modules', 'projen', 'bin', 'projen');
const TASKS = JSON.parse(readFileSync(join(REPO_ROOT, '.projen', 'tasks.json'), 'utf8'));

/** PATH as a shell outside any npm script has it: no node_modules/.bin anywhere. */
function plainPath(...first: string[]): string {
  const system = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.includes('node_modules'));
  return [...first, ...system].join(delimiter);
}

describe('task PATH', () => {
  let dir: string;
  let npxCalls: string;
  let fakeBin: string;

  beforeEach(() => {
    // GIVEN a project with this repository's task environment, a tool only in
    // its node_modules/.bin, and an `npx` that records being called
    dir = mkdtempSync(join(tmpdir(), 'task-path-'));
    mkdirSync(join(dir, '.projen'));
    writeFileSync(join(dir, '.projen', 'tasks.json'), JSON.stringify({
      ...TASKS,
      tasks: { hello: { name: 'hello', steps: [{ exec: 'hello-tool' }] } },
    }));
    mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', '.bin', 'hello-tool'), '#!/bin/sh\necho "found $(pwd)"\n', { mode: 0o755 });
    mkdirSync(join(dir, 'sub'));
    fakeBin = join(dir, 'fake-bin');
    npxCalls = join(dir, 'npx-calls');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'npx'), `#!/bin/sh\necho "$@" >> '${npxCalls}'\nexit 1\n`, { mode: 0o755 });
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['the project root', '.'],
    ['a subfolder', 'sub'],
  ])('a task started from %s finds the project\'s node_modules/.bin without running npx', (_, cwd) => {
    // WHEN projen runs the task with a PATH that lacks node_modules/.bin
    const result = spawnSync('node', [PROJEN, 'hello'], {
      cwd: join(dir, cwd),
      env: cleanEnv({ PATH: plainPath(fakeBin) }),
      encoding: 'utf8',
    });

    // THEN the tool is found, runs in the project root, and npx was never started
    expect(result.stderr).not.toContain('unable to evaluate');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`found ${dir}`);
    expect(existsSync(npxCalls)).toBe(false);
  });
});

describe('synthesis and type checking', () => {
  let copy: string;

  beforeAll(() => {
    // GIVEN a copy of this project whose .projenrc.ts has a type error
    copy = copyProject(mkdtempSync(join(tmpdir(), 'projenrc-types-')));
    appendFileSync(join(copy, '.projenrc.ts'), '\nexport const broken: number = \'not a number\';\n');
  });

  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  const projen = (...args: string[]) => spawnSync('node', [PROJEN, ...args], { cwd: copy, env: cleanEnv(), encoding: 'utf8' });

  test('synthesis transpiles .projenrc.ts without type-checking it, which is what makes it fast', () => {
    // WHEN the project is synthesized
    const result = projen('--no-post');

    // THEN swc runs it despite the type error
    expect(result.stderr).not.toContain('TS2322');
    expect(result.status).toBe(0);
  });

  test('the typecheck task, which the test task runs first, rejects the type error in .projenrc.ts', () => {
    // WHEN the typecheck task runs
    const result = projen('typecheck');

    // THEN it fails, naming the file and the error
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/\.projenrc\.ts\(\d+,\d+\): error TS2322/);
    expect(TASKS.tasks.test.steps[0]).toEqual({ spawn: 'typecheck' });
  });
});
