import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Buildah, StorageDriver } from './buildah';
import { buildBusyboxBaseImage } from './busybox-base-image';
import { gitRepo, runScript, ScriptRun } from './git-fixture';
import { reusableWorkflow } from './image-job';
import { LIBRARY, libraryFiles } from './library';
import type { LocalRegistry } from './registry';
import { IMAGE_JOB_ID } from '../../src/github/image-build-workflow';
import { copiedInputs, FingerprintedImage } from '../../src/shell/fingerprint';
import { LIBRARY_DIR } from '../../src/shell/library';
import { quote } from '../../src/shell/quote';

/** The proof image's inputs, as a declaration would name them. */
export const PROOF_IMAGE: FingerprintedImage = {
  dockerfile: 'Dockerfile',
  buildArgsFile: 'proof.build-args',
  buildInputs: ['Dockerfile', 'proof.build-args', 'scripts'],
};

/** The script whose edit is the scripts-only change. */
export const PROOF_SCRIPT = 'scripts/run.sh';

/**
 * A Dockerfile laid out as the generated ones are: a tools stage, a heavy
 * layer standing for PyTorch (incompressible random data), a light one for the
 * other packages, the tools, environment and working folder, and the script
 * folder copied last. Provenance comes as `--label` flags, after every layer.
 *
 * No stage declares an ARG: buildah 1.28 (Debian 12) looks up its registry
 * cache only before a step it has not run, never after an ARG, and stops
 * looking for the rest of the stage at the first miss, so one ARG in a stage
 * rebuilds every later step of it. buildah 1.29 fixed that (containers/buildah
 * commit 3223610, "pull cache from remote repo after adding content summary").
 */
export function proofDockerfile(heavyMegabytes: number): string {
  return [
    'ARG BASE_IMAGE',
    '',
    'FROM ${BASE_IMAGE} AS tools',
    'RUN mkdir -p /opt/tools/bin && printf \'#!/bin/sh\\necho tool 1.0\\n\' > /opt/tools/bin/tool && chmod 755 /opt/tools/bin/tool',
    '',
    'FROM ${BASE_IMAGE}',
    `RUN mkdir -p /opt/heavy && head -c ${heavyMegabytes}m /dev/urandom > /opt/heavy/torch.bin`,
    'RUN mkdir -p /opt/light && echo "mlflow boto3" > /opt/light/packages.txt',
    'COPY --from=tools /opt/tools/ /opt/tools/',
    'ENV PATH="/opt/tools/bin:${PATH}"',
    'WORKDIR /scripts',
    'COPY scripts/ /scripts/',
    '',
  ].join('\n');
}

/** A git checkout on `main` holding the proof image's inputs, the shell library and one unrelated file. */
export function proofRepository(baseImage: string, heavyMegabytes: number): string {
  return gitRepo({
    ...Object.fromEntries(libraryFiles().map((f) => [`${LIBRARY_DIR}/${f}`, readFileSync(join(LIBRARY, f), 'utf8')])),
    'Dockerfile': proofDockerfile(heavyMegabytes),
    [PROOF_IMAGE.buildArgsFile]: `# Build arguments of the proof image.\nBASE_IMAGE=${baseImage}\n`,
    [PROOF_SCRIPT]: 'echo version 1\n',
    '.dockerignore': '.git/\n',
    'README.md': '# proof\n',
  });
}

/** Builds the busybox base image in a storage of its own and pushes it, as a public base image would be. */
export function pushBaseImage(root: string, registry: LocalRegistry, name: string): string {
  const buildah = new Buildah(join(root, 'base-image-storage'));
  const ref = `${registry.host}/${name}`;
  try {
    buildBusyboxBaseImage(buildah, ref);
    buildah.run('push', '--quiet', '--tls-verify=false', ref);
  } finally {
    buildah.removeAll();
    rmSync(buildah.root, { recursive: true, force: true });
  }
  return ref;
}

/**
 * The build a CI job runs when no image of the inputs exists, with buildah
 * standing in for BuildKit: build with the registry cache kept in the image's
 * own repository and push under the inputs tag, then add the wanted tag to the
 * very same manifest (BuildKit pushes both tags of one image at once). Prints
 * the digest.
 */
export function renderBuildStep(image: FingerprintedImage = PROOF_IMAGE): string {
  return [
    'set -euo pipefail',
    `source ${LIBRARY_DIR}/registry.sh`,
    `source ${LIBRARY_DIR}/build-args.sh`,
    '',
    'args=()',
    'while IFS= read -r line; do',
    '  args+=(--build-arg "$line")',
    `done < <(build_args_lines ${quote(image.buildArgsFile)})`,
    'ref="$ECR_REGISTRY/$ECR_REPOSITORY"',
    `buildah bud --layers --cache-from "$ref" --cache-to "$ref" --file ${quote(image.dockerfile)} "\${args[@]}" \\`,
    '  --label "org.opencontainers.image.revision=$(git rev-parse HEAD)" --tag "$ref:$INPUTS_TAG" . >&2',
    'buildah push --quiet "$ref:$INPUTS_TAG" >&2',
    'promote_image "$ECR_REGISTRY" "$ECR_REPOSITORY" "$INPUTS_TAG" "$IMAGE_TAG"',
    '',
  ].join('\n');
}

