import { DeclarationError } from './violations';

/**
 * An amount of storage, such as an image size threshold.
 *
 * Sizes are decimal (1 GB = 10^9 bytes), the unit `docker image ls` and the
 * ECR console report, so a threshold reads the same as the number people see.
 */
export class Size {
  /** A size in bytes. */
  public static bytes(amount: number): Size {
    return new Size(amount, 1, 'B');
  }

  /** A size in megabytes (10^6 bytes). */
  public static megabytes(amount: number): Size {
    return new Size(amount, 1e6, 'MB');
  }

  /** A size in gigabytes (10^9 bytes). */
  public static gigabytes(amount: number): Size {
    return new Size(amount, 1e9, 'GB');
  }

  /** The size in bytes, a whole number. */
  public readonly bytes: number;

  private readonly label: string;

  private constructor(amount: number, factor: number, unit: string) {
    if (!Number.isFinite(amount) || amount <= 0) {
      throw new DeclarationError(`Size ${amount} ${unit} is not allowed: a size must be a positive number. Use e.g. Size.gigabytes(3).`);
    }
    // Millibyte precision absorbs binary floating point (1.1 MB is 1100000.0000000002 bytes)
    // without letting a fraction of a byte, or a threshold that rounds to 0, through.
    const bytes = Number((amount * factor).toFixed(3));
    if (!Number.isSafeInteger(bytes)) {
      throw new DeclarationError(`Size ${amount} ${unit} is ${bytes} bytes: a size must be a whole number of bytes, at least 1. Use e.g. Size.bytes(400) or Size.megabytes(1.5).`);
    }
    this.bytes = bytes;
    this.label = `${amount} ${unit}`;
  }

  /** The size as declared, e.g. `3 GB`. */
  public toString(): string {
    return this.label;
  }
}
