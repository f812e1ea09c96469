/**
 * A workflow path filter as a POSIX extended regular expression, so a bash
 * step can tell which files a filter matches the way GitHub does.
 *
 * GitHub's filter syntax: `*` matches any characters except `/`; `**` any
 * characters; `?` and `+` make the preceding character optional or repeated;
 * `[...]` is a character class; `\` escapes; a leading `!` excludes.
 *
 * @see https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet
 */
export interface PathFilterRegex {
  /** Whether the filter excludes what it matches (`!` prefix). */
  readonly exclude: boolean;
  /** An anchored POSIX ERE, for bash `[[ $file =~ $regex ]]`. */
  readonly regex: string;
}

export function pathFilterRegex(filter: string): PathFilterRegex {
  const exclude = filter.startsWith('!');
  const pattern = exclude ? filter.slice(1) : filter;
  let regex = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (pattern.startsWith('**/', i)) {
      // `docs/**/*.md` matches docs/README.md: `**/` may stand for no folder at all.
      regex += '(.*/)?';
      i += 3;
    } else if (pattern.startsWith('**', i)) {
      regex += '.*';
      i += 2;
    } else if (c === '*') {
      regex += '[^/]*';
      i += 1;
    } else if (c === '?' || c === '+') {
      if (i === 0) {
        throw new Error(`path filter '${filter}' starts with '${c}', which repeats the character before it: escape it as '\\${c}'`);
      }
      regex += c;
      i += 1;
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        throw new Error(`path filter '${filter}' opens a character class '[' that is never closed: close it or escape it as '\\['`);
      }
      const body = pattern.slice(i + 1, end);
      if (!/^[A-Za-z0-9-]+$/.test(body)) {
        throw new Error(`path filter '${filter}' has character class '[${body}]': GitHub only allows letters, digits and ranges such as '[a-z0-9]'`);
      }
      regex += `[${body}]`;
      i = end + 1;
    } else if (c === '\\') {
      if (i + 1 >= pattern.length) {
        throw new Error(`path filter '${filter}' ends with '\\', which escapes nothing`);
      }
      regex += literal(pattern[i + 1]);
      i += 2;
    } else {
      regex += literal(c);
      i += 1;
    }
  }
  return { exclude, regex: `^${regex}$` };
}

/**
 * A filter that matches exactly this repository path: every character GitHub's
 * filter syntax gives a meaning (`*`, `?`, `+`, `[`, `]`, `\` and a leading `!`)
 * is escaped with `\`, so `docker/c++/Dockerfile` does not also match
 * `docker/cc/Dockerfile` and a leading `!` does not exclude.
 */
export function literalPathFilter(path: string): string {
  return path.replace(/[*?+[\]\\]/g, '\\$&').replace(/^!/, '\\!');
}

/** The rule a path filter breaks, if any. */
export function pathFilterViolation(filter: string): string | undefined {
  try {
    pathFilterRegex(filter);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A character matched literally, written so no ERE implementation can read it as an operator. */
function literal(c: string): string {
  if (/[A-Za-z0-9_/ -]/.test(c)) {
    return c;
  }
  // Inside a bracket expression every character but '^' is literal.
  return c === '^' ? '\\^' : `[${c}]`;
}
