/**
 * The TreeSequence class: one implementation over the Backend interface, so that both
 * backends give the same answers through the same code.
 */
import type { Backend, Handle, StatResult, Summary, TreeCursor, TypedArray, VariantCursor } from "./backend.js";
import { detach } from "./backend.js";
import { TreeSeqError } from "./errors.js";
import { booleanValue, describe, isPlainObject, optionsObject, toNumber } from "./values.js";
import { decodeRowMetadata, makeTables, type MetadataTableName, type Tables } from "./tables.js";
import { MetadataDecoder, type MetadataSchema } from "./metadata.js";
import { Tree, noExtra, trackedMarks, treeContext, type TreeContext } from "./tree.js";
import {
  Rows,
  type Edge,
  type Individual,
  type Matrix,
  type Migration,
  type Mutation,
  type Node,
  type Population,
  type Provenance,
  type SamplesOptions,
  type Site,
} from "./rows.js";
import { customStatistic } from "./custom-stats.js";
import { edgeDiffs, type EdgeDiff, type EdgeDiffsOptions } from "./edge-diffs.js";
import {
  GENOTYPE_MATRIX_OPTIONS,
  HAPLOTYPES_OPTIONS,
  haplotypesOf,
  missingCharacter,
  readGenotypeOptions,
  Variant,
  VARIANTS_OPTIONS,
  type GenotypeMatrixOptions,
  type HaplotypesOptions,
  type VariantsOptions,
} from "./genotypes.js";
import {
  alignments,
  fasta,
  nexus,
  type AlignmentsOptions,
  type FastaOptions,
  type NexusOptions,
  type SequenceSource,
} from "./alignments.js";
import { vcfPieces, writePieces, type VcfOptions, type VcfSink, type VcfSource } from "./vcf.js";
import { nbytes } from "./nbytes.js";
import type { DrawSequence } from "./draw/layout.js";
import { treeSequenceSvg, type TreeSequenceDrawSvgOptions } from "./draw/svg.js";
import { treeSequenceText, type TreeSequenceDrawTextOptions } from "./draw/text.js";
import { VARIANT_STATE } from "./generated/cursor.js";
import {
  STATISTICS,
  toKwargs,
  type AlleleFrequencySpectrumOptions,
  type DivergenceMatrixOptions,
  type GenealogicalNearestNeighboursOptions,
  type GeneticRelatednessMatrixOptions,
  type GeneticRelatednessOptions,
  type GeneticRelatednessWeightedOptions,
  type LdMatrixOptions,
  type GeneticRelatednessVectorOptions,
  type MeanDescendantsOptions,
  type PcaOptions,
  type PcaResult,
  unpackPca,
  type MultiWayStatOptions,
  type PairCoalescenceCountsOptions,
  type PairCoalescenceQuantilesOptions,
  type PairCoalescenceRatesOptions,
  type OneWayStatOptions,
  type StatName,
  type StatOptions,
  type StatOptionsMap,
  type TajimasDOptions,
  type TraitStatOptions,
  type TraitLinearModelOptions,
  type GeneralStatOptions,
  type SampleCountStatOptions,
  type KcDistanceOptions,
  type Y1Options,
} from "./stats.js";

