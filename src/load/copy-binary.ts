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

/**
 * Encodes rows into one growing buffer.
 *
 * @example
 *   const rows = new BinaryCopyRows(['text', 'timestamptz']);
 *   rows.add(['T-1', new Date()]);
 *   await trx.executeQuery(CompiledQuery.raw('COPY t (k, at) FROM STDIN (FORMAT binary)', [new CopyIn(rows.finish())]));
 */
export class BinaryCopyRows {
  private buffer: Buffer;
  private at = 0;
  private rowCount = 0;

  constructor(
    private readonly types: readonly CopyColumnType[],
    initialBytes = 64 * 1024,
  ) {
    // Room for the header and the trailer at least.
    this.buffer = Buffer.allocUnsafe(Math.max(initialBytes, SIGNATURE.length + 10));
    this.at = SIGNATURE.copy(this.buffer, 0);
    this.at = this.buffer.writeInt32BE(0, this.at); // flags: no OIDs
    this.at = this.buffer.writeInt32BE(0, this.at); // no header extension
  }

  /** Rows added so far. */
  get rows(): number {
    return this.rowCount;
  }

  /** Appends one row, its values in the order of `types`. Throws `NotBinaryEncodableError`, leaving the rows as they were. */
  add(values: readonly unknown[]): void {
    const start = this.at;
    try {
      this.reserve(2);
      this.at = this.buffer.writeInt16BE(this.types.length, this.at);
      for (let i = 0; i < this.types.length; i++) this.value(this.types[i]!, values[i]);
    } catch (error) {
      this.at = start;
      throw error;
    }
    this.rowCount += 1;
  }

  /** Starts a variable-length field; `endField` with the returned position writes its length. */
  private beginField(): number {
    this.reserve(4);
    const lengthAt = this.at;
    this.at += 4;
    return lengthAt;
  }

  private endField(lengthAt: number): void {
    this.buffer.writeInt32BE(this.at - lengthAt - 4, lengthAt);
  }

  /** The whole COPY stream so far, trailer included (a view; rows added later overwrite the trailer). */
  finish(): Buffer {
    this.reserve(2);
    return this.buffer.subarray(0, this.buffer.writeInt16BE(-1, this.at));
  }

  private value(type: CopyColumnType, value: unknown): void {
    if (value === null || value === undefined) {
      this.reserve(4);
      this.at = this.buffer.writeInt32BE(-1, this.at);
    } else if (!this.encode(type, value)) {
      throw new NotBinaryEncodableError(type, value);
    }
  }

  /** Writes `value` as `type`; false (and nothing written) when it is not exactly such a value. */
  private encode(type: CopyColumnType, value: unknown): boolean {
    switch (type) {
      case 'text':
        if (typeof value !== 'string' || !isStorableString(value)) return false;
        this.text(value);
        return true;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX)
          return false;
        this.reserve(8);
        this.at = this.buffer.writeInt32BE(4, this.at);
        this.at = this.buffer.writeInt32BE(value, this.at);
        return true;
      case 'bigint':
        if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) >= TWO_POW_63)
          return false;
        this.int64(value);
        return true;
      case 'double precision':
        if (typeof value !== 'number' || !Number.isFinite(value)) return false;
        this.reserve(12);
        this.at = this.buffer.writeInt32BE(8, this.at);
        // JSON has no -0: the portable path stores 0.
        this.at = this.buffer.writeDoubleBE(value === 0 ? 0 : value, this.at);
        return true;
      case 'boolean':
        if (typeof value !== 'boolean') return false;
        this.reserve(5);
        this.at = this.buffer.writeInt32BE(1, this.at);
        this.at = this.buffer.writeUInt8(value ? 1 : 0, this.at);
        return true;
      case 'timestamptz':
        return this.timestamp(value);
      case 'text[]':
        return this.textArray(value);
      case 'jsonb':
        return this.jsonb(value);
      case 'uuid':
        return this.uuid(value);
    }
  }

  /** The bytes of the last uuid written: every row of a COPY carries the same run id. */
  private lastUuid: { text: string; bytes: Buffer } | undefined;

  private uuid(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    if (this.lastUuid?.text !== value) {
      if (!UUID.test(value)) return false;
      this.lastUuid = { text: value, bytes: Buffer.from(value.replaceAll('-', ''), 'hex') };
    }
    this.reserve(20);
    this.at = this.buffer.writeInt32BE(16, this.at);
    this.at += this.lastUuid.bytes.copy(this.buffer, this.at);
    return true;
  }

  /** A length-prefixed UTF-8 string (its storability checked by the caller). */
  private text(value: string): void {
    const lengthAt = this.beginField();
    this.writeText(value);
    this.endField(lengthAt);
  }

  /** The UTF-8 bytes of `value`, inside a field begun with `beginField`. */
  private writeText(value: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    this.reserve(value.length * 3);
    this.at += this.buffer.write(value, this.at, 'utf8');
  }

  private int64(value: number): void {
    this.reserve(12);
    this.at = this.buffer.writeInt32BE(8, this.at);
    if (Number.isSafeInteger(value)) {
      const high = Math.floor(value / TWO_POW_32);
      this.at = this.buffer.writeInt32BE(high, this.at);
      this.at = this.buffer.writeUInt32BE(value - high * TWO_POW_32, this.at);
    } else {
      this.at = this.buffer.writeBigInt64BE(BigInt(value), this.at);
    }
  }

  private timestamp(value: unknown): boolean {
    // Normalizers give epoch milliseconds (`EpochMs`, ../normalize/convert.ts); a Date is written alike.
    const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : Number.NaN;
    if (!(ms >= FIRST_INSTANT_MS && ms < END_INSTANT_MS)) return false;
    // Microseconds since 2000: exact in a double for about 285 years around 2000 (the common case,
    // without a BigInt); up to 2.5e17 in the year 9999, beyond a double's exact integers.
    const micros = (ms - POSTGRES_EPOCH_MS) * 1000;
    if (Number.isSafeInteger(micros)) {
      this.int64(micros);
      return true;
    }
    this.reserve(12);
    this.at = this.buffer.writeInt32BE(8, this.at);
    this.at = this.buffer.writeBigInt64BE(BigInt(ms - POSTGRES_EPOCH_MS) * 1000n, this.at);
    return true;
  }

  private textArray(value: unknown): boolean {
    if (!Array.isArray(value)) return false;
    for (const element of value) if (typeof element !== 'string' || !isStorableString(element)) return false;
    const lengthAt = this.beginField();
    this.reserve(20);
    // An empty array has no dimensions at all.
    this.at = this.buffer.writeInt32BE(value.length === 0 ? 0 : 1, this.at);
    this.at = this.buffer.writeInt32BE(0, this.at); // no NULL elements
    this.at = this.buffer.writeInt32BE(TEXT_OID, this.at);
    if (value.length > 0) {
      this.at = this.buffer.writeInt32BE(value.length, this.at);
      this.at = this.buffer.writeInt32BE(1, this.at); // lower bound
      for (const element of value as string[]) this.text(element);
    }
    this.endField(lengthAt);
    return true;
  }

  private jsonb(value: unknown): boolean {
    const json = value instanceof JsonText ? value.text : JSON.stringify(value);
    if (json === undefined) return false;
    const lengthAt = this.beginField();
    this.reserve(1);
    this.at = this.buffer.writeUInt8(JSONB_VERSION, this.at);
    this.writeText(json);
    this.endField(lengthAt);
    return true;
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.at + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}
