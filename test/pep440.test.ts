import { compareVersions, isFinal, parseVersion, pythonSatisfies } from '../src/pins/upgrade/pep440';

test.each([
  ['>=3.9', true],
  ['>=3.12', false],
  ['>=3.8,<3.12', true],
  ['>=3.8, <3.11', false],
  ['!=3.11.*', false],
  ['==3.11.*', true],
  ['~=3.10', true],
  ['~=3.10.1', false],
  ['>3.11', false],
  ['<=3.11', true],
  ['', true],
  ['>=3.9; python_version', false],
])('Requires-Python %j accepts Python 3.11: %s', (specifier, accepted) => {
  expect(pythonSatisfies('3.11', specifier)).toBe(accepted);
});

test('versions order as PEP 440 orders them', () => {
  const ordered = ['1.0.dev1', '1.0a1', '1.0b2', '1.0rc1', '1.0', '1.0.post1', '1.1', '2!0.1'];
  const shuffled = [...ordered].reverse();
  expect(shuffled.sort((a, b) => compareVersions(parseVersion(a)!, parseVersion(b)!))).toEqual(ordered);
  expect(compareVersions(parseVersion('1.0')!, parseVersion('1.0.0')!)).toBe(0);
});

test.each([
  ['2.5.1', true],
  ['2.5.1.post2', true],
  ['2.6.0rc1', false],
  ['2.6.0.dev3', false],
  ['2.5.1+cu121', false],
])('%s is a final release: %s', (version, final) => {
  expect(isFinal(parseVersion(version)!)).toBe(final);
});
