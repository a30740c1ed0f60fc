import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A value that must never be printed: the SEI API key, a database URL with a password.
 *
 * Every way JavaScript turns an object into text (`String()`, template literals, `JSON.stringify`,
 * `util.inspect`, pino) sees `[redacted]`; only `reveal()` gives the value, and it is called only where
 * the value is put on the wire.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Removes every occurrence of the given secrets from a text (for messages built by other libraries). */
export function redact(text: string, secrets: ReadonlyArray<Secret | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    const value = secret?.reveal();
    if (value && value.length >= 4) out = out.split(value).join(REDACTED);
  }
  return out;
}
