#!/usr/bin/env python3
"""
Records tskit's answers for every method of the whole Tree (API.md, "The whole Tree
(toolkit)") on a few trees of several bundled fixtures, into test/fixtures/tree/<name>.json.gz;
test/tree-toolkit.test.ts compares treeseq's answers on both backends with these.

    python3 scripts/make_tree_fixture.py            # every file below
    python3 scripts/make_tree_fixture.py small      # one
    python3 scripts/make_fixture.py OUT_DIR --toolkit   # any other tree sequence (`answers`)

Each answer is tskit's value, or {"error": "<tskit's message>"} where tskit raises: the test
expects a TreeSeqError there. Nodes per tree are a sample (roots, samples, internal nodes, an
isolated node), so that the files stay small.
"""
import math
import os
import sys

import tskit

from fixture_util import FIXTURES, check_tskit, dump_once, plain, write_json_gz

KIND = "tree"
FILES = ["small", "nonbinary", "ancient_gaps", "unary_internal", "gaps_isolated", "single_tree"]
# The metadata files (JSON, SLiM's struct, every struct format), by path from the fixtures.
ELSEWHERE = {"msprime": "metadata/msprime.trees", "slim": "metadata/slim.trees", "struct": "metadata/struct.trees"}


def simulated():
    """Files made here (into test/fixtures/tree/), for what the bundled ones lack: integer
    times (tskit's Newick then defaults to precision 0) and multiple mergers."""
    import msprime
    dtwf = msprime.sim_ancestry(6, population_size=8, model="dtwf", sequence_length=2e4,
                                recombination_rate=2e-5, random_seed=7)
    dirac = msprime.sim_ancestry(10, ploidy=1, population_size=1000, sequence_length=1e4,
                                 model=msprime.DiracCoalescent(psi=0.7, c=5),
                                 recombination_rate=1e-8, random_seed=3)
    dirac = msprime.sim_mutations(dirac, rate=1e-7, random_seed=4)
    return {"dtwf_discrete": dtwf, "dirac_polytomies": dirac}

FORMAT_CASES = [0.0, 0.5, 1.5, 2.5, 0.125, 0.375, 1.0625, 2.675, 1e-7, 123456.789, 3.0000000000000004,
                1e20 + 0.5, 5e-324, 1 / 3]
ORDERS = ["preorder", "inorder", "postorder", "levelorder", "breadthfirst", "timeasc",
          "timedesc", "minlex_postorder"]


def answer(f):
    try:
        v = f()
    except Exception as e:  # tskit's refusal: ValueError, LibraryError, ...
        return {"error": f"{type(e).__name__}: {e}"}
    return plain(v)


