/**
 * Genotypes: the options of `variants()` / `genotypeMatrix()` read into tskit's keyword
 * arguments (JSON for the core), and the `Variant` record with tskit's helpers (`counts()`,
 * `frequencies()`, `states()`, `numMissing`, `hasMissingData`).
 *
 * The decoding itself is the core's (crates/treeseq-core/src/variants.rs); nothing here
 * walks trees.
 */
import { TreeSeqError } from "./errors.js";
import { booleanValue, describe, idList, isList, optionsObject, stringValue, toNumber } from "./values.js";

/** Options of `ts.variants()` (tskit's `variants()` keywords in camelCase). */
export interface VariantsOptions {
  /** Node ids whose genotypes to decode, in this order (any nodes). Default: every sample. */
  samples?: ArrayLike<number> | null;
  /** Sites at or after this position (default 0). */
  left?: number | null;
  /** Sites before this position (default: the sequence length). */
  right?: number | null;
  /** Isolated samples are missing data, -1 (default true); false: the ancestral state. */
  isolatedAsMissing?: boolean | null;
  /** A fixed allele list for every site; each site's states must be in it. */
  alleles?: ArrayLike<string> | null;
  /** false: the genotypes array is one buffer reused for every site (default true). */
  copy?: boolean | null;
}

export type GenotypeMatrixOptions = Omit<VariantsOptions, "copy">;

export const VARIANTS_OPTIONS = ["samples", "left", "right", "isolatedAsMissing", "alleles", "copy"] as const;
export const GENOTYPE_MATRIX_OPTIONS = ["samples", "left", "right", "isolatedAsMissing", "alleles"] as const;

/** The options read, as tskit's keywords (JSON for the core), and how many genotypes a site
 * has (the samples asked for). */
export interface ReadOptions {
  json: string;
  numGenotypes: number;
  copy: boolean;
}

/** Reads `options` (only the `known` keys; anything else is BAD_PARAM naming it). */
export function readGenotypeOptions(options: unknown, known: readonly string[], where: string, numSamples: number): ReadOptions {
  const o = optionsObject(options ?? {}, known, where);
  const kw: Record<string, unknown> = {};
  let numGenotypes = numSamples;
  let copy = true;
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    const p = { where, path: k };
    switch (k) {
      case "samples": {
        const ids = Array.from(idList(v, p));
        kw.samples = ids;
        numGenotypes = ids.length;
        break;
      }
      case "left":
      case "right":
        kw[k] = toNumber(v, p);
        break;
      case "isolatedAsMissing":
        kw.isolated_as_missing = booleanValue(v, p);
        break;
      case "alleles": {
        if (typeof v === "string" || !isList(v)) {
          throw new TreeSeqError("BAD_PARAM", `${where}: alleles is ${describe(v)}, not a list of strings`);
        }
        kw.alleles = Array.from(v as ArrayLike<unknown>, (a, i) => stringValue(a, { where, path: `alleles[${i}]` }, "a string"));
        break;
      }
      case "copy":
        copy = booleanValue(v, p);
        break;
    }
  }
  return { json: JSON.stringify(kw), numGenotypes, copy };
}

/**
 * One site's genotypes (tskit's `Variant`): `alleles` lists the ancestral state first (or the
 * `alleles` option as given), with `null` last when some genotype is missing data (-1).
 */
export class Variant {
  constructor(
    readonly site: number,
    readonly position: number,
    readonly alleles: Array<string | null>,
    /** Index into `alleles` per sample asked for (like `samples()` by default); -1: missing. */
    readonly genotypes: Int32Array,
  ) {}

  /** True when some genotype is missing data (the allele list then ends with `null`). */
  get hasMissingData(): boolean {
    return this.alleles.length > 0 && this.alleles[this.alleles.length - 1] === null;
  }

  /** How many genotypes are missing data. */
  get numMissing(): number {
    let n = 0;
    for (const g of this.genotypes) n += g === -1 ? 1 : 0;
    return n;
  }

  /** The number of alleles, missing data not counted (tskit's `num_alleles`). */
  get numAlleles(): number {
    return this.alleles.length - (this.hasMissingData ? 1 : 0);
  }

  /** Samples per allele, `null` for missing data, in tskit's order (missing first). */
  counts(): Map<string | null, number> {
    const k = this.numAlleles;
    const bins = new Array<number>(k + 1).fill(0); // the last bin: missing
    for (const g of this.genotypes) bins[g === -1 ? k : g]++;
    const out = new Map<string | null, number>();
    if (this.hasMissingData) out.set(null, bins[k]);
    for (let i = 0; i < k; i++) out.set(this.alleles[i], (out.get(this.alleles[i]) ?? 0) + bins[i]);
    return out;
  }

