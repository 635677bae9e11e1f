#!/usr/bin/env python3
"""Makes new reference fixtures with msprime and tskit, in the format of test/fixtures
(NAME.trees and NAME.expected.json.gz: summary, sample_sets, stats, trees, variants), so the
whole test suite can be run against tree sequences it has never seen:

    python3 scripts/make_fixture.py OUT_DIR [SEED] [--kinds=K1,K2,...] [--plain-names] [--toolkit]
    python3 scripts/make_fixture.py OUT_DIR --trees=A.trees,B.trees --toolkit
    TREESEQ_FIXTURES=OUT_DIR npx vitest run

`--toolkit` adds tskit's toolkit answers for each file, as the toolkit tests read them:
OUT_DIR/{metadata,rows,tree,genotypes,alignments,ld,coalescence,custom,draw,tszip}/NAME.json.gz (and
OUT_DIR/tszip/NAME.tsz), recorded by the `answers` of
make_{metadata,rows,tree,genotype,alignment,ld,coalescence,custom,draw,tszip}_fixture.py (the
recorders of the bundled ones
too). `--trees` takes existing files (copied into OUT_DIR) instead of simulating.

Each seed gives, by default, three tree sequences: one with populations and migration
("pops"), one with a discrete genome and multiple mutations per site ("discrete"), one with
ancient samples and a deleted interval ("ancient"). Two more kinds are made on request:
"gaps_isolated" (ancient samples, stretches without edges at both ends and inside, and
sample nodes that are isolated everywhere, one carrying a mutation) and "unary_internal"
(unary nodes kept by msprime, and internal nodes marked as samples). `--plain-names` names
the files after the kind alone (how test/fixtures/gaps_isolated and unary_internal were made,
with seed 7).

Kinds for the toolkit (metadata and the files tools write): "msprime_json" (named populations,
a JSON top-level schema), "slim" (pyslim.annotate of an msprime simulation: SLiM's struct
metadata), "struct" (a hand-made struct schema with every format), "tsinfer" (inferred by
tsinfer from a small msprime simulation's genotypes), "stdpopsim" (HomSap OutOfAfrica_3G09 on
a generic contig), "missing_ref" (a discrete genome with stretches without edges, an isolated
sample, several roots and a reference sequence). The bundled tsinfer, stdpopsim and
missing_ref files were made with `OUT_DIR=test/fixtures, seed 7, --plain-names --toolkit`.

Needs tskit 1.0.3 and msprime; pyslim for "slim"; tsinfer 0.5.1 and stdpopsim 0.3.0 for
theirs (`python3 -m pip install tsinfer==0.5.1 stdpopsim==0.3.0`: only to make fixtures, the
tests read the committed files).
"""
import math
import os
import shutil
import sys

import msprime
import numpy as np
import tskit

from fixture_util import check_tskit, dump_once, write_json_gz
import make_alignment_fixture
import make_coalescence_fixture
import make_custom_fixture
import make_draw_fixture
import make_genotype_fixture
import make_ld_fixture
import make_metadata_fixture
import make_pca_fixture
import make_rows_fixture
import make_tree_fixture
import make_tszip_fixture

# The toolkit recorders, each writing OUT_DIR/<KIND>/NAME.json.gz.
TOOLKIT = [make_metadata_fixture, make_rows_fixture, make_tree_fixture, make_genotype_fixture,
           make_alignment_fixture, make_ld_fixture, make_coalescence_fixture,
           make_custom_fixture, make_pca_fixture, make_draw_fixture, make_tszip_fixture]


def nan_to_none(a):
    """Values as JSON: NaN as null, infinities as "inf" and "-inf" (JSON has neither)."""
    return [None if math.isnan(x) else ("inf" if x > 0 else "-inf") if math.isinf(x) else x
            for x in np.asarray(a, dtype=float).ravel().tolist()]


