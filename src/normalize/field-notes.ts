/**
 * How normalization says what it did to a value it could not store as SEI sent it.
 *
 * Every converter takes the value, a `FieldNotes` and the field it read (`toInt(record.hops, notes,
 * 'hops')`), and adds a note only when it changes something: a NUL replaced, an instant out of range
 * set to NULL, a number too large for its column. The common case therefore costs one argument and no
 * allocation. The same shape serves a declarative field list (`spec.convert(record[spec.source],
 * notes, spec.source)`). The engine stores the notes of each record in `sei_sync.sanitized_values`,
 * in the page's transaction, and counts the record as `sanitized`.
 */

/** What was done to a value; stable codes that BI may filter on (`sei_sync.sanitized_values.action`). */
export const FIELD_ACTIONS = [
  /** NUL characters or lone UTF-16 surrogates in a string were replaced by U+FFFD. */
  'replaced_characters',
  /** The same in an object key; the note's field names the key as stored. */
  'replaced_key_characters',
  /** An array or object nested deeper than `MAX_JSON_DEPTH` was replaced by null. */
  'removed_too_deep',
  /** Text too long for a typed (indexable) column was cut; `raw` keeps it whole. */
  'truncated',
  /** An instant outside 1970–9999, or a number outside its column's range, became NULL. */
  'nulled_out_of_range',
  /** A string that is no number, instant or boolean became NULL. */
  'nulled_unparseable',
  /** A value of a type the column cannot take (an object where text belongs, a fraction where an integer does) became NULL. */
  'nulled_wrong_type',
] as const;
export type FieldAction = (typeof FIELD_ACTIONS)[number];

export interface FieldNote {
  /** Path in the record as SEI sent it, e.g. `summary`, `custom_fields.customfield_10020[0]`, `status_list[2].start_time`. */
  readonly field: string;
  readonly action: FieldAction;
  /** One line for a person: the value or what was wrong with it, never more than a few dozen characters of it. */
  readonly detail: string;
}

/** Where converters report what they did. */
export interface FieldNotes {
  add(field: string, action: FieldAction, detail: string): void;
}

const NO_NOTES: readonly FieldNote[] = Object.freeze([]);

/** The notes of one record. */
export class NoteList implements FieldNotes {
  #notes: FieldNote[] | undefined;

  add(field: string, action: FieldAction, detail: string): void {
    const note = { field, action, detail };
    if (this.#notes === undefined) this.#notes = [note];
    else this.#notes.push(note);
  }

  get notes(): readonly FieldNote[] {
    return this.#notes ?? NO_NOTES;
  }
}

/**
 * Notes about the fields of the entries of a list: with `index` 2, `start_time` becomes
 * `status_list[2].start_time`. One per list, `index` set before each entry, and the path is spelled
 * out only when a note is added (a history list is converted entry by entry on the hot path).
 */
export class ListEntryNotes implements FieldNotes {
  index = 0;

  constructor(
    private readonly notes: FieldNotes,
    private readonly listField: string,
  ) {}

  add(field: string, action: FieldAction, detail: string): void {
    this.notes.add(`${this.listField}[${this.index}].${field}`, action, detail);
  }
}
