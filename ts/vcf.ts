/**
 * VCF export: tskit's `write_vcf` (1.0.3), line for line apart from `##source`. The model
 * (which nodes make each individual, their names, the positions) is tskit's
 * `map_to_vcf_model`; the genotypes come from `variants({ samples })`, site by site, so the
 * text is produced in pieces (`vcfPieces`) that `asVcf` joins and `writeVcf` streams.
 */
import { TreeSeqError } from "./errors.js";
import type { Variant } from "./genotypes.js";
import { booleanValue, describe, idList, isList, optionsObject, stringValue } from "./values.js";

export interface VcfOptions {
  /** Sample nodes per individual when the tree sequence has no individuals (default 1). */
  ploidy?: number | null;
  /** The CHROM column and the contig line's ID (default "1"). */
  contigId?: string | null;
  /** Individual ids to write (default: all), when there are individuals. */
  individuals?: ArrayLike<number> | null;
  /** One name per individual written (default tsk_<id>). */
  individualNames?: ArrayLike<string> | null;
  /** "legacy" (round, then bump repeats up by one) or a function from the site positions to
   * integers; default: round half to even, as numpy. */
  positionTransform?: "legacy" | ((positions: Float64Array) => ArrayLike<number>) | null;
  /** true for each site to leave out (one per site). */
  siteMask?: ArrayLike<boolean> | null;
  /** true for each VCF sample to write as missing, or a function of the variant giving that. */
  sampleMask?: ArrayLike<boolean> | ((variant: Variant) => ArrayLike<boolean>) | null;
  includeNonSampleNodes?: boolean | null;
  isolatedAsMissing?: boolean | null;
  allowPositionZero?: boolean | null;
}

export const VCF_OPTIONS = [
  "ploidy",
  "contigId",
  "individuals",
  "individualNames",
  "positionTransform",
  "siteMask",
  "sampleMask",
  "includeNonSampleNodes",
  "isolatedAsMissing",
  "allowPositionZero",
] as const;

/** What the writer needs of the tree sequence. */
export interface VcfSource {
  numIndividuals: number;
  numSites: number;
  sequenceLength: number;
  samples(): Int32Array;
  nodesFlags: Uint32Array;
  nodesIndividual: Int32Array;
  sitesPosition: Float64Array;
  variants(options: { samples: number[]; isolatedAsMissing: boolean; copy: boolean }): Iterable<Variant>;
}

const bad = (msg: string): never => {
  throw new TreeSeqError("BAD_PARAM", `writeVcf: ${msg}`);
};

/** numpy's round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** numpy's int(): toward zero; a position must be a finite number. */
function toInt(x: unknown, what: string): number {
  if (typeof x !== "number" || !Number.isFinite(x)) bad(`${what} is ${describe(x)}, not a finite number`);
  return Math.trunc(x as number);
}

function transformer(v: unknown): (p: Float64Array) => number[] {
  if (v === undefined || v === null) return (p) => Array.from(p, roundHalfEven);
  if (v === "legacy") {
    return (p) => {
      let last = 0;
      return Array.from(p, (x) => {
        let pos = roundHalfEven(x);
        if (pos <= last) pos = last + 1;
        last = pos;
        return pos;
      });
    };
  }
  if (typeof v !== "function") return bad(`positionTransform is ${describe(v)}, not "legacy" or a function`);
  return (p) => {
    const out = (v as (p: Float64Array) => unknown)(p);
    if (!isList(out)) bad(`positionTransform returned ${describe(out)}, not a list of numbers`);
    return Array.from(out as ArrayLike<unknown>, (x, i) => toInt(x, `positionTransform's value ${i}`));
  };
}

