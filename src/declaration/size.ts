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

  /** The size in bytes, rounded to a whole number. */
  public readonly bytes: number;

  private readonly label: string;

  private constructor(amount: number, factor: number, unit: string) {
    if (!Number.isFinite(amount) || amount <= 0) {
      throw new Error(`Size ${amount} ${unit} is not allowed: a size must be a positive number. Use e.g. Size.gigabytes(3).`);
    }
    this.bytes = Math.round(amount * factor);
    this.label = `${amount} ${unit}`;
  }

  /** The size as declared, e.g. `3 GB`. */
  public toString(): string {
    return this.label;
  }
}
