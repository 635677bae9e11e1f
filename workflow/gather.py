"""Joins the per-file tables of `treeseq stat` into one: one header, the same long-format
columns, the files' rows in the order of the config. Every job computes the same statistics,
so every table has the same columns (treeseq adds time_left, time_right and index by the
statistics asked for, not by the file); a table whose header differs is an error, not a guess.
Run by the workflow's `gather` rule (`snakemake` is the object Snakemake gives its scripts)."""


def main(inputs, output):
    header = None
    with open(output, "w", newline="") as out:
        for path in inputs:
            with open(path, newline="") as f:
                first = f.readline()
                if not first:
                    raise ValueError(f"{path}: empty (treeseq writes a header even when there are no values)")
                if header is None:
                    header = first
                    out.write(header)
                elif first != header:
                    raise ValueError(f"{path}: columns {first.split()} differ from {inputs[0]}'s {header.split()}")
                # Rows verbatim: treeseq escapes tabs and newlines inside a field.
                for line in f:
                    out.write(line)


main(list(snakemake.input), snakemake.output[0])  # noqa: F821 (provided by Snakemake)