def simulate(kind, seed):
    if kind == "msprime_json":
        return make_metadata_fixture.msprime_file()
    if kind == "slim":
        return make_metadata_fixture.slim_file()
    if kind == "struct":
        return make_metadata_fixture.struct_tables()
    if kind == "tsinfer":
        import tsinfer
        sim = msprime.sim_ancestry(8, population_size=1e4, sequence_length=2e4, recombination_rate=1e-8,
                                   random_seed=seed)
        sim = msprime.sim_mutations(sim, rate=2e-8, random_seed=seed)
        return tsinfer.infer(tsinfer.SampleData.from_tree_sequence(sim, use_sites_time=False))
    if kind == "stdpopsim":
        import stdpopsim
        species = stdpopsim.get_species("HomSap")
        model = species.get_demographic_model("OutOfAfrica_3G09")
        return stdpopsim.get_engine("msprime").simulate(model, species.get_contig(length=3e4),
                                                        {"YRI": 3, "CEU": 3, "CHB": 2}, seed=seed)
    if kind == "missing_ref":
        ts = msprime.sim_ancestry(5, population_size=100, sequence_length=300, recombination_rate=2e-4,
                                  random_seed=seed)
        ts = msprime.sim_mutations(ts, rate=5e-4, random_seed=seed)
        ts = ts.delete_intervals([[0, 20], [100, 140]], simplify=False)
        tables = ts.dump_tables()
        # A sample without edges (isolated everywhere: missing data at every site).
        tables.nodes.add_row(flags=tskit.NODE_IS_SAMPLE, time=0, population=0)
        tables.reference_sequence.data = tskit.random_nucleotides(300, seed=seed)
        return tables.tree_sequence()
    if kind == "pops":
        dem = msprime.Demography.island_model([500, 500, 500], migration_rate=1e-3)
        ts = msprime.sim_ancestry({0: 6, 1: 5, 2: 4}, demography=dem, sequence_length=5e4,
                                  recombination_rate=2e-8, random_seed=seed, record_migrations=False)
        return msprime.sim_mutations(ts, rate=2e-8, random_seed=seed)
    if kind == "discrete":
        dem = msprime.Demography.island_model([300, 300], migration_rate=5e-3)
        ts = msprime.sim_ancestry({0: 5, 1: 5}, demography=dem, sequence_length=2000, discrete_genome=True,
                                  recombination_rate=1e-6, random_seed=seed)
        return msprime.sim_mutations(ts, rate=1e-5, model=msprime.JC69(), random_seed=seed)
    if kind == "unary_internal":
        ts = msprime.sim_ancestry(8, population_size=1000, sequence_length=2e4, recombination_rate=1e-7,
                                  coalescing_segments_only=False, random_seed=seed)
        tables = ts.dump_tables()
        # Internal nodes as samples: every 7th node above the leaves, so some samples have
        # sample descendants (and, from unary nodes, some sit on a single lineage).
        flags = tables.nodes.flags.copy()
        internal = np.arange(ts.num_samples, ts.num_nodes)
        flags[internal[::7]] |= tskit.NODE_IS_SAMPLE
        tables.nodes.flags = flags
        ts = tables.tree_sequence()
        return msprime.sim_mutations(ts, rate=1e-7, random_seed=seed)
    samples = [msprime.SampleSet(6, time=0, ploidy=1), msprime.SampleSet(3, time=80, ploidy=1),
               msprime.SampleSet(3, time=300, ploidy=1)]
    rate = 3e-8 if kind == "ancient" else 1e-7
    ts = msprime.sim_ancestry(samples, population_size=400, sequence_length=3e4, recombination_rate=rate,
                              random_seed=seed)
    ts = msprime.sim_mutations(ts, rate=rate, random_seed=seed)
    if kind == "ancient":
        return ts.delete_intervals([[8000, 11000]], simplify=False)
    assert kind == "gaps_isolated", kind
    ts = ts.delete_intervals([[0, 1500], [8000, 11000], [28500, 3e4]], simplify=False)
    tables = ts.dump_tables()
    # Two samples without any edge, at times 0 and 50 (isolated everywhere), and a site whose
    # only mutation is above the first of them.
    iso = [tables.nodes.add_row(flags=tskit.NODE_IS_SAMPLE, time=t, population=0) for t in (0.0, 50.0)]
    site = tables.sites.add_row(position=20000.5, ancestral_state="A")
    tables.mutations.add_row(site=site, node=iso[0], derived_state="T", time=0.5)
    tables.sort()
    tables.build_index()
    tables.compute_mutation_parents()
    return tables.tree_sequence()


