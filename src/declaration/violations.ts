import { posix } from 'node:path';

/**
 * An error in a declaration of `.projenrc.ts`: `reportDeclarationErrorsPlainly`
 * prints its message alone, without a stack trace, which would only point
 * into this library and bury the line that matters.
 */
export class DeclarationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeclarationError';
  }
}

/**
 * Makes a declaration error end the process with its message alone, exit
 * status 1, before anything is written; any other error is printed as Node
 * does, with its stack. Called once, by the script that starts synthesis
 * (`.projenrc.ts`), never by a library that may run inside another program.
 *
 * Why a process handler: `.projenrc.ts` runs as a script, so the error is
 * uncaught and Node would print the throwing source line, the stack and its
 * own version around it.
 */
export function reportDeclarationErrorsPlainly(): void {
  process.on('uncaughtException', (error) => {
    process.stderr.write(error instanceof DeclarationError ? `${error.message}\n` : `${error.stack ?? String(error)}\n`);
    process.exit(1);
  });
}

/**
 * Collects every rule a declaration breaks, so one synth run reports them all
 * instead of making people fix and re-run once per mistake.
 */
export class Violations {
  private readonly messages: string[] = [];

  public add(message: string | undefined): void {
    if (message) {
      this.messages.push(message);
    }
  }

  public get empty(): boolean {
    return this.messages.length === 0;
  }

  /** Throws one error that lists every violation under `subject`. */
  public throwIfAny(subject: string): void {
    if (this.messages.length > 0) {
      throw new DeclarationError(`${subject}:\n${this.messages.map((m) => `  - ${m}`).join('\n')}`);
    }
  }
}

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Names used in ids, file names and task names: lower-case words joined by '-'. */
export function nameViolation(what: string, value: string): string | undefined {
  return NAME.test(value)
    ? undefined
    : `${what} '${value}' must be lower-case letters and digits joined by single '-', e.g. 'triton-training'`;
}

export function checkName(what: string, value: string): void {
  const message = nameViolation(what, value);
  if (message) {
    throw new DeclarationError(message);
  }
}

// https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html#ECR-CreateRepository-request-repositoryName
const ECR_REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function ecrRepositoryViolation(value: string): string | undefined {
  if (value.length < 2 || value.length > 256 || !ECR_REPOSITORY.test(value)) {
    return `repository '${value}' is not a name ECR accepts: 2 to 256 lower-case letters and digits, separated by single '.', '_', '-' or '/' (e.g. 'triton-training-tools')`;
  }
  return undefined;
}

/**
 * A path the workflow or Dockerfile refers to must stay inside the repository:
 * GitHub matches path filters against repository-relative paths and a build
 * context cannot reach above its root.
 */
export function repoPathViolation(what: string, value: string): string | undefined {
  const normalized = posix.normalize(value);
  if (value.trim() === '' || value.includes('\\') || posix.isAbsolute(value)
    || normalized === '..' || normalized.startsWith('../')) {
    return `${what} '${value}' is outside the repository: use a relative path with '/' separators below the repository root, e.g. 'training/triton/**'`;
  }
  return undefined;
}

const WORKFLOW_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/;

export function workflowFileViolation(value: string): string | undefined {
  return WORKFLOW_FILE.test(value)
    ? undefined
    : `workflow file '${value}' must be a plain file name ending in '.yml' or '.yaml' (GitHub only reads those from .github/workflows/), e.g. 'triton-build-training-image.yaml'`;
}

/** Finds values claimed by more than one owner, e.g. the same repository declared by two images. */
export function duplicates<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const byKey = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    byKey.set(k, [...(byKey.get(k) ?? []), item]);
  }
  return new Map([...byKey].filter(([, owners]) => owners.length > 1));
}
