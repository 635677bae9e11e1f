#!/usr/bin/env python3
"""Records the differential test's calls: seeded random calls of all 20 statistics, with
tskit's own answers, replayed by test/differential.test.ts on both backends.

    python3 scripts/make_differential.py [SEED] [CALLS]     (defaults: 14, 480)

writes test/fixtures/differential.json.gz (and test/fixtures/differential/no_samples.trees).
Each call draws a file, a statistic, a mode, random sample sets (sizes, overlaps, order),
index tuples, genome windows (none, random breakpoints, "trees", "sites"), span_normalise,
polarised, centre, proportion, time windows (the spectrum), weights (the weighted
statistics) and, one call in eight, an invalid argument (an id out of range, a repeated id,
an index out of range, windows out of order, an empty set, a bad mode). What tskit returns
is recorded: its shape and values, or the name of the exception it raised. A few fixed
calls come first (the default sample set of the file without samples).

The files are small fixtures (ancient samples and stretches without edges, isolated
samples, unary nodes and internal samples, recurrent mutations, polytomies) and one with no
samples at all (made here from small.trees): tskit 1.0.3 with numpy, nothing else.

Format: {tskit_version, seed, files: [names], calls: [{file, method, kwargs, shape, values} |
{file, method, kwargs, error}]}; values flattened row-major, NaN as null and infinities as
"inf" / "-inf"; in kwargs infinity is "inf" (treeseq's spelling) and W is a list of rows.
Calls whose result has more than MAX_VALUES values are drawn again (to keep the file small).
"""
import gzip, json, math, os, sys

import numpy as np
import tskit

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")
FILES = ["small", "ancient_gaps", "gaps_isolated", "unary_internal", "multiallelic", "nonbinary",
         "differential/no_samples"]
MAX_VALUES = 600

ONE_WAY = ["diversity", "segregating_sites", "Tajimas_D", "Y1"]
K_WAY = {"divergence": 2, "Fst": 2, "f2": 2, "Y2": 2, "genetic_relatedness": 2, "f3": 3, "Y3": 3, "f4": 4}
WEIGHTED = ["genetic_relatedness_weighted", "trait_covariance", "trait_correlation"]
OTHER = ["allele_frequency_spectrum", "divergence_matrix", "genetic_relatedness_matrix",
         "mean_descendants", "genealogical_nearest_neighbours"]
METHODS = ONE_WAY + list(K_WAY) + WEIGHTED + OTHER


def no_samples_file():
    """small.trees with every node's sample flag cleared."""
    ts = tskit.load(os.path.join(HERE, "small.trees"))
    tables = ts.dump_tables()
    tables.nodes.flags = np.zeros_like(tables.nodes.flags)
    os.makedirs(os.path.join(HERE, "differential"), exist_ok=True)
    tables.tree_sequence().dump(os.path.join(HERE, "differential", "no_samples.trees"))


