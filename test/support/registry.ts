import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
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
export async function startRegistry(dir: string): Promise<LocalRegistry> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(dir, 'registry.yml');
  writeFileSync(config, [
    'version: 0.1',
    'log:',
    '  level: error',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: ${host}`,
    '',
  ].join('\n'));
  const registriesConf = join(dir, 'registries.conf');
  writeFileSync(registriesConf, `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);

  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let failure: Error | undefined;
  child.stderr?.on('data', (d) => { stderr += d; });
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
      throw new Error(`docker-registry did not start (${failure?.message ?? `exit ${child.exitCode}: ${stderr}`}); install it with 'apt-get install docker-registry' (.ci/run does)`);
    }
    try {
      const response = await fetch(`http://${host}/v2/`);
      if (response.ok) {
        return { host, registriesConf, stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`docker-registry did not answer on ${host} within 10 s: ${stderr}`);
}
