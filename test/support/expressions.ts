/**
 * Evaluates GitHub Actions expressions the way the runner does, for the parts
 * of the language the generated workflows use: context property access,
 * string, number, boolean and null literals, `!`, `==`, `!=`, `&&`, `||`,
 * parentheses and `format()`. Anything else throws, so a workflow that starts
 * using more of the language fails its test instead of being misread.
 *
 * GitHub's semantics where they differ from JavaScript: `&&` and `||` return an
 * operand (falsy: `false`, `0`, `''`, `null`); `==` compares strings ignoring
 * case; a missing property is `null`; `null` is written as `''` in a string.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/evaluate-expressions-in-workflows-and-actions
 */

export type Value = string | number | boolean | null | { [key: string]: Value };
export type Contexts = Record<string, Value>;

const TOKEN = /\s*(?:('(?:[^']|'')*')|(\d+(?:\.\d+)?)|(==|!=|&&|\|\||[!().,])|([A-Za-z_][A-Za-z0-9_-]*))/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(expression);
    if (!match) {
      if (expression.slice(at).trim() === '') break;
      throw new Error(`unsupported expression syntax at '${expression.slice(at)}'`);
    }
    tokens.push(match[0].trim());
  }
  return tokens;
}

function truthy(value: Value): boolean {
  return !(value === false || value === 0 || value === '' || value === null || Number.isNaN(value));
}

function text(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'object') return 'Object';
  return String(value);
}

function equals(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b) return a === b;
  // Mixed types compare as numbers, as GitHub coerces them.
  const number = (v: Value) => (v === null ? 0 : typeof v === 'boolean' ? Number(v) : typeof v === 'string' ? (v.trim() === '' ? 0 : Number(v)) : NaN);
  return number(a) === number(b);
}

function format(template: string, args: Value[]): string {
  return template.replace(/\{\{|\}\}|\{(\d+)\}/g, (token, index?: string) => {
    if (token === '{{') return '{';
    if (token === '}}') return '}';
    return text(args[Number(index)] ?? null);
  });
}

/** The value of one expression (what goes between `${{` and `}}`, or a bare `if:`). */
export function evaluate(expression: string, contexts: Contexts): Value {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (expected?: string) => {
    const token = tokens[pos++];
    if (expected !== undefined && token !== expected) throw new Error(`expected '${expected}', got '${token}' in ${expression}`);
    return token;
  };

  const primary = (): Value => {
    const token = take();
    if (token === undefined) throw new Error(`unexpected end of ${expression}`);
    if (token === '(') {
      const value = or();
      take(')');
      return value;
    }
    if (token.startsWith('\'')) return token.slice(1, -1).replace(/''/g, '\'');
    if (/^\d/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'null') return null;
    if (peek() === '(') {
      take('(');
      const args: Value[] = [];
      while (peek() !== ')') {
        args.push(or());
        if (peek() === ',') take(',');
      }
      take(')');
      if (token.toLowerCase() !== 'format') throw new Error(`unsupported function ${token}() in ${expression}`);
      return format(text(args[0]), args.slice(1));
    }
    if (!(token in contexts)) throw new Error(`unknown context '${token}' in ${expression}`);
    let value: Value = contexts[token];
    while (peek() === '.') {
      take('.');
      const key = take();
      value = value !== null && typeof value === 'object' && key in value ? value[key] : null;
    }
    return value;
  };
  const not = (): Value => (peek() === '!' ? (take(), !truthy(not())) : primary());
  const comparison = (): Value => {
    let left = not();
    while (peek() === '==' || peek() === '!=') {
      const op = take();
      const right = not();
      left = op === '==' ? equals(left, right) : !equals(left, right);
    }
    return left;
  };
  const and = (): Value => {
    let left = comparison();
    while (peek() === '&&') {
      take();
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const or = (): Value => {
    let left = and();
    while (peek() === '||') {
      take();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };

  const value = or();
  if (pos !== tokens.length) throw new Error(`unexpected '${tokens[pos]}' in ${expression}`);
  return value;
}

/** A workflow string with `${{ }}` parts, such as a concurrency group, as the runner renders it. */
export function render(template: string, contexts: Contexts): string {
  return template.replace(/\$\{\{(.*?)\}\}/g, (_m, expression: string) => text(evaluate(expression, contexts)));
}
