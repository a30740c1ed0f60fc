/**
 * Rows encoded for `COPY ... FROM STDIN (FORMAT binary)`: PostgreSQL receives each value in its own
 * binary form, so it parses no timestamps, numbers or arrays (only `jsonb`, which is JSON text either
 * way), and the process escapes nothing.
 *
 * Only values that the portable path (`jsonb_to_recordset`, ./write-path-jsonb.ts) would store the
 * same way are encoded: a string for `text`, a whole number in range for `integer`/`bigint`, a finite
 * number, a boolean, a valid Date between the years 1 and 9999, a list of strings, any JSON value for
 * `jsonb`. Anything else (a value a normalizer bug let through: NUL or a lone surrogate in text, 2^40
 * for an integer, the year 33658) throws `NotBinaryEncodableError`, and the caller writes that part of
 * the page through the portable path instead, where PostgreSQL itself accepts or refuses it with its
 * own SQLSTATE and message. The fast path never stores a value the portable path would not.
 *
 * Format (PostgreSQL docs, "COPY, Binary Format"): an 11-byte signature, flags and header extension
 * (int32 each); per row an int16 field count, per field an int32 length (-1 for NULL) and the bytes;
 * an int16 -1 trailer. All integers big-endian.
 */
import { isStorableString } from '../normalize/storable-json.js';
import type { ColumnType } from '../streams/types.js';

/** The column types of a COPY: what normalizers produce, plus `uuid` for the run id. */
export type CopyColumnType = ColumnType | 'uuid';

/** A value the binary path does not send as is (see the module comment); the portable path takes it. */
export class NotBinaryEncodableError extends Error {
  constructor(type: CopyColumnType, value: unknown) {
    super(`a ${typeof value} value is not sent as binary ${type}`);
    this.name = 'NotBinaryEncodableError';
  }
}

/** A `jsonb` value already serialized (the raw record: serialized once, then sent and hashed). */
export class JsonText {
  constructor(readonly text: string) {}
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix milliseconds. */
const POSTGRES_EPOCH_MS = 946_684_800_000;
/** Years 1 to 9999: what `Date#toISOString` writes as a plain four-digit year that PostgreSQL reads back. */
const FIRST_INSTANT_MS = -62_135_596_800_000;
const END_INSTANT_MS = 253_402_300_800_000;
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const TWO_POW_32 = 4_294_967_296;
const TWO_POW_63 = 2 ** 63;
/** Type oid of `text`, written into every `text[]` value. */
const TEXT_OID = 25;
const JSONB_VERSION = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Strings up to this many code units are copied by a loop when ASCII (`writeString`). */
const SHORT_TEXT = 64;

/** The column types as small integers: the per-value `switch` compiles to a jump table. */
const TYPE_CODES = {
  text: 0,
  integer: 1,
  bigint: 2,
  'double precision': 3,
  boolean: 4,
  timestamptz: 5,
  'text[]': 6,
  jsonb: 7,
  uuid: 8,
} as const satisfies Record<CopyColumnType, number>;

/**
 * Encodes rows into one growing buffer.
 *
 * Written for CPU (issue 24: the encoding of a 1,000-issue page was 2.4 s of 11.7 per 100k): bytes
 * go straight into the buffer and its DataView instead of through `Buffer#writeInt32BE` and its
 * checks, and short ASCII strings (keys, statuses, names: most values) are copied by a loop that
 * also checks them for NUL, cheaper than the native calls of `Buffer#write` and `isStorableString`.
 *
 * @example
 *   const rows = new BinaryCopyRows(['text', 'timestamptz']);
 *   rows.add(['T-1', new Date()]);
 *   await trx.executeQuery(CompiledQuery.raw('COPY t (k, at) FROM STDIN (FORMAT binary)', [new CopyIn(rows.finish())]));
 */
export class BinaryCopyRows {
  private buffer: Buffer;
  private view: DataView;
  private at = 0;
  private rowCount = 0;
  private readonly codes: Uint8Array;
  /**
   * Bytes every `reserve` keeps free beyond what it is asked for: a whole row of fixed-size fields
   * (at most 20 bytes each, a uuid), so that those write without a check of their own.
   */
  private readonly slack: number;

