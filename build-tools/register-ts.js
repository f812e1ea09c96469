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
 */
'use strict';
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');

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

// Stack traces point into the .ts sources, through the inline source maps.
process.setSourceMapsEnabled(true);

require.extensions['.ts'] = (module, filename) => {
  if (filename.includes('/node_modules/')) {
    throw new Error(`${filename}: TypeScript inside node_modules is not transpiled; depend on the package's JavaScript`);
  }
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...SWC_OPTIONS, filename });
  // @ts-expect-error Module#_compile is Node's documented way for a require hook to run transpiled code.
  module._compile(code, filename);
};

module.exports = { SWC_OPTIONS };
