"""Gathers the per-file tables of `treeseq stat` into one: one header, the same long-format
columns, the files' rows in the order of the config. A column that only some files' tables have
(time_left, time_right, index: treeseq writes them when a statistic has that axis) is kept, and
left empty in the rows of the others. Run by the workflow's `gather` rule (`snakemake` is the
object Snakemake gives its scripts)."""
# treeseq's column order (CLI-SPEC.md); a column it adds later goes at the end, in the order met.
ORDER = ["file", "statistic", "mode", "window_left", "window_right", "sample_sets", "value", "time_left", "time_right", "index"]


def read(path):
    """Header and rows, fields split at tabs and passed on verbatim (treeseq quotes nothing)."""
    with open(path, newline="") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    if not rows:
        raise ValueError(f"{path}: empty (treeseq writes a header even when there are no values)")
    return rows[0], rows[1:]


def main(inputs, output):
    tables = [(path, *read(path)) for path in inputs]
    seen = [c for _, header, _ in tables for c in header]
    columns = [c for c in ORDER if c in seen] + [c for c in dict.fromkeys(seen) if c not in ORDER]
    with open(output, "w", newline="") as f:
        f.write("\t".join(columns) + "\n")
        for path, header, rows in tables:
            where = {c: i for i, c in enumerate(header)}
            for n, row in enumerate(rows, start=2):
                if len(row) != len(header):
                    raise ValueError(f"{path}:{n}: {len(row)} fields, the header has {len(header)}")
                f.write("\t".join(row[where[c]] if c in where else "" for c in columns) + "\n")


main(list(snakemake.input), snakemake.output[0])  # noqa: F821 (provided by Snakemake)
