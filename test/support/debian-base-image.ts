import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Buildah } from './buildah';
import { REPO_ROOT } from './workflows';

/** Where `test/e2e/fetch-base-debs.sh` leaves the packages. */
export const BASE_DEBS_DIR = join(REPO_ROOT, '.cache', 'e2e-base-debs');

/** The wheel the base image offers pip, from Debian's python3-wheel-whl. */
export const OFFERED_WHEEL = { name: 'wheel', version: '0.38.4' };

/**
 * A small stand-in for `python:3.11-slim`, assembled from Debian packages
 * without any network: Python 3.11 with its standard library, pip installed
 * from Debian's pip wheel, busybox as /bin/sh, and a pip configuration that
 * installs from a local folder holding one wheel, the way a base image points
 * pip at an internal mirror. test/e2e/README.md explains why it is built this way.
 */
export function buildDebianBaseImage(buildah: Buildah, name: string): void {
  if (!existsSync(BASE_DEBS_DIR) || !readdirSync(BASE_DEBS_DIR).some((f) => f.endsWith('.deb'))) {
    throw new Error(`no Debian packages in ${BASE_DEBS_DIR}: run test/e2e/fetch-base-debs.sh first (.ci/run does); tests do not download`);
  }
  const rootfs = mkdtempSync(join(buildah.root, 'rootfs-'));
  for (const deb of readdirSync(BASE_DEBS_DIR).filter((f) => f.endsWith('.deb')).sort()) {
    const result = spawnSync('dpkg-deb', ['-x', join(BASE_DEBS_DIR, deb), rootfs], { encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`dpkg-deb -x ${deb} failed: ${result.stderr}`);
    }
  }
  symlinkSync('python3.11', join(rootfs, 'usr/bin/python'));
  symlinkSync('busybox', join(rootfs, 'bin/sh'));
  // python:3.11-slim's Python is not Debian's, so it has no PEP 668 marker; neither does this one.
  rmSync(join(rootfs, 'usr/lib/python3.11/EXTERNALLY-MANAGED'), { force: true });
  mkdirSync(join(rootfs, 'tmp'), { mode: 0o1777 });
  mkdirSync(join(rootfs, 'wheels'));
  const wheels = join(rootfs, 'usr/share/python-wheels');
  const offered = readdirSync(wheels).find((f) => f.startsWith(`${OFFERED_WHEEL.name}-${OFFERED_WHEEL.version}-`));
  const pip = readdirSync(wheels).find((f) => f.startsWith('pip-'));
  if (!offered || !pip) {
    throw new Error(`the packages in ${BASE_DEBS_DIR} lack the pip or ${OFFERED_WHEEL.name} wheel: run test/e2e/fetch-base-debs.sh again`);
  }
  spawnSync('mv', [join(wheels, offered), join(rootfs, 'wheels', offered)]);
  writeFileSync(join(rootfs, 'etc/pip.conf'), '[global]\nno-index = true\nfind-links = /wheels\n');

  const container = buildah.run('from', 'scratch');
  try {
    buildah.run('copy', container, rootfs, '/');
    buildah.run('run', container, '--', 'python', `/usr/share/python-wheels/${pip}/pip`, 'install', '--no-cache-dir', '--quiet', `/usr/share/python-wheels/${pip}`);
    buildah.run('config', '--env', 'PATH=/usr/local/bin:/usr/bin:/bin', '--cmd', 'python', container);
    buildah.run('commit', '--quiet', container, name);
  } finally {
    buildah.spawn(['rm', container]);
    rmSync(rootfs, { recursive: true, force: true });
  }
}