  /**
   * Each allele's share of the samples asked for (tskit's `frequencies()`); with
   * `removeMissing`, of those with data, and no entry for missing data. NaN when none count.
   */
  frequencies(options: { removeMissing?: boolean | null } = {}): Map<string | null, number> {
    const o = optionsObject(options, ["removeMissing"], "frequencies");
    const removeMissing = o.removeMissing == null ? false : booleanValue(o.removeMissing, { where: "frequencies", path: "removeMissing" });
    const total = this.genotypes.length - (removeMissing ? this.numMissing : 0);
    const out = new Map<string | null, number>();
    for (const [allele, count] of this.counts()) {
      if (allele === null && removeMissing) continue;
      out.set(allele, total > 0 ? count / total : NaN);
    }
    return out;
  }

  /** Each sample's allele as a string, missing data as `missingDataString` (default "N"),
   * which must not be an allele (tskit's `states()`). */
  states(options: { missingDataString?: string | null } = {}): string[] {
    const o = optionsObject(options, ["missingDataString"], "states");
    const missing =
      o.missingDataString == null ? "N" : stringValue(o.missingDataString, { where: "states", path: "missingDataString" }, "a string");
    let names = this.alleles;
    if (this.hasMissingData) {
      if (names.includes(missing)) {
        throw new TreeSeqError("BAD_PARAM", `states: an existing allele is equal to the missing data string '${missing}'`);
      }
      names = [...names.slice(0, -1), missing];
    }
    return Array.from(this.genotypes, (g) => names[g === -1 ? names.length - 1 : g] as string);
  }
}

/** Options of `ts.haplotypes()` (tskit's keywords in camelCase). */
export interface HaplotypesOptions {
  samples?: ArrayLike<number> | null;
  left?: number | null;
  right?: number | null;
  isolatedAsMissing?: boolean | null;
  /** One ASCII character for missing data (default "N"), not itself an allele. */
  missingDataCharacter?: string | null;
}

export const HAPLOTYPES_OPTIONS = ["samples", "left", "right", "isolatedAsMissing", "missingDataCharacter"] as const;

/** The missing-data character as tskit checks it: one ASCII character. */
export function missingCharacter(v: unknown, where: string): number {
  if (v === undefined || v === null) return "N".charCodeAt(0);
  const c = stringValue(v, { where, path: "missingDataCharacter" }, "a string");
  if (c.length !== 1 || c.charCodeAt(0) > 127) {
    throw new TreeSeqError("BAD_PARAM", `${where}: missingDataCharacter is ${JSON.stringify(c)}, not one ASCII character`);
  }
  return c.charCodeAt(0);
}

/**
 * tskit's `haplotypes()`: one string per sample asked for, one character per site in range,
 * from the variants given (decoded with the same options). Every allele must be one ASCII
 * character other than the missing-data character.
 */
export function haplotypesOf(variants: Iterable<Variant>, numSamples: number, missing: number, where: string): string[] {
  const columns: Uint8Array[] = [];
  const codes: number[] = [];
  for (const v of variants) {
    codes.length = 0;
    for (const allele of v.alleles) {
      if (allele === null) {
        codes.push(missing);
        continue;
      }
      const code = allele.charCodeAt(0);
      if (allele.length !== 1 || code > 127) {
        throw new TreeSeqError(
          "BAD_PARAM",
          `${where}: site ${v.site} has the allele ${JSON.stringify(allele)}: every allele must be one ASCII character (multi-letter alleles and deletions have no haplotype letter)`,
        );
      }
      if (code === missing) {
        throw new TreeSeqError(
          "BAD_PARAM",
          `${where}: the missing data character '${allele}' clashes with an existing allele at site ${v.site}`,
        );
      }
      codes.push(code);
    }
    const col = new Uint8Array(numSamples);
    const g = v.genotypes;
    for (let j = 0; j < numSamples; j++) col[j] = codes[g[j] === -1 ? codes.length - 1 : g[j]];
    columns.push(col);
  }
  const row = new Uint8Array(columns.length);
  const decoder = new TextDecoder("ascii");
  const out: string[] = new Array(numSamples);
  for (let j = 0; j < numSamples; j++) {
    for (let s = 0; s < columns.length; s++) row[s] = columns[s][j];
    out[j] = decoder.decode(row);
  }
  return out;
}
