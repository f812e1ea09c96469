import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import * as ts from 'typescript';
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

describe('the require hook that runs .projenrc.ts', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SWC_OPTIONS } = require('../build-tools/register-ts.js');
  const defaultStep = TASKS.tasks.default.steps[0];

  test('is the default task: synthesis is `node --require ./build-tools/register-ts.js .projenrc.ts`', () => {
    expect(defaultStep).toEqual({ execArgs: ['node', '--require', './build-tools/register-ts.js', '.projenrc.ts'] });
  });

  test('transpiles as the projenrc\'s tsconfig compiles: target, module, interop, class fields and decorators', () => {
    // GIVEN the compiler options TypeScript itself reads from src/tsconfig.json (which extends tsconfig.json)
    const file = join(REPO_ROOT, 'src', 'tsconfig.json');
    const { config } = ts.readConfigFile(file, ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, join(REPO_ROOT, 'src'));
    // THEN swc's options say the same
    expect(SWC_OPTIONS.jsc.target).toBe(ts.ScriptTarget[options.target!].toLowerCase());
    expect(options.module).toBe(ts.ModuleKind.CommonJS);
    expect(SWC_OPTIONS.module.type).toBe('commonjs');
    expect(SWC_OPTIONS.module.noInterop).toBe(!options.esModuleInterop);
    // TypeScript defines class fields the ES2022 way from target ES2022 on, unless told otherwise.
    expect(SWC_OPTIONS.jsc.transform.useDefineForClassFields).toBe(options.useDefineForClassFields ?? options.target! >= ts.ScriptTarget.ES2022);
    expect(SWC_OPTIONS.jsc.parser.decorators).toBe(options.experimentalDecorators === true);
    expect(SWC_OPTIONS.jsc.transform.legacyDecorator).toBe(options.experimentalDecorators === true);
  });

  describe('in a copy of this project', () => {
    let copy: string;
    beforeAll(() => {
      copy = copyProject(mkdtempSync(join(tmpdir(), 'projenrc-hook-')));
    });
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    /** Runs the default task's own command with `extra` node arguments first. */
    const synth = (extra: string[], env: Record<string, string> = {}) => {
      const [node, ...args] = defaultStep.execArgs;
      return spawnSync(node, [...extra, ...args], { cwd: copy, env: cleanEnv({ PROJEN_DISABLE_POST: 'true', ...env }), encoding: 'utf8' });
    };

    /** Synthesizes with a preload that records every module the process loaded; returns them and the run. */
    const synthRecording = () => {
      const recorder = join(copy, 'record-modules.js');
      const loaded = join(copy, 'loaded-modules.txt');
      writeFileSync(recorder, 'process.on("exit", () => require("fs").writeFileSync(process.env.LOADED_MODULES, Object.keys(require.cache).join("\\n")));\n');
      const result = synth(['--require', recorder], { LOADED_MODULES: loaded });
      const modules = readFileSync(loaded, 'utf8').split('\n');
      return { result, modules, packages: new Set(modules.map((m) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(m)?.[1]).filter(Boolean)) };
    };

    test('synthesis loads only what it uses: not TypeScript, ts-node, projen\'s index or the Dockerfile parser', () => {
      // WHEN the default task's command synthesizes the project for the first time
      const { result, modules, packages } = synthRecording();
      // THEN it succeeded, having loaded projen and swc but neither TypeScript nor ts-node,
      // only the projen modules it imports (no index, hence no Java or Python project types),
      // and no Dockerfile parser, which only hand-written Dockerfiles need
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect([...packages]).toEqual(expect.arrayContaining(['projen', '@swc/core']));
      expect([...packages].filter((p) => ['typescript', 'ts-node', '@cspotcode/source-map-support', 'dockerfile-ast'].includes(p!))).toEqual([]);
      const projenModules = modules.filter((m) => m.includes('/node_modules/projen/lib/')).map((m) => m.replace(/.*\/node_modules\/projen\/lib\//, ''));
      expect(projenModules).toEqual(expect.arrayContaining(['typescript/typescript.js', 'github/workflows.js']));
      expect(projenModules.filter((m) => m === 'index.js' || /^(java|python|awscdk|cdk8s)\//.test(m))).toEqual([]);
    });

    test('a synthesis of unchanged sources reuses their transpiled code: swc is not even loaded', () => {
      // GIVEN a synthesis of the project
      expect(synth([]).status).toBe(0);
      // WHEN it is synthesized again, nothing changed
      const { result, packages } = synthRecording();
      // THEN it succeeded from the cache in .cache/register-ts
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(packages.has('@swc/core')).toBe(false);
    });

    test('a changed source is transpiled again, never served from the cache', () => {
      // GIVEN .projenrc.ts changed since the last synthesis
      const rc = join(copy, '.projenrc.ts');
      const original = readFileSync(rc, 'utf8');
      writeFileSync(rc, `${original}\nconsole.log('projenrc changed');\n`);
      try {
        // WHEN the project is synthesized again
        const { result, packages } = synthRecording();
        // THEN the new source ran, transpiled by swc
        expect(result.status).toBe(0);
        expect(result.stdout).toContain('projenrc changed');
        expect(packages.has('@swc/core')).toBe(true);
      } finally {
        writeFileSync(rc, original);
      }
    });

    test('an error in .projenrc.ts points at its own line, through the source map', () => {
      // GIVEN a .projenrc.ts that throws on a known line, after a line TypeScript alone would drop
      const rc = join(copy, '.projenrc.ts');
      const original = readFileSync(rc, 'utf8');
      const lines = original.split('\n');
      const at = lines.findIndex((l) => l.startsWith('project.synth()'));
      lines.splice(at, 0, 'type Dropped = { erased: true };', 'throw new Error(\'boom from the projenrc\');');
      writeFileSync(rc, lines.join('\n'));
      try {
        // WHEN it runs
        const result = synth([]);
        // THEN the stack names .projenrc.ts and the line of the throw (1-based), not the transpiled line
        expect(result.status).not.toBe(0);
        expect(result.stderr).toContain('boom from the projenrc');
        expect(result.stderr).toContain(`.projenrc.ts:${at + 2}:`);
      } finally {
        writeFileSync(rc, original);
      }
    });
  });
});
