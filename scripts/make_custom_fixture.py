#!/usr/bin/env python3
"""
Records tskit's answers for the statistics of API.md's "More statistics" that take the caller's
own arithmetic or another tree sequence: trait_linear_model (with and without covariates),
general_stat and sample_count_stat (a few summary functions f, each written here twice: in
Python for tskit and as JavaScript source for treeseq), and kc_distance (against the file
itself, a simplified copy and a simulation with another seed), into
test/fixtures/custom/<name>.json.gz; test/custom-stats.test.ts compares treeseq's answers on
both backends with these.

    python3 scripts/make_custom_fixture.py            # every file below
    python3 scripts/make_custom_fixture.py small      # one
    python3 scripts/make_fixture.py OUT_DIR --toolkit   # any other tree sequence (`answers`)

Each case is {"method", "options", "result": {data, shape}} or {"error": "<tskit's message>"}
where tskit raises: the test expects a TreeSeqError there. Options are treeseq's (camelCase);
"$W", "$Z" and "$sets" stand for the file's recorded weights, covariates and sample sets, and
"$f" for the case's JavaScript source `fjs`. The other tree sequences of kc_distance are
embedded as the bytes of their .trees files (base64), so that a file needs nothing beside it.
"""
import base64
import math
import os
import sys

import numpy as np
import tskit

from fixture_util import FIXTURES, check_tskit, write_json_gz

KIND = "custom"
FILES = ["small", "nonbinary", "ancient_gaps", "multiallelic", "single_tree", "gaps_isolated",
         "unary_internal", "tsinfer", "stdpopsim"]


def values(a):
    """A result as {data, shape}, non-finite values spelled as the other fixtures do."""
    a = np.asarray(a, dtype=float)
    data = [None if math.isnan(x) else ("inf" if x > 0 else "-inf") if math.isinf(x) else x
            for x in a.ravel().tolist()]
    return {"data": data, "shape": list(a.shape)}


def answer(f):
    try:
        return {"result": values(f())}
    except Exception as e:  # tskit's refusal: ValueError, LibraryError, ...
        return {"error": f"{type(e).__name__}: {e}"}


def matrix(a):
    a = np.asarray(a, dtype=float)
    return {"data": a.ravel().tolist(), "shape": list(a.shape)}


def summaries(sizes, totals):
    """Summary functions as (name, Python f, JavaScript source, output_dim, strict): each pair
    does the same arithmetic in the same order, so that both languages give the same bits."""
    n0 = repr(float(sizes[0]))
    n1 = repr(float(sizes[1]))
    t0, t1 = repr(float(totals[0])), repr(float(totals[1]))
    return {
        "counts": [
            ("diversity", lambda x: np.array([x[0] * (sizes[0] - x[0]), x[1] * (sizes[1] - x[1])]),
             f"(x) => [x[0] * ({n0} - x[0]), x[1] * ({n1} - x[1])]", 2, True),
            ("mixed3", lambda x: np.array([x[0] * (sizes[1] - x[1]), math.sqrt(x[1] * (sizes[0] - x[0])),
                                           x[0] * x[1] * (sizes[0] - x[0]) * (sizes[1] - x[1]) / (sizes[0] * sizes[1])]),
             f"(x) => [x[0] * ({n1} - x[1]), Math.sqrt(x[1] * ({n0} - x[0])), x[0] * x[1] * ({n0} - x[0]) * ({n1} - x[1]) / ({n0} * {n1})]",
             3, True),
            ("notzero", lambda x: np.array([x[0] + 1.0]), "(x) => [x[0] + 1]", 1, False),
        ],
        "weights": [
            ("product", lambda x: np.array([x[0] * (float(totals[1]) - x[1]), (x[0] - float(totals[0])) * x[1]]),
             f"(x) => [x[0] * ({t1} - x[1]), (x[0] - {t0}) * x[1]]", 2, True),
            ("square", lambda x: np.array([x[0] * x[0] * (x[1] - float(totals[1])) * (x[1] - float(totals[1]))]),
             f"(x) => [x[0] * x[0] * (x[1] - {t1}) * (x[1] - {t1})]", 1, False),
        ],
    }


def other_files(ts):
    """Tree sequences to measure kc_distance to: a simplified copy, a coalescent simulation
    with the same sample count and length (its samples are 0..n-1), and two that tskit
    refuses (another length, another number of samples)."""
    import msprime
    out = {"simplified": ts.simplify()}
    sim = msprime.sim_ancestry(ts.num_samples, ploidy=1, population_size=1000,
                               sequence_length=ts.sequence_length, recombination_rate=2e-8,
                               random_seed=11)
    out["simulated"] = sim
    out["shorter"] = msprime.sim_ancestry(ts.num_samples, ploidy=1, population_size=1000,
                                          sequence_length=ts.sequence_length / 2, random_seed=12)
    out["fewer"] = msprime.sim_ancestry(max(2, ts.num_samples - 1), ploidy=1, population_size=1000,
                                        sequence_length=ts.sequence_length, random_seed=13)
    return out


def trees_bytes(ts):
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.trees")
        ts.dump(path)
        with open(path, "rb") as f:
            return base64.b64encode(f.read()).decode()


