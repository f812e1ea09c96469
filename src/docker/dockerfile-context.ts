import { posix } from 'node:path';
import type { Flag, Heredoc, Instruction, JSONInstruction } from 'dockerfile-ast';
import { argNames, dockerfileInstructions } from './dockerfile-parser';

/**
 * What a Dockerfile takes from the build context, which is the repository
 * root: the image's inputs besides the Dockerfile itself.
 *
 * The inputs fingerprint hashes git's tree entry of each input path, and the
 * workflow's path filters name the same paths, so an input must be one plain
 * file or folder of the repository. A source that is not one is refused:
 * `.` (the whole repository: every commit would rebuild), a wildcard (no
 * single git path; its matches change as files are added), a variable (known
 * only to the build), a path outside the context, a name the fingerprint's
 * path rule rejects, or a path that does not exist.
 *
 * BuildKit's automatic platform arguments are the exception (`$TARGETARCH`,
 * `${TARGETOS}`, `$TARGETVARIANT`, `$TARGETPLATFORM`, declared with `ARG` in
 * the stage): each platform's build copies its own path, so such a source is
 * one input per declared platform. The input keeps the variable, written
 * `${NAME}`, and the fingerprint of each platform expands it
 * (`platform_paths` in `image-build/fingerprint.sh`); a path missing for one
 * platform is refused naming that platform.
 *
 * Not inputs, because their content is not a repository file: `COPY --from`
 * a stage (built from this same Dockerfile) or an image, a heredoc (its text
 * is in the Dockerfile), `ADD` of a URL, and `RUN --mount` of another type
 * or `from=` a stage or image. Like `FROM` and `pip install`, remote content
 * is refreshed by a rebuild, not by the fingerprint.
 *
 * @see https://docs.docker.com/reference/dockerfile/#copy
 * @see https://docs.docker.com/reference/dockerfile/#run---mounttypebind
 */
export interface DockerfileContextUse {
  /**
   * The repository paths the Dockerfile copies, adds or bind-mounts, normalized, in the order it names them;
   * a platform argument stays in them as `${TARGETARCH}` and the like (see {@link platformPath}).
   */
  readonly inputs: readonly string[];
  /** One line for each source the fingerprint cannot follow: `<Dockerfile>:<line>:`, the instruction, the rule and the fix. */
  readonly refusals: readonly string[];
}

/** The path rule of the fingerprint's `inputs_check_path`, after normalization. */
const INPUT_PATH = /^[A-Za-z0-9._@+-]+(\/[A-Za-z0-9._@+-]+)*$/;

/** A URL `ADD` downloads (or clones) instead of reading the context. */
const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;

/** A variable in a source: `$NAME` or `${NAME}`; the name is group 1 or 2. */
const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * The platform arguments BuildKit sets for each platform it builds, which a
 * source may use: their value for a platform `OS/ARCH[/VARIANT]`.
 * @see https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope
 */
const PLATFORM_ARGS: Readonly<Record<string, (platform: string) => string>> = {
  TARGETPLATFORM: (p) => p,
  TARGETOS: (p) => p.split('/')[0],
  TARGETARCH: (p) => p.split('/')[1] ?? '',
  TARGETVARIANT: (p) => p.split('/')[2] ?? '',
};

/**
 * An input as one platform's build reads it: `${TARGETARCH}` and the other
 * platform arguments replaced by that platform's values, as
 * `platform_paths` in `image-build/fingerprint.sh` does.
 */
export function platformPath(path: string, platform: string): string {
  return path.replace(VARIABLE, (whole, braced?: string, bare?: string) => PLATFORM_ARGS[braced ?? bare ?? '']?.(platform) ?? whole);
}

/** The longest instruction text a refusal quotes. */
const SHOWN_CHARS = 80;

/** What an instruction does with a source, in a refusal: the verb, its plain form and an example of a narrower source. */
interface Use {
  readonly does: string;
  readonly doIt: string;
  readonly narrower: string;
}

const MOUNT: Use = { does: 'mounts', doIt: 'mount', narrower: '--mount=type=bind,source=src,target=/src' };

