/**
 * Every failure of treeseq is a `TreeSeqError` with a stable string `code` (the README lists them) and a
 * message that says what was wrong and where. The bindings send errors as
 * `TREESEQ:<CODE>:<message>`; `toTreeSeqError` is the one place that reads that form.
 */
/**
 * Every `TreeSeqError.code`. Stable: a code is never renamed. Compare `e.code` with
 * these to tell failures apart; the message is for people and may change.
 */
export type ErrorCode =
  // A `.trees` file tskit would refuse, or metadata that does not decode.
  | "FILE_FORMAT"
  | "END_OF_FILE"
  | "KASTORE_VERSION_TOO_NEW"
  | "VERSION_TOO_OLD"
  | "VERSION_TOO_NEW"
  | "REQUIRED_COLUMN"
  | "BAD_COLUMN_TYPE"
  | "COLUMN_LENGTH"
  | "BOTH_COLUMNS_REQUIRED"
  | "BAD_OFFSET"
  | "TABLES_NOT_INDEXED"
  | "BAD_SEQUENCE_LENGTH"
  | "BAD_EDGES"
  | "BAD_NODES"
  | "BAD_SITES"
  | "BAD_MUTATIONS"
  | "BAD_MIGRATIONS"
  | "BAD_INDIVIDUALS"
  | "BAD_POPULATIONS"
  | "BAD_METADATA"
  | "FILE_TOO_LARGE"
  // Arguments.
  | "BAD_SAMPLE_SETS"
  | "BAD_WINDOWS"
  | "BAD_PARAM"
  | "OUTPUT_TOO_LARGE"
  // The library's state and environment.
  | "DISPOSED"
  | "NOT_INITIALIZED"
  | "BACKEND_UNAVAILABLE"
  | "IO"
  | "INTERNAL";

/** A failure of treeseq: `code` says which kind (stably), the message what and where. */
export class TreeSeqError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "TreeSeqError";
    this.code = code;
  }
}

const WIRE = /^(?:Error: )?TREESEQ:([A-Z0-9_]+):([\s\S]*)$/;

/** Converts anything a backend threw into a TreeSeqError (unknown errors become INTERNAL). */
export function toTreeSeqError(e: unknown): TreeSeqError {
  if (e instanceof TreeSeqError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const m = WIRE.exec(msg);
  // A backend newer than this file may send a code it does not list: pass it on as sent
  // rather than hide it under INTERNAL.
  if (m) return new TreeSeqError(m[1] as ErrorCode, m[2]);
  if (e instanceof WebAssembly.RuntimeError) {
    return new TreeSeqError("INTERNAL", `the WebAssembly instance trapped (${msg}); it will not be used again`);
  }
  return new TreeSeqError("INTERNAL", msg);
}

/** Runs `f`, rethrowing any failure as a TreeSeqError. */
export function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw toTreeSeqError(e);
  }
}

export async function guardAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toTreeSeqError(e);
  }
}
