import { OptionKeys, optional } from './option-keys';
import { Violations } from './violations';
import { normalizePythonName, PINS_LOCK_FILE, PinsLock, UPGRADE_PINS_FIX } from '../pins/lock-file';
import { wheelsCover } from '../pins/wheel-platforms';

/** Options for a Python package. */
export interface PythonPackageOptions {
  /**
   * The module `import` names, when it differs from the distribution name.
   * @default - the distribution name in lower case with '-' replaced by '_',
   * or the well-known module for packages such as pyyaml (`yaml`)
   */
  readonly importName?: string;
  /**
   * An exact version to pin (`==`), to hold the package at a version the lock
   * does not have. Every version becomes a build argument.
   * @default - the lock's `pythonPackages["<normalized name>"].version` (`pins.lock.json`)
   */
  readonly version?: string;
}

const PYTHON_PACKAGE_OPTION_KEYS = new OptionKeys<PythonPackageOptions>('PythonPackageOptions', { importName: optional(), version: optional() });

// Distributions whose module name cannot be derived from the distribution name.
const KNOWN_IMPORT_NAMES: Readonly<Record<string, string>> = {
  'pyyaml': 'yaml',
  'scikit-learn': 'sklearn',
  'pillow': 'PIL',
  'opencv-python': 'cv2',
  'opencv-python-headless': 'cv2',
  'beautifulsoup4': 'bs4',
  'python-dateutil': 'dateutil',
  'protobuf': 'google.protobuf',
};

// https://packaging.python.org/en/latest/specifications/name-normalization/
const DISTRIBUTION = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
// https://packaging.python.org/en/latest/specifications/version-specifiers/
const VERSION = /^[0-9][A-Za-z0-9.+!-]*$/;

/**
 * A Python dependency of an image: what pip installs and what the smoke test imports.
 */
export class PythonPackage {
  /** A package by its distribution name, e.g. `PythonPackage.of('pyyaml')`. */
  public static of(name: string, options: PythonPackageOptions = {}): PythonPackage {
    PYTHON_PACKAGE_OPTION_KEYS.check(`PythonPackage.of('${name}')`, options);
    return new PythonPackage(name, options);
  }

  /** Accepts a bare name wherever a package is expected. */
  public static from(spec: string | PythonPackage): PythonPackage {
    return typeof spec === 'string' ? PythonPackage.of(spec) : spec;
  }

  /** The module the smoke test imports. */
  public readonly importName: string;

  /** The pinned version, if any. */
  public readonly version?: string;

  /** Whether `.projenrc.ts` declares the version (held: the upgrade leaves it), rather than the lock giving it. */
  public readonly declaresVersion: boolean;

  private constructor(public readonly name: string, private readonly options: PythonPackageOptions, lockedVersion?: string) {
    const normalized = name.toLowerCase().replace(/[._-]+/g, '-');
    this.importName = options.importName ?? KNOWN_IMPORT_NAMES[normalized] ?? normalized.replace(/-/g, '_');
    this.version = options.version ?? lockedVersion;
    this.declaresVersion = options.version !== undefined;
    const v = new Violations();
    if (!DISTRIBUTION.test(name)) {
      v.add(`'${name}' is not a valid distribution name: letters, digits, '.', '_' and '-', starting and ending with a letter or digit`);
    }
    if (!MODULE.test(this.importName)) {
      v.add(`import name '${this.importName}' is not a Python module path such as 'yaml' or 'google.protobuf'`);
    }
    if (this.version !== undefined && !VERSION.test(this.version)) {
      v.add(`version '${this.version}' is not an exact version such as '2.5.1'; give only the number, the pin '==' is added`);
    }
    v.throwIfAny(`Invalid Python package '${name}'`);
  }

  /**
   * This package at the version `.projenrc.ts` declares, else the lock's.
   * @returns the pinned package, or the one-line reason the lock cannot pin it
   */
  public pin(lock: PinsLock): PythonPackage | string {
    if (this.version !== undefined) {
      return this;
    }
    const key = normalizePythonName(this.name);
    const locked = lock.pythonPackages[key];
    if (!locked) {
      return `Python package '${this.name}' has no version in ${PINS_LOCK_FILE} (pythonPackages["${key}"]): ${UPGRADE_PINS_FIX}, or declare its version`;
    }
    return new PythonPackage(this.name, this.options, locked.version);
  }

  /**
   * The one-line refusal of an image whose platforms the lock's wheels of this
   * version do not all cover, for the image's Python; undefined when they do,
   * or when the lock records no wheels for this version and Python (synthesis
   * cannot tell: README, "Images for several platforms").
   * @param python the CPython `major.minor` of the image's base image, if known
   * @param platforms the image's platforms, e.g. `linux/arm64`
   */
  public missingWheels(lock: PinsLock, imageId: string, python: string | undefined, platforms: readonly string[]): string | undefined {
    const key = normalizePythonName(this.name);
    const locked = lock.pythonPackages[key];
    const recorded = locked === undefined || python === undefined || locked.version !== this.version ? undefined : locked.wheels?.[python];
    const missing = recorded ? platforms.filter((p) => !wheelsCover(recorded, p)) : [];
    if (missing.length === 0) {
      return undefined;
    }
    const lacking = missing.join(' and ');
    return `image '${imageId}' is built for ${lacking}, but Python package '${this.name}' ${this.version} has no wheel for CPython ${python} there `
      + `(${PINS_LOCK_FILE} pythonPackages["${key}"].wheels["${python}"]: ${recorded!.length > 0 ? recorded!.join(', ') : 'none'}): `
      + `declare a version that has one, PythonPackage.of('${this.name}', { version: '<version>' }), then ${UPGRADE_PINS_FIX} to record its wheels; or leave ${lacking} out of platforms`;
  }

  /**
   * The build argument that carries the pinned version, e.g. `TORCH_VERSION`;
   * undefined when the package is not pinned.
   */
  public get buildArg(): string | undefined {
    if (this.version === undefined) {
      return undefined;
    }
    const stem = this.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
    // A shell variable cannot start with a digit.
    return `${/^[0-9]/.test(stem) ? 'PY_' : ''}${stem}_VERSION`;
  }

  /** The pip requirement, e.g. `torch==2.5.1` or `mlflow`. */
  public get requirement(): string {
    return this.version ? `${this.name}==${this.version}` : this.name;
  }
}
