/**
 * The Dockerfile stage that imports every Python dependency of an image on
 * the stage the image is built from. The workflow builds it before the image,
 * keeping only its result in the cache; generated Dockerfiles have it, and a
 * hand-written one must declare it.
 */
export const SMOKE_TEST_STAGE = 'smoke-test';
