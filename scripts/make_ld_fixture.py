"""tskit 1.0.3's ld_matrix answers for treeseq's tests: every two-locus statistic, with
sample sets, index pairs, square and rectangular site selections (multiallelic sites among
them where a file has them), and the calls tskit refuses.

Writes test/fixtures/ld/<name>.json.gz, one per file:
  {"file", "tskit",
   "cases": [{"options": {...camelCase as treeseq takes them...}, "shape", "values"}],
             (values row-major, NaN as null, infinities as "inf" / "-inf")
   "errors": [{"options", "error"}]}   (options that tskit refuses)
Branch-mode cases whose answer is tskit's refusal (uncalibrated times) go to "errors".
Run: python3 scripts/make_ld_fixture.py; for any other tree sequence,
python3 scripts/make_fixture.py OUT_DIR --toolkit (`answers` here is its ld recorder).
"""

import math
import os

import numpy as np
import tskit

from fixture_util import FIXTURES, check_tskit, write_json_gz

KIND = "ld"
FILES = ["small", "multiallelic", "gaps_isolated", "ancient_gaps", "nonbinary", "single_tree",
         "stdpopsim", "tsinfer", "unary_internal", "missing_ref", "unknown_times"]
STATS = ["r2", "r", "D", "D2", "D_prime", "Dz", "pi2", "D2_unbiased", "Dz_unbiased", "pi2_unbiased"]
TWO_WAY = ["r2", "D2", "D2_unbiased"]
OPTION = {"sampleSets": "sample_sets"}


def values(a):
    """Values as JSON: NaN as null, infinities as "inf" and "-inf" (JSON has neither)."""
    return [None if math.isnan(x) else ("inf" if x > 0 else "-inf") if math.isinf(x) else x
            for x in np.asarray(a, dtype=float).ravel().tolist()]


