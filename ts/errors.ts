/**
 * Every failure of treeseq is a `TreeSeqError` with a stable string `code` (see API.md) and a
 * message that says what was wrong and where. The bindings send errors as
 * `TREESEQ:<CODE>:<message>`; `toTreeSeqError` is the one place that reads that form.
 */
export class TreeSeqError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
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
  if (m) return new TreeSeqError(m[1], m[2]);
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