/** The VCF text in pieces: the header, then a run of lines per piece. */
export function* vcfPieces(src: VcfSource, options: unknown): Generator<string> {
  const o = optionsObject(options ?? {}, VCF_OPTIONS, "writeVcf");
  const flag = (k: string, dflt: boolean) => (o[k] == null ? dflt : booleanValue(o[k], { where: "writeVcf", path: k }));
  const includeNonSample = flag("includeNonSampleNodes", false);
  const isolatedAsMissing = flag("isolatedAsMissing", true);
  const allowZero = flag("allowPositionZero", false);
  const contigId = o.contigId == null ? "1" : stringValue(o.contigId, { where: "writeVcf", path: "contigId" }, "a string");
  const SAMPLE = 1;

  // Individuals' nodes (tskit's map_to_vcf_model).
  if (src.numIndividuals > 0 && o.ploidy != null) bad("Cannot specify ploidy when individuals are present in the tree sequence");
  if (src.numIndividuals === 0 && includeNonSample)
    bad("Cannot include non-sample nodes when individuals are not present in the tree sequence");
  let rows: number[][];
  let names: string[];
  if (src.numIndividuals === 0 && o.individuals == null) {
    const ploidy = o.ploidy == null ? 1 : toInt(o.ploidy, "ploidy");
    const samples = src.samples();
    if (ploidy < 1) bad(`Ploidy must be a positive integer`);
    if (samples.length % ploidy !== 0) bad(`Number of sample nodes ${samples.length} is not a multiple of ploidy ${ploidy}`);
    rows = [];
    for (let i = 0; i < samples.length; i += ploidy) rows.push(Array.from(samples.subarray(i, i + ploidy)));
    names = rows.map((_, i) => `tsk_${i}`);
  } else {
    const ids =
      o.individuals == null
        ? Array.from({ length: src.numIndividuals }, (_, i) => i)
        : Array.from(idList(o.individuals, { where: "writeVcf", path: "individuals" }));
    if (ids.length === 0) bad("No individuals specified");
    // A loop, not Math.min(...ids): spreading a long list overflows the call stack.
    for (const i of ids) if (i < 0 || i >= src.numIndividuals) bad("Invalid individual ID");
    const nodesOf: number[][] = Array.from({ length: src.numIndividuals }, () => []);
    src.nodesIndividual.forEach((ind, u) => {
      if (ind >= 0 && ind < nodesOf.length) nodesOf[ind].push(u);
    });
    // tskit pads rows to the widest individual with -1 and, without non-sample nodes, moves
    // the -1s last; what is written is each row's nodes other than -1, in that order.
    rows = ids.map((i) => nodesOf[i].filter((u) => includeNonSample || (src.nodesFlags[u] & SAMPLE) !== 0));
    names = ids.map((i) => `tsk_${i}`);
  }
  if (o.individualNames != null) {
    const given = o.individualNames;
    if (typeof given === "string" || !isList(given)) bad(`individualNames is ${describe(given)}, not a list of strings`);
    names = Array.from(given as ArrayLike<unknown>, (n, i) =>
      stringValue(n, { where: "writeVcf", path: `individualNames[${i}]` }, "a string"),
    );
  }
  if (rows.length !== names.length) bad("The number of individuals does not match the number of names");
  const keep = rows.map((r) => r.length > 0);
  rows = rows.filter((_, i) => keep[i]);
  names = names.filter((_, i) => keep[i]);
  if (rows.length === 0) bad("No samples in resulting VCF model");

  const transform = transformer(o.positionTransform);
  const positions = transform(src.sitesPosition);
  if (positions.length !== src.numSites) bad("Position transform must return an array of the same length");
  let contigLength = Math.max(1, transform(Float64Array.of(src.sequenceLength))[0]);
  if (positions.length > 0) contigLength = Math.max(positions[positions.length - 1], contigLength);

  let siteMask: boolean[] | null = null;
  if (o.siteMask != null) {
    if (!isList(o.siteMask) || (o.siteMask as ArrayLike<unknown>).length !== src.numSites)
      bad("Site mask must be 1D a boolean array of length num_sites");
    siteMask = Array.from(o.siteMask as ArrayLike<unknown>, Boolean);
  }
  if (!allowZero && positions.some((p, s) => p === 0 && !siteMask?.[s])) {
    bad(
      "A variant position of 0 was found in the VCF output, this is not fully compliant with the VCF spec; pass allowPositionZero: true, or use positionTransform to move it",
    );
  }
  let sampleMask: ((v: Variant) => ArrayLike<unknown>) | null = null;
  if (typeof o.sampleMask === "function") sampleMask = o.sampleMask as (v: Variant) => ArrayLike<unknown>;
  else if (o.sampleMask != null) {
    if (!isList(o.sampleMask)) bad(`sampleMask is ${describe(o.sampleMask)}, not a list of booleans or a function`);
    const fixed = o.sampleMask as ArrayLike<unknown>;
    sampleMask = () => fixed;
  }

  yield "##fileformat=VCFv4.2\n" +
    `##source=treeseq\n` +
    '##FILTER=<ID=PASS,Description="All filters passed">\n' +
    `##contig=<ID=${contigId},length=${contigLength}>\n` +
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n' +
    ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", names.join("\t")].join("\t") +
    "\n";

  const samples = rows.flat();
  // Separators after each genotype: "|" within an individual, "\t" between, "\n" at the end.
  const sep: string[] = [];
  for (const r of rows) for (let k = 0; k < r.length; k++) sep.push(k === r.length - 1 ? "\t" : "|");
  sep[sep.length - 1] = "\n";
  let piece = "";
  for (const v of src.variants({ samples, isolatedAsMissing, copy: false })) {
    if (siteMask?.[v.site]) continue;
    const numAlleles = v.alleles.length - (v.hasMissingData ? 1 : 0);
    if (numAlleles > 9) bad(`site ${v.site}: More than 9 alleles not currently supported`);
    const alt = numAlleles > 1 ? v.alleles.slice(1, numAlleles).join(",") : ".";
    let line = `${contigId}\t${positions[v.site]}\t${v.site}\t${v.alleles[0]}\t${alt}\t.\tPASS\t.\tGT\t`;
    const g = v.genotypes;
    let mask: ArrayLike<unknown> | null = null;
    if (sampleMask) {
      mask = sampleMask(v);
      if (!isList(mask) || mask.length !== g.length) bad("Sample mask must be a numpy array of size num_samples");
    }
    for (let j = 0; j < g.length; j++) {
      line += (g[j] === -1 || (mask !== null && mask[j]) ? "." : String(g[j])) + sep[j];
    }
    piece += line;
    if (piece.length >= 1 << 16) {
      yield piece;
      piece = "";
    }
  }
  if (piece) yield piece;
}