def number(x):
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def draw(rng, ts, method):
    """One call's kwargs (as recorded) and whether an invalid argument was put in."""
    samples = [int(u) for u in ts.samples()]
    n = len(samples)
    L = ts.sequence_length
    invalid = rng.random() < 0.125

    def sets(k, lo=1, hi=None, disjoint=False):
        hi = min(hi or n, n)
        if n == 0:
            return [[] for _ in range(k)]
        if disjoint:
            perm = [int(x) for x in rng.permutation(samples)]
            cuts = sorted(rng.choice(np.arange(1, n), size=min(k - 1, n - 1), replace=False).tolist()) if n > 1 else []
            parts = [perm[a:b] for a, b in zip([0] + cuts, cuts + [n])]
            return [p[: int(rng.integers(1, min(len(p), hi) + 1))] for p in parts][:k]
        return [[int(x) for x in rng.choice(samples, size=int(rng.integers(lo, max(lo, hi) + 1)), replace=False)]
                for _ in range(k)]

    def windows():
        r = rng.random()
        if r < 0.35:
            return None
        if r < 0.5:
            return "trees"
        if r < 0.6 and method not in ("divergence_matrix", "genetic_relatedness_matrix"):
            return "sites"
        m = int(rng.integers(1, 5))
        inner = sorted(set(float(round(x, 3)) for x in rng.uniform(0, L, size=m)))
        return [0.0] + [x for x in inner if 0 < x < L] + [L]

    kw = {}
    if method in ONE_WAY or method in K_WAY or method in ("allele_frequency_spectrum",):
        k = K_WAY.get(method, 1)
        if method == "allele_frequency_spectrum":
            kw["sample_sets"] = sets(int(rng.integers(1, 3)), hi=6)
        elif method == "Tajimas_D":
            kw["sample_sets"] = sets(int(rng.integers(1, 4)), lo=2, hi=8)
        else:
            kw["sample_sets"] = sets(int(rng.integers(k, k + 3)))
        if method in ONE_WAY + ["allele_frequency_spectrum"] and rng.random() < 0.15:
            del kw["sample_sets"]  # the default: all samples
        if method in K_WAY:
            ns = len(kw["sample_sets"])
            tuples = [[int(x) for x in rng.integers(0, ns, size=k)] for _ in range(int(rng.integers(1, 4)))]
            r = rng.random()
            if r < 0.2 and k == 2:
                kw["indexes"] = tuples[0]  # one tuple: the axis is dropped
            elif r < 0.35 and k == 2:
                kw["indexes"] = [[i, j] for i in range(ns) for j in range(ns)][:17]  # the pair path
            else:
                kw["indexes"] = tuples
    elif method in WEIGHTED:
        cols = int(rng.integers(1, 4))
        W = rng.normal(size=(n, cols))
        if rng.random() < 0.3:
            W = rng.integers(0, 3, size=(n, cols)).astype(float)
        kw["W"] = W.round(6).tolist()
        if method == "genetic_relatedness_weighted":
            kw["indexes"] = [[int(x) for x in rng.integers(0, cols, size=2)] for _ in range(int(rng.integers(1, 3)))]
    elif method in ("divergence_matrix", "genetic_relatedness_matrix"):
        r = rng.random()
        if r < 0.15:
            kw["sample_sets"] = []
        elif r < 0.9:
            kw["sample_sets"] = sets(int(rng.integers(1, 5)), hi=5, disjoint=True)
    elif method == "mean_descendants":
        kw["sample_sets"] = sets(int(rng.integers(1, 3)), hi=4)
    elif method == "genealogical_nearest_neighbours":
        kw["focal"] = [int(x) for x in rng.choice(samples, size=min(n, int(rng.integers(1, 4))), replace=False)] if n else []
        kw["sample_sets"] = sets(int(rng.integers(1, 3)), hi=5, disjoint=True)

    if method not in ("mean_descendants", "genealogical_nearest_neighbours"):
        w = windows()
        if w is not None:
            kw["windows"] = w
        modes = ["site", "branch", "node"]
        if method in ("allele_frequency_spectrum", "divergence_matrix", "genetic_relatedness_matrix"):
            modes = ["site", "branch"]
        kw["mode"] = str(rng.choice(modes))
        if method != "Tajimas_D" and rng.random() < 0.2:
            kw["span_normalise"] = False
    if method in ("allele_frequency_spectrum", "genetic_relatedness", "genetic_relatedness_weighted") and rng.random() < 0.5:
        kw["polarised"] = bool(rng.random() < 0.5)
    if method in ("genetic_relatedness", "genetic_relatedness_weighted") and rng.random() < 0.4:
        kw["centre"] = bool(rng.random() < 0.5)
    if method == "genetic_relatedness" and rng.random() < 0.4:
        kw["proportion"] = bool(rng.random() < 0.5)
    if method == "allele_frequency_spectrum" and rng.random() < 0.5:
        t = ts.tables.nodes.time
        cut = float(np.quantile(t[t > 0], rng.uniform(0.1, 0.9))) if (t > 0).any() else 1.0
        kw["time_windows"] = [[0, "inf"], [0, round(cut, 3), "inf"], [0, round(cut, 3)]][int(rng.integers(0, 3))]
        if kw.get("mode") == "site" and rng.random() < 0.7:
            kw["time_windows"] = [0, "inf"]

    if invalid:
        r = int(rng.integers(0, 6))
        if r == 0 and "sample_sets" in kw and kw["sample_sets"] and kw["sample_sets"][0] is not None:
            kw["sample_sets"][0] = list(kw["sample_sets"][0]) + [ts.num_nodes + 5]
        elif r == 1 and kw.get("sample_sets") and kw["sample_sets"][0]:
            kw["sample_sets"][0] = list(kw["sample_sets"][0]) + [kw["sample_sets"][0][0]]
        elif r == 2 and isinstance(kw.get("indexes"), list) and kw["indexes"] and isinstance(kw["indexes"][0], list):
            kw["indexes"][0][0] = 99
        elif r == 3 and "windows" in kw:
            kw["windows"] = [0.0, L * 0.6, L * 0.3, L]
        elif r == 4 and kw.get("sample_sets"):
            kw["sample_sets"] = kw["sample_sets"] + [[]]
        elif r == 5 and "mode" in kw:
            kw["mode"] = "nodes"
    return kw


