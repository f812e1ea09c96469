import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in `docker` on PATH that answers `docker image inspect` with the
 * given size, and fails loudly on anything else so a step cannot call
 * commands the test did not expect.
 *
 * @returns a PATH with the stand-in first
 */
export function fakeDockerReportingSize(size: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  const docker = join(bin, 'docker');
  writeFileSync(docker, [
    '#!/usr/bin/env bash',
    'if [[ "$1 $2" == "image inspect" && "$*" == *"{{.Size}}"* ]]; then',
    `  printf '%s\\n' '${size}'`,
    '  exit 0',
    'fi',
    'echo "fake docker: unexpected call: $*" >&2',
    'exit 97',
    '',
  ].join('\n'));
  chmodSync(docker, 0o755);
  return `${bin}:${process.env.PATH}`;
}
