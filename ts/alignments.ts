/**
 * tskit's sequence exports: `alignments()` (whole sequences: the reference sequence, the
 * samples' alleles at sites, missing data where a node is isolated), and the FASTA and NEXUS
 * texts tskit's `as_fasta` / `as_nexus` build from them. Genotypes come from `variants()`
 * through `haplotypesOf` (which refuses alleles that are not one ASCII character, as tskit).
 */
import { TreeSeqError } from "./errors.js";
import { haplotypesOf, missingCharacter, type Variant } from "./genotypes.js";
import { formatFixed, nodeLabelMap } from "./newick.js";
import { booleanValue, idList, optionsObject, stringValue, toInteger, toNumber } from "./values.js";
import type { Tree } from "./tree.js";

/** Options of `ts.alignments()` (tskit's keywords in camelCase). */
export interface AlignmentsOptions {
  /** The sequence between sites, `sequenceLength` ASCII characters (default: the file's
   * reference sequence, else `missingDataCharacter` throughout). */
  referenceSequence?: string | null;
  /** One ASCII character for missing data (default "N"), not itself an allele. */
  missingDataCharacter?: string | null;
  /** Isolated nodes are missing data over their trees' intervals (default true). */
  isolatedAsMissing?: boolean | null;
  samples?: ArrayLike<number> | null;
  left?: number | null;
  right?: number | null;
}

/** Options of `ts.asFasta()`: tskit's `write_fasta` keywords. */
export interface FastaOptions {
  /** Characters per line, 0 for no wrapping (default 60). */
  wrapWidth?: number | null;
  referenceSequence?: string | null;
  missingDataCharacter?: string | null;
  isolatedAsMissing?: boolean | null;
}

/** Options of `ts.asNexus()`: tskit's `write_nexus` keywords. */
export interface NexusOptions {
  /** Digits after the point of positions and branch lengths (default: tskit's). */
  precision?: number | null;
  /** Default true. */
  includeTrees?: boolean | null;
  /** Default: the genome is discrete and has sites. */
  includeAlignments?: boolean | null;
  referenceSequence?: string | null;
  /** Default "?" (tskit's NEXUS default). */
  missingDataCharacter?: string | null;
  isolatedAsMissing?: boolean | null;
  /** Labels of sample nodes (a Map or an object keyed by node id), else `n<id>`. */
  nodeLabels?: Map<number, string> | Record<number, string> | null;
}

export const ALIGNMENTS_OPTIONS = ["referenceSequence", "missingDataCharacter", "isolatedAsMissing", "samples", "left", "right"] as const;
const FASTA_OPTIONS = ["wrapWidth", "referenceSequence", "missingDataCharacter", "isolatedAsMissing"] as const;
const NEXUS_OPTIONS = [
  "precision",
  "includeTrees",
  "includeAlignments",
  "referenceSequence",
  "missingDataCharacter",
  "isolatedAsMissing",
  "nodeLabels",
] as const;

/** What the exports read from a tree sequence. */
export interface SequenceSource {
  sequenceLength: number;
  discreteGenome: boolean;
  numSites: number;
  samples(): Int32Array;
  /** The file's reference sequence data, or null where the file has none. */
  referenceData(): string | null;
  sitesPosition: Float64Array;
  variants(o: { samples?: number[]; left: number; right: number; isolatedAsMissing: boolean }): Iterable<Variant>;
  trees(): Iterable<Tree>;
}

const given = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * tskit's `alignments()`: one string of `right - left` characters per node asked for. Each
 * starts as the reference sequence; where `isolatedAsMissing`, a node isolated in a tree (no
 * parent, no children) is the missing character over that tree's interval; at each site, the
 * node's allele (or the missing character for missing data) replaces both.
 */