function copyUse(keyword: 'COPY' | 'ADD'): Use {
  return keyword === 'COPY'
    ? { does: 'copies', doIt: 'copy', narrower: 'COPY src/ /app/src/' }
    : { does: 'adds', doIt: 'add', narrower: 'ADD src/ /app/src/' };
}

/** One source of an instruction: its value as the builder reads it, and its 0-based line. */
interface Source {
  readonly value: string;
  readonly line: number;
}

/**
 * Reads a Dockerfile's context sources, for the image's `platforms`
 * (`OS/ARCH[/VARIANT]` values). `exists` says whether a repository path
 * exists; refusals name the Dockerfile as `file`.
 */
export function dockerfileContextUse(
  text: string, file: string, exists: (path: string) => boolean, platforms: readonly string[],
): DockerfileContextUse {
  const lines = text.split('\n');
  const inputs: string[] = [];
  const refusals: string[] = [];
  /** The names the current stage declares with ARG: a platform argument is empty in a stage without it. */
  let stageArgs = new Set<string>();
  const check = (source: Source, use: Use, shown: string) => {
    const refuse = (why: string) => refusals.push(`${file}:${source.line + 1}: \`${shown}\` ${use.does} ${why}`);
    const template = platformTemplate(source.value, stageArgs);
    if (typeof template !== 'string') {
      refuse(template.refusal);
      return;
    }
    const result = classify(template, use);
    if (typeof result === 'string') {
      refuse(result);
      return;
    }
    // Without a platform argument, one path for every platform.
    const perPlatform = result.path.includes('$') ? platforms : [undefined];
    const problems = perPlatform.flatMap((platform) => {
      const path = platform === undefined ? result.path : platformPath(result.path, platform);
      const own = platform === undefined ? '' : ` for ${platform}`;
      // The fingerprint reads the expanded path as it is: an empty value must not leave an empty segment.
      if (platform !== undefined && !INPUT_PATH.test(path)) {
        return [`'${source.value}', which is '${path}'${own}, a name the inputs fingerprint does not accept: use a platform argument that is not empty there, or write the path itself`];
      }
      return exists(path) ? [] : [`'${path}'${own}, which is not in the repository: add it, or correct the path`];
    });
    if (problems.length > 0) {
      problems.forEach(refuse);
    } else if (!inputs.includes(result.path)) {
      inputs.push(result.path);
    }
  };

  for (const instruction of dockerfileInstructions(text)) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      stageArgs = new Set();
    } else if (keyword === 'ARG') {
      argNames(instruction).forEach((name) => stageArgs.add(name));
    } else if (keyword === 'COPY' || keyword === 'ADD') {
      if (flags(instruction).some((f) => f.getName().toLowerCase() === 'from')) {
        continue;
      }
      const shown = instructionText(instruction, lines);
      for (const source of sources(instruction, lines)) {
        if (source.value.startsWith('<<') || (keyword === 'ADD' && REMOTE.test(source.value))) {
          continue;
        }
        check(source, copyUse(keyword), shown);
      }
    } else if (keyword === 'RUN') {
      for (const mount of flags(instruction).filter((f) => f.getName().toLowerCase() === 'mount')) {
        const options = new Map(mount.getOptions().map((o) => [o.getName().toLowerCase(), o.getValue() ?? '']));
        // A mount without a type binds; without a source it binds the whole context.
        if ((options.get('type') ?? 'bind').toLowerCase() === 'bind' && !options.has('from')) {
          const source = options.get('source') ?? options.get('src') ?? '.';
          const shown = shorten(`${instruction.getInstruction()} ${mount.toString()} …`);
          check({ value: source, line: mount.getRange().start.line }, MOUNT, shown);
        }
      }
    }
  }
  return { inputs, refusals };
}

/**
 * A source with its platform arguments written `${NAME}`, or why it cannot be
 * an input: another variable, or a platform argument its stage (whose ARG
 * names are `stageArgs`) does not declare.
 */
