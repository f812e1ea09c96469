// @ts-check
/**
 * Lets Node require TypeScript files: each .ts file outside node_modules is
 * transpiled by swc as it is loaded, without type checking (the `typecheck`
 * task does that in `npx projen test`).
 *
 *   node --require ./build-tools/register-ts.js .projenrc.ts
 *
 * Why not ts-node --swc: ts-node loads the TypeScript compiler to read its
 * configuration even when swc transpiles, about 120 ms of every `npx projen`;
 * @swc-node/register and tsx measured slower still (see README, "The everyday
 * loop"). This hook is the part of them synthesis needs.
 *
 * The options mirror tsconfig.json (ES2022, CommonJS with esModuleInterop,
 * class fields defined as ES2022 does); test/projen-runner.test.ts keeps the
 * two in agreement.
 *
 * Transpiled files are kept in .cache/register-ts/, one entry per source file,
 * valid while its first line holds the hash of the swc version, the options
 * and the source: when nothing changed, swc is not even loaded.
 */
'use strict';
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** @type {import('@swc/core').Options} */
const SWC_OPTIONS = {
  swcrc: false,
  configFile: false,
  sourceMaps: 'inline',
  module: { type: 'commonjs', noInterop: false, strictMode: true },
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, useDefineForClassFields: true },
    keepClassNames: true,
  },
};

const CACHE_DIR = join(__dirname, '..', '.cache', 'register-ts');
// Read, not required: a warm run loads nothing of swc.
const SWC_VERSION = JSON.parse(readFileSync(require.resolve('@swc/core/package.json'), 'utf8')).version;

/** @type {typeof import('@swc/core') | undefined} */
let swc;

/** The JavaScript for a TypeScript file, from the cache when its source is unchanged. */
function transpile(filename) {
  const source = readFileSync(filename, 'utf8');
  const stamp = `// ${createHash('sha256').update(`${SWC_VERSION}\0${JSON.stringify(SWC_OPTIONS)}\0${source}`).digest('hex')}\n`;
  const entry = join(CACHE_DIR, `${createHash('sha256').update(filename).digest('hex').slice(0, 32)}.js`);
  try {
    const cached = readFileSync(entry, 'utf8');
    if (cached.startsWith(stamp)) {
      return cached.slice(stamp.length);
    }
  } catch {
    // not cached yet
  }
  swc ??= require('@swc/core');
  const { code } = swc.transformSync(source, { ...SWC_OPTIONS, filename });
  // Written aside and renamed, so a process running at the same time never reads half an entry.
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${entry}.${process.pid}`;
  writeFileSync(partial, stamp + code);
  renameSync(partial, entry);
  return code;
}

// Stack traces point into the .ts sources, through the inline source maps.
process.setSourceMapsEnabled(true);

require.extensions['.ts'] = (module, filename) => {
  if (filename.includes('/node_modules/')) {
    throw new Error(`${filename}: TypeScript inside node_modules is not transpiled; depend on the package's JavaScript`);
  }
  // @ts-expect-error Module#_compile is Node's documented way for a require hook to run transpiled code.
  module._compile(transpile(filename), filename);
};

module.exports = { SWC_OPTIONS, CACHE_DIR };
