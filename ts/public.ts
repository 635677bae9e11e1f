/**
 * The public API, exported by both entry points (index.ts for Node, browser.ts): one list, so
 * that the two cannot drift apart. Each entry point first installs its Platform.
 */
export { init, load, backendInfo, TreeSequence, TreeSeqError, VERSION } from "./api.js";
export type { InitOptions, LoadOptions, LoadSource, BackendInfo, BackendChoice } from "./api.js";
export type { StatResult, Summary } from "./backend.js";
export type {
  StatName,
  StatOptions,
  StatOptionsMap,
  IdList,
  SampleSets,
  Windows,
  TimeWindows,
  StatMode,
  IndexTuples,
  WeightMatrix,
  WindowOptions,
  OneWayStatOptions,
  TajimasDOptions,
  Y1Options,
  MultiWayStatOptions,
  GeneticRelatednessOptions,
  TraitStatOptions,
  GeneticRelatednessWeightedOptions,
  AlleleFrequencySpectrumOptions,
  DivergenceMatrixOptions,
  GeneticRelatednessMatrixOptions,
  MeanDescendantsOptions,
  GenealogicalNearestNeighboursOptions,
  LdMatrixOptions,
  LdStat,
  PairCoalescenceCountsOptions,
  PairCoalescenceQuantilesOptions,
  PairCoalescenceRatesOptions,
  TraitLinearModelOptions,
  GeneralStatOptions,
  SampleCountStatOptions,
  SummaryFunction,
  KcDistanceOptions,
  GeneticRelatednessVectorOptions,
  PcaOptions,
  PcaResult,
  ArrayWithShape,
} from "./stats.js";
export type { ErrorCode } from "./errors.js";
export type {
  Tables,
  Table,
  Offsets,
  NodeTable,
  EdgeTable,
  SiteTable,
  MutationTable,
  MigrationTable,
  IndividualTable,
  PopulationTable,
  ProvenanceTable,
  IndexesTable,
} from "./tables.js";
export type { Tree, Interval } from "./tree.js";
export type { Variant, VariantsOptions, GenotypeMatrixOptions, HaplotypesOptions } from "./genotypes.js";
export type { VcfOptions, VcfSink } from "./vcf.js";
export type { TraversalOrder } from "./tree.js";
export type { NewickOptions } from "./newick.js";
export type { DrawSvgOptions, TreeDrawSvgOptions, TreeSequenceDrawSvgOptions, TimeScale } from "./draw/svg.js";
export type { TreeDrawTextOptions, TreeSequenceDrawTextOptions, Orientation } from "./draw/text.js";
export type { DrawOrder } from "./draw/layout.js";
export type { EdgeDiff, EdgeDiffsOptions } from "./edge-diffs.js";
export type { MetadataSchema, MetadataCodec, ColumnData, ColumnValues } from "./metadata.js";
export type { MetadataTableName } from "./tables.js";
export type {
  Node,
  Edge,
  Site,
  Mutation,
  Individual,
  Population,
  Migration,
  Provenance,
  SamplesOptions,
  Matrix,
} from "./rows.js";
export type { ReferenceSequence } from "./treesequence.js";
export type { AlignmentsOptions, FastaOptions, NexusOptions } from "./alignments.js";
