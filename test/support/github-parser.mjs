// @ts-check
/**
 * GitHub's own workflow parser and language service on workflow files, in a
 * process of its own: both packages are ES modules only, which the CommonJS
 * test suite cannot import. Usage:
 *
 *   node github-parser.mjs <repository root> <pins.lock.json> <workflow file>...
 *
 * Prints one JSON object: for each file, `parser` (what `parseWorkflow` and
 * `convertWorkflowTemplate` report, as GitHub does when it loads a workflow,
 * reusable workflows of the repository included) and `languageService` (what
 * `validate` reports with each action's inputs taken from the lock), each as
 * `line:column message` strings. Reads only the files named and the
 * repository's own reusable workflows; no network.
 */
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { join, relative } from 'node:path';

// The parser imports its JSON schemas without `with { type: 'json' }`, as a
// bundler allows and Node does not: this hook loads a .json module as the
// module that exports its parsed content.
register('data:text/javascript,' + encodeURIComponent(`
  import { readFileSync } from 'node:fs';
  import { fileURLToPath } from 'node:url';
  export async function load(url, context, next) {
    if (!url.startsWith('file:') || !url.endsWith('.json')) return next(url, context);
    return { format: 'module', shortCircuit: true, source: 'export default ' + readFileSync(fileURLToPath(url), 'utf8') + ';' };
  }`));
const { validate } = await import('@actions/languageservice');
const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await import('@actions/workflow-parser');
const { ErrorPolicy } = await import('@actions/workflow-parser/model/convert');
const { TextDocument } = await import('vscode-languageserver-textdocument');

const [root, lockPath, ...files] = process.argv.slice(2);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));

/** Local reusable workflows (`./.github/workflows/x.yml`) are read from the repository. */
const fileProvider = {
  async getFileContent(/** @type {any} */ ref) {
    if (ref.repository) {
      throw new Error(`remote reusable workflow ${ref.owner}/${ref.repository}/${ref.path}@${ref.version} is not in the repository`);
    }
    return { name: ref.path, content: readFileSync(join(root, ref.path), 'utf8') };
  },
};

/** An action's inputs as the lock records them: required means required and without a default. */
const actionsMetadataProvider = {
  async fetchActionMetadata(/** @type {import('@actions/languageservice/action').ActionReference} */ ref) {
    const locked = lock.actions[`${ref.owner}/${ref.name}`];
    if (!locked || locked.commit !== ref.ref) {
      return undefined;
    }
    const inputs = Object.fromEntries(Object.entries(locked.inputs).map(([name, required]) => [name, { description: name, required }]));
    return { name: `${ref.owner}/${ref.name}`, description: locked.tag, inputs };
  },
};

/** @param {{ range?: { start: { line: number; column: number } } }} e */
const at = (e) => (e.range ? `${e.range.start.line}:${e.range.start.column}` : '-');

const report = {};
for (const path of files) {
  const name = relative(root, path);
  const content = readFileSync(path, 'utf8');
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const parser = [];
  if (parsed.value) {
    await convertWorkflowTemplate(parsed.context, parsed.value, fileProvider, { fetchReusableWorkflowDepth: 1, errorPolicy: ErrorPolicy.TryConversion });
  }
  for (const error of parsed.context.errors.getErrors()) {
    parser.push(error.message);
  }
  const diagnostics = await validate(TextDocument.create(`file:///${name}`, 'yaml', 1, content), { actionsMetadataProvider, fileProvider });
  const languageService = diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
  report[name] = { parser, languageService };
}
process.stdout.write(JSON.stringify(report));
