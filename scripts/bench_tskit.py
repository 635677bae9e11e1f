"""tskit's side of `npm run bench`: python3 scripts/bench_tskit.py FILE REPEATS [CASES].

Times tskit on the cases of /work/shared/bench/time_tskit.py (windows = 100 equal windows;
sample sets = populations with samples; pairs (i, j) for i <= j; 30 equal sets of samples via
np.array_split for all 435 pairs), plus two loops: trees_total_branch_length and
variants_decode. CASES is an optional comma-separated subset. Each case runs once to warm up,
then REPEATS times; the JSON on stdout gives per case the median, the min and every run, and a
`check` value (a sum over the result) to compare with treeseq's. A case that raises is recorded
as {"error": "..."} and the others go on. Progress goes to stderr.
"""
import itertools
import json
import math
import statistics
import sys
import time

import numpy as np
import tskit


def log(msg):
    print(f"[tskit] {msg}", file=sys.stderr, flush=True)


def check_value(result):
    """A number summarising a result: the sum of its finite entries."""
    a = np.asarray(result, dtype=float)
    return float(np.sum(a[np.isfinite(a)]))


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: bench_tskit.py FILE REPEATS [CASES]")
    path = sys.argv[1]
    reps = max(1, int(sys.argv[2]))
    only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 and sys.argv[3] else None

    load_runs = []
    for _ in range(reps):
        t = time.perf_counter()
        ts = tskit.load(path)
        load_runs.append(time.perf_counter() - t)

    sets = [ts.samples(population=p.id) for p in ts.populations() if len(ts.samples(population=p.id))]
    L = ts.sequence_length
    w = np.linspace(0, L, 101)
    pairs = [(i, j) for i in range(len(sets)) for j in range(i, len(sets))]
    many = np.array_split(ts.samples(), 30)
    many_pairs = list(itertools.combinations(range(30), 2))

    def trees_total_branch_length():
        s = 0.0
        for tree in ts.trees():
            s += tree.total_branch_length
        return s

    def variants_decode():
        n = 0
        for v in ts.variants():
            n += int(v.genotypes[0])
        return n

    cases = {
        "diversity_site": lambda: ts.diversity(sets, windows=w, mode="site"),
        "diversity_branch": lambda: ts.diversity(sets, windows=w, mode="branch"),
        "divergence_branch": lambda: ts.divergence(sets, indexes=pairs, windows=w, mode="branch"),
        "tajimas_d_site": lambda: ts.Tajimas_D(sets, windows=w, mode="site"),
        "fst_site": lambda: ts.Fst(sets, indexes=[(0, 1), (0, 2), (1, 2)], windows=w, mode="site"),
        "divergence_435pairs_branch": lambda: ts.divergence(many, indexes=many_pairs, mode="branch"),
        "afs_site": lambda: ts.allele_frequency_spectrum([sets[0]], mode="site"),
        "trees_total_branch_length": trees_total_branch_length,
        "variants_decode": variants_decode,
    }
    if only is not None:
        unknown = only - set(cases)
        if unknown:
            sys.exit(f"unknown case(s): {', '.join(sorted(unknown))} (known: {', '.join(cases)})")

    out = {
        "file": path,
        "tskit_version": tskit.__version__,
        "python_version": sys.version.split()[0],
        "repeats": reps,
        "num_trees": ts.num_trees,
        "num_samples": ts.num_samples,
        "num_sites": ts.num_sites,
        "num_sample_sets": len(sets),
        "load": {"median": statistics.median(load_runs), "min": min(load_runs), "runs": load_runs},
        "cases": {},
    }
    log(f"load {statistics.median(load_runs):.3g} s")
    for name, f in cases.items():
        if only is not None and name not in only:
            continue
        try:
            check = check_value(f())  # warm-up
            runs = []
            for _ in range(reps):
                t = time.perf_counter()
                f()
                runs.append(time.perf_counter() - t)
        except Exception as e:  # recorded, never hidden
            out["cases"][name] = {"error": f"{type(e).__name__}: {e}"}
            log(f"{name}: error {type(e).__name__}: {e}")
            continue
        med = statistics.median(runs)
        out["cases"][name] = {"median": med, "min": min(runs), "runs": runs,
                              "check": check if math.isfinite(check) else None}
        log(f"{name}: median {med:.3g} s")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