def cases(ts, sets):
    L = ts.sequence_length
    wins = [None, [0, L / 3, L], "trees"]
    # Infinity has no JSON spelling: "inf" (which treeseq accepts) in the file, a float for
    # tskit (see `tskit_kwargs`).
    t = ts.tables.nodes.time
    mid = float(np.median(t[t > 0]))
    pairs = [(0, 1), (1, 1)] if len(sets) > 1 else [(0, 0)]
    W = np.random.default_rng(1).normal(size=(ts.num_samples, 2))
    out = []
    for mode in ["site", "branch"]:
        for windows in wins:
            base = {"windows": windows, "mode": mode}
            out += [("diversity", dict(sample_sets=sets, **base)),
                    ("segregating_sites", dict(sample_sets=sets, **base)),
                    ("Tajimas_D", dict(sample_sets=sets, **base)),
                    ("divergence", dict(sample_sets=sets, indexes=pairs, **base)),
                    ("f2", dict(sample_sets=sets, indexes=pairs, **base)),
                    ("genetic_relatedness", dict(sample_sets=sets, indexes=pairs, **base)),
                    ("trait_covariance", dict(W=W.tolist(), **base)),
                    ("allele_frequency_spectrum", dict(sample_sets=sets[:1], polarised=True, **base)),
                    ("allele_frequency_spectrum", dict(sample_sets=sets[:1], **base))]
            if len(sets) > 1:
                out.append(("Fst", dict(sample_sets=sets, indexes=[(0, 1)], **base)))
    out.append(("diversity", dict(sample_sets=sets, mode="node", windows=None)))
    # One question, one answer (issue 14): the branch spectrum with time windows, [0, inf]
    # included (tskit's accumulation, as without them); the site spectrum with [0, inf]
    # (a time axis of length 1); many pairs (the pair path) over windows without edges; the
    # matrix methods with no sample sets (tskit's empty shapes).
    for polarised in [False, True]:
        for windows in [None, [0, L / 3, L], "trees"]:
            for tw in [[0, "inf"], [0, mid, "inf"], [0, mid]]:
                out.append(("allele_frequency_spectrum", dict(sample_sets=sets[:1], windows=windows, mode="branch",
                                                              time_windows=tw, polarised=polarised)))
        out.append(("allele_frequency_spectrum", dict(sample_sets=sets[:2], windows=[0, L / 3, L], mode="branch",
                                                      time_windows=[0, mid, "inf"], polarised=polarised)))
    for windows in [None, [0, L / 3, L]]:
        out.append(("allele_frequency_spectrum", dict(sample_sets=sets[:1], windows=windows, mode="site",
                                                      time_windows=[0, "inf"])))
    many = [(i, j) for i in range(len(sets)) for j in range(len(sets))]
    many = (many * (17 // len(many) + 1))[:17]
    for method in ["Fst", "divergence", "f2"]:
        if len(sets) > 1 or method != "Fst":
            out.append((method, dict(sample_sets=sets, indexes=many, windows="trees", mode="branch")))
    for method in ["divergence_matrix", "genetic_relatedness_matrix"]:
        for windows in [None, [0, L / 3, L]]:
            out.append((method, dict(sample_sets=[], windows=windows, mode="branch")))
    return out


def tskit_kwargs(kw):
    """The kwargs as tskit takes them: W as an array, "inf" as a float."""
    out = dict(kw)
    if "W" in out:
        out["W"] = np.array(out["W"])
    if out.get("time_windows") is not None:
        out["time_windows"] = [float(t) for t in out["time_windows"]]
    return out


def expected(ts, name):
    pops = sorted({ts.node(u).population for u in ts.samples()})
    sets = [[int(u) for u in ts.samples() if ts.node(u).population == p] for p in pops]
    if len(sets) < 2:
        s = [int(u) for u in ts.samples()]
        sets = [s[: len(s) // 2], s[len(s) // 2:]]
    stats = []
    for method, kw in cases(ts, sets):
        call = tskit_kwargs(kw)
        try:
            r = getattr(ts, method)(**call)
            stats.append({"method": method, "kwargs": kw, "shape": list(np.shape(r)), "values": nan_to_none(r)})
        except Exception as e:
            stats.append({"method": method, "kwargs": kw, "error": type(e).__name__, "message": str(e)})
    trees = []
    s = ts.samples()
    for t in ts.trees():
        trees.append({"index": t.index, "left": t.interval.left, "right": t.interval.right,
                      "parent": [int(x) for x in t.parent_array[:-1]], "roots": [int(r) for r in t.roots],
                      "num_samples": [t.num_samples(u) for u in range(ts.num_nodes)],
                      "total_branch_length": t.total_branch_length,
                      "preorder": [int(x) for x in t.preorder()], "postorder": [int(x) for x in t.postorder()],
                      "sites": [site.id for site in t.sites()], "mrca_first_last": int(t.mrca(s[0], s[-1]))})
    variants = [{"site": v.site.id, "position": v.site.position, "alleles": list(v.alleles),
                 "genotypes": [int(g) for g in v.genotypes]} for v in ts.variants()]
    return {"file": f"{name}.trees", "tskit_version": tskit.__version__,
            "summary": {"sequence_length": ts.sequence_length, "num_trees": ts.num_trees,
                        "num_samples": ts.num_samples, "num_nodes": ts.num_nodes, "num_edges": ts.num_edges,
                        "num_sites": ts.num_sites, "num_mutations": ts.num_mutations,
                        "num_individuals": ts.num_individuals, "num_populations": ts.num_populations,
                        "num_migrations": ts.num_migrations, "num_provenances": ts.num_provenances,
                        "time_units": ts.time_units, "samples": [int(u) for u in ts.samples()],
                        "breakpoints": [float(b) for b in ts.breakpoints()],
                        "max_root_time": ts.max_root_time},
            "sample_sets": sets, "stats": stats, "trees": trees, "variants": variants}


def toolkit(out, name, ts, kind):
    """tskit's toolkit answers for OUT_DIR/NAME.trees, one file per recorder."""
    file = f"{name}.trees"
    for recorder in TOOLKIT:
        path = os.path.join(out, recorder.KIND, f"{name}.json.gz")
        if recorder is make_metadata_fixture:
            write_json_gz(path, recorder.answers(ts, file, make_metadata_fixture.COLUMNS.get(kind)))
        elif recorder is make_tszip_fixture:
            write_json_gz(path, recorder.answers(ts, file, out, name))
        else:
            write_json_gz(path, recorder.answers(ts, file))


def main():
    check_tskit()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    opts = dict(a[2:].split("=", 1) if "=" in a else (a[2:], "1") for a in sys.argv[1:] if a.startswith("--"))
    known = {"kinds", "plain-names", "toolkit", "trees"}
    if not args or set(opts) - known:
        raise SystemExit(f"usage: make_fixture.py OUT_DIR [SEED] [--{' --'.join(sorted(known))}]; "
                         f"unknown: {sorted(set(opts) - known)}")
    out = args[0]
    seed = int(args[1]) if len(args) > 1 else 7
    os.makedirs(out, exist_ok=True)
    if "trees" in opts:
        made = []
        for src in opts["trees"].split(","):
            name = os.path.basename(src)[: -len(".trees")] if src.endswith(".trees") else os.path.basename(src)
            if os.path.abspath(src) != os.path.abspath(os.path.join(out, f"{name}.trees")):
                shutil.copyfile(src, os.path.join(out, f"{name}.trees"))
            made.append((name, None))
    else:
        kinds = opts.get("kinds", "pops,discrete,ancient").split(",")
        made = [(kind if "plain-names" in opts else f"sim_{kind}_{seed}", kind) for kind in kinds]
    for name, kind in made:
        path = os.path.join(out, f"{name}.trees")
        # Made once (tskit writes a new file uuid at each dump): delete a file to remake it.
        if kind is not None and os.path.exists(path):
            print(f"{name}: keeping the {path} already there", file=sys.stderr)
        ts = tskit.load(path) if kind is None or os.path.exists(path) else dump_once(simulate(kind, seed), path)
        write_json_gz(os.path.join(out, f"{name}.expected.json.gz"), expected(ts, name))
        if "toolkit" in opts:
            toolkit(out, name, ts, kind)
        print(f"{name}: {ts.num_trees} trees, {ts.num_samples} samples, {ts.num_sites} sites", file=sys.stderr)


if __name__ == "__main__":
    main()