def selection(ts, count=20):
    """Up to `count` site ids, increasing: some from the start and the end, spread ones, and
    the multiallelic sites (more than two alleles) first among the rest."""
    n = ts.num_sites
    if n <= count:
        return list(range(n))
    multi = [v.site.id for v in ts.variants() if len(v.alleles) > 2][: count // 3]
    spread = [int(x) for x in np.linspace(0, n - 1, count - len(multi) - 4)]
    return sorted(set(multi + spread + [0, 1, n - 2, n - 1]))[:count]


def option_cases(ts):
    s = [int(u) for u in ts.samples()]
    a, b = s[: len(s) // 2], s[len(s) // 2:]
    sel = selection(ts)
    rows, cols = sel[::2], sel[1::3]
    cases = []
    if ts.num_sites <= 100:
        cases.append({})
    cases += [{"stat": stat, "sites": [sel]} for stat in STATS]
    cases += [
        {"sites": [rows, cols]},
        {"stat": "D", "sites": [rows, cols]},
        {"stat": "D_prime", "sites": [cols, rows]},
        {"sites": [sel[:3], []]},
        {"sites": [[]]},
        {"sampleSets": a, "sites": [sel]},
        {"sampleSets": [a], "stat": "D", "sites": [sel]},
        {"sampleSets": s[::-1], "stat": "r", "sites": [sel]},
    ]
    cases += [{"sampleSets": [a, b], "stat": stat, "sites": [sel]} for stat in ["r2", "D_prime", "pi2_unbiased", "Dz"]]
    cases += [{"sampleSets": [a, b, s], "sites": [rows, cols], "stat": "D2"}]
    for stat in TWO_WAY:
        cases.append({"sampleSets": [a, b], "indexes": [0, 1], "stat": stat, "sites": [sel]})
        cases.append({"sampleSets": [a, b, s], "indexes": [[0, 1], [1, 1], [2, 0]], "stat": stat,
                      "sites": [rows, cols]})
    return cases + branch_cases(ts, a, b, s)


def branch_cases(ts, a, b, s):
    """Branch mode: positions (default every tree's left end, on files of few trees), rows and
    columns, several statistics, sets and pairs of sets."""
    L = ts.sequence_length
    lefts = [float(x) for x in ts.breakpoints()][:-1]
    pos = sorted(set([lefts[0]] + [float(x) for x in np.linspace(0, L, 9)[1:-1]] + [lefts[-1]]))
    rows, cols = pos[::2], pos[1::2]
    cases = []
    if ts.num_trees <= 70:
        cases.append({"mode": "branch"})
    cases += [{"mode": "branch", "stat": stat, "positions": [pos]} for stat in STATS]
    cases += [
        {"mode": "branch", "positions": [rows, cols], "stat": "D"},
        {"mode": "branch", "positions": [[pos[0], pos[0] + 1e-9 * L, pos[-1]]]},
        {"mode": "branch", "sampleSets": [a, b], "positions": [pos], "stat": "r2"},
        {"mode": "branch", "sampleSets": a, "positions": [rows, cols], "stat": "pi2"},
        {"mode": "branch", "sampleSets": [a, b, s], "indexes": [[0, 1], [2, 2]], "stat": "D2", "positions": [pos]},
        {"mode": "branch", "sampleSets": [a, b], "indexes": [0, 1], "stat": "r2", "positions": [rows, cols]},
    ]
    return cases


def error_cases(ts):
    s = [int(u) for u in ts.samples()]
    n = ts.num_sites
    non_sample = [u for u in range(ts.num_nodes) if not ts.node(u).is_sample()]
    cases = [
        {"stat": "nope"},
        {"stat": "D", "sampleSets": [s[:2], s[2:]], "indexes": [0, 1]},
        {"sites": [[1, 0]]},
        {"sites": [[0, 0]]},
        {"sites": [[0, n]]},
        {"sites": [[-1]]},
        {"sites": [0, 1]},
        {"sites": [[0], [0], [0]]},
        {"positions": [[0.0]]},
        {"mode": "branch", "sites": [[0]]},
        {"mode": "node"},
        {"mode": "nope"},
        {"sampleSets": [[], s]},
        {"sampleSets": [[s[0], s[0]]]},
        {"sampleSets": [[ts.num_nodes]]},
        {"sampleSets": [s[:2], s[2:]], "indexes": [[0, 2]]},
        {"sampleSets": [s[:2], s[2:]], "indexes": [[0, 1, 1]]},
        {"sampleSets": [s[:2], s[2:]], "indexes": []},
        {"indexes": [0, 0]},
        {"sampleSets": s, "indexes": [0, 0]},
        {"windows": [0, ts.sequence_length]},
        {"mode": "branch", "positions": [[ts.sequence_length]]},
        {"mode": "branch", "positions": [[1.0, 0.5]]},
        {"mode": "branch", "positions": [[-1.0]]},
    ]
    if non_sample:
        cases.append({"sampleSets": [[non_sample[0]]]})
    return cases


def to_tskit(options):
    return {OPTION.get(k, k): v for k, v in options.items()}


def answers(ts, file):
    """tskit's answers for one file, `file` its path from the fixtures folder."""
    cases = []
    errors = []
    for options in option_cases(ts):
        try:
            r = ts.ld_matrix(**to_tskit(options))
        except Exception as e:  # noqa: BLE001 - branch mode on uncalibrated times
            if options.get("mode") != "branch":
                raise
            errors.append({"options": options, "error": f"{type(e).__name__}: {e}"})
            continue
        cases.append({"options": options, "shape": list(r.shape), "values": values(r)})
    for options in error_cases(ts):
        try:
            ts.ld_matrix(**to_tskit(options))
        except Exception as e:  # noqa: BLE001 - recording what tskit refuses
            errors.append({"options": options, "error": f"{type(e).__name__}: {e}"})
        else:
            raise AssertionError(f"{file}: tskit accepted {options}")
    return {"file": file, "tskit": tskit.__version__, "cases": cases, "errors": errors}


def main():
    check_tskit()
    for name in FILES:
        rel = name + ".trees"
        write_json_gz(os.path.join(FIXTURES, KIND, name + ".json.gz"), answers(tskit.load(os.path.join(FIXTURES, rel)), rel))
        print("wrote", name)


if __name__ == "__main__":
    main()
