/**
 * Commands that write one file's data in another format, through the library's own writers
 * (so the text equals what `ts.asVcf` and `tree.asNewick` give):
 * - `treeseq vcf FILE`: `ts.writeVcf`, streamed, with tskit's `write_vcf` options as flags;
 * - `treeseq newick FILE`: one tree, or every tree, as Newick, one per line.
 * Both stop quietly when the reader goes away (`treeseq vcf f.trees | head`).
 */
import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { load, TreeSeqError, type TreeSequence } from "../index.js";
import type { Tree } from "../tree.js";
import type { VcfOptions } from "../vcf.js";
import type { NewickOptions } from "../newick.js";
import { choiceValue, integerValue, UsageError, type Parsed } from "./args.js";
import { BACKEND_FLAGS, reportError, startBackend, type Command } from "./command.js";
import { Output } from "./output.js";

/** The one FILE these commands take. */
function oneFile(command: string, positionals: string[]): string {
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? `${command} needs a FILE`
        : `${command} takes one FILE, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  return positionals[0];
}

/**
 * Starts the backend, opens the output (first, so that a bad --out path fails before any
 * work), loads the file and runs `write` on them: its exit status, or 1 when the file does
 * not load or `write` throws (reported either way). The file is disposed of after.
 */
async function withOne(values: Parsed["values"], file: string, write: (out: Output, ts: TreeSequence) => Promise<number>): Promise<number> {
  await startBackend(values);
  const out = values.out === undefined ? Output.stdout() : await Output.file(values.out as string);
  let ts: TreeSequence;
  try {
    ts = await load(file);
  } catch (e) {
    reportError(e, file);
    await out.end();
    return 1;
  }
  try {
    const status = await write(out, ts);
    await out.end();
    return status;
  } catch (e) {
    reportError(e, file);
    await out.end().catch(() => {});
    return 1;
  } finally {
    ts.dispose();
  }
}

/** The most ids a list may expand to: a typo such as `0-99999999999` must not fill memory. */
const MAX_IDS = 2 ** 27;

/** Ids such as `0,1,4-7` (a range includes both ends; ids are int32, as in tskit), or a
 * UsageError naming the flag. */
export function idsValue(flag: string, text: string): number[] {
  const ids: number[] = [];
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const a = m ? Number(m[1]) : NaN;
    const b = m?.[2] !== undefined ? Number(m[2]) : a;
    if (!(a >= 0 && b >= a && b <= 2 ** 31 - 1)) {
      throw new UsageError(`${flag}: expected ids (0 to 2147483647) such as 0,1,4-7; got '${part}' in '${text}'`);
    }
    if (ids.length + (b - a + 1) > MAX_IDS) throw new UsageError(`${flag}: more than ${MAX_IDS} ids in '${text}'`);
    for (let i = a; i <= b; i++) ids.push(i);
  }
  return ids;
}

/** A finite number (a genome position), or a UsageError naming the flag. */
function positionValue(flag: string, text: string): number {
  const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`${flag}: expected a number, got '${text}'`);
  return n;
}

/**
 * A Node stream in front of an `Output`, for writers that take a stream (`ts.writeVcf`): each
 * piece waits for the output, so memory stays flat, and the stream fails once the reader has
 * gone, which ends the writer.
 */
function streamTo(out: Output): Writable {
  const w = new Writable({
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      out.write(chunk).then(() => done(out.closed ? new Error("the output closed") : null), done);
    },
  });
  w.on("error", () => {}); // the writer sees the failure as the stream closing; Output keeps the cause
  return w;
}

/** Waits until every piece given to `w` has reached the output. */
async function finished(w: Writable): Promise<void> {
  if (w.destroyed) return;
  await new Promise<void>((resolve) => {
    w.once("finish", resolve);
    w.once("close", resolve);
    w.end();
  });
}

// ---- vcf -------------------------------------------------------------------------------------

/**
 * The writeVcf options the flags ask for, checked now (before any work); the site mask of
 * --left/--right/--site-mask needs the file's site positions, so what is returned makes the
 * options for a loaded file.
 */
function vcfOptions(values: Parsed["values"]): (ts: TreeSequence) => VcfOptions {
  const o: VcfOptions = {};
  const str = (k: string): string | undefined => values[k] as string | undefined;
  if (str("ploidy") !== undefined) o.ploidy = integerValue("--ploidy", str("ploidy")!, 1);
  if (str("contig-id") !== undefined) o.contigId = str("contig-id")!;
  if (str("individuals") !== undefined) o.individuals = idsValue("--individuals", str("individuals")!);
  if (str("individual-names") !== undefined) o.individualNames = str("individual-names")!.split(",");
  if (str("position-transform") !== undefined) {
    // "round" names the default (numpy's round half to even), so that it can be asked for.
    const t = choiceValue("--position-transform", str("position-transform")!, ["legacy", "round"] as const);
    if (t === "legacy") o.positionTransform = "legacy";
  }
  if (values["include-non-sample-nodes"]) o.includeNonSampleNodes = true;
  if (values["no-isolated-as-missing"]) o.isolatedAsMissing = false;
  if (values["allow-position-zero"]) o.allowPositionZero = true;
  if (str("sample-mask") !== undefined) {
    const columns = idsValue("--sample-mask", str("sample-mask")!);
    // The genotypes' length (the VCF's sample nodes) is known only with the first variant.
    let mask: boolean[] | null = null;
    o.sampleMask = (v) => {
      if (mask === null) {
        const m = new Array<boolean>(v.genotypes.length).fill(false);
        for (const j of columns) {
          if (j >= m.length)
            throw new TreeSeqError("BAD_PARAM", `--sample-mask: sample ${j} is out of range (the VCF has ${m.length} sample nodes)`);
          m[j] = true;
        }
        mask = m;
      }
      return mask;
    };
  }

  const left = str("left") === undefined ? undefined : positionValue("--left", str("left")!);
  const right = str("right") === undefined ? undefined : positionValue("--right", str("right")!);
  if (left !== undefined && right !== undefined && !(left < right))
    throw new UsageError(`--left ${left} must be less than --right ${right}`);
  const masked = str("site-mask") === undefined ? [] : idsValue("--site-mask", str("site-mask")!);
  if (left === undefined && right === undefined && masked.length === 0) return () => o;
  return (ts) => {
    const mask = Array.from(ts.tables.sites.position, (x) => (left !== undefined && x < left) || (right !== undefined && x >= right));
    for (const s of masked) {
      if (s >= mask.length)
        throw new TreeSeqError("BAD_PARAM", `--site-mask: site ${s} is out of range (the file has ${mask.length} sites)`);
      mask[s] = true;
    }
    return { ...o, siteMask: mask };
  };
}

export const vcfCommand: Command = {
  name: "vcf",
  summary: "write a file's variants as VCF (tskit's write_vcf), streamed",
  usage: [
    "usage: treeseq vcf FILE [--out FILE.vcf] [--individuals IDS] [--ploidy N] [--contig-id NAME] ...",
    "",
    "The text is tskit's write_vcf's (the ##source line says treeseq). IDS are lists such as",
    "0,1,4-7 (a range includes both ends). Sites outside [--left, --right) are left out.",
  ].join("\n"),
  flags: {
    out: { type: "string", short: "o", value: "FILE", help: "write to FILE instead of standard output" },
    individuals: { type: "string", value: "IDS", help: "the individuals to write, in this order (default: all)" },
    "individual-names": { type: "string", value: "A,B,...", help: "one name per individual written (default tsk_<id>)" },
    ploidy: { type: "string", value: "N", help: "sample nodes per VCF sample when the file has no individuals (default 1)" },
    "contig-id": { type: "string", value: "NAME", help: "the CHROM column and the ##contig ID (default 1)" },
    "position-transform": {
      type: "string",
      value: "HOW",
      help: "round (default: to the nearest integer, halves to even) or legacy (then repeats bumped up by one)",
    },
    left: { type: "string", value: "X", help: "leave out the sites before position X" },
    right: { type: "string", value: "X", help: "leave out the sites at position X and after" },
    "site-mask": { type: "string", value: "IDS", help: "site ids to leave out" },
    "sample-mask": { type: "string", value: "IDS", help: "VCF sample nodes (0 = the first genotype of each line) to write as missing (.)" },
    "include-non-sample-nodes": { type: "boolean", help: "also write individuals' nodes that are not samples" },
    "no-isolated-as-missing": { type: "boolean", help: "write a sample isolated in a tree as the ancestral allele, not missing" },
    "allow-position-zero": { type: "boolean", help: "allow a site at VCF position 0 (not valid VCF)" },
    ...BACKEND_FLAGS,
  },
  positionals: true,
  async run({ values, positionals }: Parsed): Promise<number> {
    const file = oneFile("vcf", positionals);
    const optionsFor = vcfOptions(values);
    return withOne(values, file, async (out, ts) => {
      const sink = streamTo(out);
      try {
        await ts.writeVcf(sink, optionsFor(ts));
      } catch (e) {
        if (!out.closed) throw e; // else the reader went away: stop, without an error
      }
      await finished(sink);
      return 0;
    });
  },
};

// ---- newick ----------------------------------------------------------------------------------

/**
 * The node labels `--node-labels` asks for: undefined for tskit's default (`n<id>` on
 * samples), none, every node's id (made for the file, whose node count it needs), or a file
 * of `id label` lines (read now, so that a bad one is refused before any work).
 */
function nodeLabels(text: string | undefined): (numNodes: number) => NewickOptions["nodeLabels"] | undefined {
  if (text === undefined || text === "samples") return () => undefined;
  if (text === "none") return () => ({});
  if (text === "ids") return (n) => new Map(Array.from({ length: n }, (_, u) => [u, String(u)]));
  let lines: string[];
  try {
    lines = readFileSync(text, "utf8").split(/\r?\n/);
  } catch (e) {
    throw new UsageError(
      `--node-labels: expected samples, ids, none or a file of 'id label' lines; cannot read '${text}': ${(e as Error).message}`,
    );
  }
  const labels = new Map<number, string>();
  lines.forEach((line, i) => {
    if (/^\s*(#|$)/.test(line)) return;
    const m = /^\s*(\d+)\s+(.*?)\s*$/.exec(line);
    if (!m) throw new UsageError(`--node-labels: ${text} line ${i + 1}: expected a node id and a label, got '${line}'`);
    labels.set(Number(m[1]), m[2]);
  });
  return () => labels;
}

export const newickCommand: Command = {
  name: "newick",
  summary: "print trees as Newick (tskit's Tree.as_newick), one per line",
  usage: [
    "usage: treeseq newick FILE [--position X | --index I | --all] [--precision N] [--node-labels LABELS]",
    "",
    "Every tree by default (as tskit's `tskit newick`), left to right. A tree with several",
    "roots has no Newick text unless --root picks one (as in tskit); it is reported and the",
    "other trees are still written (exit status 1).",
  ].join("\n"),
  flags: {
    position: { type: "string", value: "X", help: "only the tree at genome position X" },
    index: { type: "string", value: "I", help: "only the tree with index I (0 is the first)" },
    all: { type: "boolean", help: "every tree (the default)" },
    precision: {
      type: "string",
      value: "N",
      help: "digits after the point of branch lengths (default 0 when every time is an integer, else 17)",
    },
    "node-labels": {
      type: "string",
      value: "LABELS",
      help: "samples (default: n<id> on samples), ids (every node its id), none, or a FILE of 'id label' lines",
    },
    "no-branch-lengths": { type: "boolean", help: "write the topology only" },
    root: { type: "string", value: "NODE", help: "write the subtree of NODE (needed where a tree has several roots)" },
    intervals: { type: "boolean", help: "start each line with the tree's left and right ends and a tab each" },
    out: { type: "string", short: "o", value: "FILE", help: "write to FILE instead of standard output" },
    ...BACKEND_FLAGS,
  },
  positionals: true,
  async run({ values, positionals }: Parsed): Promise<number> {
    const file = oneFile("newick", positionals);
    const picks = ["position", "index", "all"].filter((k) => values[k] !== undefined);
    if (picks.length > 1)
      throw new UsageError(`give one of --position, --index and --all, not ${picks.map((k) => `--${k}`).join(" and ")}`);
    const position = values.position === undefined ? undefined : positionValue("--position", values.position as string);
    const index = values.index === undefined ? undefined : integerValue("--index", values.index as string, 0);
    const options: NewickOptions = {};
    if (values.precision !== undefined) options.precision = integerValue("--precision", values.precision as string, 0, 99);
    if (values["no-branch-lengths"]) options.includeBranchLengths = false;
    if (values.root !== undefined) options.root = integerValue("--root", values.root as string, 0);
    const labelsFor = nodeLabels(values["node-labels"] as string | undefined);
    return withOne(values, file, async (out, ts) => {
      let failed = 0;
      const labels = labelsFor(ts.numNodes);
      if (labels !== undefined) options.nodeLabels = labels;
      const one = (t: Tree): string => {
        // Said here in the command line's words (asNewick's own message names its option).
        const roots = t.roots;
        if (options.root === undefined && roots.length !== 1) {
          const list = roots.length > 8 ? `${Array.from(roots.subarray(0, 8)).join(", ")}, ...` : Array.from(roots).join(", ");
          throw new TreeSeqError(
            "BAD_PARAM",
            `the tree has ${roots.length} roots${roots.length ? ` (${list})` : ""}, so no one Newick text (as in tskit); --root NODE writes the subtree of one`,
          );
        }
        const text = t.asNewick(options);
        return values.intervals ? `${t.interval.left}\t${t.interval.right}\t${text}\n` : `${text}\n`;
      };
      const trees: Iterable<Tree> = position !== undefined ? [ts.at(position)] : index !== undefined ? [ts.atIndex(index)] : ts.trees();
      // Lines are gathered into pieces of about 64 KiB: fewer, larger writes.
      let piece = "";
      for (const t of trees) {
        if (out.closed) break;
        try {
          piece += one(t);
        } catch (e) {
          reportError(e, `${file}: tree ${t.index}`);
          failed++;
          continue;
        }
        if (piece.length >= 1 << 16) {
          await out.write(piece);
          piece = "";
        }
      }
      await out.write(piece);
      return failed > 0 ? 1 : 0;
    });
  },
};
