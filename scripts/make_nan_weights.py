#!/usr/bin/env python3
"""Records tskit's answers for the weighted statistics with NaN in W, replayed by
crates/treeseq-core/tests/nan_weights.rs (README, "Where the numbers differ from tskit's").

    python3 scripts/make_nan_weights.py

writes test/fixtures/nan_weights.json.gz. For each file, a fixed W (two columns of seeded
normal values, rounded to 6 decimals) is given clean and with NaN in one of three patterns:
one entry (sample 3, column 0), a whole column (column 1), one sample's row (sample 5). Each
of trait_correlation, trait_covariance and genetic_relatedness_weighted (indexes [0,0],
[0,1], [1,1]; centred and not) is called in site, branch and node mode, without windows and
with three equal windows; trait_correlation in node mode also with one window per tree
(clean and with the NaN entry). ("trees" windows are left out elsewhere: in branch mode on
files with stretches without edges they meet the listed edge-free-window difference.)

Format: {tskit_version, W: {file: {pattern: rows}}, cases: [{file, pattern, method, kwargs,
shape, values}]}; NaN as null in W and in the values (flattened row-major).
"""
import gzip, json, os

import numpy as np
import tskit

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")
FILES = ["small", "ancient_gaps", "unary_internal", "multiallelic", "single_tree"]
PAIRS = [[0, 0], [0, 1], [1, 1]]


def patterns(n):
    w = np.random.default_rng(1).normal(size=(n, 2)).round(6)
    entry, column, row = w.copy(), w.copy(), w.copy()
    entry[3, 0] = np.nan
    column[:, 1] = np.nan
    row[5, :] = np.nan
    return {"none": w, "entry": entry, "column": column, "row": row}


def nulls(xs):
    return [None if np.isnan(x) else x for x in xs]


def main():
    cases, weights = [], {}
    for f in FILES:
        ts = tskit.load(os.path.join(HERE, f"{f}.trees"))
        L = ts.sequence_length
        for pattern, W in patterns(ts.num_samples).items():
            weights.setdefault(f, {})[pattern] = [nulls(r) for r in W]
            for mode in ["site", "branch", "node"]:
                for windows in [None, [0, L / 3, 2 * L / 3, L]]:
                    calls = [("trait_correlation", {}), ("trait_covariance", {}),
                             ("genetic_relatedness_weighted", {"indexes": PAIRS}),
                             ("genetic_relatedness_weighted", {"indexes": PAIRS, "centre": False})]
                    if mode == "node" and windows is not None and pattern in ("none", "entry"):
                        # One window per tree, where most of the listed difference shows.
                        calls.append(("trait_correlation", {"windows": "trees"}))
                    for method, extra in calls:
                        kwargs = {"mode": mode, "windows": windows, **extra}
                        with np.errstate(all="ignore"):
                            r = np.asarray(getattr(ts, method)(W, **kwargs), dtype=float)
                        assert np.all(np.isfinite(r) | np.isnan(r))
                        cases.append({"file": f, "pattern": pattern, "method": method,
                                      "kwargs": kwargs, "shape": list(r.shape),
                                      "values": nulls(r.ravel().tolist())})
    out = {"tskit_version": tskit.__version__, "W": weights, "cases": cases}
    with gzip.open(os.path.join(HERE, "nan_weights.json.gz"), "wt") as fh:
        json.dump(out, fh, separators=(",", ":"))
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
