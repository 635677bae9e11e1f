"""tskit's side of `npm run bench`: python3 scripts/bench_tskit.py FILE REPEATS [CASES] [MAX_CASE_SECONDS]
[SINGLETON_FILE] [K].

Times tskit on the cases of /work/shared/bench/time_tskit.py (windows = 100 equal windows;
sample sets = populations with samples; pairs (i, j) for i <= j; 30 equal sets of samples via
np.array_split for all 435 pairs), plus the loops trees_total_branch_length, variants_decode and
variants_decode_nocopy (copy=False), genotype_matrix (the first 1,000 samples), write_vcf (the first
500 individuals, or every sample without individuals, to os.devnull), and diversity with K singleton sample sets (sample i mod n, for i < K; default
10,000) on SINGLETON_FILE (singleton_sets_site, singleton_sets_branch). CASES is an optional comma-separated subset. Each case runs once to warm up,
then REPEATS times, or fewer when the warm-up shows that REPEATS runs would take more than
MAX_CASE_SECONDS (default 300; always at least one timed run; the JSON says so); the JSON on stdout gives per case the median, the min and every run, and a
`check` value (a sum over the result) to compare with treeseq's. A case that raises is recorded
as {"error": "..."} and the others go on. Progress goes to stderr.
"""
import itertools
import json
import os
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
    max_case_seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 300.0
    singleton_file = sys.argv[5] if len(sys.argv) > 5 else None
    num_singletons = int(sys.argv[6]) if len(sys.argv) > 6 else 10_000

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

    # The two Python loops can take many minutes on large files (about 14 minutes for the
    # trees of 300,000 samples). A pass that runs past max_case_seconds stops there; its time
    # is then extrapolated from the part done, and the JSON and the table say so.
    class Partial(Exception):
        def __init__(self, done, total, seconds):
            super().__init__(f"{done} of {total}")
            self.done, self.total, self.seconds = done, total, seconds

    def timed_loop(items, total, step):
        t0 = time.perf_counter()
        acc = 0.0
        for i, item in enumerate(items):
            acc += step(item)
            if i % 64 == 63 and time.perf_counter() - t0 > max_case_seconds and i + 1 < total:
                raise Partial(i + 1, total, time.perf_counter() - t0)
        return acc

    def trees_total_branch_length():
        return timed_loop(ts.trees(), ts.num_trees, lambda tree: tree.total_branch_length)

    def variants_decode():
        return timed_loop(ts.variants(), ts.num_sites, lambda v: int(v.genotypes[0]))

    def variants_decode_nocopy():
        return timed_loop(ts.variants(copy=False), ts.num_sites, lambda v: int(v.genotypes[0]))

    def write_vcf():
        # As bench.mjs: the first 500 individuals (if any), to os.devnull.
        kw = {"individuals": list(range(min(500, ts.num_individuals)))} if ts.num_individuals > 0 else {}
        with open(os.devnull, "w") as sink:
            ts.write_vcf(sink, **kw)
        return None

    single = {}

    def singleton_sets(mode):
        # Loaded on first use (as bench.mjs loads it once per process).
        if not single:
            if singleton_file is None:
                raise ValueError("no SINGLETON_FILE given")
            single["ts"] = tskit.load(singleton_file)
            s = single["ts"].samples()
            single["sets"] = [[s[i % len(s)]] for i in range(num_singletons)]
        return single["ts"].diversity(single["sets"], mode=mode)

    # general_stat: the sets' indicator weights and diversity's x (n - x), in Python (as
    # bench.mjs's JavaScript f).
    row = {u: i for i, u in enumerate(ts.samples())}
    indicator = np.zeros((ts.num_samples, len(sets)))
    for j, s in enumerate(sets):
        indicator[[row[u] for u in s], j] = 1
    set_sizes = np.array([len(s) for s in sets], dtype=np.float64)
    def bench_weights(n, k):
        i, j = np.arange(n)[:, None], np.arange(k)[None, :]
        return ((i * 7 + j * 13) % 17) / 17 - 0.5

    cases = {
        "diversity_site": lambda: ts.diversity(sets, windows=w, mode="site"),
        "diversity_branch": lambda: ts.diversity(sets, windows=w, mode="branch"),
        "divergence_branch": lambda: ts.divergence(sets, indexes=pairs, windows=w, mode="branch"),
        "tajimas_d_site": lambda: ts.Tajimas_D(sets, windows=w, mode="site"),
        "fst_site": lambda: ts.Fst(sets, indexes=[(0, 1), (0, 2), (1, 2)], windows=w, mode="site"),
        "divergence_435pairs_branch": lambda: ts.divergence(many, indexes=many_pairs, mode="branch"),
        "afs_site": lambda: ts.allele_frequency_spectrum([sets[0]], mode="site"),
        "singleton_sets_site": lambda: singleton_sets("site"),
        "singleton_sets_branch": lambda: singleton_sets("branch"),
        "trees_total_branch_length": trees_total_branch_length,
        "variants_decode": variants_decode,
        "variants_decode_nocopy": variants_decode_nocopy,
        "write_vcf": write_vcf,
        # The first 1,000 samples (as bench.mjs): all of bench-30k's would be 12 GB.
        "genotype_matrix": lambda: ts.genotype_matrix(samples=ts.samples()[:1000]),
        # r2 between the first 2,000 sites (as bench.mjs): a 2,000 x 2,000 matrix.
        "ld_matrix": lambda: ts.ld_matrix(sites=[np.arange(min(2000, ts.num_sites), dtype=np.int32)], stat="r2", mode="site"),
        # Coalescence rates within and between populations in 20 time windows (as bench.mjs).
        "pair_coalescence_rates": lambda: ts.pair_coalescence_rates(
            np.concatenate([[0], np.logspace(0, 5, 19), [np.inf]]),
            sample_sets=sets, indexes=pairs),
        "general_stat": lambda: ts.general_stat(indicator, lambda x: x * (set_sizes - x), len(sets),
                                                windows=w, mode="site"),
        # 10 columns of fixed weights per sample (as bench.mjs), branch mode.
        "genetic_relatedness_vector": lambda: ts.genetic_relatedness_vector(bench_weights(ts.num_samples, 10), mode="branch"),
        # 10 components with tskit's defaults (5 iterations, 10 oversamples) and a fixed seed;
        # the eigenvalues are the value checked against treeseq's.
        "pca": lambda: ts.pca(num_components=10, random_seed=1).eigenvalues,
    }
    if only is not None:
        unknown = only - set(cases)
        if unknown:
            sys.exit(f"unknown case(s): {', '.join(sorted(unknown))} (known: {', '.join(cases)})")

    # tskit's Tajima's D evaluates n^2 and 9n(n-1) on uint32 set sizes: they wrap for a set
    # of more than 21,845 samples and its D is then wrong. treeseq computes the same formula
    # without the wrap; `check_exact` is that formula on tskit's own diversity and segregating
    # sites, for the benchmark's sanity check.
    def tajimas_d_exact():
        T = ts.diversity(sets, windows=w, mode="site", span_normalise=False)
        S = ts.segregating_sites(sets, windows=w, mode="site", span_normalise=False)
        n = np.array([len(s) for s in sets], dtype=np.float64)
        h = np.array([np.sum(1 / np.arange(1, nn)) for nn in n])
        g = np.array([np.sum(1 / np.arange(1, nn) ** 2) for nn in n])
        with np.errstate(invalid="ignore", divide="ignore"):
            a = (n + 1) / (3 * (n - 1) * h) - 1 / h**2
            b = 2 * (n**2 + n + 3) / (9 * n * (n - 1)) - (n + 2) / (h * n) + g / h**2
            return (T - S / h) / np.sqrt(a * S + (b / (h**2 + g)) * S * (S - 1))

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
            t = time.perf_counter()
            check = check_value(f())  # warm-up
            warm = time.perf_counter() - t
            n = max(1, min(reps, int(max_case_seconds // max(warm, 1e-9))))
            runs = []
            for _ in range(n):
                t = time.perf_counter()
                f()
                runs.append(time.perf_counter() - t)
        except Partial as p:
            est = p.seconds * p.total / p.done
            out["cases"][name] = {"median": est, "min": est, "runs": [], "extrapolated": True,
                                  "check": None,
                                  "note": f"extrapolated: one pass stopped after {p.seconds:.0f} s at {p.done} of "
                                          f"{p.total} (--max-case-seconds {max_case_seconds:g})"}
            log(f"{name}: about {est:.3g} s (extrapolated from {p.done} of {p.total})")
            continue
        except Exception as e:  # recorded, never hidden
            out["cases"][name] = {"error": f"{type(e).__name__}: {e}"}
            log(f"{name}: error {type(e).__name__}: {e}")
            continue
        med = statistics.median(runs)
        out["cases"][name] = {"median": med, "min": min(runs), "runs": runs,
                              "check": check if math.isfinite(check) else None}
        if name == "tajimas_d_site" and max(len(s) for s in sets) > 21845:
            exact = check_value(tajimas_d_exact())
            out["cases"][name]["check_exact"] = exact
            out["cases"][name]["note_exact"] = (
                "tskit's Tajima's D wraps uint32 arithmetic for sample sets over 21,845 samples; "
                "treeseq is compared with tskit's formula evaluated without the wrap")
        if n < reps:
            out["cases"][name]["note"] = (f"only {n} of {reps} repeats: the warm-up took {warm:.1f} s "
                                          f"(--max-case-seconds {max_case_seconds:g})")
        log(f"{name}: median {med:.3g} s")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
