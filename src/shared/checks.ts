import { formatQuantity, formatRate, parseQuantity, parseRate, type DecimalInput } from '../core/index.js';
import { unprocessable, type FieldError } from '../http/problem.js';

/** Collects field errors of one request and throws them together as 422. */
export class Checks {
  readonly errors: FieldError[] = [];
  add(path: string, message: string, code = 'invalid'): void {
    this.errors.push({ path, message, code });
  }

  /** A decimal (up to `scale` places) below 10^intDigits, as canonical text; undefined when invalid. */
  quantity(input: DecimalInput, path: string, options: { positive?: boolean; intDigits: number }): string | undefined {
    try {
      const q = parseQuantity(input, path);
      if (options.positive && q <= 0n) this.add(path, 'must be greater than 0', 'out_of_range');
      else if (q >= 10n ** BigInt(options.intDigits + 3)) {
        this.add(path, `must be below ${10n ** BigInt(options.intDigits)}`, 'out_of_range');
      } else return formatQuantity(q);
      return undefined;
    } catch (error) {
      this.add(path, messageOf(error, path), 'format');
      return undefined;
    }
  }

  rate(input: DecimalInput, path: string): string | undefined {
    try {
      const r = parseRate(input, path);
      if (r < 10n ** 12n) return formatRate(r);
      this.add(path, 'must be below 100000000', 'out_of_range');
      return undefined;
    } catch (error) {
      this.add(path, messageOf(error, path), 'format');
      return undefined;
    }
  }

  throwIfAny(detail: string): void {
    if (this.errors.length > 0) {
      throw unprocessable(`${detail}: ${this.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, this.errors);
    }
  }
}

/** The core's messages start with the field name it was given; keep only the reason. */
export function messageOf(error: unknown, path: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}
