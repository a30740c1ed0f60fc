/**
 * `capture --redact`: replaces the values that name people and describe work with stable stand-ins,
 * so a capture can be attached to a bug report. Which values is decided by the key that holds them
 * (docs/capture.md#redaction):
 *
 * - a string under a key that matches REDACTED_KEY (names, emails, titles, summaries, messages, ...),
 *   and every string below such a key, is replaced;
 * - keys that hold identifiers, instants and counts (KEPT_KEY: `id`, `*_id(s)`, `key`, `*_at`,
 *   `*_time`, `*date*`, ...) are kept even there, as are numbers, booleans and null everywhere, and
 *   every string elsewhere (enums such as `status`, `priority`, `type`);
 * - except that a string shaped like an email is replaced wherever it is, ids included (tools use
 *   emails as user ids): the same stand-in everywhere, so joins and keys still hold.
 *
 * A replacement is a keyed hash (HMAC-SHA256 with a salt that is never written) of the same length,
 * letters and digits, with spaces, `@` and `.` kept where they were (an email stays shaped like one).
 * Same input, same output within one Redactor; distinct inputs get distinct outputs (a collision is
 * hashed again, and a string too short to stay unique grows by a character).
 */
import { createHmac, randomBytes } from 'node:crypto';

/** Keys whose strings are replaced (matched against the lower-cased key). */
export const REDACTED_KEY =
  /name|e_?mail|title|summary|message|description|comment|body|text|author|assignee|reporter|creator|committer|login|display|label|custom/;
/** A string that is an email address, replaced under any key. */
export const EMAIL_VALUE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Keys kept even under a redacted key: identifiers, instants, counts. */
export const KEPT_KEY = /(^|_)(id|ids|uuid|key|keys)$|_at$|_time$|date|_count$|^count$|^total/;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Characters kept in place, so shapes survive (words, emails, dotted names). */
const KEPT_CHARACTER = /[\s@.]/;
/** Rehashes of one value at one length before it grows by a character. */
const TRIES_PER_LENGTH = 16;

export class Redactor {
  readonly #salt: Buffer;
  readonly #replacements = new Map<string, string>();
  readonly #used = new Set<string>();

  /** @param salt the HMAC key; @defaultValue 32 random bytes (replacements cannot be linked across captures) */
  constructor(salt: Buffer = randomBytes(32)) {
    this.#salt = salt;
  }

  /** A JSON value with the values under redacted keys replaced (a new value; the input is untouched). */
  value(value: unknown, underRedactedKey = false): unknown {
    if (typeof value === 'string')
      return underRedactedKey || EMAIL_VALUE.test(value) ? this.string(value) : value;
    if (Array.isArray(value)) return value.map((item) => this.value(item, underRedactedKey));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of Object.entries(value)) {
        const lower = key.toLowerCase();
        const redacted = !KEPT_KEY.test(lower) && (underRedactedKey || REDACTED_KEY.test(lower));
        out[key] = this.value(inner, redacted);
      }
      return out;
    }
    return value;
  }

  /** The stand-in of one string. */
  string(text: string): string {
    if (text === '') return text;
    const known = this.#replacements.get(text);
    if (known !== undefined) return known;
    for (let length = text.length, attempt = 0; ; attempt++) {
      if (attempt > 0 && attempt % TRIES_PER_LENGTH === 0) length++;
      const candidate = this.#shape(text, length, attempt);
      if (!this.#used.has(candidate)) {
        this.#used.add(candidate);
        this.#replacements.set(text, candidate);
        return candidate;
      }
    }
  }

  #shape(text: string, length: number, attempt: number): string {
    const chars: string[] = [];
    let block = -1;
    let digest = Buffer.alloc(0);
    for (let i = 0; i < length; i++) {
      const original = text[i];
      if (original !== undefined && KEPT_CHARACTER.test(original)) {
        chars.push(original);
        continue;
      }
      // 32 bytes of HMAC per 32 characters.
      if (block !== Math.floor(i / 32)) {
        block = Math.floor(i / 32);
        digest = createHmac('sha256', this.#salt).update(`${attempt}:${block}:${text}`).digest();
      }
      chars.push(ALPHABET[(digest[i % 32] as number) % ALPHABET.length] as string);
    }
    return chars.join('');
  }
}