export function alignments(src: SequenceSource, options: unknown, where = "alignments"): string[] {
  const o = optionsObject(options ?? {}, ALIGNMENTS_OPTIONS, where);
  if (!src.discreteGenome) {
    throw new TreeSeqError(
      "BAD_PARAM",
      `${where}: sequence alignments are only defined for discrete genomes (this file has non-integer positions)`,
    );
  }
  const L = src.sequenceLength;
  const bound = (k: "left" | "right", dflt: number): number => {
    if (!given(o[k])) return dflt;
    const x = toNumber(o[k], { where, path: k });
    if (!Number.isInteger(x)) throw new TreeSeqError("BAD_PARAM", `${where}: ${k} is ${x}; left and right must be integers`);
    return x;
  };
  const left = bound("left", 0);
  const right = bound("right", L);
  if (!(left >= 0 && left < right && right <= L)) {
    throw new TreeSeqError("BAD_PARAM", `${where}: [left, right) = [${left}, ${right}) is not a non-empty interval within [0, ${L})`);
  }
  const missing = missingCharacter(o.missingDataCharacter, where);
  const isolatedAsMissing = given(o.isolatedAsMissing) ? booleanValue(o.isolatedAsMissing, { where, path: "isolatedAsMissing" }) : true;
  let ref = given(o.referenceSequence)
    ? stringValue(o.referenceSequence, { where, path: "referenceSequence" }, "a string")
    : src.referenceData();
  if (ref === null) ref = String.fromCharCode(missing).repeat(L);
  else if (ref.length !== L) {
    throw new TreeSeqError(
      "BAD_PARAM",
      `${where}: the reference sequence has ${ref.length} characters; it must have sequenceLength (${L})`,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is every code from 0x00 to 0x7f
  if (!/^[\x00-\x7f]*$/.test(ref)) throw new TreeSeqError("BAD_PARAM", `${where}: the reference sequence must be ASCII`);
  const nodes = given(o.samples) ? Array.from(idList(o.samples, { where, path: "samples" })) : Array.from(src.samples());

  const base = new TextEncoder().encode(ref.slice(left, right));
  const rows = nodes.map(() => base.slice());
  if (isolatedAsMissing) {
    for (const tree of src.trees()) {
      const { left: a, right: b } = tree.interval;
      if (b <= left || a >= right) continue;
      const from = Math.max(a, left) - left;
      const to = Math.min(b, right) - left;
      nodes.forEach((u, j) => {
        if (tree.isIsolated(u)) rows[j].fill(missing, from, to);
      });
    }
  }
  const variants = src.variants({ ...(given(o.samples) ? { samples: nodes } : {}), left, right, isolatedAsMissing });
  const sites: number[] = [];
  const positions = src.sitesPosition;
  const haplotypes = haplotypesOf(
    (function* () {
      for (const v of variants) {
        sites.push(positions[v.site] - left);
        yield v;
      }
    })(),
    nodes.length,
    missing,
    where,
  );
  const decoder = new TextDecoder("ascii");
  return rows.map((row, j) => {
    const h = haplotypes[j];
    for (let s = 0; s < sites.length; s++) row[sites[s]] = h.charCodeAt(s);
    return decoder.decode(row);
  });
}

/** The alignment options of an export (its own options less `keep`). */
function alignmentOptions(o: Record<string, unknown>, missingDefault: string): Record<string, unknown> {
  return {
    referenceSequence: o.referenceSequence,
    missingDataCharacter: given(o.missingDataCharacter) ? o.missingDataCharacter : missingDefault,
    isolatedAsMissing: o.isolatedAsMissing,
  };
}

/** tskit's `as_fasta`: `>n<id>` then the alignment in lines of `wrapWidth` (0: one line). */
export function fasta(src: SequenceSource, options: unknown): string {
  const where = "asFasta";
  const o = optionsObject(options ?? {}, FASTA_OPTIONS, where);
  let width = 60;
  if (given(o.wrapWidth)) {
    const w = toNumber(o.wrapWidth, { where, path: "wrapWidth" });
    if (!(Number.isInteger(w) && w >= 0)) {
      throw new TreeSeqError("BAD_PARAM", `${where}: wrapWidth is ${w}; it must be a non-negative integer (0 for no wrapping)`);
    }
    width = w;
  }
  const samples = src.samples();
  const out: string[] = [];
  alignments(src, alignmentOptions(o, "N"), where).forEach((a, j) => {
    out.push(`>n${samples[j]}\n`);
    const w = width === 0 ? a.length : width;
    for (let i = 0; i < a.length; i += w) out.push(a.slice(i, i + w) + "\n");
  });
  return out.join("");
}

/** tskit's `as_nexus`: TAXA, then DATA (the alignments) and TREES (Newick) blocks. */
export function nexus(src: SequenceSource, options: unknown): string {
  const where = "asNexus";
  const o = optionsObject(options ?? {}, NEXUS_OPTIONS, where);
  const bool = (k: string, dflt: boolean): boolean => (given(o[k]) ? booleanValue(o[k], { where, path: k }) : dflt);
  let posPrecision = src.discreteGenome ? 0 : 17;
  let timePrecision: number | undefined;
  if (given(o.precision)) {
    posPrecision = toInteger(o.precision, { where, path: "precision" }, "a number of digits");
    if (posPrecision < 0) throw new TreeSeqError("BAD_PARAM", `${where}: precision is ${posPrecision}, not a number of digits`);
    timePrecision = posPrecision;
  }
  const labels = given(o.nodeLabels) ? nodeLabelMap(o.nodeLabels, where) : null;
  const samples = Array.from(src.samples());
  const out: string[] = ["#NEXUS\n", "BEGIN TAXA;\n", `  DIMENSIONS NTAX=${samples.length};\n`];
  out.push(`  TAXLABELS ${samples.map((u) => labels?.get(u) ?? `n${u}`).join(" ")};\n`, "END;\n");
  if (bool("includeAlignments", src.discreteGenome && src.numSites > 0)) {
    const a = alignments(src, alignmentOptions(o, "?"), where);
    const missing = given(o.missingDataCharacter) ? o.missingDataCharacter : "?";
    out.push("BEGIN DATA;\n", `  DIMENSIONS NCHAR=${src.sequenceLength};\n`, `  FORMAT DATATYPE=DNA MISSING=${missing};\n`, "  MATRIX\n");
    a.forEach((s, j) => {
      out.push(`    n${samples[j]} ${s}\n`);
    });
    out.push("  ;\n", "END;\n");
  }
  if (bool("includeTrees", true)) {
    out.push("BEGIN TREES;\n");
    if (labels) out.push(`  TRANSLATE ${[...labels].map(([u, s]) => `n${u} ${s}`).join(", ")};\n`);
    for (const tree of src.trees()) {
      const { left, right } = tree.interval;
      const newick = tree.asNewick(timePrecision === undefined ? {} : { precision: timePrecision });
      out.push(`  TREE t${formatFixed(left, posPrecision)}^${formatFixed(right, posPrecision)} = [&R] ${newick}\n`);
    }
    out.push("END;\n");
  }
  return out.join("");
}
