#!/usr/bin/env python3
"""Makes new reference fixtures with msprime and tskit, in the format of test/fixtures
(NAME.trees and NAME.expected.json.gz: summary, sample_sets, stats, trees, variants), so the
whole test suite can be run against tree sequences it has never seen:

    python3 scripts/make_fixture.py OUT_DIR [SEED]
    TREESEQ_FIXTURES=OUT_DIR npx vitest run

Each seed gives three tree sequences: one with populations and migration, one with a
discrete genome and multiple mutations per site, one with ancient samples and a deleted
interval.
"""
import gzip, json, math, os, sys

import msprime
import numpy as np
import tskit


def nan_to_none(a):
    return [None if (isinstance(x, float) and math.isnan(x)) else x for x in np.asarray(a, dtype=float).ravel().tolist()]


def simulate(kind, seed):
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
    samples = [msprime.SampleSet(6, time=0, ploidy=1), msprime.SampleSet(3, time=80, ploidy=1),
               msprime.SampleSet(3, time=300, ploidy=1)]
    ts = msprime.sim_ancestry(samples, population_size=400, sequence_length=3e4, recombination_rate=3e-8,
                              random_seed=seed)
    ts = msprime.sim_mutations(ts, rate=3e-8, random_seed=seed)
    return ts.delete_intervals([[8000, 11000]], simplify=False)


def cases(ts, sets):
    L = ts.sequence_length
    wins = [None, [0, L / 3, L], "trees"]
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
    return out


def expected(ts, name):
    pops = sorted({ts.node(u).population for u in ts.samples()})
    sets = [[int(u) for u in ts.samples() if ts.node(u).population == p] for p in pops]
    if len(sets) < 2:
        s = [int(u) for u in ts.samples()]
        sets = [s[: len(s) // 2], s[len(s) // 2:]]
    stats = []
    for method, kw in cases(ts, sets):
        call = {k: (np.array(v) if k == "W" else v) for k, v in kw.items()}
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


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    os.makedirs(out, exist_ok=True)
    for kind in ["pops", "discrete", "ancient"]:
        name = f"sim_{kind}_{seed}"
        ts = simulate(kind, seed)
        ts.dump(os.path.join(out, f"{name}.trees"))
        with gzip.open(os.path.join(out, f"{name}.expected.json.gz"), "wt") as f:
            json.dump(expected(ts, name), f)
        print(f"{name}: {ts.num_trees} trees, {ts.num_samples} samples, {ts.num_sites} sites", file=sys.stderr)


if __name__ == "__main__":
    main()
