/**
 * `COPY ... FROM STDIN` through Kysely, inside the transaction that holds the connection.
 *
 * Kysely hands a query to the pg client as `client.query(sql, parameters)` and offers no way to reach
 * the client itself, while COPY needs the client's copy protocol (pg-copy-streams). So the pool of the
 * PostgreSQL warehouse makes its clients from `CopyingClient`, which runs a query whose only parameter
 * is a `CopyIn` as a COPY and streams the payload. Any other query passes through untouched.
 *
 * @example
 *   await trx.executeQuery(CompiledQuery.raw('COPY t (a, b) FROM STDIN (FORMAT binary)', [new CopyIn(bytes)]));
 *   // result: { rows: [], numAffectedRows: undefined }; the rows copied are known to the caller.
 *
 * The embedded database (PGlite) has no such client: callers check `warehouse.kind` (./write-path.ts).
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** The data of one `COPY ... FROM STDIN`, passed as the query's only parameter. */
export class CopyIn {
  constructor(readonly data: Buffer) {}
}

function copyPayload(values: unknown): CopyIn | undefined {
  return Array.isArray(values) && values.length === 1 && values[0] instanceof CopyIn ? values[0] : undefined;
}

/** What Kysely reads from a query result. */
interface CopyResult {
  command: 'COPY';
  rowCount: number;
  rows: never[];
}

function runCopy(client: pg.Client, text: string, payload: CopyIn): Promise<CopyResult> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(text));
    // A COPY refused by the server (a data error) errors the stream; the connection stays usable
    // (the server discards the rest of the data and answers ReadyForQuery).
    stream.once('error', reject);
    stream.once('finish', () => resolve({ command: 'COPY', rowCount: stream.rowCount, rows: [] }));
    stream.end(payload.data);
  });
}

/** A pg client that runs a query whose only parameter is a `CopyIn` as `COPY ... FROM STDIN`. */
export class CopyingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; this passes them all through
  override query(...args: any[]): any {
    const [text, values] = args;
    const payload = copyPayload(values);
    if (payload !== undefined && typeof text === 'string') return runCopy(this, text, payload);
    // biome-ignore lint/suspicious/noExplicitAny: as above
    return (super.query as (...rest: any[]) => any)(...args);
  }

  /**
   * A connect that failed during authentication (a SCRAM server and no password) leaves its socket
   * open until the server's authentication_timeout (60 s), holding the process: close it at once.
   */
  // biome-ignore lint/suspicious/noExplicitAny: pg's connect has a callback and a promise form
  override connect(...args: any[]): any {
    const dropSocket = () =>
      (this as unknown as { connection: { stream?: { destroy(): void } } }).connection.stream?.destroy();
    const callback = args[0] as ((error: Error | null) => void) | undefined;
    // biome-ignore lint/suspicious/noExplicitAny: as above
    const connect = super.connect.bind(this) as (...rest: any[]) => any;
    if (callback === undefined)
      return (connect() as Promise<unknown>).catch((error: unknown) => {
        dropSocket();
        throw error;
      });
    return connect((error: Error | null) => {
      if (error) dropSocket();
      callback(error);
    });
  }
}
