import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A docker-registry serving plain HTTP on 127.0.0.1, for one test. */
export interface LocalRegistry {
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  /** A registries.conf that lets buildah and podman push to it without TLS. */
  readonly registriesConf: string;
  /** Stops the registry and waits for it to exit. */
  stop(): Promise<void>;
  /** What the registry logged so far: one JSON object per line (see `registry-log.ts`). */
  log(): string;
}

/**
 * A user ECR's registry API would accept: `AWS`, with a token as password,
 * as `aws ecr get-login-password` prints it. `htpasswd` is the same user as a
 * registry's htpasswd line (bcrypt, cost 4).
 */
export const TEST_LOGIN = {
  username: 'AWS',
  password: 'test-token',
  htpasswd: 'AWS:$2b$04$Qqq8CNpJbVRvwgD64m8UlutCmwoNEKKgZdim94L6Kxm.1lGD.9UvK\n',
} as const;

export interface RegistryOptions {
  /**
   * Log every request it answered, for tests that count what was uploaded.
   * @default false
   */
  readonly logRequests?: boolean;
  /**
   * Refuse every write, as a registry does for a tag it will not move.
   * @default false
   * @see https://distribution.github.io/distribution/about/configuration/#readonly
   */
  readonly readOnly?: boolean;
  /**
   * Accept DELETE of a manifest by digest, as ECR's BatchDeleteImage removes an image.
   * @default false
   * @see https://distribution.github.io/distribution/about/configuration/#delete
   */
  readonly deletes?: boolean;
  /**
   * htpasswd lines (bcrypt) of the users it accepts with HTTP Basic
   * authentication, as ECR's registry API does with `AWS` and a token.
   * @default - no authentication
   */
  readonly htpasswd?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts Debian's docker-registry on a free loopback port, storing below `dir`. */
export async function startRegistry(dir: string, options: RegistryOptions = {}): Promise<LocalRegistry> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'registry.yml');
  writeFileSync(config, [
    'version: 0.1',
    'log:',
    `  level: ${options.logRequests ? 'info' : 'error'}`,
    '  formatter: json',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    ...(options.deletes ? ['  delete:', '    enabled: true'] : []),
    ...(options.readOnly ? ['  maintenance:', '    readonly:', '      enabled: true'] : []),
    ...(options.htpasswd ? ['auth:', '  htpasswd:', '    realm: test', `    path: ${join(dir, 'htpasswd')}`] : []),
    'http:',
    `  addr: ${host}`,
    '',
  ].join('\n'));
  if (options.htpasswd) {
    writeFileSync(join(dir, 'htpasswd'), options.htpasswd);
  }
  const registriesConf = join(dir, 'registries.conf');
  writeFileSync(registriesConf, `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);

  // A file, not a pipe: a test blocked in spawnSync could not drain a pipe, and
  // the registry would stall writing its request log.
  const logFile = join(dir, 'registry.log');
  const logFd = openSync(logFile, 'w');
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', logFd] });
  closeSync(logFd);
  const log = () => readFileSync(logFile, 'utf8');
  let failure: Error | undefined;
  child.once('error', (e) => { failure = e; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (!failure && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  // Bounded wait for the API to answer: 100 tries, 100 ms apart.
  for (let i = 0; i < 100; i++) {
    if (failure || child.exitCode !== null) {
      throw new Error(`docker-registry did not start (${failure?.message ?? `exit ${child.exitCode}: ${log()}`}); install it with 'apt-get install docker-registry' (.ci/run does)`);
    }
    try {
      const response = await fetch(`http://${host}/v2/`);
      // With htpasswd, an answering registry asks for credentials first.
      if (response.ok || (options.htpasswd && response.status === 401)) {
        return { host, registriesConf, stop, log };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`docker-registry did not answer on ${host} within 10 s: ${log()}`);
}
