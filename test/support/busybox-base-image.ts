import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Buildah } from './buildah';
import { BASE_DEBS_DIR } from './debian-base-image';

/**
 * A base image of one static busybox (about 2 MB) from the Debian package
 * `test/e2e/fetch-base-debs.sh` leaves in `.cache/e2e-base-debs/`: a shell
 * and coreutils for RUN instructions, nothing else, so a build's time goes to
 * the layers a test is about.
 */
export function buildBusyboxBaseImage(buildah: Buildah, name: string): void {
  const deb = existsSync(BASE_DEBS_DIR) ? readdirSync(BASE_DEBS_DIR).find((f) => f.startsWith('busybox-static_')) : undefined;
  if (!deb) {
    throw new Error(`no busybox-static package in ${BASE_DEBS_DIR}: run test/e2e/fetch-base-debs.sh first (.ci/run does); tests do not download`);
  }
  const rootfs = mkdtempSync(join(buildah.root, 'busybox-'));
  const unpacked = spawnSync('dpkg-deb', ['-x', join(BASE_DEBS_DIR, deb), rootfs], { encoding: 'utf8' });
  if (unpacked.status !== 0) {
    throw new Error(`dpkg-deb -x ${deb} failed: ${unpacked.stderr}`);
  }
  const container = buildah.run('from', 'scratch');
  try {
    buildah.run('copy', container, join(rootfs, 'bin'), '/bin');
    buildah.run('run', container, '--', '/bin/busybox', '--install', '-s', '/bin');
    buildah.run('config', '--env', 'PATH=/bin', '--cmd', 'sh', container);
    buildah.run('commit', '--quiet', container, name);
  } finally {
    buildah.spawn(['rm', container]);
    rmSync(rootfs, { recursive: true, force: true });
  }
}
