import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A folder served over HTTP on 127.0.0.1, with the paths asked for. */
export interface FolderServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The paths requested so far, from the server's request log. */
  requested(): string[];
  stop(): void;
}

/**
 * Serves `root` with Python's own http.server in a process of its own: the
 * project's tasks run synchronously, so a server in the test's process could
 * not answer them. The request log is written below `dir`.
 */
export async function serveFolder(dir: string, root: string, name: string): Promise<FolderServer> {
  const log = join(dir, `${name}.log`);
  const logFd = openSync(log, 'w');
  const child: ChildProcess = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', root], { stdio: ['ignore', 'pipe', logFd] });
  closeSync(logFd);
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('python3 -m http.server did not start within 10 s')), 10_000);
    let out = '';
    child.stdout!.on('data', (data) => {
      out += data;
      const found = out.match(/port (\d+)/);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    requested: () => [...readFileSync(log, 'utf8').matchAll(/"GET (\S+) HTTP/g)].map((m) => m[1]),
    stop: () => child.kill(),
  };
}
