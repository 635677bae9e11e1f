"""tskit's side of the batch benchmark (scripts/bench_batch.mjs): the seeds' recipe for K files x
M statistics on every core, which treeseq's `treeseq stat` is timed against.

    python3 scripts/batch_tskit.py --spec SPEC.json --cores N --out OUT.tsv [--timings T.json] FILE...

multiprocessing.Pool(N).map over the FILE NAMES: each worker loads its file with tskit.load and
computes every statistic of SPEC.json on it, with the sample sets and windows treeseq uses for
the same flags (one set per population that has samples, named by the population's metadata
`name`; `windows` equal windows over the sequence; the spec's index pairs), and formats its rows;
the parent writes them, in the order of the files, as one table in treeseq's long format
(file, statistic, mode, window_left, window_right, sample_sets, value, index) so that the two
outputs can be compared value for value. --timings writes each worker's seconds (load, each
statistic, formatting) for the benchmark's breakdown.

SPEC.json: {"windows": W, "pairs": [[0, 1], ...], "statistics": [{"name": "diversity",
"mode": "site"}, ...]} with treeseq's statistic names; which take pairs, and which give a
histogram (index column), is said in TSKIT below. A statistic with its own "sampleSets" (lists
of sample ids) uses those instead of the populations, named "0", "1", ... as treeseq names them;
a spectrum of such sets is their joint one (one set here: its bins).
"""
import argparse
import json
import multiprocessing
import sys
import time

import numpy as np
import tskit

# treeseq name -> (tskit method, how its sample sets are given).
#  "sets": the sample sets, one output column each; "pairs": sets and index pairs, one column
#  per pair; "afs": one-way allele frequency spectrum of each set in turn, its bins the index.
TSKIT = {
    "diversity": ("diversity", "sets"),
    "segregatingSites": ("segregating_sites", "sets"),
    "tajimasD": ("Tajimas_D", "sets"),
    "divergence": ("divergence", "pairs"),
    "fst": ("Fst", "pairs"),
    "alleleFrequencySpectrum": ("allele_frequency_spectrum", "afs"),
}


def number(x):
    """A double as treeseq writes it: shortest round-trip text, integers without '.0', NaN."""
    x = float(x)
    if x != x:
        return "NaN"
    if x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    return repr(x)


def sample_sets(ts):
    sets, names = [], []
    for pop in ts.populations():
        samples = ts.samples(population=pop.id)
        if len(samples):
            sets.append(samples)
            meta = pop.metadata if isinstance(pop.metadata, dict) else {}
            names.append(meta.get("name", f"pop{pop.id}"))
    return sets, names


def one_file(job):
    """A worker: loads one file, computes every statistic, returns its rows as text + seconds."""
    path, spec = job
    t0 = time.perf_counter()
    ts = tskit.load(path)
    seconds = {"load": time.perf_counter() - t0}
    sets, names = sample_sets(ts)
    windows = np.linspace(0, ts.sequence_length, spec["windows"] + 1)
    windows[-1] = ts.sequence_length
    pairs = [tuple(p) for p in spec["pairs"]]
    lines = []
    for stat in spec["statistics"]:
        method, kind = TSKIT[stat["name"]]
        f = getattr(ts, method)
        own = stat.get("sampleSets")
        t = time.perf_counter()
        if kind == "afs" and own is not None:
            if len(own) != 1:
                sys.exit("batch_tskit.py: a spectrum's own sampleSets must be one set here (a joint one is not laid out)")
            out = f([np.array(own[0], dtype=np.int32)], windows=windows, mode=stat["mode"])
            columns = [("0", out[:, b], b) for b in range(out.shape[1])]
        elif own is not None:
            sys.exit(f"batch_tskit.py: own sampleSets are only laid out for the spectrum, not {stat['name']}")
        elif kind == "sets":
            out = f(sets, windows=windows, mode=stat["mode"])
            columns = [(names[j], out[:, j], None) for j in range(len(sets))]
        elif kind == "pairs":
            out = f(sets, indexes=pairs, windows=windows, mode=stat["mode"])
            columns = [(",".join(names[i] for i in p), out[:, j], None) for j, p in enumerate(pairs)]
        else:  # afs: each set's own spectrum, its bins as the index column
            columns = []
            for j, s in enumerate(sets):
                out = f([s], windows=windows, mode=stat["mode"])
                columns += [(names[j], out[:, b], b) for b in range(out.shape[1])]
        seconds[f"{stat['name']}_{stat['mode']}"] = time.perf_counter() - t
        t = time.perf_counter()
        head = f"{path}\t{stat['name']}\t{stat['mode']}"
        for w in range(len(windows) - 1):
            left, right = number(windows[w]), number(windows[w + 1])
            for name, values, index in columns:
                lines.append(f"{head}\t{left}\t{right}\t{name}\t{number(values[w])}\t{'' if index is None else index}\n")
        seconds["format"] = seconds.get("format", 0) + time.perf_counter() - t
    return "".join(lines), seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+")
    p.add_argument("--spec", required=True)
    p.add_argument("--cores", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--timings")
    a = p.parse_args()
    with open(a.spec) as f:
        spec = json.load(f)
    for stat in spec["statistics"]:
        if stat["name"] not in TSKIT:
            sys.exit(f"batch_tskit.py: no tskit method for statistic {stat['name']!r} (known: {', '.join(TSKIT)})")
    t0 = time.perf_counter()
    with multiprocessing.Pool(a.cores) as pool:
        results = pool.map(one_file, [(path, spec) for path in a.files], chunksize=1)
    t_pool = time.perf_counter() - t0
    with open(a.out, "w") as f:
        f.write("file\tstatistic\tmode\twindow_left\twindow_right\tsample_sets\tvalue\tindex\n")
        for text, _ in results:
            f.write(text)
    if a.timings:
        with open(a.timings, "w") as f:
            json.dump({"pool_s": t_pool, "write_s": time.perf_counter() - t0 - t_pool, "workers": [s for _, s in results]}, f)


if __name__ == "__main__":
    main()
