#!/usr/bin/env python3
"""
Records tskit's answers for `genetic_relatedness_vector` and `pca` (API.md, "More
statistics") on several bundled fixtures, into test/fixtures/pca/<name>.json.gz;
test/pca.test.ts compares treeseq's answers on both backends with these. Also records numpy's
random stream for a few seeds (test/fixtures/pca/numpy_random.json), which the Rust tests
hold treeseq's reproduction of `np.random.default_rng(seed).normal()` to.

    python3 scripts/make_pca_fixture.py             # every file below, and the numpy stream
    python3 scripts/make_fixture.py OUT_DIR --toolkit   # any other tree sequence (`answers`)

Each call is {"method", "options"} (treeseq's camelCase options) with tskit's "result", or
{"error": "<tskit's message>"} where tskit raises: the test expects a TreeSeqError there.
pca's result is tskit's PCAResult as {factors, eigenvalues, rangeSketch, errorBound}, each
{data, shape}; pca is called with a `random_seed`, so that treeseq draws the same sketch.
"""
import json
import os
import sys

import numpy as np
import tskit

from fixture_util import FIXTURES, check_tskit, plain, write_json_gz

KIND = "pca"
FILES = ["small", "nonbinary", "ancient_gaps", "unary_internal", "gaps_isolated", "multiallelic",
         "single_tree", "tsinfer"]
SEEDS = [0, 1, 5, 42, 12345, 2**32 - 1, 2**40 + 3]


def array(a):
    a = np.asarray(a, dtype=float)
    return {"data": plain(a.ravel()), "shape": list(a.shape)}


def call(method, options, f):
    try:
        v = f()
    except Exception as e:  # tskit's refusal: ValueError, LibraryError, IndexError, ...
        return {"method": method, "options": options, "error": f"{type(e).__name__}: {e}"}
    if method == "pca":
        result = {"factors": array(v.factors), "eigenvalues": array(v.eigenvalues),
                  "rangeSketch": array(v.range_sketch), "errorBound": array(v.error_bound)}
    else:
        result = array(v)
    return {"method": method, "options": options, "result": result}


def weights(ts, k, seed):
    rng = np.random.default_rng(seed)
    return np.round(rng.normal(size=(ts.num_samples, k)), 6)


def relatedness_vector_calls(ts):
    L = ts.sequence_length
    W = weights(ts, 3, 1)
    w = {"data": plain(W.ravel()), "shape": list(W.shape)}
    samples = [int(u) for u in ts.samples()]
    internal = [u for u in range(ts.num_nodes) if not ts.node(u).is_sample()][:4]
    focal = samples[::3] + internal
    cases = [
        ({"mode": "branch"}, {"mode": "branch"}),
        ({"mode": "branch", "windows": [0, L / 3, L]}, {"mode": "branch", "windows": [0, L / 3, L]}),
        ({"mode": "branch", "windows": "trees", "spanNormalise": False},
         {"mode": "branch", "windows": "trees", "span_normalise": False}),
        ({"mode": "branch", "centre": False}, {"mode": "branch", "centre": False}),
        ({"mode": "branch", "centre": False, "nodes": focal, "windows": [L / 4, L / 2, 0.9 * L]},
         {"mode": "branch", "centre": False, "nodes": focal, "windows": [L / 4, L / 2, 0.9 * L]}),
        # tskit's default mode, "site", and node mode are refused by tskit's library.
        ({}, {}),
        ({"mode": "node"}, {"mode": "node"}),
        ({"mode": "branch", "nodes": focal}, {"mode": "branch", "nodes": focal}),
    ]
    out = []
    for opts, kw in cases:
        out.append(call("geneticRelatednessVector", {"weights": w, **opts},
                        lambda kw=kw: ts.genetic_relatedness_vector(W, **kw)))
    # One column given as a flat list (tskit reshapes it to a column).
    col = [float(x) for x in W[:, 0]]
    out.append(call("geneticRelatednessVector", {"weights": col, "mode": "branch"},
                    lambda: ts.genetic_relatedness_vector(np.array(col), mode="branch")))
    # W with a row too few.
    short = W[:-1]
    out.append(call("geneticRelatednessVector",
                    {"weights": {"data": plain(short.ravel()), "shape": list(short.shape)}, "mode": "branch"},
                    lambda: ts.genetic_relatedness_vector(short, mode="branch")))
    return out