def tskit_kwargs(kw):
    out = dict(kw)
    if "W" in out:
        out["W"] = np.array(out["W"], dtype=float).reshape(-1, len(out["W"][0]) if out["W"] else 1)
    if "time_windows" in out:
        out["time_windows"] = [float(t) for t in out["time_windows"]]
    if "indexes" in out and isinstance(out["indexes"], list) and out["indexes"] and isinstance(out["indexes"][0], list):
        out["indexes"] = [tuple(i) for i in out["indexes"]]
    return out


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 14
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 480
    no_samples_file()
    rng = np.random.default_rng(seed)
    loaded = {f: tskit.load(os.path.join(HERE, f + ".trees")) for f in FILES}
    calls = []

    def record(f, method, kw):
        ts = loaded[f]
        call = {"file": f, "method": method, "kwargs": kw}
        try:
            r = np.asarray(getattr(ts, method)(**tskit_kwargs(kw)), dtype=float)
            if r.size > MAX_VALUES:
                return
            call["shape"] = list(r.shape)
            call["values"] = [number(x) for x in r.ravel().tolist()]
        except Exception as e:  # tskit's verdict, whatever it is
            call["error"] = type(e).__name__
            call["message"] = str(e)[:200]
        calls.append(call)

    # Fixed calls first: the default sample set (all samples) of a file without samples.
    for method in ["diversity", "segregating_sites", "Tajimas_D", "allele_frequency_spectrum"]:
        for mode in ["site", "branch"]:
            record("differential/no_samples", method, {"mode": mode})
    while len(calls) < count:
        f = FILES[int(rng.integers(0, len(FILES)))]
        method = METHODS[len(calls) % len(METHODS)]
        ts = loaded[f]
        if f.endswith("no_samples") and (rng.random() < 0.7 or method in WEIGHTED):
            continue  # a few calls are enough there; W of 0 rows has no JSON spelling as rows
        record(f, method, draw(rng, ts, method))
    out = {"tskit_version": tskit.__version__, "seed": seed, "files": FILES, "calls": calls}
    path = os.path.join(HERE, "differential.json.gz")
    with gzip.open(path, "wt") as fh:
        json.dump(out, fh, separators=(",", ":"))
    errors = sum("error" in c for c in calls)
    print(f"{path}: {len(calls)} calls ({errors} refused by tskit), {os.path.getsize(path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
