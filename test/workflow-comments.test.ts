import { commentWorkflow } from '../src/github/workflow-comments';

const CHECKOUT = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1';
const VERSIONS = new Map([[CHECKOUT, 'v7.0.1']]);
const commentVersions = (text: string, versions: ReadonlyMap<string, string>) => commentWorkflow(text, { versions });

describe('the version comment after each pinned uses: reference', () => {
  test('follows a step\'s reference, whether `uses:` opens the step or not', () => {
    const text = [
      'steps:',
      `  - uses: ${CHECKOUT}`,
      '  - name: Checkout',
      `    uses: ${CHECKOUT}`,
      '',
    ].join('\n');
    expect(commentVersions(text, VERSIONS)).toBe([
      'steps:',
      `  - uses: ${CHECKOUT} # v7.0.1`,
      '  - name: Checkout',
      `    uses: ${CHECKOUT} # v7.0.1`,
      '',
    ].join('\n'));
  });

  test('leaves a script alone, even a line of it that reads like a reference, and resumes after it', () => {
    const text = [
      '  - name: Script',
      '    run: |',
      `      uses: ${CHECKOUT}`,
      '',
      `        uses: ${CHECKOUT}`,
      '  - description: >-',
      `      uses: ${CHECKOUT}`,
      `    uses: ${CHECKOUT}`,
    ].join('\n');
    const lines = commentVersions(text, VERSIONS).split('\n');
    expect(lines.slice(0, 7)).toEqual(text.split('\n').slice(0, 7));
    expect(lines[7]).toBe(`    uses: ${CHECKOUT} # v7.0.1`);
  });

  test('gives a reference not in the table, e.g. an override to another commit, no comment', () => {
    const other = `  - uses: ${CHECKOUT.replace(/@.*/, '@'.padEnd(41, '0'))}`;
    expect(commentVersions(other, VERSIONS)).toBe(other);
  });

  test('writes a step\'s comment lines above it, at its indentation, and nowhere a script mentions its name', () => {
    const text = [
      'steps:',
      '  - name: Checkout',
      '    run: |',
      '      - name: Smoke test',
      '  - name: Smoke test',
      '    uses: x/y@1',
    ].join('\n');
    const steps = new Map([['Smoke test', ['Why this step', 'is here.']]]);
    expect(commentWorkflow(text, { versions: VERSIONS, steps })).toBe([
      'steps:',
      '  - name: Checkout',
      '    run: |',
      '      - name: Smoke test',
      '  # Why this step',
      '  # is here.',
      '  - name: Smoke test',
      '    uses: x/y@1',
    ].join('\n'));
  });
});
