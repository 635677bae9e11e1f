/**
 * What every subcommand of the command line is, and what they share: the backend flags and
 * how a failure is reported (`treeseq: CODE: message` on stderr).
 */
import { init, type TreeSeqError, type BackendInfo } from "../index.js";
import { bytesValue, choiceValue, integerValue, type FlagSpecs, type Parsed } from "./args.js";

export interface Command {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** The usage lines, without the flags (they are listed from `flags`). */
  usage: string;
  flags: FlagSpecs;
  /** Whether positional arguments are taken (files, for most). */
  positionals: boolean;
  /** Runs the command; resolves to the exit status (0 ok, 1 something failed). */
  run(args: Parsed): Promise<number>;
}

/** The flags that choose and size the backend, shared by every command that loads files. */
export const BACKEND_FLAGS: FlagSpecs = {
  backend: { type: "string", value: "NAME", help: "native, wasm or auto (default: $TREESEQ_BACKEND, else auto)" },
  threads: {
    type: "string",
    short: "t",
    value: "N",
    help: "threads in the one pool all work shares (default: $TREESEQ_THREADS, else every core)",
  },
};

/**
 * Starts the backend the flags ask for, else TREESEQ_BACKEND / TREESEQ_THREADS; a bad value
 * in either is a usage error naming where it came from.
 */
export async function startBackend(values: Parsed["values"], maxMemory?: number): Promise<BackendInfo> {
  const pick = (flag: string, env: string) => {
    const v = values[flag] as string | undefined;
    if (v !== undefined) return { text: v, from: `--${flag}` };
    const e = process.env[env];
    return e === undefined || e === "" ? undefined : { text: e, from: env };
  };
  const b = pick("backend", "TREESEQ_BACKEND");
  const t = pick("threads", "TREESEQ_THREADS");
  const backend = b && choiceValue(b.from, b.text, ["native", "wasm", "auto"] as const);
  const threads = t && integerValue(t.from, t.text, 1, 1024);
  return init({ backend, threads, ...(maxMemory !== undefined ? { maxMemory } : {}) });
}

export { bytesValue };

/** `treeseq: CODE: message`, the one way a failure is written to stderr. */
export function reportError(e: unknown, context?: string): string {
  const err = e as Partial<TreeSeqError> & Error;
  const code = err?.code ?? "ERROR";
  const message = err?.message ?? String(e);
  const line = `treeseq: ${code}: ${context ? `${context}: ` : ""}${message}\n`;
  process.stderr.write(line);
  return line;
}
