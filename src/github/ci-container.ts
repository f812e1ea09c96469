/**
 * Where this repository's own test suite runs, declared once: the Debian
 * release `.ci/install` and `test/e2e/fetch-base-debs.sh` install from (CI
 * here runs on it), and the official Node image on that release, which the
 * pull request build uses as its job container so a GitHub runner runs the
 * suite on the same distribution.
 */
export const CI_DEBIAN_RELEASE = { version: '12', codename: 'bookworm' } as const;

/** The Node major of the workflows: the pull request container's and setup-node's. */
export const CI_NODE_MAJOR = '24';

/** @see https://hub.docker.com/_/node */
export const CI_CONTAINER_IMAGE = `node:${CI_NODE_MAJOR}-${CI_DEBIAN_RELEASE.codename}`;
