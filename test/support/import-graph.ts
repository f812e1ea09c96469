import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';

/** Each module, by path relative to the root, and the modules it imports. */
export type ImportGraph = Map<string, string[]>;

/**
 * The import graph of every `.ts` file below `root`, as TypeScript's own
 * scanner reads it: `import`, `import type`, `export ... from` and
 * `require()`/`import()` of a literal all count, because a type-only import
 * still ties two modules' designs together. Only relative imports of files
 * inside `root` are edges; packages are not part of the graph.
 */
export function importGraph(root: string): ImportGraph {
  const files = tsFiles(root);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => resolveModule(dirname(file), spec))
      .filter((target): target is string => target !== undefined && target.startsWith(root));
    graph.set(relative(root, file), [...new Set(targets.map((t) => relative(root, t)))].sort());
  }
  return graph;
}

/**
 * Every import cycle, each as its modules in import order (the strongly
 * connected components with more than one module, or a module importing
 * itself), found with Tarjan's algorithm.
 */
export function importCycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.unshift(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) {
        cycles.push(component.sort());
      }
    }
  };
  for (const node of [...graph.keys()].sort()) {
    if (!index.has(node)) {
      visit(node);
    }
  }
  return cycles;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return name === 'node_modules' ? [] : tsFiles(path);
    }
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveModule(from: string, spec: string): string | undefined {
  const base = resolve(from, spec);
  return [`${base}.ts`, join(base, 'index.ts'), base].find((p) => existsSync(p) && statSync(p).isFile());
}
