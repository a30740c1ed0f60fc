/**
 * One readable line for anything a command can throw: an Error's message, and for the non-Error
 * values some libraries throw (PGlite's file system errors are plain objects) their message, code or
 * fields, never "[object Object]".
 */
export function errorMessage(error: unknown): string {
  return firstLine(describe(error)) || 'unknown error (set SEI_SYNC_DEBUG=1 for details)';
}

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim();
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error !== 'object' || error === null) return String(error ?? '');
  const { message, name, code, errno } = error as Record<string, unknown>;
  if (typeof message === 'string' && message !== '') return message;
  const parts = [name, code, errno === undefined ? undefined : `errno ${String(errno)}`].filter(
    (part) => part !== undefined && part !== '',
  );
  if (parts.length > 0) return parts.map(String).join(' ');
  try {
    return JSON.stringify(error);
  } catch {
    return '';
  }
}