def answers(ts, file):
    """tskit's answers for one file, `file` its path from the fixtures folder."""
    n = ts.num_samples
    rng = np.random.default_rng(5)
    W = rng.normal(size=(n, 2))
    W -= W.mean(axis=0)  # totals near 0: f(total) = 0 for the weight summaries below
    Z = rng.normal(size=(n, 2))
    samples = [int(u) for u in ts.samples()]
    sets = [samples[: max(1, n // 2)], samples[max(1, n // 2):] or samples[:1]]
    L = ts.sequence_length
    windows = [0.0, L / 3, L / 2, L]
    cases = []

    def case(method, options, run, **extra):
        cases.append({"method": method, "options": options, **extra, **answer(run)})

    # trait_linear_model: without and with covariates, every mode, windows.
    for mode in ["site", "branch", "node"]:
        for win in [None, windows]:
            o = {"weights": "$W", "mode": mode}
            if win is not None:
                o["windows"] = win
            case("traitLinearModel", o, lambda: ts.trait_linear_model(W, windows=win, mode=mode))
            case("traitLinearModel", {**o, "covariates": "$Z"},
                 lambda: ts.trait_linear_model(W, Z, windows=win, mode=mode))
    case("traitLinearModel", {"weights": "$W", "covariates": "$Z", "spanNormalise": False, "windows": "trees"},
         lambda: ts.trait_linear_model(W, Z, windows="trees", span_normalise=False))
    # A covariate that is constant: no column of ones is added (it would make them dependent).
    Zc = np.column_stack([Z[:, 0], np.full(n, 2.0)])
    case("traitLinearModel", {"weights": "$W", "covariates": {"data": Zc.ravel().tolist(), "shape": [n, 2]}, "mode": "branch"},
         lambda: ts.trait_linear_model(W, Zc, mode="branch"))
    # Refusals: dependent covariates, wrong numbers of rows.
    Zs = np.column_stack([Z[:, 0], Z[:, 0] * 2.0])
    case("traitLinearModel", {"weights": "$W", "covariates": {"data": Zs.ravel().tolist(), "shape": [n, 2]}},
         lambda: ts.trait_linear_model(W, Zs))
    case("traitLinearModel", {"weights": {"data": W[:-1].ravel().tolist(), "shape": [n - 1, 2]}},
         lambda: ts.trait_linear_model(W[:-1]))
    case("traitLinearModel", {"weights": "$W", "covariates": {"data": Z[:-1].ravel().tolist(), "shape": [n - 1, 2]}},
         lambda: ts.trait_linear_model(W, Z[:-1]))

    # general_stat and sample_count_stat.
    sizes = [len(s) for s in sets]
    fs = summaries(sizes, W.sum(axis=0))
    for name, f, fjs, dim, strict in fs["counts"]:
        for mode in ["site", "branch", "node"]:
            for polarised in [False, True]:
                for win in [None, windows]:
                    o = {"sampleSets": "$sets", "f": "$f", "outputDim": dim, "mode": mode, "polarised": polarised}
                    if not strict:
                        o["strict"] = False
                    if win is not None:
                        o["windows"] = win
                    case("sampleCountStat", o, lambda: ts.sample_count_stat(
                        sets, f, dim, windows=win, mode=mode, polarised=polarised, strict=strict),
                        fname=name, fjs=fjs)
    for name, f, fjs, dim, strict in fs["weights"]:
        for mode in ["site", "branch", "node"]:
            for polarised in [False, True]:
                o = {"weights": "$W", "f": "$f", "outputDim": dim, "mode": mode, "polarised": polarised,
                     "windows": windows}
                if not strict:
                    o["strict"] = False
                case("generalStat", o, lambda: ts.general_stat(
                    W, f, dim, windows=windows, mode=mode, polarised=polarised, strict=strict),
                    fname=name, fjs=fjs)
    case("generalStat", {"weights": "$W", "f": "$f", "outputDim": 2, "windows": "sites", "spanNormalise": False},
         lambda: ts.general_stat(W, fs["weights"][0][1], 2, windows="sites", span_normalise=False),
         fname="product", fjs=fs["weights"][0][2])
    # Refusals: f not zero at the total weight (strict), sets with a repeat, W's rows.
    case("sampleCountStat", {"sampleSets": "$sets", "f": "$f", "outputDim": 1},
         lambda: ts.sample_count_stat(sets, lambda x: np.array([x[0]]), 1), fname="first", fjs="(x) => [x[0]]")
    case("sampleCountStat", {"sampleSets": [[samples[0], samples[0]]], "f": "$f", "outputDim": 1},
         lambda: ts.sample_count_stat([[samples[0], samples[0]]], lambda x: x * 0.0, 1), fname="zero",
         fjs="(x) => [x[0] * 0]")
    case("generalStat", {"weights": {"data": W[:-1].ravel().tolist(), "shape": [n - 1, 2]}, "f": "$f", "outputDim": 2,
                         "strict": False},
         lambda: ts.general_stat(W[:-1], fs["weights"][0][1], 2, strict=False), fname="product", fjs=fs["weights"][0][2])

    # kc_distance.
    others = {}
    for other_name, other in other_files(ts).items():
        others[other_name] = trees_bytes(other)
        for lam in [0.0, 0.5, 1.0]:
            case("kcDistance", {"other": other_name, "lambda": lam}, lambda: ts.kc_distance(other, lambda_=lam))
    case("kcDistance", {"other": "self", "lambda": 0.3}, lambda: ts.kc_distance(ts, lambda_=0.3))

    return {
        "file": file,
        "tskit": tskit.__version__,
        "W": matrix(W),
        "Z": matrix(Z),
        "sets": sets,
        "others": others,
        "cases": cases,
    }


def main():
    check_tskit()
    names = sys.argv[1:] or FILES
    for name in names:
        rel = f"{name}.trees"
        ts = tskit.load(os.path.join(FIXTURES, rel))
        path = os.path.join(FIXTURES, KIND, f"{name}.json.gz")
        write_json_gz(path, answers(ts, rel))
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
