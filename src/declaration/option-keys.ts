import { DeclarationError } from './violations';

/** Problems with a value found at `path`, one line each. */
type ValueCheck = (value: unknown, path: string) => string[];

/** An optional key and how its value is checked. */
export interface OptionalKey {
  readonly required: false;
  readonly check: ValueCheck;
}

/** A key the interface requires and how its value is checked. */
export interface RequiredKey {
  readonly required: true;
  readonly check: ValueCheck;
}

/** Every key of `T`, no other: required keys as {@link RequiredKey}, optional ones as {@link OptionalKey}. */
export type KeyRules<T> = { readonly [K in keyof T]-?: {} extends Pick<T, K> ? OptionalKey : RequiredKey };

/** The value is checked where it is used (a string, a number, a record of free names). */
const UNCHECKED: ValueCheck = () => [];

/** An optional key; its value is not checked here unless `check` is given. */
export function optional(check: ValueCheck = UNCHECKED): OptionalKey {
  return { required: false, check };
}

/** A required key; its value is not checked here unless `check` is given. */
export function required(check: ValueCheck = UNCHECKED): RequiredKey {
  return { required: true, check };
}

/** A `true`/`false` option: a string such as `'true'` would otherwise be read as truthy. */
export const BOOLEAN: ValueCheck = (value, path) => (value === undefined || typeof value === 'boolean'
  ? []
  : [`${path}: ${describe(value)} is not a boolean; write true or false`]);

/** A nested options object, checked against its own keys. */
export function nested<T>(keys: OptionKeys<T>): ValueCheck {
  return (value, path) => keys.problems(value, path);
}

/** A list whose every element is checked, with its index in the path: `tools[0]`. */
export function listOf(check: ValueCheck): ValueCheck {
  return (value, path) => (Array.isArray(value) ? value.flatMap((item, i) => check(item, `${path}[${i}]`)) : []);
}

/**
 * A value one of the declaration classes makes, e.g. a `ScriptCopy`. A plain
 * object written in its place has no option names to check and would be read
 * as if it were one: it is refused, naming the factory to use.
 * @param make how to make one, e.g. `ScriptCopy.of(source, destination)`
 * @param orString whether a string is accepted too, as for `pythonPackages`
 */
export function instanceOf(type: { readonly name: string; readonly prototype: object }, make: string, orString = false): ValueCheck {
  // A class with a private constructor is no constructor type, so instanceof is spelled out.
  return (value, path) => (Object.prototype.isPrototypeOf.call(type.prototype, value as object) || (orString && typeof value === 'string')
    ? []
    : [`${path}: ${describe(value)} is not ${orString ? 'a string or ' : ''}a ${type.name}; use ${make}`]);
}

/**
 * The option keys of one options interface, checked when `.projenrc.ts` runs.
 *
 * Synthesis transpiles `.projenrc.ts` without type-checking it (README, "The
 * everyday loop"), so a misspelled option such as `pythonPackage:` would
 * otherwise be dropped in silence and its default used. Every options
 * interface a declaration writes lists its keys once, next to the interface:
 * the type of that list demands exactly the interface's keys, so an option
 * added to the interface without being listed fails `tsc`.
 */
export class OptionKeys<T> {
  private readonly names: readonly string[];

  /**
   * @param typeName the interface, as error messages name it, e.g. `ContainerImageOptions`
   * @param keys every key of the interface: the type makes the list complete
   */
  constructor(public readonly typeName: string, private readonly keys: KeyRules<T>) {
    this.names = Object.keys(keys);
  }

  /**
   * Throws, one line per problem, when `options` has a key the interface does
   * not, lacks a required one, or holds a plain object where a declaration
   * class belongs.
   * @param subject where the options are written, e.g. `addImage #2`
   */
  public check(subject: string, options: unknown): void {
    const problems = this.problems(options, subject);
    if (problems.length > 0) {
      throw new DeclarationError(problems.join('\n'));
    }
  }

  /** The problems of `value` at `path`, one line each. */
  public problems(value: unknown, path: string): string[] {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [`${path}: ${describe(value)} is not an object of ${this.typeName}`];
    }
    const given = Object.keys(value);
    const rules = this.keys as Readonly<Record<string, OptionalKey | RequiredKey>>;
    const suggested = new Set<string>();
    const unknown = this.unknownKeys(value, path, suggested);
    // A misspelled required key is reported once, by its suggestion.
    const missing = this.names
      .filter((key) => rules[key].required && (value as Record<string, unknown>)[key] === undefined && !suggested.has(key))
      .map((key) => `${path} › ${key}: missing; ${this.typeName} requires it`);
    const values = given.filter((key) => Object.hasOwn(rules, key) && (value as Record<string, unknown>)[key] !== undefined)
      .flatMap((key) => rules[key].check((value as Record<string, unknown>)[key], `${path} › ${key}`));
    return [...unknown, ...missing, ...values];
  }

  /**
   * One line per key of `value` the interface does not have, naming the
   * nearest valid one, for a factory that checks the values itself.
   * @param suggested collects the keys suggested
   */
  public unknownKeys(value: object, path: string, suggested = new Set<string>()): string[] {
    return Object.keys(value).filter((key) => !Object.hasOwn(this.keys, key)).map((key) => {
      const near = nearest(key, this.names);
      if (near) {
        suggested.add(near);
        return `${path} › ${key}: unknown option of ${this.typeName}; did you mean '${near}'?`;
      }
      return `${path} › ${key}: unknown option of ${this.typeName}, whose options are ${this.names.join(', ')}`;
    });
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (typeof value === 'object' && value !== null) {
    const type = Object.getPrototypeOf(value)?.constructor?.name;
    return type && type !== 'Object' ? `a ${type}` : 'a plain object';
  }
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/**
 * The valid key closest to a misspelled one, if one is close: the fewest
 * edits (insert, delete, replace, swap two neighbours), ignoring case, and at
 * most about two in five characters, the bound TypeScript's own "did you
 * mean" uses; or a key the misspelling starts, e.g. `timeout` → `timeoutMinutes`.
 * Ties go to the key listed first.
 */
export function nearest(key: string, candidates: readonly string[]): string | undefined {
  const limit = Math.floor(key.length * 0.4) + 1;
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    const prefix = key.length >= 4 && name.toLowerCase().startsWith(key.toLowerCase());
    if ((distance <= limit || prefix) && (!best || distance < best.distance)) {
      best = { name, distance };
    }
  }
  return best?.name;
}

/** Optimal string alignment distance: Levenshtein plus the swap of two neighbouring characters. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) {
    d[0][j] = j;
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
