import { FileBase } from 'projen/lib/file';
import { PIP_INDEX_URL_ARG, PROVENANCE_ARGS } from './build-args';
import { SMOKE_TEST_STAGE } from './smoke-test-stage';
import { toolKeyPath, TOOLS_PREFIX } from './tool-install';
import type { PythonPackage } from '../declaration/python-package';
import type { ContainerImage } from '../platform/container-image';

const TOOLS_STAGE = 'tools';
/** The stage with the image's Python environment: system packages, Python packages, environment. */
const PYTHON_STAGE = 'python';

/**
 * The Dockerfile projen writes for an image from its declared layers.
 *
 * Layers run from least to most volatile (system packages, heavy Python
 * packages, the other Python packages, tools, scripts) so a change to a script
 * rebuilds only the scripts' COPY. Tools are downloaded and verified in a stage
 * of their own; only what they install reaches the image.
 *
 * The tools and scripts are copied with `COPY --link`: each is a layer of its
 * own that needs no earlier layer's content, and nothing after the scripts
 * makes a layer (the provenance labels are configuration). With BuildKit and
 * a registry cache, a scripts-only change therefore rebuilds and pushes one
 * layer without pulling the image's other layers. Engines without `--link`
 * (buildah before 1.41, podman before 5) build a copy without it, which the
 * local tasks hand them.
 *
 * The smoke test is a stage of its own on the Python environment the image
 * ships: built alone before the image, its result is cached with those layers,
 * so it runs again only when they change.
 *
 * The provenance arguments are declared last: their values change with every
 * commit, and an engine's cache treats an argument in scope as an input of
 * every later RUN.
 *
 * @see https://docs.docker.com/build/building/best-practices/
 * @see https://docs.docker.com/reference/dockerfile/#copy---link
 */
export class ImageDockerfile extends FileBase {
  constructor(public readonly image: ContainerImage) {
    super(image, image.dockerfile, { readonly: true, marker: true });
  }

  protected synthesizeContent(): string {
    const image = this.image;
    const versions = new Map(image.buildArgs.map((a) => [a.name, a.value]));
    const blocks: string[][] = [
      [
        `# ${this.marker}`,
        `# ${image.repository}: built by ${image.workflowPath} and \`npx projen build-image:${image.imageId}\`,`,
        `# with the build arguments listed in ${image.buildArgsFile}.`,
      ],
      [`ARG BASE_IMAGE=${versions.get('BASE_IMAGE')}`],
    ];
    if (image.tools.length > 0) {
      const packages = [...new Set(image.tools.flatMap((t) => t.downloadPackages))].sort();
      blocks.push([
        `FROM \${BASE_IMAGE} AS ${TOOLS_STAGE}`,
        aptInstall(packages),
        ...image.tools.flatMap((tool) => [
          ...tool.buildArgs.map((a) => `ARG ${a.name}=${a.value}`),
          ...(tool.signingKey ? [`COPY ${tool.signingKey.path} ${toolKeyPath(tool.signingKey.fingerprint)}`] : []),
          run(tool.installCommands(), ';'),
        ]),
      ]);
    }
    const python = [`FROM \${BASE_IMAGE} AS ${PYTHON_STAGE}`];
    if (image.systemPackages.length > 0) {
      python.push(aptInstall(image.systemPackages));
    }
    if (image.heavyPythonPackages.length + image.pythonPackages.length > 0) {
      python.push(`ARG ${PIP_INDEX_URL_ARG}=${versions.get(PIP_INDEX_URL_ARG)}`);
    }
    python.push(...pipInstall(image.heavyPythonPackages), ...pipInstall(image.pythonPackages));
    python.push(...Object.entries(image.env).map(([name, value]) => `ENV ${name}="${escapeDoubleQuoted(value)}"`));
    blocks.push(python);
    blocks.push([
      '# Imports every Python dependency in the environment above, the same layers the image',
      '# is built from: the workflow builds this stage first, and its cached result stands',
      '# until those layers change.',
      `FROM ${PYTHON_STAGE} AS ${SMOKE_TEST_STAGE}`,
      `RUN [${image.smokeTestCommand.map((arg) => JSON.stringify(arg)).join(', ')}]`,
    ]);
    const final = [`FROM ${PYTHON_STAGE}`];
    if (image.tools.length > 0) {
      final.push(
        `COPY --link --from=${TOOLS_STAGE} ${TOOLS_PREFIX}/ ${TOOLS_PREFIX}/`,
        `ENV PATH="${TOOLS_PREFIX}/bin:\${PATH}"`,
      );
    }
    final.push(`WORKDIR ${image.workdir}`);
    final.push(...image.scripts.map((s) => `COPY --link ${s.source}/ ${s.destination === '/' ? '/' : `${s.destination}/`}`));
    final.push(...PROVENANCE_ARGS.map((a) => `ARG ${a.name}`));
    final.push(labels({
      'org.opencontainers.image.title': image.repository,
      ...Object.fromEntries(PROVENANCE_ARGS.map((a) => [a.label, `\${${a.name}}`])),
    }));
    blocks.push(final);
    return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`;
  }
}

/** One RUN of several commands, one per line. */
function run(commands: readonly string[], separator: '&&' | ';'): string {
  return separator === ';'
    ? `RUN ${commands.join('; \\\n    ')}`
    : `RUN ${commands.join(' \\\n && ')}`;
}

/** apt without recommended packages, and its lists removed in the same layer so they never reach the image. */
function aptInstall(packages: readonly string[]): string {
  return run([
    'apt-get update',
    `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages.join(' ')}`,
    'rm -rf /var/lib/apt/lists/*',
  ], '&&');
}

/** One pip layer; each pinned version arrives as a build argument declared just before it. */
function pipInstall(packages: readonly PythonPackage[]): string[] {
  if (packages.length === 0) {
    return [];
  }
  const pins = packages.flatMap((p) => (p.buildArg && p.version ? [`ARG ${p.buildArg}=${p.version}`] : []));
  const requirements = packages.map((p) => (p.buildArg ? `"${p.name}==\${${p.buildArg}}"` : p.name));
  return [...pins, `RUN python -m pip install --no-cache-dir --disable-pip-version-check ${requirements.join(' ')}`];
}

function labels(values: Record<string, string>): string {
  return `LABEL ${Object.entries(values).map(([k, v]) => `${k}="${v}"`).join(' \\\n      ')}`;
}

/** A value inside a Dockerfile's double quotes, where '\', '"' and '$' are special. */
function escapeDoubleQuoted(value: string): string {
  return value.replace(/[\\"$]/g, (c) => `\\${c}`);
}