/**
 * A stand-in `aws` for the reuse step's login: the local registry asks for no
 * credentials, so any token will do. Returns a PATH with it first.
 */
export function loginStandIn(dir: string): string {
  writeFileSync(join(dir, 'aws'), '#!/bin/sh\n[ "$1 $2" = "ecr get-login-password" ] && echo local-token\n', { mode: 0o755 });
  return `${dir}:${process.env.PATH}`;
}

/** Runs one step's script in the checkout as the runner would, returning it with what it wrote to GITHUB_OUTPUT. */
function runJobStep(script: string, checkout: string, env: Record<string, string>): ScriptRun & { outputs: Record<string, string> } {
  const outputs = join(env.RUNNER_DIR, `outputs-${Math.random().toString(36).slice(2)}`);
  writeFileSync(outputs, '');
  const run = runScript(script, checkout, { ...env, GITHUB_OUTPUT: outputs });
  if (run.status !== 0) {
    throw new Error(`a step failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  }
  const written = Object.fromEntries(readFileSync(outputs, 'utf8').split('\n').filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { ...run, outputs: written };
}

/** One run of the step on a fresh runner. */
export interface StepResult extends ScriptRun {
  readonly fingerprint: string;
  readonly inputsTag: string;
  /** `built` or `promoted`. */
  readonly action: string;
  readonly digest: string;
  /** Wall time of the whole step. */
  readonly seconds: number;
  /** The images left in the runner's storage when the step ended. */
  readonly runnerImages: string[];
}

/** The platform the machine's buildah builds for, in OCI terms. */
export const HOST_PLATFORM = `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`;

/**
 * Runs the step in `checkout` on a runner whose container storage is new and
 * is deleted afterwards, as on a GitHub-hosted runner: every layer not in the
 * registry must be built, every layer reused must be pulled.
 */
export function runOnFreshRunner(
  root: string, checkout: string, registry: LocalRegistry, target: { REPOSITORY: string; TAG: string }, driver: StorageDriver = 'vfs',
): StepResult {
  const buildah = new Buildah(join(root, `runner-${Date.now()}-${Math.random().toString(36).slice(2)}`), driver);
  try {
    const start = performance.now();
    const env = {
      ...buildah.env,
      RUNNER_DIR: buildah.root,
      CONTAINERS_REGISTRIES_CONF: registry.registriesConf,
      PATH: loginStandIn(buildah.root),
      IMAGE_PLATFORM: HOST_PLATFORM,
      IMAGE_TAG: target.TAG,
      ECR_REGISTRY: registry.host,
      ECR_REPOSITORY: target.REPOSITORY,
      ECR_REGION: 'eu-central-1',
      REBUILD: 'false',
    };
    // The workflow's own steps: fingerprint the inputs, then reuse an image of the same inputs.
    const step = (id: string): string => reusableWorkflow().jobs[IMAGE_JOB_ID].steps.find((s: any) => s.id === id).run;
    const inputs = runJobStep(step('inputs'), checkout, {
      ...env,
      IMAGE_DOCKERFILE: PROOF_IMAGE.dockerfile,
      IMAGE_BUILD_ARGS_FILE: PROOF_IMAGE.buildArgsFile,
      IMAGE_COPIED: copiedInputs(PROOF_IMAGE).join('\n'),
      CONTEXT_IGNORE: '.dockerignore',
    });
    const reuse = runJobStep(step('reuse'), checkout, { ...env, INPUTS_TAG: inputs.outputs.tag });
    const built = reuse.outputs.promoted === 'true'
      ? undefined
      : runJobStep(renderBuildStep(), checkout, { ...env, INPUTS_TAG: inputs.outputs.tag });
    const seconds = (performance.now() - start) / 1000;
    const run = built ?? reuse;
    return {
      ...run,
      stdout: [inputs, reuse, built].filter((r) => r).map((r) => r!.stdout).join(''),
      stderr: [inputs, reuse, built].filter((r) => r).map((r) => r!.stderr).join(''),
      fingerprint: inputs.outputs.fingerprint,
      inputsTag: inputs.outputs.tag,
      action: built ? 'built' : 'promoted',
      digest: built ? built.stdout.trim() : reuse.outputs.digest,
      seconds,
      runnerImages: buildah.run('images', '--quiet').split('\n').filter((l) => l !== ''),
    };
  } finally {
    buildah.removeAll();
    rmSync(buildah.root, { recursive: true, force: true });
  }
}
