import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** A vendor download server stand-in on 127.0.0.1: serves `files` by path, 404 otherwise. */
export interface DownloadServer {
  /** `http://127.0.0.1:<port>`, the mirror build argument's value. */
  readonly url: string;
  /** What is served, by URL path; tests replace entries to tamper with a download. */
  readonly files: Map<string, Buffer>;
  /** Every path requested, in order. */
  readonly requested: string[];
  stop(): Promise<void>;
}

export async function startDownloadServer(): Promise<DownloadServer> {
  const files = new Map<string, Buffer>();
  const requested: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    requested.push(path);
    const body = files.get(path);
    response.writeHead(body ? 200 : 404, { 'content-type': 'application/octet-stream', 'connection': 'close' });
    response.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    files,
    requested,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