function platformTemplate(value: string, stageArgs: ReadonlySet<string>): string | { refusal: string } {
  const names = [...value.matchAll(VARIABLE)].map((m) => m[1] ?? m[2]);
  if (value.replace(VARIABLE, '').includes('$') || names.some((name) => !(name in PLATFORM_ARGS))) {
    return { refusal: `'${value}', a variable the build resolves, so the inputs fingerprint cannot know the path: write the path itself` };
  }
  const undeclared = names.find((name) => !stageArgs.has(name));
  if (undeclared) {
    return { refusal: `'${value}', but its stage does not declare ${undeclared}, so the build reads it as empty: add 'ARG ${undeclared}' after the stage's FROM` };
  }
  return value.replace(VARIABLE, (_, braced?: string, bare?: string) => `\${${braced ?? bare}}`);
}

/** A source as a repository path, or why it cannot be one and the fix. Platform arguments (`${TARGETARCH}`) stand for a path segment. */
function classify(value: string, use: Use): { path: string } | string {
  if (/[*?[\]\\]/.test(value)) {
    return `'${value}', a wildcard, which the inputs fingerprint cannot hash as one git path: ${use.doIt} its folder, or name each file`;
  }
  // The builder reads every source relative to the context root, a leading '/' included.
  const path = posix.normalize(value.replace(/^\/+/, '')).replace(/\/+$/, '');
  if (path === '.' || path === '') {
    return `the whole repository, so every commit would rebuild the image: name the folders it needs, e.g. '${use.narrower}'`;
  }
  if (path === '..' || path.startsWith('../')) {
    return `'${value}', outside the build context, which is the repository root: move it into the repository`;
  }
  if (!INPUT_PATH.test(platformPath(path, 'os/arch/variant'))) {
    return `'${value}', a name the inputs fingerprint does not accept: use only letters, digits, '.', '_', '@', '+', '-' and '/'`;
  }
  return { path };
}

function flags(instruction: Instruction): Flag[] {
  return 'getFlags' in instruction ? (instruction as JSONInstruction).getFlags() : [];
}

/** The first line of the heredoc bodies an instruction carries, which are not its arguments. */
function bodyStart(instruction: Instruction): number {
  // dockerfile-ast finds heredocs on every instruction; its types expose them on COPY and RUN only.
  const heredocs: Heredoc[] = (instruction as unknown as { getHeredocs(): Heredoc[] }).getHeredocs();
  return Math.min(...heredocs.map((h) => (h.getContentRange() ?? h.getDelimiterRange())?.start.line ?? Infinity));
}

/** The sources of a COPY or ADD: its arguments before the destination, in shell or JSON form. */
function sources(instruction: Instruction, lines: readonly string[]): Source[] {
  const json = (instruction as JSONInstruction).getJSONStrings();
  if (json.length > 0) {
    // Parsed from the raw text: dockerfile-ast's own JSON values drop whitespace.
    return json.slice(0, -1).map((s) => {
      const { start, end } = s.getRange();
      const raw = start.line === end.line ? lines[start.line].slice(start.character, end.character) : undefined;
      return { value: raw === undefined ? s.getJSONValue() : JSON.parse(raw) as string, line: start.line };
    });
  }
  const body = bodyStart(instruction);
  const args = instruction.getArguments().filter((a) => a.getRange().start.line < body);
  return args.slice(0, -1).map((a) => ({ value: a.getValue(), line: a.getRange().start.line }));
}

/** The instruction as written, on one line, without heredoc bodies, shortened. */
function instructionText(instruction: Instruction, lines: readonly string[]): string {
  const { start, end } = instruction.getRange();
  const last = Math.min(end.line, bodyStart(instruction) - 1);
  const text = lines.slice(start.line, last + 1).map((line, i) => (i === 0 ? line.slice(start.character) : line))
    // A line continuation ends with the escape character.
    .map((line) => line.replace(/[\\`]\s*$/, ''))
    .join(' ');
  return shorten(text.replace(/\s+/g, ' ').trim());
}

function shorten(text: string): string {
  return text.length <= SHOWN_CHARS ? text : `${text.slice(0, SHOWN_CHARS - 1)}…`;
}