declare global {
  // Symbol.dispose is in TypeScript's lib only from esnext.disposable (as in @types/node,
  // declared the same way, which merges): declared here too, so that this declaration file
  // compiles for a consumer whose lib is ES2022, while `using` works where the lib has it.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/**
 * A loaded `.trees` file: tskit's TreeSequence. Statistics are async methods taking one
 * options object (tskit's keyword arguments in camelCase, `W` as `weights`) and resolving to
 * `{ data, shape }` with tskit's numpy shape. Shapes follow tskit's rules: a window axis only
 * when `windows` is given, then a time-window axis only with `timeWindows`, then a node axis
 * in node mode, then the statistic's own axes, of which tskit drops the set axis for one flat
 * list of ids and the index axis for a single index tuple (`[]`: a scalar).
 */
/** tskit's reference sequence of a tree sequence. */
export interface ReferenceSequence {
  data: string;
  url: string;
  metadata: unknown;
  metadataSchema: MetadataSchema;
}

export class TreeSequence {
  private handle: Handle | null;
  private readonly info: Summary;
  private readonly columns = new Map<string, TypedArray>();
  private tablesCache: Tables | null = null;
  /** The tree cursors of Trees made from this tree sequence, freed by `dispose()`; weak, so
   * that a Tree that is dropped costs nothing here once collected. */
  private cursors = new Set<WeakRef<TreeCursor>>();
  /** Throws DISPOSED after `dispose()`: what Trees and iterators made from this one ask. */
  private readonly live = (): void => void this.h;

  /** @internal Use `load()`. */
  constructor(
    private readonly backendImpl: Backend,
    handle: Handle,
  ) {
    this.handle = handle;
    this.info = handle.summary();
  }

  private get h(): Handle {
    if (!this.handle) throw new TreeSeqError("DISPOSED", "this tree sequence was disposed");
    return this.handle;
  }

  /** The summary, while not disposed. */
  private get s(): Summary {
    this.h;
    return this.info;
  }

  /** The backend this tree sequence lives in: "native" or "wasm". */
  get backend(): "native" | "wasm" {
    this.h;
    return this.backendImpl.name;
  }
  get sequenceLength(): number {
    return this.s.sequenceLength;
  }
  get numTrees(): number {
    return this.s.numTrees;
  }
  get numSamples(): number {
    return this.s.numSamples;
  }
  get numNodes(): number {
    return this.s.numNodes;
  }
  get numEdges(): number {
    return this.s.numEdges;
  }
  get numSites(): number {
    return this.s.numSites;
  }
  get numMutations(): number {
    return this.s.numMutations;
  }
  get numIndividuals(): number {
    return this.s.numIndividuals;
  }
  get numPopulations(): number {
    return this.s.numPopulations;
  }
  get numMigrations(): number {
    return this.s.numMigrations;
  }
  get numProvenances(): number {
    return this.s.numProvenances;
  }
  get timeUnits(): string {
    return this.s.timeUnits;
  }

  /** Sample node ids (a copy), in id order; `{ population, time }` selects (see rows.ts). */
  samples(options?: SamplesOptions): Int32Array {
    noExtra(arguments, 1, "samples");
    return options === undefined ? this.h.samples() : this.rows.samples(options);
  }
  /** Tree boundaries: numTrees + 1 positions from 0 to sequenceLength (a copy). */
  breakpoints(): Float64Array {
    return this.h.breakpoints();
  }

  /**
   * Read-only typed-array columns, made on first use. After `dispose()` the tables throw
   * DISPOSED and every column already taken is detached (length 0): never another file's data.
   */
  get tables(): Tables {
    this.h;
    if (!this.tablesCache) this.tablesCache = makeTables((key) => this.column(key));
    return this.tablesCache;
  }

  /** The column stored under a `.trees` key, taken once and kept (detached by `dispose()`). */
  private column(key: string): TypedArray {
    const h = this.h;
    let c = this.columns.get(key);
    if (!c) {
      c = h.column(key);
      this.columns.set(key, c);
    }
    return c;
  }

  private newTree(tracked: Uint8Array | null = null): Tree {
    const cursor = this.h.treeCursor();
    if (this.cursors.size >= 64) for (const r of this.cursors) if (!r.deref()) this.cursors.delete(r);
    this.cursors.add(new WeakRef(cursor));
    return new Tree(cursor, this.treeContext(), this.live, tracked);
  }

  /**
   * Every tree, left to right (or right to left with `{ reverse: true }`). As in tskit, the
   * same `Tree` object is yielded each time and updated in place: copy what you keep
   * (`tree.parentArray()` returns a copy).
   */
  *trees(options: { reverse?: boolean; trackedSamples?: ArrayLike<number | bigint> } = {}): Generator<Tree> {
    noExtra(arguments, 1, "trees");
    const o = optionsObject(options, ["reverse", "trackedSamples"], "trees");
    const reverse = o.reverse === undefined ? false : booleanValue(o.reverse, { where: "trees", path: "reverse" });
    const tree = this.newTree(o.trackedSamples === undefined ? null : trackedMarks(o.trackedSamples, this.tables.nodes.flags));
    const how = reverse ? "prev" : "next";
    while (tree.step(how)) yield tree; // step() throws DISPOSED once disposed
  }

  /** The tree covering `position` (a new Tree, found without walking from the start). */
  at(position: number | bigint): Tree {
    noExtra(arguments, 1, "at");
    const x = toNumber(position, { where: "at", path: "position" });
    if (!(x >= 0 && x < this.sequenceLength)) {
      throw new TreeSeqError("BAD_PARAM", `at: position ${x} is outside [0, ${this.sequenceLength})`);
    }
    const tree = this.newTree();
    tree.seek(x);
    return tree;
  }

  /** The tree with the given index (negative counts from the end, as in tskit). */
  atIndex(index: number | bigint): Tree {
    noExtra(arguments, 1, "atIndex");
    const n = this.numTrees;
    const given = toNumber(index, { where: "atIndex", path: "index" }, "a tree index");
    const i = given < 0 ? n + given : given;
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new TreeSeqError("BAD_PARAM", `atIndex: tree index ${given} is out of range for ${n} trees`);
    }
    const tree = this.newTree();
    tree.seekIndex(i);
    return tree;
  }

  // ---- The whole Tree (toolkit): first, last, edge diffs, tracked samples, the Tree's context.

  /** The first tree (a new Tree). */
  first(): Tree {
    noExtra(arguments, 0, "first");
    return this.atIndex(0);
  }
  /** The last tree (a new Tree). */
  last(): Tree {
    noExtra(arguments, 0, "last");
    return this.atIndex(-1);
  }

  /**
   * tskit's `edge_diffs`: per tree, its interval and the ids of the edges that leave and enter
   * going into it (`direction: "forward"`, or `"reverse"` from the right end), in tskit's order;
   * `includeTerminal` adds a last record removing the edges that remain.
   */
  edgeDiffs(options: EdgeDiffsOptions = {}): Generator<EdgeDiff> {
    noExtra(arguments, 1, "edgeDiffs");
    return edgeDiffs(this.tables, this.sequenceLength, options);
  }

  private treeContextCache: TreeContext | null = null;
  /** What every Tree reads besides its cursor, made once. */
  private treeContext(): TreeContext {
    return (this.treeContextCache ??= treeContext(
      this.tables,
      this.info.numNodes,
      this.samples(),
      () => this.rows.discreteTime(),
      () => this.drawSequence(),
    ));
  }

  /**
   * Each site's variant, as tskit's `variants()`: alleles and genotypes (isolated samples are
   * missing data, -1, unless `isolatedAsMissing: false`), for the `samples` asked for (any
   * nodes, in that order), the sites in `[left, right)`, and with a fixed `alleles` list if
   * given. With `{ copy: false }` the genotypes array is one buffer reused for every site
   * (faster; copy what you keep). Options are checked before the first site.
   */
  variants(options: VariantsOptions = {}): Generator<Variant> {
    const o = readGenotypeOptions(options, VARIANTS_OPTIONS, "variants", this.numSamples);
    const cursor = o.json === "{}" ? this.h.variantCursor() : this.h.variantCursor(o.json, o.numGenotypes);
    return this.walkVariants(cursor, o.copy);
  }

  private *walkVariants(cursor: VariantCursor, copy: boolean): Generator<Variant> {
    const state = cursor.state();
    // Most sites repeat one of a few allele lists, which the cursor numbers (ALLELES_ID, -1
    // past its limit): fetch and parse each list once.
    const lists: Array<Array<string | null>> = [];
    try {
      while (cursor.next()) {
        const g = cursor.genotypes();
        const id = state[VARIANT_STATE.ALLELES_ID];
        let alleles = id >= 0 ? lists[id] : undefined;
        if (alleles === undefined) {
          alleles = JSON.parse(cursor.allelesJson()) as Array<string | null>;
          if (id >= 0) lists[id] = alleles;
        }
        yield new Variant(state[VARIANT_STATE.SITE], state[VARIANT_STATE.POSITION], alleles.slice(), copy ? g.slice() : g);
        this.h; // throws DISPOSED if the tree sequence was disposed meanwhile
      }
    } finally {
      cursor.free();
    }
  }

  // ---- Drawings (ts/draw): SVG and text.

  /** What the drawings read: the tables, and one Tree walked left to right as tskit's
   * `ts.trees()` walks (its drawings' child and root orders are that walk's). */
  private drawSequence(): DrawSequence {
    let tree: Tree | null = null;
    let breaks: Float64Array | null = null;
    return {
      tables: this.tables,
      sequenceLength: this.sequenceLength,
      timeUnits: this.timeUnits,
      numTrees: this.numTrees,
      breakpoints: () => (breaks ??= this.breakpoints()),
      treeAt: (i) => {
        if (tree === null || tree.index > i) tree = this.newTree();
        while (tree.index !== i) if (!tree.step("next")) throw new TreeSeqError("INTERNAL", `drawing: no tree ${i}`);
        return tree;
      },
    };
  }

  /**
   * tskit's `draw_svg`: the trees side by side above a genome axis with their breakpoints and
   * sites, as SVG text with tskit's groups and classes. Options: those of `Tree.drawSvg`
   * (but `allEdgeMutations`), and `xScale` ("physical", "treewise"), `xLim` ([left, right]:
   * the trees over that region), `maxNumTrees` (the first and last ones, the rest marked
   * skipped). Time axes default to the tree sequence's extent (`maxTime`/`minTime` "ts").
   */
  drawSvg(options: TreeSequenceDrawSvgOptions = {}): string {
    noExtra(arguments, 1, "drawSvg");
    this.h;
    return treeSequenceSvg(this.drawSequence(), options);
  }

  /** tskit's `draw_text`: every tree side by side in box-drawing characters (or ASCII), with a
   * time scale and the breakpoints; the same text as tskit's. Options: `nodeLabels`,
   * `useAscii`, `order`, `timeLabelFormat` and `positionLabelFormat` (functions here; tskit's
   * are format strings). */
  drawText(options: TreeSequenceDrawTextOptions = {}): string {
    noExtra(arguments, 1, "drawText");
    this.h;
    return treeSequenceText(this.drawSequence(), options);
  }

  /**
   * tskit's `haplotypes()`: for each sample asked for (every sample by default), a string of
   * one allele character per site in `[left, right)`; missing data is `missingDataCharacter`
   * ("N"). Every allele must be one ASCII character, as in tskit.
   */
  haplotypes(options: HaplotypesOptions = {}): IterableIterator<string> {
    const o = optionsObject(options ?? {}, HAPLOTYPES_OPTIONS, "haplotypes");
    const missing = missingCharacter(o.missingDataCharacter, "haplotypes");
    const { missingDataCharacter: _, ...rest } = o;
    const read = readGenotypeOptions(rest, HAPLOTYPES_OPTIONS, "haplotypes", this.numSamples);
    const cursor = read.json === "{}" ? this.h.variantCursor() : this.h.variantCursor(read.json, read.numGenotypes);
    return haplotypesOf(this.walkVariants(cursor, false), read.numGenotypes, missing, "haplotypes").values();
  }

  // ---- Sequence exports (toolkit): alignments, FASTA, NEXUS (ts/alignments.ts).

  /**
   * tskit's `alignments()`: for each node asked for (every sample by default), the sequence of
   * `[left, right)` (default the whole genome, which must be discrete): the reference sequence
   * (`referenceSequence`, else the file's, else `missingDataCharacter` "N" throughout), the
   * missing character where the node is isolated (unless `isolatedAsMissing: false`), and the
   * node's allele at each site. Every allele must be one ASCII character, as in tskit.
   */
  alignments(options: AlignmentsOptions = {}): IterableIterator<string> {
    noExtra(arguments, 1, "alignments");
    return alignments(this.sequenceSource(), options).values();
  }

  /** tskit's `as_fasta`: options `wrapWidth` (60; 0 for none), `referenceSequence`,
   * `missingDataCharacter`, `isolatedAsMissing`. */
  asFasta(options: FastaOptions = {}): string {
    noExtra(arguments, 1, "asFasta");
    return fasta(this.sequenceSource(), options);
  }

  /** tskit's `as_nexus`: options `precision`, `includeTrees`, `includeAlignments`,
   * `referenceSequence`, `missingDataCharacter` ("?"), `isolatedAsMissing`, `nodeLabels`. */
  asNexus(options: NexusOptions = {}): string {
    noExtra(arguments, 1, "asNexus");
    return nexus(this.sequenceSource(), options);
  }

  private sequenceSource(): SequenceSource {
    return {
      sequenceLength: this.sequenceLength,
      discreteGenome: this.discreteGenome,
      numSites: this.numSites,
      samples: () => this.samples(),
      referenceData: () => this.referenceSequence?.data ?? null,
      sitesPosition: this.tables.sites.position,
      variants: (o) => this.variants(o),
      trees: () => this.trees(),
    };
  }

  /**
   * The VCF text tskit's `write_vcf` writes with the same options (all its lines but
   * `##source`): `ploidy`, `contigId`, `individuals`, `individualNames`, `positionTransform`
   * ("legacy" or a function), `siteMask`, `sampleMask`, `includeNonSampleNodes`,
   * `isolatedAsMissing`, `allowPositionZero`. For a large file, `writeVcf` streams it.
   */
  asVcf(options: VcfOptions = {}): string {
    return [...vcfPieces(this.vcfSource(), options)].join("");
  }

  /** Writes the VCF text of `asVcf` to a Node writable stream or a web `WritableStream`, a
   * piece at a time, waiting on the stream, so memory stays flat however large the file. */
  async writeVcf(stream: VcfSink, options: VcfOptions = {}): Promise<void> {
    await writePieces(stream, vcfPieces(this.vcfSource(), options));
  }

  private vcfSource(): VcfSource {
    const t = this.tables;
    return {
      numIndividuals: this.numIndividuals,
      numSites: this.numSites,
      sequenceLength: this.sequenceLength,
      samples: () => this.samples(),
      nodesFlags: t.nodes.flags,
      nodesIndividual: t.nodes.individual,
      sitesPosition: t.sites.position,
      variants: (o) => this.variants(o),
    };
  }

  /**
   * tskit's `genotype_matrix`: every site's genotypes in one call, computed in parallel across
   * the genome; `data` is row-major, `shape` `[numSites, numSamples]` (the sites in
   * `[left, right)`, the `samples` asked for). Options as `variants()`, less `copy`.
   */
  async genotypeMatrix(options: GenotypeMatrixOptions = {}): Promise<{ data: Int32Array; shape: number[] }> {
    const o = readGenotypeOptions(options, GENOTYPE_MATRIX_OPTIONS, "genotypeMatrix", this.numSamples);
    return this.h.genotypeMatrix(o.json);
  }

  // Statistics. Each is the one private `stat` call; its own options type refuses at compile
  // time what the core would refuse at run time (an option the tskit method does not take).

  /**
   * Nucleotide diversity (π): the mean number of differences between two distinct samples of
   * a set, per unit of sequence (site mode); in branch mode the mean branch length between
   * them. Shape: `[windows?][timeWindows?][nodes?][sets?]` (no set axis for one flat list or
   * the default, all samples).
   */
  diversity(options?: OneWayStatOptions): Promise<StatResult> {
    return this.stat("diversity", options);
  }

  /**
   * Segregating sites: the density of sites polymorphic within a set (the number of alleles
   * in the set at each site minus one, summed); in branch mode the total length of branches
   * subtending some but not all of its samples. Shape as `diversity`.
   */
  segregatingSites(options?: OneWayStatOptions): Promise<StatResult> {
    return this.stat("segregatingSites", options);
  }

  /**
   * Tajima's D of each set, from its diversity and segregating sites (NaN where undefined).
   * Never span-normalised (a ratio). Shape as `diversity`.
   */
  tajimasD(options?: TajimasDOptions): Promise<StatResult> {
    return this.stat("tajimasD", options);
  }

  /**
   * Y1: the mean, over trios of distinct samples (a1, a2, a3) of one set, of the density of
   * sites where a1 differs from a2 and a3 (branch mode: branch length). `sampleSets` is
   * required. Shape as `diversity`.
   */
  y1(options: Y1Options): Promise<StatResult> {
    return this.stat("y1", options);
  }

  /**
   * Divergence (d_xy): the mean number of differences between a sample of one set and a
   * sample of the other, per unit of sequence (branch mode: branch length); within one set,
   * between distinct samples. Pairs of sets by `indexes`. Shape:
   * `[windows?][timeWindows?][nodes?][tuples?]` (no tuple axis for a single tuple, or for the
   * default when there are exactly two sets).
   */
  divergence(options: MultiWayStatOptions): Promise<StatResult> {
    return this.stat("divergence", options);
  }

  /**
   * Fst (Hudson's) between pairs of sets: `1 - 2 (d(X) + d(Y)) / (d(X) + 2 d(X, Y) + d(Y))`
   * from their diversities and divergence. Shape as `divergence`.
   */
  fst(options: MultiWayStatOptions): Promise<StatResult> {
    return this.stat("fst", options);
  }

  /**
   * Patterson's f2 between pairs of sets: as f4 over (a1, b1; a2, b2) with a1, a2 drawn from
   * the first set and b1, b2 from the second, without replacement. Shape as `divergence`.
   */
  f2(options: MultiWayStatOptions): Promise<StatResult> {
    return this.stat("f2", options);
  }

  /**
   * Y2 between pairs of sets: as Y3 over trios (a, b1, b2), a from the first set and b1, b2
   * from the second, without replacement. Shape as `divergence`.
   */
  y2(options: MultiWayStatOptions): Promise<StatResult> {
    return this.stat("y2", options);
  }

  /**
   * Patterson's f3(A; B, C) for triples of sets, `E[(p_A - p_B)(p_A - p_C)]` (A, the
   * putatively admixed set, first). Shape as `divergence`, with 3-tuples.
   */
  f3(options: MultiWayStatOptions): Promise<StatResult> {
    return this.stat("f3", options);
  }

  /**
   * Y3 for triples of sets: the mean density of sites at which a sample a of the first set
   * differs from b and c of the others (branch mode: the length of branches separating a from
   * b and c). Shape as `divergence`, with 3-tuples.
   */
  y3(options: MultiWayStatOptions): Promise<StatResult> {
    return this.stat("y3", options);
  }

  /**
   * Patterson's f4 for quadruples of sets: over (a, b; c, d), one from each set, the density
   * of sites where a and c agree against b and d minus that where a and d agree against b and
   * c. Shape as `divergence`, with 4-tuples.
   */
  f4(options: MultiWayStatOptions): Promise<StatResult> {
    return this.stat("f4", options);
  }

  /**
   * Genetic relatedness between pairs of sets: the frequency of shared alleles between their
   * samples, centred on the rest of the sets (`centre`), as a proportion of segregating sites
   * (`proportion`); tskit's defaults differ from most statistics (`polarised` true). Shape as
   * `divergence`.
   */
  geneticRelatedness(options: GeneticRelatednessOptions): Promise<StatResult> {
    return this.stat("geneticRelatedness", options);
  }

  /**
   * Weighted genetic relatedness: for each pair (i, j) of columns of `weights`,
   * `sum over samples a, b of W[a][i] W[b][j] C[a][b]`, C the relatedness of
   * `geneticRelatedness` between single samples. Shape as `divergence`, tuples of columns (no
   * axis by default, when `weights` has exactly two columns).
   */
  geneticRelatednessWeighted(options: GeneticRelatednessWeightedOptions): Promise<StatResult> {
    return this.stat("geneticRelatednessWeighted", options);
  }

  /**
   * The mean squared covariance between each column of `weights` (a trait, one value per
   * sample) and inheritance of each allele (branch mode: of each branch). Shape:
   * `[windows?][timeWindows?][nodes?][columns]`; the column axis is always there.
   */
  traitCovariance(options: TraitStatOptions): Promise<StatResult> {
    return this.stat("traitCovariance", options);
  }

  /**
   * As `traitCovariance`, divided by p (1 - p), p the proportion of samples inheriting the
   * allele (or branch): mean squared correlations. Shape as `traitCovariance`.
   */
  traitCorrelation(options: TraitStatOptions): Promise<StatResult> {
    return this.stat("traitCorrelation", options);
  }

  /**
   * tskit's `trait_linear_model`: for each column w of `weights` (a trait), the squared
   * coefficient b₁² of inheritance g of an allele (site mode, halved per allele), of a branch
   * (branch mode) or of a node (node mode) in the least-squares fit w ~ b₀ + b₁ g + covariates
   * (tskit's `Z`, `covariates`: one row per sample; default none, only the intercept; 0 where g
   * lies in their span). Shape as `traitCovariance`.
   */
  traitLinearModel(options: TraitLinearModelOptions): Promise<StatResult> {
    return this.stat("traitLinearModel", options);
  }

  /**
   * tskit's `general_stat`: a statistic of your own. `f(x)` maps the vector x of sums of
   * `weights` (one row per sample, one column per weight) below a node, or carrying an allele,
   * to `outputDim` numbers, summed as the other statistics are (site mode: over alleles;
   * branch mode: times branch length; node mode: per node), unpolarised unless `polarised`.
   * `strict` (default true) refuses an f that is not 0 at zero and at the total weight. f must
   * not use variables from outside its own body. Cost: two walks of the trees, and one call of
   * f per distinct x (in slices that leave the event loop free), not one per node update; see
   * custom-stats.ts. Shape: `[windows?][nodes?][outputDim]`.
   */
  generalStat(options: GeneralStatOptions): Promise<StatResult> {
    return customStatistic(this.h, "generalStat", options);
  }

  /**
   * tskit's `sample_count_stat`: `generalStat` with x the number of samples of each of
   * `sampleSets` below the node (or carrying the allele). Shape as `generalStat`.
   */
  sampleCountStat(options: SampleCountStatOptions): Promise<StatResult> {
    return customStatistic(this.h, "sampleCountStat", options);
  }

  /**
   * tskit's `kc_distance`: the Kendall–Colijn distance between this tree sequence and `other`
   * (the same sequence length and samples; every tree with one root and no unary nodes), the
   * mean over the genome of the distance between the trees covering each position, with
   * `lambda` (default 0) weighting branch lengths against topology. Resolves to
   * `{ data, shape: [] }`. `other` crosses to the core as its file (`dump()`), so it may be
   * loaded on either backend.
   */
  async kcDistance(options: KcDistanceOptions): Promise<StatResult> {
    const o = optionsObject(options, ["other", "lambda"], "kcDistance");
    if (!(o.other instanceof TreeSequence)) {
      throw new TreeSeqError("BAD_PARAM", `kcDistance: other must be a TreeSequence, got ${describe(o.other)}`);
    }
    const lambda = o.lambda === undefined ? 0 : toNumber(o.lambda, { where: "kcDistance", path: "lambda" });
    const bytes = o.other.dump();
    const words = new Int32Array(Math.ceil(bytes.length / 4));
    new Uint8Array(words.buffer).set(bytes);
    const json = JSON.stringify({ other: { $i32: [0, words.length] }, other_bytes: bytes.length, lambda_: lambda });
    return this.h.compute("kc_distance", { json, i32s: words, f64s: new Float64Array(0) });
  }

  /**
   * The (joint) allele frequency spectrum of the sets: entry [j0][j1]... is the density of
   * alleles (branch mode: branch length) carried by j0 samples of the first set, j1 of the
   * second, ...; folded unless `polarised`. Shape: `[windows?][timeWindows?][n0 + 1][n1 + 1]...`,
   * one axis per set (kept for one flat list); by default all samples, `[numSamples + 1]`.
   */
  alleleFrequencySpectrum(options?: AlleleFrequencySpectrumOptions): Promise<StatResult> {
    return this.stat("alleleFrequencySpectrum", options);
  }

  /**
   * The divergence between every pair of sets, the diagonal between distinct samples of a set
   * (its diversity; 0 for a set of one). By default one set per sample. Shape:
   * `[windows?][k][k]` for k sets.
   */
  divergenceMatrix(options?: DivergenceMatrixOptions): Promise<StatResult> {
    return this.stat("divergenceMatrix", options);
  }

  /**
   * The genetic relatedness (centred, not a proportion) between every pair of sets, derived
   * from the divergence matrix as tskit does; in site mode with recurrent mutations this
   * differs from `geneticRelatedness`, as tskit documents. By default one set per sample.
   * Shape: `[windows?][k][k]`.
   */
  geneticRelatednessMatrix(options?: GeneticRelatednessMatrixOptions): Promise<StatResult> {
    return this.stat("geneticRelatednessMatrix", options);
  }

  /**
   * For every node and reference set, the mean number of the set's nodes descending from it,
   * averaged over the part of the genome where it is ancestral to any of them (0 where it
   * never is). Shape: `[numNodes][numSets]`.
   */
  meanDescendants(options: MeanDescendantsOptions): Promise<StatResult> {
    return this.stat("meanDescendants", options);
  }

  /**
   * Genealogical nearest neighbours: for each focal node, the proportions of each reference
   * set among the reference nodes below its nearest ancestor that has any (other than
   * itself), averaged over trees weighted by span. Shape: `[numFocal][numSets]`.
   */
  genealogicalNearestNeighbours(options: GenealogicalNearestNeighboursOptions): Promise<StatResult> {
    return this.stat("genealogicalNearestNeighbours", options);
  }

  /**
   * A two-locus (linkage disequilibrium) statistic between every pair of a row site and a
   * column site, as tskit's `ld_matrix`: `stat` (default "r2"), `sites` as `[sites]` or
   * `[rowSites, colSites]` (default every site), per sample set or, with `indexes`, per pair
   * of sets. Multiallelic sites as tskit: the statistic summed over pairs of alleles with its
   * weights. `mode: "branch"`: between the trees at `positions` (default every tree), from
   * their branch lengths. Shape: `[rows][cols]`, or `[sets or pairs][rows][cols]` when
   * `sampleSets` is a list of sets (or `indexes` a list of pairs).
   */
  ldMatrix(options?: LdMatrixOptions): Promise<StatResult> {
    return this.stat("ldMatrix", options);
  }

  /**
   * Pairs of samples coalescing at each node (by default) or in each time window
   * (`timeWindows` breakpoints), summed over trees weighted by span: within one set, or with
   * one sample in each of two sets (`indexes`). By default all samples as one set. Divided by
   * the span of each window with edges (`spanNormalise`, default true) and by the number of
   * pairs (`pairNormalise`, default false). Shape: `[windows?][indexes?][numNodes or time
   * windows]`.
   */
  pairCoalescenceCounts(options?: PairCoalescenceCountsOptions): Promise<StatResult> {
    return this.stat("pairCoalescenceCounts", options);
  }

  /**
   * Quantiles of the pair coalescence times: the node time at which each proportion
   * (`quantiles`, increasing in [0, 1]) of the pairs has coalesced, as numpy's
   * "inverted_cdf" weighted by coalescing pairs. Needs calibrated node times. Shape:
   * `[windows?][indexes?][quantiles]`.
   */
  pairCoalescenceQuantiles(options: PairCoalescenceQuantilesOptions): Promise<StatResult> {
    return this.stat("pairCoalescenceQuantiles", options);
  }

  /**
   * Pair coalescence rates in time windows (`timeWindows`, from the samples' time to
   * `Infinity`), from the empirical distribution of coalescence times: the Ne-through-time
   * curve of an inferred genealogy (1 / (2 rate) within one set), or cross-coalescence
   * between two. NaN after the last window where pairs coalesce. Shape:
   * `[windows?][indexes?][time windows]`.
   */
  pairCoalescenceRates(options: PairCoalescenceRatesOptions): Promise<StatResult> {
    return this.stat("pairCoalescenceRates", options);
  }

  /**
   * The branch-mode genetic relatedness matrix times `weights` (tskit's `W`, one row per
   * sample): for each focal node (default: the samples) and column, the sum over samples b of
   * relatedness(node, b) × W[b]. Centred by default (`nodes` needs `centre: false`); tskit
   * takes `mode: "branch"` only, and refuses its default, "site". Shape:
   * `[windows?][nodes][columns]`.
   */
  geneticRelatednessVector(options: GeneticRelatednessVectorOptions): Promise<StatResult> {
    return this.stat("geneticRelatednessVector", options);
  }

  /**
   * Principal components of the (branch-mode, not span-normalised) relatedness matrix of the
   * samples or of `individuals`, per window, by tskit's randomized SVD. Given `randomSeed`,
   * the sketch is numpy's `default_rng(randomSeed)`'s, as tskit draws it, so the result is
   * tskit's (eigenvalues to about 1e-6, factors up to sign); without one a random seed is
   * drawn here. Resolves to tskit's `PCAResult`: `{ factors, eigenvalues, rangeSketch,
   * errorBound }`, each `{ data, shape }`.
   */
  async pca(options: PcaOptions): Promise<PcaResult> {
    let given: PcaOptions = options;
    if (isPlainObject(options) && options.randomSeed == null && options.rangeSketch == null) {
      // tskit's default: a fresh seed (numpy's, from the system; here 2^32 values).
      given = { ...options, randomSeed: Math.floor(Math.random() * 2 ** 32) };
    }
    return unpackPca(await this.stat("pca", given));
  }

  /** Every statistic: tskit's method by name, with the options as its keyword arguments. */
  private async stat(name: StatName, options: StatOptions | undefined): Promise<StatResult> {
    const kwargs = toKwargs(name, options);
    return this.h.compute(STATISTICS[name], kwargs);
  }

  /** A `.trees` file that tskit loads, with the same tables. */
  dump(): Uint8Array {
    return this.h.dump();
  }

  // ---- Metadata (decoding in metadata.ts; tables' schemas in tables.ts) ----

  private topLevelDecoder: MetadataDecoder | null = null;

  /** The top-level schema, parsed on first use: a bad one is refused here (BAD_METADATA), as
   * tskit refuses it when asked, not at load. */
  private get topLevel(): MetadataDecoder {
    this.h;
    return (this.topLevelDecoder ??= new MetadataDecoder(this.text("metadata_schema"), "top-level"));
  }

  /** The top-level metadata, decoded with `metadataSchema` (raw bytes without a schema). */
  get metadata(): unknown {
    return this.topLevel.decode(this.column("metadata") as Uint8Array, "top-level metadata");
  }

  /** The top-level metadata schema: `{ codec, schema }`, the schema as parsed JSON (both null
   * where the file has none: tskit's null schema, raw bytes). */
  get metadataSchema(): MetadataSchema {
    return this.topLevel.schema;
  }

  /** The file's UUID, as tskit's `file_uuid`. */
  get fileUuid(): string {
    return this.text("uuid");
  }

  /**
   * tskit's `reference_sequence`: `{ data, url, metadata, metadataSchema }` (metadata decoded
   * with its schema), or null where the file has none (every part empty, as tskit's
   * `has_reference_sequence()`).
   */
  get referenceSequence(): ReferenceSequence | null {
    const bytes = (key: string) => this.column(`reference_sequence/${key}`) as Uint8Array;
    if (["data", "url", "metadata", "metadata_schema"].every((k) => bytes(k).length === 0)) return null;
    const decoder = new MetadataDecoder(this.text("reference_sequence/metadata_schema"), "reference sequence");
    return {
      data: this.text("reference_sequence/data"),
      url: this.text("reference_sequence/url"),
      metadata: decoder.decode(bytes("metadata"), "reference sequence metadata"),
      metadataSchema: decoder.schema,
    };
  }

  /** A text column (UTF-8) of the file, by its key. */
  private text(key: string): string {
    return new TextDecoder().decode((this.column(key) as Uint8Array).slice());
  }

  /** Each table's metadata schema, as `tables.X.metadataSchema`. */
  get tableMetadataSchemas(): Readonly<Record<MetadataTableName, MetadataSchema>> {
    const t = this.tables;
    return Object.freeze({
      nodes: t.nodes.metadataSchema,
      edges: t.edges.metadataSchema,
      sites: t.sites.metadataSchema,
      mutations: t.mutations.metadataSchema,
      migrations: t.migrations.metadataSchema,
      individuals: t.individuals.metadataSchema,
      populations: t.populations.metadataSchema,
    });
  }

  /** @internal Row `i`'s decoded metadata, for row objects (BAD_METADATA naming table, row and
   * field where it does not decode). */
  decodeRowMetadata(table: MetadataTableName, i: number): unknown {
    return decodeRowMetadata(this.tables, table, i);
  }

  // ---- Objects and lookups (toolkit): row objects, iterators, derived columns, properties.
  // Each is one call into rows.ts; ids are numbers or BigInts, negative counting from the end
  // as in tskit; out of range is BAD_PARAM.

  private rowsCache: Rows | null = null;
  private get rows(): Rows {
    this.h;
    const self = this;
    return (this.rowsCache ??= new Rows({
      get tables() {
        return self.tables;
      },
      get sequenceLength() {
        return self.sequenceLength;
      },
      samples: () => this.h.samples(),
      metadata: (table, i) => this.decodeRowMetadata(table, i),
    }));
  }

  /** Rows 0..n-1 as objects; the count and DISPOSED are checked now, not at the first step. */
  private iterate<T>(n: number, row: (i: number) => T): Generator<T> {
    const live = this.live;
    return (function* () {
      for (let i = 0; i < n; i++) {
        live();
        yield row(i);
      }
    })();
  }

  /** tskit's Node: `{ id, flags, time, population, individual, metadata }` (metadata decoded). */
  node(id: number | bigint): Node {
    noExtra(arguments, 1, "node");
    return this.rows.node(id);
  }
  /** tskit's Edge: `{ id, left, right, parent, child, metadata }`. */
  edge(id: number | bigint): Edge {
    noExtra(arguments, 1, "edge");
    return this.rows.edge(id);
  }
  /** tskit's Site, by id or `{ position }` (a site exactly there, else BAD_PARAM), with its
   * mutations. */
  site(idOrPosition: number | bigint | { position: number | bigint }): Site {
    noExtra(arguments, 1, "site");
    return this.rows.site(idOrPosition);
  }
  /** tskit's Mutation, with the computed `edge` and `inheritedState`; `time` NaN where unknown. */
  mutation(id: number | bigint): Mutation {
    noExtra(arguments, 1, "mutation");
    return this.rows.mutation(id);
  }
  /** tskit's Individual, with `nodes` (the nodes naming it, in id order). */
  individual(id: number | bigint): Individual {
    noExtra(arguments, 1, "individual");
    return this.rows.individual(id);
  }
  /** tskit's Population: `{ id, metadata }`. */
  population(id: number | bigint): Population {
    noExtra(arguments, 1, "population");
    return this.rows.population(id);
  }
  /** tskit's Migration. */
  migration(id: number | bigint): Migration {
    noExtra(arguments, 1, "migration");
    return this.rows.migration(id);
  }
  /** tskit's Provenance: `{ id, timestamp, record }`. */
  provenance(id: number | bigint): Provenance {
    noExtra(arguments, 1, "provenance");
    return this.rows.provenance(id);
  }

  nodes(): Generator<Node> {
    noExtra(arguments, 0, "nodes");
    return this.iterate(this.numNodes, (i) => this.rows.node(i));
  }
  edges(): Generator<Edge> {
    noExtra(arguments, 0, "edges");
    return this.iterate(this.numEdges, (i) => this.rows.edge(i));
  }
  sites(): Generator<Site> {
    noExtra(arguments, 0, "sites");
    return this.iterate(this.numSites, (i) => this.rows.site(i));
  }
  mutations(): Generator<Mutation> {
    noExtra(arguments, 0, "mutations");
    return this.iterate(this.numMutations, (i) => this.rows.mutation(i));
  }
  individuals(): Generator<Individual> {
    noExtra(arguments, 0, "individuals");
    return this.iterate(this.numIndividuals, (i) => this.rows.individual(i));
  }
  populations(): Generator<Population> {
    noExtra(arguments, 0, "populations");
    return this.iterate(this.numPopulations, (i) => this.rows.population(i));
  }
  migrations(): Generator<Migration> {
    noExtra(arguments, 0, "migrations");
    return this.iterate(this.numMigrations, (i) => this.rows.migration(i));
  }
  provenances(): Generator<Provenance> {
    noExtra(arguments, 0, "provenances");
    return this.iterate(this.numProvenances, (i) => this.rows.provenance(i));
  }

  /** tskit's `individuals_nodes`: numIndividuals x max ploidy, -1 padded (a copy, with `.shape`). */
  get individualsNodes(): Matrix<Int32Array> {
    return this.rows.individualsNodes();
  }
  /** tskit's `individuals_population` (-1 with no nodes; nodes that disagree: BAD_INDIVIDUALS). */
  get individualPopulations(): Int32Array {
    return this.rows.individualPopulations();
  }
  /** tskit's `individuals_time` (NaN with no nodes; nodes that disagree: BAD_INDIVIDUALS). */
  get individualTimes(): Float64Array {
    return this.rows.individualTimes();
  }
  /** tskit's `individuals_location`: numIndividuals x location length (ragged: BAD_INDIVIDUALS). */
  get individualLocations(): Matrix<Float64Array> {
    return this.rows.individualLocations();
  }
  /** tskit's `mutations_edge` (-1 where no edge is above the mutation; a copy). */
  get mutationsEdge(): Int32Array {
    return this.rows.mutationsEdge().slice();
  }
  /** tskit's `mutations_inherited_state`. */
  get mutationsInheritedState(): string[] {
    return this.rows.mutationsInheritedState();
  }

  /** Every genome coordinate (sequence length, edges, sites, migrations) is an integer. */
  get discreteGenome(): boolean {
    return this.rows.discreteGenome();
  }
  /** Every time (nodes, known mutation times, migrations) is an integer. */
  get discreteTime(): boolean {
    return this.rows.discreteTime();
  }
  /** The time of the oldest root of any tree (BAD_PARAM without samples, as tskit). */
  get maxRootTime(): number {
    return this.rows.maxRootTime();
  }
  /** The least node or known mutation time. */
  get minTime(): number {
    return this.rows.minTime();
  }
  /** The greatest node or known mutation time. */
  get maxTime(): number {
    return this.rows.maxTime();
  }
  /** tskit's `nbytes`: the bytes of the tables' columns (offsets 64-bit), the metadata
   * schemas as tskit writes them out, the reference sequence and the edge indexes. */
  get nbytes(): number {
    const s = this.s;
    return nbytes({
      column: (key) => this.column(key),
      timeUnits: s.timeUnits,
      rows: {
        nodes: s.numNodes,
        edges: s.numEdges,
        sites: s.numSites,
        mutations: s.numMutations,
        individuals: s.numIndividuals,
        populations: s.numPopulations,
        migrations: s.numMigrations,
        provenances: s.numProvenances,
      },
    });
  }

  /**
   * Frees the backend's memory. Afterwards every method and getter of this tree sequence, of
   * its tables, and of the Trees and iterators made from it throws `DISPOSED`; columns taken
   * earlier are detached (length 0). A second `dispose()` does nothing.
   */
  dispose(): void {
    if (!this.handle) return;
    const handle = this.handle;
    this.handle = null;
    for (const r of this.cursors) r.deref()?.free();
    this.cursors.clear();
    // The handle first: the native one detaches the file's buffer, which its columns view,
    // as only the addon can; a column left with bytes (WebAssembly's, copied out) is detached
    // here. (structuredClone cannot detach an external buffer: it copied all 22 MB of a
    // 30,000-sample file per column before failing.)
    handle.free();
    const buffers = new Set([...this.columns.values()].map((c) => c.buffer));
    for (const b of buffers) detach(b);
    this.columns.clear();
    this.tablesCache = null;
    this.topLevelDecoder = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

// Every name in STATISTICS (the CLI's list) is a method, taking exactly its StatOptionsMap type.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type EveryStatisticIsAMethod = Assert<Equal<{ [K in StatName]: NonNullable<Parameters<TreeSequence[K]>[0]> }, StatOptionsMap>>;
