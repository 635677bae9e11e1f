"""Gathers treeseq's JSON results into one table: a row per value, with its tree sequence,
statistic, window and column (sample set, or pair of sets). Run by the workflow's `collect`
rule (`snakemake` is the object Snakemake provides to scripts)."""
import csv
import json
from pathlib import Path


def column_names(result):
    """A name per output column: the pairs' set names, else the sets' names, else numbers."""
    sets = [s["name"] for s in result.get("sampleSets", [])]
    if "indexes" in result:
        return [" vs ".join(sets[i] for i in idx) for idx in result["indexes"]]
    if sets and len(sets) == result["shape"][-1]:
        return sets
    return [str(c) for c in range(result["shape"][-1] if result["shape"] else 1)]


def rows(path):
    result = json.loads(Path(path).read_text())
    trees, stat = Path(path).parent.name, Path(path).stem
    shape, data = result["shape"], result["data"]
    windows = result.get("windows")
    if len(shape) == 2 and windows is not None:
        names = column_names(result)
        for w in range(shape[0]):
            for c in range(shape[1]):
                yield [trees, stat, result["method"], windows[w], windows[w + 1], names[c], repr(data[w * shape[1] + c])]
    else:
        # Other shapes (no windows, spectra): the flat index as the column.
        for i, value in enumerate(data):
            yield [trees, stat, result["method"], "", "", str(i), repr(value)]


def main(inputs, output):
    with open(output, "w", newline="") as f:
        out = csv.writer(f, delimiter="\t", lineterminator="\n")
        out.writerow(["trees", "statistic", "method", "window_left", "window_right", "column", "value"])
        for path in inputs:
            out.writerows(rows(path))


main(list(snakemake.input), snakemake.output[0])  # noqa: F821 (provided by Snakemake)
