/**
 * The one argument parser of the command line and the scripts: Node's `util.parseArgs`
 * (strict: an unknown flag, a missing value or a value that looks like a flag is an error),
 * plus value checkers that name the flag they check. A mistake on the command line is a
 * `UsageError`, which the command line reports as `treeseq: BAD_PARAM: ...` with exit status 2.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in how a command was called (exit status 2), as opposed to a failed job (1). */
export class UsageError extends Error {
  readonly code = "BAD_PARAM";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** How the flag is shown in help: `--out FILE`. */
  value?: string;
  help: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` against `flags`. `--help`/`-h` is always known (the caller prints help when
 * `values.help` is set). Positionals are allowed only where `positionals` says so.
 */
export function parseCommandLine(argv: readonly string[], flags: FlagSpecs, positionals = true): Parsed {
  const options: NonNullable<ParseArgsConfig["options"]> = { help: { type: "boolean", short: "h" } };
  for (const [name, spec] of Object.entries(flags)) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  try {
    const r = parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals });
    return { values: r.values as Parsed["values"], positionals: r.positionals };
  } catch (e) {
    throw new UsageError(usageMessage(e as Error & { code?: string }));
  }
}

/** Node's parseArgs messages, made shorter and naming the flag as the user typed it. */
function usageMessage(e: Error & { code?: string }): string {
  const m = e.message;
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(m)?.[1] ?? m;
    return `unknown flag ${flag}`;
  }
  if (e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const arg = /'([^']+)'/.exec(m)?.[1] ?? m;
    return `unexpected argument '${arg}'`;
  }
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /(--[\w-]+)/.exec(m)?.[1];
    if (/argument missing/.test(m)) return `${flag ?? "a flag"} needs a value`;
    if (/ambiguous/.test(m)) return `${flag ?? "a flag"} needs a value (the next word starts with '-'; write ${flag}=VALUE to pass it)`;
    if (/does not take an argument/.test(m)) return `${flag ?? "a flag"} takes no value`;
  }
  return m.split("\n")[0];
}

/** The flags' lines of a help text. */
export function flagHelp(flags: FlagSpecs): string {
  const rows = Object.entries(flags).map(([name, s]) => {
    const head = `${s.short ? `-${s.short}, ` : "    "}--${name}${s.value ? ` ${s.value}` : ""}`;
    return [head, s.help] as const;
  });
  rows.push(["-h, --help", "show this help and exit"]);
  const width = Math.max(...rows.map(([h]) => h.length)) + 2;
  return rows.map(([h, t]) => `  ${h.padEnd(width)}${t}`).join("\n");
}

/** A whole number in [min, max], or a UsageError naming the flag. */
export function integerValue(flag: string, text: string, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\s*[+]?\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new UsageError(`${flag}: expected ${range}, got '${text}'`);
  }
  return n;
}

/** A finite number > 0 such as `300` or `0.5` (seconds, say), or a UsageError naming the flag. */
export function positiveNumberValue(flag: string, text: string): number {
  const n = /^\s*[+]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : NaN;
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number > 0, got '${text}'`);
  return n;
}

/** One of `choices`, or a UsageError naming the flag and the choices. */
export function choiceValue<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`${flag}: expected one of ${choices.join(", ")}; got '${text}'`);
  }
  return text as T;
}

const LENGTH_UNITS: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9 };

/** A genome length such as `100000`, `100k`, `2.5M` or `1e6` (units k, M, G: powers of 1000). */
export function lengthValue(flag: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+)\s*([kmg]?)b?\s*$/i.exec(text);
  const n = m ? Number(m[1]) * LENGTH_UNITS[m[2].toLowerCase()] : NaN;
  if (!(n > 0) || !Number.isFinite(n))
    throw new UsageError(`${flag}: expected a positive length such as 100000, 100k or 2.5M; got '${text}'`);
  return n;
}

const BYTE_UNITS: Record<string, number> = { "": 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A size in bytes such as `4G`, `512M`, `1.5GiB` or `1000000` (units powers of 1024). */
export function bytesValue(flag: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d*)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  const n = m ? Math.floor(Number(m[1]) * BYTE_UNITS[m[2].toLowerCase()]) : NaN;
  if (!(n > 0) || !Number.isSafeInteger(n)) throw new UsageError(`${flag}: expected a size such as 4G, 512M or 1000000; got '${text}'`);
  return n;
}
