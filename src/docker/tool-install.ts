/**
 * The `RUN` scripts that download, verify and install each tool in the
 * Dockerfile's tools stage. They run under the base image's `/bin/sh`, read
 * the version and download server from their build arguments and install
 * below {@link TOOLS_PREFIX}, which the final stage copies whole. Nothing they
 * trust comes from the download server: the AWS CLI's signature is checked
 * against a key shipped in the build context, kubectl against a pinned sha256.
 */

/** Where the tools stage installs; the image puts `<prefix>/bin` on PATH. */
export const TOOLS_PREFIX = '/opt/tools';

/** Where the tools stage keeps the signing keys copied from the build context; never copied into the image. */
export const TOOL_KEYS_DIR = '/opt/tool-keys';

/** The build arguments an install script reads. */
export interface ToolArgs {
  /** e.g. `KUBECTL_VERSION` */
  readonly versionArg: string;
  /** e.g. `KUBECTL_MIRROR` */
  readonly mirrorArg: string;
}

/** Every download is bounded: a stalled server fails the build instead of hanging it. */
const CURL = 'curl -fsSL --connect-timeout 30 --max-time 900 --retry 3';

/** Where the tools stage finds a shipped key, by fingerprint. */
export function toolKeyPath(fingerprint: string): string {
  return `${TOOL_KEYS_DIR}/${fingerprint}.asc`;
}

/** The vendor's name for this machine's architecture in `$arch`, plus per-architecture assignments; one line, as RUN joins commands with ';'. */
function archCase(tool: string, arches: Record<string, string>): string {
  const known = Object.entries(arches).map(([machine, assignments]) => `${machine}) ${assignments} ;;`).join(' ');
  return `case "$(uname -m)" in ${known} *) echo "${tool}: no release for architecture $(uname -m)" >&2; exit 1 ;; esac`;
}

/** One line that fails the RUN with a message naming what was refused. */
function orFail(message: string): string {
  return `|| { echo "${message}" >&2; exit 1; }`;
}

/** AWS CLI v2: the versioned zip, checked against its detached PGP signature by the shipped key. */
export function awsCliInstall(args: ToolArgs, fingerprint: string): string[] {
  const url = `\${${args.mirrorArg}}/awscli-exe-linux-\${arch}-\${${args.versionArg}}.zip`;
  const key = toolKeyPath(fingerprint);
  return [
    'set -eu',
    archCase('AWS CLI', { x86_64: 'arch=x86_64', aarch64: 'arch=aarch64' }),
    'cd "$(mktemp -d)"',
    `${CURL} -o awscliv2.zip "${url}"`,
    `${CURL} -o awscliv2.zip.sig "${url}.sig"`,
    'GNUPGHOME="$(mktemp -d)"',
    'export GNUPGHOME',
    // The shipped file must hold the declared key: a replaced file fails here, with its own name.
    `[ "$(gpg --batch --with-colons --show-keys ${key} | awk -F: '$1 == "fpr" { print $10; exit }')" = ${fingerprint} ] ${orFail(`AWS CLI: ${key} does not hold the key ${fingerprint}`)}`,
    `gpg --batch --quiet --import ${key}`,
    // VALIDSIG ends with the primary key's fingerprint: any other key, or a bad signature, stops the build.
    `gpg --batch --status-fd 1 --verify awscliv2.zip.sig awscliv2.zip 2>/dev/null | grep -Eq '^\\[GNUPG:\\] VALIDSIG .* ${fingerprint}$' ${orFail(`AWS CLI \${${args.versionArg}}: the download from \${${args.mirrorArg}} is not signed by the AWS CLI key ${fingerprint}; refusing to install it`)}`,
    'unzip -q awscliv2.zip',
    `./aws/install --install-dir ${TOOLS_PREFIX}/aws-cli --bin-dir ${TOOLS_PREFIX}/bin`,
    `${TOOLS_PREFIX}/bin/aws --version`,
  ];
}

/** kubectl: the release binary, checked against the sha256 pinned for its architecture. */
export function kubectlInstall(args: ToolArgs, sha256: { amd64: string; arm64: string }): string[] {
  return [
    'set -eu',
    archCase('kubectl', { x86_64: `arch=amd64 sha256=${sha256.amd64}`, aarch64: `arch=arm64 sha256=${sha256.arm64}` }),
    'cd "$(mktemp -d)"',
    `${CURL} -o kubectl "\${${args.mirrorArg}}/release/v\${${args.versionArg}}/bin/linux/\${arch}/kubectl"`,
    `echo "\${sha256}  kubectl" | sha256sum --check --strict ${orFail(`kubectl \${${args.versionArg}} (\${arch}) from \${${args.mirrorArg}} does not match the sha256 pinned in .projenrc.ts: the download was altered, or the version changed without its sha256; refusing to install it`)}`,
    `install -D -m 0755 kubectl ${TOOLS_PREFIX}/bin/kubectl`,
    `${TOOLS_PREFIX}/bin/kubectl version --client`,
  ];
}
