import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { importCycles, importGraph } from './support/import-graph';
import { REPO_ROOT } from './support/workflows';

/** A folder of modules, each given by its path and source. */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'import-graph-'));
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  return root;
}

describe('the import graph of src/', () => {
  test('has no cycle, type-only imports included', () => {
    expect(importCycles(importGraph(join(REPO_ROOT, 'src')))).toEqual([]);
  });

  test('is read from the real files: the platform imports its components, none imports the platform', () => {
    const graph = importGraph(join(REPO_ROOT, 'src'));
    expect(graph.get('platform/image-platform.ts')).toEqual(expect.arrayContaining([
      'aws/aws-setup.ts', 'docker/image-dockerfile.ts', 'github/image-build-workflow.ts', 'platform/container-image.ts',
    ]));
    const importers = [...graph].filter(([, targets]) => targets.includes('platform/image-platform.ts')).map(([m]) => m);
    expect(importers).toEqual(['index.ts']);
  });

  test('the ECR tasks, which run against AWS, are never imported by what synthesis loads', () => {
    const graph = importGraph(join(REPO_ROOT, 'src'));
    const reachable = new Set<string>();
    const walk = (m: string): void => {
      if (!reachable.has(m)) {
        reachable.add(m);
        (graph.get(m) ?? []).forEach(walk);
      }
    };
    walk('index.ts');
    expect([...reachable].filter((m) => m.startsWith('ecr/'))).toEqual([]);
  });
});

describe('the cycle check', () => {
  const roots: string[] = [];
  const make = (files: Record<string, string>) => {
    const root = fixture(files);
    roots.push(root);
    return importGraph(root);
  };
  afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  test('finds a cycle closed by a type-only import, across folders', () => {
    const graph = make({
      'platform/platform.ts': 'import { Workflow } from \'../github/workflow\';\nexport class Platform { w = new Workflow(); }\n',
      'github/workflow.ts': 'import type { Platform } from \'../platform/platform\';\nexport class Workflow { p?: Platform; }\n',
      'declaration/size.ts': 'export class Size {}\n',
    });
    expect(importCycles(graph)).toEqual([['github/workflow.ts', 'platform/platform.ts']]);
  });

  test('finds cycles through re-exports, dynamic requires and a module importing itself', () => {
    const graph = make({
      'a.ts': 'export * from \'./b\';\n',
      'b.ts': 'export const c = () => require(\'./c\');\n',
      'c.ts': 'import \'./a\';\n',
      'self.ts': 'import * as me from \'./self\';\nexport const x = me;\n',
      'index.ts': 'export * from \'./a\';\n',
    });
    expect(importCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['self.ts']]);
  });

  test('reports nothing for a graph whose components receive narrow interfaces', () => {
    const graph = make({
      'platform/settings.ts': 'export interface Settings { region: string }\n',
      'platform/platform.ts': 'import { Workflow } from \'../github/workflow\';\nimport type { Settings } from \'./settings\';\nexport class Platform implements Settings { region = \'x\'; w = new Workflow(this); }\n',
      'github/workflow.ts': 'import type { Settings } from \'../platform/settings\';\nexport class Workflow { constructor(s: Settings) {} }\n',
    });
    expect(importCycles(graph)).toEqual([]);
  });
});