  constructor(types: readonly CopyColumnType[], initialBytes = 64 * 1024) {
    this.codes = Uint8Array.from(types, (type) => TYPE_CODES[type]);
    this.slack = 2 + 20 * types.length;
    // Room for the header and the trailer at least.
    this.buffer = Buffer.allocUnsafe(Math.max(initialBytes, SIGNATURE.length + 10));
    this.view = viewOf(this.buffer);
    this.at = SIGNATURE.copy(this.buffer, 0);
    this.int32(0); // flags: no OIDs
    this.int32(0); // no header extension
  }

  /** Rows added so far. */
  get rows(): number {
    return this.rowCount;
  }

  /** Appends one row, its values in the order of `types`. Throws `NotBinaryEncodableError`, leaving the rows as they were. */
  add(values: readonly unknown[]): void {
    const start = this.at;
    const codes = this.codes;
    try {
      this.reserve(0);
      this.view.setInt16(this.at, codes.length);
      this.at += 2;
      for (let i = 0; i < codes.length; i++) {
        const value = values[i];
        if (value === null || value === undefined) this.int32(-1);
        else if (!this.encode(codes[i]!, value))
          throw new NotBinaryEncodableError(TYPE_NAMES[codes[i]!]!, value);
      }
    } catch (error) {
      this.at = start;
      throw error;
    }
    this.rowCount += 1;
  }

  /** The whole COPY stream so far, trailer included (a view; rows added later overwrite the trailer). */
  finish(): Buffer {
    this.reserve(0);
    this.view.setInt16(this.at, -1);
    return this.buffer.subarray(0, this.at + 2);
  }

