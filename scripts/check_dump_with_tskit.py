#!/usr/bin/env python3
"""Checks a file written by treeseq against tskit.

Usage: check_dump_with_tskit.py ORIGINAL DUMPED

Loads both files with tskit and asserts that their table collections are equal (tskit's
own `TableCollection.equals`, which covers every table, metadata and schemas, time units,
the reference sequence and provenances). Exits 0 when they are, 1 with the difference
when they are not or tskit cannot load DUMPED, 2 on bad usage.
"""
import sys


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    import tskit

    original, dumped = argv[1], argv[2]
    a = tskit.load(original).tables
    try:
        b = tskit.load(dumped).tables
    except Exception as e:  # any failure to load is the answer, not a crash of this script
        print(f"tskit cannot load {dumped}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    if a.equals(b):
        return 0
    try:
        a.assert_equals(b)
        detail = "tables differ"
    except AssertionError as e:
        detail = str(e)
    print(f"{dumped} differs from {original}: {detail}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