def pick_nodes(tree, ts):
    """Roots, a few samples, internal nodes and an isolated non-sample node, plus the
    virtual root."""
    chosen = list(tree.roots[:3])
    samples = list(ts.samples())
    chosen += samples[:3] + samples[-2:]
    internal = [int(u) for u in tree.nodes() if tree.num_children(u) > 0]
    chosen += internal[:: max(1, len(internal) // 5)][:5]
    isolated = [u for u in range(ts.num_nodes) if tree.is_isolated(u) and not tree.is_sample(u)]
    chosen += isolated[:1]
    unary = [u for u in internal if tree.num_children(u) == 1]
    chosen += unary[:1]
    seen, out = set(), []
    for u in chosen:
        u = int(u)
        if u not in seen:
            seen.add(u)
            out.append(u)
    return out + [tree.virtual_root]


def per_node(tree, u):
    return {
        "u": u,
        "parent": answer(lambda: tree.parent(u)),
        "children": answer(lambda: tree.children(u)),
        "samples": answer(lambda: tree.samples(u)),
        "leaves": answer(lambda: tree.leaves(u)),
        "numChildren": answer(lambda: tree.num_children(u)),
        "leftChild": answer(lambda: tree.left_child(u)),
        "rightChild": answer(lambda: tree.right_child(u)),
        "leftSib": answer(lambda: tree.left_sib(u)),
        "rightSib": answer(lambda: tree.right_sib(u)),
        "siblings": answer(lambda: tree.siblings(u)),
        "edge": answer(lambda: tree.edge(u)),
        "depth": answer(lambda: tree.depth(u)),
        "isSample": answer(lambda: tree.is_sample(u)),
        "isLeaf": answer(lambda: tree.is_leaf(u)),
        "isRoot": answer(lambda: tree.is_root(u)),
        "isInternal": answer(lambda: tree.is_internal(u)),
        "isIsolated": answer(lambda: tree.is_isolated(u)),
        "time": answer(lambda: tree.time(u)),
        "population": answer(lambda: tree.population(u)),
        "numSamples": answer(lambda: tree.num_samples(u)),
        "branchLength": answer(lambda: tree.branch_length(u)),
        "preorder": answer(lambda: tree.preorder(u)),
        "postorder": answer(lambda: tree.postorder(u)),
        "nodes": {o: answer(lambda: tree.nodes(root=u, order=o)) for o in ORDERS},
        "newick": answer(lambda: tree.as_newick(root=u)) if u != tree.virtual_root else None,
        "newickNoLengths": answer(lambda: tree.as_newick(root=u, include_branch_lengths=False))
        if u != tree.virtual_root else None,
    }


def per_tree(tree, ts, nxt):
    nodes = pick_nodes(tree, ts)
    real = nodes[:-1]
    pairs = [(real[i], real[j]) for i in range(len(real)) for j in range(i + 1, len(real))][:40]
    # The virtual root with a sample and with itself (tskit: mrca is the virtual root, tmrca
    # infinite; is_descendant only of itself).
    vr = tree.virtual_root
    pairs += [(real[0], vr), (vr, vr)]
    triples = [tuple(real[i:i + 3]) for i in range(0, max(0, len(real) - 2), 2)]
    labels = {int(u): f"x{u}" for u in list(ts.samples())[::2]}
    times = sorted({float(tree.time(u)) for u in tree.nodes()})
    probe_times = [0.0, times[len(times) // 2], times[-1] * 0.999, times[-1] * 2]
    out = {
        "index": tree.index,
        "interval": [tree.interval.left, tree.interval.right],
        "numRoots": tree.num_roots,
        "roots": plain(tree.roots),
        "root": answer(lambda: tree.root),
        "numSamplesTotal": tree.num_samples(),
        "numEdges": tree.num_edges,
        "numSites": tree.num_sites,
        "numMutations": tree.num_mutations,
        "mutations": [m.id for m in tree.mutations()],
        "sites": [s.id for s in tree.sites()],
        "span": tree.span,
        "mid": tree.mid,
        "totalBranchLength": tree.total_branch_length,
        "samples": answer(lambda: tree.samples()),
        "leaves": answer(lambda: tree.leaves()),
        "preorder": plain(tree.preorder()),
        "postorder": plain(tree.postorder()),
        "nodes": {o: answer(lambda: tree.nodes(order=o)) for o in ORDERS},
        "arrays": {
            "parent": plain(tree.parent_array), "leftChild": plain(tree.left_child_array),
            "rightChild": plain(tree.right_child_array), "leftSib": plain(tree.left_sib_array),
            "rightSib": plain(tree.right_sib_array), "numChildren": plain(tree.num_children_array),
            "edge": plain(tree.edge_array),
        },
        "newick": {
            "default": answer(lambda: tree.as_newick()),
            "precision3": answer(lambda: tree.as_newick(precision=3)),
            "precision0": answer(lambda: tree.as_newick(precision=0)),
            "noLengths": answer(lambda: tree.as_newick(include_branch_lengths=False)),
            "labels": answer(lambda: tree.as_newick(node_labels=labels)),
            "labelsNoLengths": answer(lambda: tree.as_newick(node_labels=labels, include_branch_lengths=False, precision=2)),
            "labelMap": {str(k): v for k, v in labels.items()},
            # The virtual root: tskit's C writer fails; its Python writer gives the roots.
            "virtualRoot": answer(lambda: tree.as_newick(root=tree.virtual_root)),
            "virtualRootNoLengths": answer(lambda: tree.as_newick(root=tree.virtual_root, include_branch_lengths=False)),
            "virtualRootLabels": answer(lambda: tree.as_newick(root=tree.virtual_root, node_labels=labels)),
        },
        "collessIndex": answer(lambda: tree.colless_index()),
        "sackinIndex": answer(lambda: tree.sackin_index()),
        "b1Index": answer(lambda: tree.b1_index()),
        "b2Index": answer(lambda: tree.b2_index()),
        "b2Index2": answer(lambda: tree.b2_index(base=2)),
        "b2IndexBases": [[plain(b), answer(lambda: tree.b2_index(base=b))] for b in (0.5, math.inf, 1, 0, -2)],
        "numLineages": [[t, answer(lambda: tree.num_lineages(t))] for t in probe_times],
        "perNode": [per_node(tree, u) for u in nodes],
        "pairs": [{
            "u": u, "v": v,
            "mrca": answer(lambda: tree.mrca(u, v)),
            "tmrca": answer(lambda: tree.tmrca(u, v)),
            "isDescendant": answer(lambda: tree.is_descendant(u, v)),
            "isDescendantVU": answer(lambda: tree.is_descendant(v, u)),
            "pathLength": answer(lambda: tree.path_length(u, v)),
            "distanceBetween": answer(lambda: tree.distance_between(u, v)),
        } for u, v in pairs],
        "triples": [{"nodes": list(t), "mrca": answer(lambda: tree.mrca(*t)),
                     "tmrca": answer(lambda: tree.tmrca(*t))} for t in triples],
    }
    if nxt is not None:
        out["next"] = {
            "kcDistance": answer(lambda: nxt[0].kc_distance(nxt[1])),
            "kcDistanceLambda": answer(lambda: nxt[0].kc_distance(nxt[1], lambda_=0.5)),
            "kcDistanceSelf": answer(lambda: nxt[0].kc_distance(nxt[0], lambda_=1.0)),
            "rfDistance": answer(lambda: tree.rf_distance(nxt[1])),
        }
    return out


def answers(ts, file):
    """tskit's answers for one file, `file` its path from the fixtures folder."""
    n = ts.num_trees
    indexes = sorted({0, 1, n // 2, n - 2, n - 1} & set(range(n)))
    # tskit's kc_distance needs trees with sample lists, which change the order (and, for the
    # virtual root, the result) of samples(u): every other answer is from trees without,
    # as ts.trees() gives them by default.
    trees = []
    for i in indexes:
        tree = ts.at_index(i)
        nxt = (ts.at_index(i, sample_lists=True), ts.at_index(i + 1, sample_lists=True)) if i + 1 < n else None
        trees.append(per_tree(tree, ts, nxt))
    # Tracked samples: every other sample.
    tracked = [int(u) for u in ts.samples()[::2]]
    tracked_counts = []
    for tree in ts.trees(tracked_samples=tracked):
        if tree.index in indexes:
            tracked_counts.append({"index": tree.index, "counts": [
                [u, tree.num_tracked_samples(u)] for u in range(ts.num_nodes + 1)]})
    diffs = {}
    for inc in (False, True):
        for d in (tskit.FORWARD, tskit.REVERSE):
            diffs[f"{'terminal' if inc else 'plain'}_{'forward' if d == 1 else 'reverse'}"] = [
                {"interval": [iv.left, iv.right], "out": [e.id for e in eo], "in": [e.id for e in ei]}
                for iv, eo, ei in ts.edge_diffs(include_terminal=inc, direction=d)]
    return {
        "file": file,
        "tskit": tskit.__version__,
        "numTrees": n,
        "discreteTime": bool(ts.discrete_time),
        "trees": trees,
        "tracked": {"samples": tracked, "trees": tracked_counts},
        "edgeDiffs": diffs,
        "first": ts.first().index, "last": ts.last().index,
        # C's %.<p>f, as tskit's Newick writer prints branch lengths: exact ties go to even.
        "formatting": [[x, p, "%.*f" % (p, x)] for x in FORMAT_CASES for p in (0, 1, 2, 3, 17)],
    }


def main():
    check_tskit()
    made = simulated()
    names = sys.argv[1:] or FILES + list(ELSEWHERE) + list(made)
    for name in names:
        # Made once (tskit writes a new file uuid at each dump): delete one to remake it.
        rel = f"{KIND}/{name}.trees" if name in made else ELSEWHERE.get(name, f"{name}.trees")
        ts = dump_once(made[name], os.path.join(FIXTURES, rel)) if name in made else tskit.load(os.path.join(FIXTURES, rel))
        path = os.path.join(FIXTURES, KIND, f"{name}.json.gz")
        write_json_gz(path, answers(ts, rel))
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