  /**
   * Writes `value` (not null) as the type of `code`; false when it is not exactly such a value (the
   * caller then rewinds the row). Fixed-size fields write into the room `reserve` keeps as `slack`.
   */
  private encode(code: number, value: unknown): boolean {
    switch (code) {
      case TYPE_CODES.text:
        return typeof value === 'string' && this.text(value);
      case TYPE_CODES.integer:
        if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX)
          return false;
        this.int32(4);
        this.int32(value);
        return true;
      case TYPE_CODES.bigint:
        if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) >= TWO_POW_63)
          return false;
        this.int32(8);
        this.int64(value);
        return true;
      case TYPE_CODES['double precision']:
        if (typeof value !== 'number' || !Number.isFinite(value)) return false;
        this.int32(8);
        // JSON has no -0: the portable path stores 0.
        this.view.setFloat64(this.at, value === 0 ? 0 : value);
        this.at += 8;
        return true;
      case TYPE_CODES.boolean:
        if (typeof value !== 'boolean') return false;
        this.int32(1);
        this.buffer[this.at++] = value ? 1 : 0;
        return true;
      case TYPE_CODES.timestamptz:
        return this.timestamp(value);
      case TYPE_CODES['text[]']:
        return this.textArray(value);
      case TYPE_CODES.jsonb:
        return this.jsonb(value);
      default:
        return this.uuid(value);
    }
  }

  private int32(value: number): void {
    this.view.setInt32(this.at, value);
    this.at += 4;
  }

  /** A whole number below 2^63 in magnitude, as int64. */
  private int64(value: number): void {
    if (Number.isSafeInteger(value)) {
      const high = Math.floor(value / TWO_POW_32);
      this.view.setInt32(this.at, high);
      this.view.setUint32(this.at + 4, value - high * TWO_POW_32);
    } else {
      this.view.setBigInt64(this.at, BigInt(value));
    }
    this.at += 8;
  }

  /** The bytes of the last uuid written: every row of a COPY carries the same run id. */
  private lastUuid: { text: string; bytes: Buffer } | undefined;

  private uuid(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    if (this.lastUuid?.text !== value) {
      if (!UUID.test(value)) return false;
      this.lastUuid = { text: value, bytes: Buffer.from(value.replaceAll('-', ''), 'hex') };
    }
    this.int32(16);
    this.at += this.lastUuid.bytes.copy(this.buffer, this.at);
    return true;
  }

  /** A length-prefixed storable string; false when it is not storable. */
  private text(value: string): boolean {
    this.reserve(4 + value.length * 3);
    const lengthAt = this.at;
    this.at += 4;
    if (!this.writeString(value)) return false;
    this.view.setInt32(lengthAt, this.at - lengthAt - 4);
    return true;
  }

  /**
   * The UTF-8 bytes of `value` (room for `value.length * 3` reserved by the caller); false when it is
   * not storable (NUL or a lone surrogate).
   */
  private writeString(value: string): boolean {
    const length = value.length;
    if (length <= SHORT_TEXT) {
      const buffer = this.buffer;
      const at = this.at;
      let i = 0;
      while (i < length) {
        const code = value.charCodeAt(i);
        // NUL and non-ASCII leave the loop; NUL is then refused below, the rest written by Buffer#write.
        if (code >= 0x80 || code === 0) break;
        buffer[at + i] = code;
        i++;
      }
      if (i === length) {
        this.at = at + length;
        return true;
      }
    }
    if (!isStorableString(value)) return false;
    this.at += this.buffer.write(value, this.at, 'utf8');
    return true;
  }

  private timestamp(value: unknown): boolean {
    // Normalizers give epoch milliseconds (`EpochMs`, ../normalize/convert.ts); a Date is written alike.
    const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : Number.NaN;
    if (!(ms >= FIRST_INSTANT_MS && ms < END_INSTANT_MS)) return false;
    this.int32(8);
    // Microseconds since 2000: exact in a double for about 285 years around 2000 (the common case,
    // without a BigInt); up to 2.5e17 in the year 9999, beyond a double's exact integers.
    const micros = (ms - POSTGRES_EPOCH_MS) * 1000;
    if (Number.isSafeInteger(micros)) {
      this.int64(micros);
    } else {
      this.view.setBigInt64(this.at, BigInt(ms - POSTGRES_EPOCH_MS) * 1000n);
      this.at += 8;
    }
    return true;
  }

  private textArray(value: unknown): boolean {
    if (!Array.isArray(value)) return false;
    this.reserve(24);
    const lengthAt = this.at;
    this.at += 4;
    // An empty array has no dimensions at all.
    this.int32(value.length === 0 ? 0 : 1);
    this.int32(0); // no NULL elements
    this.int32(TEXT_OID);
    if (value.length > 0) {
      this.int32(value.length);
      this.int32(1); // lower bound
      for (const element of value) if (typeof element !== 'string' || !this.text(element)) return false;
    }
    this.view.setInt32(lengthAt, this.at - lengthAt - 4);
    return true;
  }

  private jsonb(value: unknown): boolean {
    const json = value instanceof JsonText ? value.text : JSON.stringify(value);
    if (json === undefined) return false;
    // JSON text holds no NUL or lone surrogate: JSON.stringify writes them as escapes.
    this.reserve(5 + json.length * 3);
    const lengthAt = this.at;
    this.at += 4;
    this.buffer[this.at++] = JSONB_VERSION;
    this.at += this.buffer.write(json, this.at, 'utf8');
    this.view.setInt32(lengthAt, this.at - lengthAt - 4);
    return true;
  }

  /** Makes room for `bytes` more, and `slack` beyond them. */
  private reserve(bytes: number): void {
    const needed = this.at + bytes + this.slack;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
    this.view = viewOf(grown);
  }
}

const TYPE_NAMES = Object.keys(TYPE_CODES) as CopyColumnType[];

function viewOf(buffer: Buffer): DataView {
  return new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