/** Where `writeVcf` writes: a Node writable stream or a web `WritableStream`. */
export type VcfSink = { write(chunk: string): boolean; once(event: "drain", f: () => void): unknown } | WritableStream<string>;

/** Writes the pieces to `sink`, waiting on its backpressure, so memory stays flat. */
export async function writePieces(sink: unknown, pieces: Iterable<string>): Promise<void> {
  if (typeof WritableStream !== "undefined" && sink instanceof WritableStream) {
    const writer = sink.getWriter();
    try {
      for (const p of pieces) {
        await writer.ready;
        await writer.write(p);
      }
    } finally {
      writer.releaseLock();
    }
    return;
  }
  const s = sink as { write?: unknown; once?: unknown };
  if (!s || typeof s.write !== "function" || typeof s.once !== "function") {
    throw new TreeSeqError("BAD_PARAM", `writeVcf: stream is ${describe(sink)}, not a Node writable stream or a WritableStream`);
  }
  type Listener = (e?: unknown) => void;
  const node = sink as {
    write(c: string): boolean;
    once(e: string, f: Listener): unknown;
    removeListener?(e: string, f: Listener): unknown;
    destroyed?: boolean;
    writableEnded?: boolean;
  };
  for (const p of pieces) {
    if (node.destroyed || node.writableEnded) {
      throw new TreeSeqError("IO", "writeVcf: the stream was closed before the VCF was written");
    }
    if (node.write(p)) continue;
    // Wait for room, but not forever: a stream that fails or closes meanwhile never drains.
    await new Promise<void>((resolve, reject) => {
      const done = (e?: unknown): void => {
        for (const [ev, f] of listeners) node.removeListener?.(ev, f);
        if (e === undefined) resolve();
        else reject(new TreeSeqError("IO", `writeVcf: the stream failed: ${e instanceof Error ? e.message : String(e)}`));
      };
      const listeners: Array<[string, Listener]> = [
        ["drain", () => done()],
        ["error", (e) => done(e ?? new Error("error"))],
        ["close", () => done(new Error("it closed before it drained"))],
      ];
      for (const [ev, f] of listeners) node.once(ev, f);
    });
  }
}