def pca_calls(ts):
    L = ts.sequence_length
    n = ts.num_samples
    out = []

    def pca(opts, **kw):
        out.append(call("pca", opts, lambda: ts.pca(**kw)))

    pca({"numComponents": 2, "randomSeed": 5}, num_components=2, random_seed=5)
    pca({"numComponents": 3, "randomSeed": 7, "numIterations": 3, "numOversamples": 4},
        num_components=3, random_seed=7, num_iterations=3, num_oversamples=4)
    pca({"numComponents": 2, "randomSeed": 11, "windows": [0, L / 2, L]},
        num_components=2, random_seed=11, windows=[0, L / 2, L])
    pca({"numComponents": 2, "randomSeed": 13, "centre": False}, num_components=2, random_seed=13, centre=False)
    half = [int(u) for u in ts.samples()[: max(4, n // 2)]]
    pca({"numComponents": 2, "randomSeed": 17, "samples": half}, num_components=2, random_seed=17, samples=half)
    inds = [i for i in range(ts.num_individuals) if len(ts.individual(i).nodes) > 0][:8]
    if len(inds) >= 3:
        pca({"numComponents": 2, "randomSeed": 19, "individuals": inds},
            num_components=2, random_seed=19, individuals=inds)
    times = np.sort(ts.nodes_time[ts.nodes_time > 0])
    if len(times) > 0:
        tw = [0.0, float(times[len(times) // 2])]
        pca({"numComponents": 2, "randomSeed": 23, "timeWindows": tw},
            num_components=2, random_seed=23, time_windows=tw)
        tw2 = [float(times[len(times) // 4]), float(times[-1]) * 2]
        pca({"numComponents": 2, "randomSeed": 29, "timeWindows": tw2, "windows": [0, L / 3, L]},
            num_components=2, random_seed=29, time_windows=tw2, windows=[0, L / 3, L])
    # A previous result's sketch, passed back.
    try:
        first = ts.pca(num_components=2, random_seed=5)
        q = first.range_sketch
        pca({"numComponents": 2, "rangeSketch": {"data": plain(q.ravel()), "shape": list(q.shape)}},
            num_components=2, range_sketch=q)
    except Exception:
        pass
    # Refusals.
    pca({"numComponents": n + 1, "randomSeed": 1}, num_components=n + 1, random_seed=1)
    pca({"numComponents": 2, "randomSeed": 1, "samples": half, "individuals": [0]},
        num_components=2, random_seed=1, samples=half, individuals=[0])
    pca({"numComponents": 2, "numIterations": 0, "randomSeed": 1}, num_components=2, num_iterations=0, random_seed=1)
    pca({"numComponents": 2, "mode": "site", "randomSeed": 1}, num_components=2, mode="site", random_seed=1)
    pca({"numComponents": 2, "numOversamples": 0, "randomSeed": 1}, num_components=2, num_oversamples=0, random_seed=1)
    pca({"numComponents": 2, "numOversamples": n, "randomSeed": 1}, num_components=2, num_oversamples=n, random_seed=1)
    return out


def answers(ts, file):
    """tskit's answers for one file, `file` its path from the fixtures folder."""
    return {
        "file": file,
        "tskit": tskit.__version__,
        "calls": relatedness_vector_calls(ts) + pca_calls(ts),
    }


def numpy_stream():
    """numpy's PCG64 words (as hex: beyond 2^53) and normals for a few seeds."""
    out = []
    for seed in SEEDS:
        bits = np.random.PCG64(seed)
        words = [f"{int(x):016x}" for x in bits.random_raw(16)]
        normals = np.random.default_rng(seed).normal(size=1000)
        out.append({"seed": seed, "words": words, "normals": [float(x) for x in normals]})
    return {"numpy": np.__version__, "seeds": out}


def main():
    check_tskit()
    names = sys.argv[1:] or FILES
    for name in names:
        rel = name + ".trees"
        write_json_gz(os.path.join(FIXTURES, KIND, name + ".json.gz"), answers(tskit.load(os.path.join(FIXTURES, rel)), rel))
        print("wrote", name)
    if not sys.argv[1:]:
        with open(os.path.join(FIXTURES, KIND, "numpy_random.json"), "w") as f:
            json.dump(numpy_stream(), f, separators=(",", ":"))
        print("wrote numpy_random.json")


if __name__ == "__main__":
    main()
