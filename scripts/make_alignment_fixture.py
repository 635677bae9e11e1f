"""tskit 1.0.3's alignments, FASTA and NEXUS text for a few discrete-genome files: writes
test/fixtures/alignments/<name>.trees (made once: delete one to remake it) and
<name>.json.gz (the answers and refusals). For any other tree sequence:
python3 scripts/make_fixture.py OUT_DIR --toolkit (`answers` here is its alignment recorder).
"""
import hashlib
import os
import sys

import msprime
import tskit

from fixture_util import FIXTURES, check_tskit, dump_once, write_json_gz

KIND = "alignments"


# Answers longer than this (a long genome) are recorded as the SHA-256 of their text (lines
# joined with "\n" for alignments), so that the fixture stays small and the check exact.
DIGEST_OVER = 20000


def attempt(f):
    try:
        value = f()
    except Exception as e:  # tskit's refusal: its type and message
        return {"error": type(e).__name__, "message": str(e)}
    text = value if isinstance(value, str) else "\n".join(value)
    if len(text) > DIGEST_OVER:
        return {"sha256": hashlib.sha256(text.encode()).hexdigest()}
    return {"value": value}


def files():
    ts = msprime.sim_ancestry(4, sequence_length=40, recombination_rate=0.01, random_seed=3)
    ts = msprime.sim_mutations(ts, rate=0.02, random_seed=4)
    yield "plain", ts
    t = ts.dump_tables()
    t.reference_sequence.data = tskit.random_nucleotides(40, seed=5)
    yield "withref", t.tree_sequence()
    # missing data: nothing in [10, 20), so every sample is isolated there
    gaps = ts.delete_intervals([[10, 20]], simplify=False)
    t = gaps.dump_tables()
    t.reference_sequence.data = tskit.random_nucleotides(40, seed=6)
    yield "gaps", t.tree_sequence()
    # a mutation with a two-letter allele: no alignment letter
    t = ts.dump_tables()
    t.mutations.clear()
    for m in ts.mutations():
        t.mutations.append(m.replace(derived_state="AT" if m.id == 0 else m.derived_state))
    yield "multichar", t.tree_sequence()
    cont = msprime.sim_mutations(
        msprime.sim_ancestry(3, sequence_length=10, discrete_genome=False, random_seed=7),
        rate=0.1, discrete_genome=False, random_seed=8)
    yield "continuous", cont


def answers(ts, file):
    """tskit's answers for one file, `file` its path from the fixtures folder."""
    n = ts.num_samples
    L = int(ts.sequence_length)
    ref = "".join("ACGT"[i % 4] for i in range(L))
    cases = [
        {},
        {"missing_data_character": "?"},
        {"samples": [int(x) for x in ts.samples()[::-2]]},
        {"left": 5, "right": 27},
        {"left": 3},
        {"reference_sequence": ref},
        {"reference_sequence": ref[:-1]},
        {"isolated_as_missing": False},
        {"missing_data_character": "A"},
        {"left": 2.5},
        {"missing_data_character": "NN"},
        # non-sample nodes are decoded too (isolated ones, in the gap, are missing)
        {"samples": [ts.num_nodes - 1, n + 1, 0]},
        {"samples": [n + 2], "left": 8, "right": 22, "isolated_as_missing": False},
        {"left": 7, "right": 7},
        {"right": L + 1},
        {"samples": [0, 0]},
    ]
    fasta = [{}, {"wrap_width": 0}, {"wrap_width": 7}, {"reference_sequence": ref, "missing_data_character": "-"},
             {"isolated_as_missing": False}, {"wrap_width": -1}, {"wrap_width": 2.5}]
    nexus = [{}, {"include_trees": False}, {"include_alignments": False}, {"precision": 3},
             {"include_alignments": True, "missing_data_character": "N"}, {"isolated_as_missing": False},
             {"reference_sequence": ref}, {"node_labels": {0: "a", 3: "b"}}]
    return {
        "file": file,
        "tskit": tskit.__version__,
        "numSamples": n,
        "alignments": [{"options": o, **attempt(lambda: list(ts.alignments(**o)))} for o in cases],
        "fasta": [{"options": o, **attempt(lambda: ts.as_fasta(**o))} for o in fasta],
        "nexus": [{"options": o, **attempt(lambda: ts.as_nexus(**o))} for o in nexus],
    }


# The metadata files (JSON, SLiM's struct, every struct format), by path from the fixtures.
ELSEWHERE = {"msprime": "metadata/msprime.trees", "slim": "metadata/slim.trees", "struct": "metadata/struct.trees"}


def main():
    check_tskit()
    for name, made in files():
        rel = f"{KIND}/{name}.trees"
        ts = dump_once(made, os.path.join(FIXTURES, rel))
        write_json_gz(os.path.join(FIXTURES, KIND, f"{name}.json.gz"), answers(ts, rel))
        print(name, ts.num_samples, ts.num_sites, ts.num_trees, file=sys.stderr)
    for name, rel in ELSEWHERE.items():
        write_json_gz(os.path.join(FIXTURES, KIND, f"{name}.json.gz"), answers(tskit.load(os.path.join(FIXTURES, rel)), rel))


if __name__ == "__main__":
    main()
