import { libraryCall } from './support/library';
import { runStep } from './support/runner';

/** Runs one output function of the library with NAME and VALUE, as a step would. */
const write = (fn: string, name: string, value: string) => runStep(libraryCall('outputs.sh', fn, [name, value]), {});

describe('step outputs, written through the library\'s one helper', () => {
  test.each<[string, string, string, Record<string, string>]>([
    ['a one-line value is one output', 'step_output', 'digest', { digest: 'sha256:abc' }],
    ['a value of several lines is one output between delimiters', 'step_output_lines', 'build_args', { build_args: 'A=1\nB=2' }],
  ])('%s', (_case, fn, name, expected) => {
    const run = write(fn, name, expected[name]);
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual(expected);
  });

  test.each<[string, string, string, string, RegExp]>([
    ['a line break in a one-line value', 'step_output', 'built_from', 'c0ffee\npromoted=false', /the value of built_from has a line break/],
    ['a carriage return in a one-line value', 'step_output', 'built_from', 'c0ffee\rdigest=x', /the value of built_from has a line break/],
    ['a name that is not one', 'step_output', 'digest=x\npromoted', 'false', /is not an output name/],
    ['a carriage return in a value of several lines', 'step_output_lines', 'build_args', 'A=1\r\nB=2', /has a carriage return/],
  ])('%s is refused, and nothing is written', (_case, fn, name, value, message) => {
    const run = write(fn, name, value);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^::error title=Step output::.*${message.source}.*\\n$`));
    expect(run.outputs).toEqual({});
  });
});
