#!/usr/bin/env python3
"""Makes the command line's reference: two msprime files that are nowhere else (three named
populations, different lengths so that the last window by size is short), and the long table
tskit gives for the job test/cli.test.ts runs through `treeseq stat`: several statistics,
sample sets by population name, windows of 100 kb.

    python3 scripts/make_cli_fixture.py [OUT_DIR]    (default test/fixtures/cli)

Writes a.trees, b.trees and expected.tsv (file, statistic, mode, window_left, window_right,
sample_sets, value, index: the columns of `treeseq stat --format tsv`, values as Python's
repr, which reads back as the same double).
"""
import itertools
import os
import sys

import msprime
import numpy as np
import tskit

WINDOW = 100_000
# (treeseq name, tskit method, mode, k): k = 1 one-way, 2+ the k-tuples of sets, 0 the spectrum.
STATS = [
    ("diversity", "diversity", "site", 1),
    ("tajimasD", "Tajimas_D", "site", 1),
    ("segregatingSites", "segregating_sites", "branch", 1),
    ("divergence", "divergence", "branch", 2),
    ("fst", "Fst", "site", 2),
    ("f3", "f3", "branch", 3),
    ("geneticRelatedness", "genetic_relatedness", "site", 2),
    ("alleleFrequencySpectrum", "allele_frequency_spectrum", "site", 0),
]


def simulate(length, seed):
    dem = msprime.Demography()
    for name in ["A", "B", "C"]:
        dem.add_population(name=name, initial_size=2_000)
    dem.add_population(name="ANC", initial_size=4_000)
    dem.add_population_split(time=500, derived=["A", "B", "C"], ancestral="ANC")
    ts = msprime.sim_ancestry({"A": 6, "B": 5, "C": 4}, demography=dem, sequence_length=length,
                              recombination_rate=1e-8, random_seed=seed)
    return msprime.sim_mutations(ts, rate=2e-8, random_seed=seed)


def rows(name, ts):
    pops = [p for p in ts.populations() if len(ts.samples(population=p.id)) > 0]
    names = [p.metadata["name"] for p in pops]
    sets = [ts.samples(population=p.id) for p in pops]
    L = ts.sequence_length
    windows = list(np.arange(0, L, WINDOW)) + [L]
    for stat, method, mode, k in STATS:
        f = getattr(ts, method)
        if k == 0:
            for set_name, s in zip(names, sets):
                out = f(sample_sets=[s], windows=windows, mode=mode)
                for w in range(len(windows) - 1):
                    for b, v in enumerate(out[w]):
                        yield [name, stat, mode, windows[w], windows[w + 1], set_name, v, b]
            continue
        if k == 1:
            out = f(sample_sets=sets, windows=windows, mode=mode)
            labels = names
        else:
            idx = list(itertools.combinations(range(len(sets)), k))
            out = f(sample_sets=sets, indexes=idx, windows=windows, mode=mode)
            labels = [",".join(names[i] for i in t) for t in idx]
        for w in range(len(windows) - 1):
            for j, label in enumerate(labels):
                yield [name, stat, mode, windows[w], windows[w + 1], label, out[w][j], ""]


def text(x):
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if x.is_integer() and abs(x) < 2**53:
            return str(int(x))  # as JavaScript writes whole numbers
        return repr(x) if np.isfinite(x) else ("NaN" if np.isnan(x) else ("Infinity" if x > 0 else "-Infinity"))
    return str(x)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/cli"
    os.makedirs(out, exist_ok=True)
    files = {"a.trees": simulate(250_000, 11), "b.trees": simulate(320_000, 12)}
    with open(os.path.join(out, "expected.tsv"), "w") as tsv:
        tsv.write("file\tstatistic\tmode\twindow_left\twindow_right\tsample_sets\tvalue\tindex\n")
        for name, ts in files.items():
            ts.dump(os.path.join(out, name))
            for r in rows(name, ts):
                tsv.write("\t".join(text(x) for x in r) + "\n")
    print(f"wrote {out}: {', '.join(files)}, expected.tsv (tskit {tskit.__version__}, msprime {msprime.__version__})")


if __name__ == "__main__":
    main()
