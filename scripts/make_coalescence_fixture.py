#!/usr/bin/env python3
"""
Records tskit's answers for the pair coalescence statistics (API.md, "More statistics":
pair_coalescence_counts, pair_coalescence_quantiles, pair_coalescence_rates) on bundled
fixtures, into test/fixtures/coalescence/<name>.json.gz; test/coalescence.test.ts and
crates/treeseq-core/tests/coalescence.rs compare treeseq's answers with these.

    python3 scripts/make_coalescence_fixture.py            # every file below
    python3 scripts/make_coalescence_fixture.py small      # one
    python3 scripts/make_fixture.py OUT_DIR --toolkit      # any other tree sequence (`answers`)

Each case is {"method", "kwargs" (tskit's keyword arguments, infinity spelled "inf"),
"shape", "values" (NaN as null)} or, where tskit raises, {"method", "kwargs", "error"}: the
tests expect a TreeSeqError there. The sets are the populations with samples (or, with fewer
than two, the samples cut in three), as tskit's documentation computes coalescence rates.
"""
import math
import os
import sys

import numpy as np
import tskit

from fixture_util import FIXTURES, check_tskit, write_json_gz

KIND = "coalescence"
FILES = ["small", "medium", "multiallelic", "nonbinary", "ancient_gaps", "gaps_isolated", "unary_internal", "single_tree",
         "missing_ref", "tsinfer", "stdpopsim"]


def values(a):
    """Numbers as JSON: NaN as null, infinities as "inf" and "-inf"."""
    return [None if math.isnan(x) else ("inf" if x > 0 else "-inf") if math.isinf(x) else x
            for x in np.asarray(a, dtype=float).ravel().tolist()]


def spelled(v):
    """A keyword argument as JSON: arrays as lists, infinity as "inf"."""
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [spelled(x) for x in v]
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def case(ts, method, **kwargs):
    """tskit's answer to ts.<method>(**kwargs)."""
    out = {"method": method, "kwargs": {k: spelled(v) for k, v in kwargs.items()}}
    try:
        r = np.asarray(getattr(ts, method)(**kwargs))
    except Exception as e:  # tskit's refusal: ValueError, LibraryError, ...
        out["error"] = f"{type(e).__name__}: {e}"
        return out
    out["shape"] = list(r.shape)
    out["values"] = values(r)
    return out


def sample_sets(ts):
    """The populations with samples, or the samples cut in three."""
    pops = [[int(u) for u in ts.samples(population=p)] for p in range(ts.num_populations)]
    pops = [p for p in pops if p]
    if len(pops) >= 2:
        return pops
    s = [int(u) for u in ts.samples()]
    third = max(1, len(s) // 3)
    return [s[:third], s[third:2 * third], s[2 * third:]]


def off_node_times(breaks, times):
    """Breakpoints moved off node times (to halfway to the next node time): a node exactly at
    a breakpoint is binned by rounding-free comparisons, but a last time window holding only
    nodes at its start has a rate of 1 / (their mean time - the start), which tskit computes
    as 1 / rounding error."""
    out = []
    for b in breaks:
        i = np.searchsorted(times, b)
        if math.isfinite(b) and i < len(times) and times[i] == b:
            b = float(b + (times[i + 1] - b) / 2) if i + 1 < len(times) else float(b + 1)
        out.append(b)
    return out


# Quantiles away from simple fractions: with few pairs and trees the pair CDF steps at such
# fractions exactly, and which side of a step a sum lands on is then a matter of rounding.
QUANTILES = [0.0, 0.1037, 0.2513, 0.4987, 0.7519, 0.9043, 1.0]


def answers(ts, file):
    """tskit's answers for one file, `file` its path from the fixtures folder."""
    L = ts.sequence_length
    sets = sample_sets(ts)
    two = sets[:2]
    idx = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 0)] if len(sets) > 2 else [(0, 0), (0, 1), (1, 1)]
    windows = [0.0, L / 3, L / 2, L]
    times = np.unique(ts.nodes_time)
    internal = times[times > 0] if np.any(times > 0) else times
    # Time windows: quartiles of the node times, ending past the oldest node or at infinity.
    tw = [0.0] + off_node_times([float(x) for x in np.quantile(internal, [0.25, 0.5, 0.75])], times) + [float(times[-1]) + 1]
    tw_inf = tw[:-1] + [math.inf]
    # 20 windows from the samples' time to infinity, log-spaced as tskit's documentation does.
    t0 = float(ts.nodes_time[ts.samples()].min())
    lo = max(float(internal.min()), 1e-9)
    # Below the oldest node: a last window starting at a node's time, holding only that time,
    # has a rate of 1 / (its mean time - its start), which tskit computes as 1 / rounding.
    hi = max(0.8 * float(times[-1]), lo * 2)
    steps = np.geomspace(lo, hi, 19)
    if steps[0] <= t0:
        steps = t0 + steps
    rates_tw = np.array([t0] + off_node_times([float(x) for x in steps], times) + [math.inf])
    # Rates need every sample of the sets at the first time window's start: with ancient
    # samples, the sets are the samples of that time, cut in three.
    modern = [int(u) for u in ts.samples() if ts.nodes_time[u] == t0]
    rates_all = {} if len(modern) == ts.num_samples else {"sample_sets": [modern]}
    if rates_all:
        third = max(1, len(modern) // 3)
        rates_sets = [modern[:third], modern[third:2 * third], modern[2 * third:]]
    else:
        rates_sets = sets
    cases = [
        # Counts: defaults, normalisations, sets, indexes, windows, time windows.
        case(ts, "pair_coalescence_counts"),
        case(ts, "pair_coalescence_counts", span_normalise=False),
        case(ts, "pair_coalescence_counts", pair_normalise=True),
        case(ts, "pair_coalescence_counts", span_normalise=False, pair_normalise=True, windows=windows),
        case(ts, "pair_coalescence_counts", sample_sets=two),
        case(ts, "pair_coalescence_counts", sample_sets=sets[:1]),
        case(ts, "pair_coalescence_counts", sample_sets=sets, indexes=idx, windows=windows),
        case(ts, "pair_coalescence_counts", sample_sets=sets, indexes=idx[:1], time_windows="nodes"),
        case(ts, "pair_coalescence_counts", time_windows=np.array(tw)),
        case(ts, "pair_coalescence_counts", time_windows=np.array(tw_inf), windows=windows,
             pair_normalise=True),
        case(ts, "pair_coalescence_counts", sample_sets=sets, indexes=idx, time_windows=np.array(tw),
             span_normalise=False),
        case(ts, "pair_coalescence_counts", windows=list(ts.breakpoints())[:40] + ([L] if ts.num_trees >= 40 else []),
             time_windows=np.array(tw_inf)),
        # Quantiles.
        case(ts, "pair_coalescence_quantiles", quantiles=np.array(QUANTILES)),
        case(ts, "pair_coalescence_quantiles", quantiles=np.array([0.4987]), sample_sets=two),
        case(ts, "pair_coalescence_quantiles", quantiles=np.array([0.0517, 0.4987, 0.9481]), sample_sets=sets,
             indexes=idx, windows=windows),
        # Rates: 20 time windows ending at infinity.
        case(ts, "pair_coalescence_rates", time_windows=rates_tw, **rates_all),
        case(ts, "pair_coalescence_rates", time_windows=rates_tw, sample_sets=rates_sets, indexes=idx),
        case(ts, "pair_coalescence_rates", time_windows=rates_tw, sample_sets=rates_sets[:2], windows=windows),
        case(ts, "pair_coalescence_rates", time_windows=np.array([t0, math.inf]), **rates_all),
        case(ts, "pair_coalescence_rates", time_windows=np.array(tw_inf), sample_sets=rates_sets, indexes=idx,
             windows=windows),
        # Refusals.
        case(ts, "pair_coalescence_counts", sample_sets=[[int(u)] for u in ts.samples()[:3]]),  # no indexes
        case(ts, "pair_coalescence_counts", sample_sets=[sets[0], sets[0][:1]]),
        case(ts, "pair_coalescence_counts", sample_sets=two, indexes=[(0, 2)]),
        case(ts, "pair_coalescence_counts", windows=[0.0, L / 2]),
        case(ts, "pair_coalescence_counts", time_windows=np.array([float(times[-1]) + 1, float(times[-1]) + 2])),
        case(ts, "pair_coalescence_quantiles", quantiles=np.array([0.5, 0.2])),
        case(ts, "pair_coalescence_quantiles", quantiles=np.array([0.5, 1.5])),
        case(ts, "pair_coalescence_rates", time_windows=np.array([t0, hi])),
        case(ts, "pair_coalescence_rates", time_windows=np.array([t0, hi, hi, math.inf])),
        case(ts, "pair_coalescence_rates", time_windows=np.array([t0 - 1, hi, math.inf])),
    ]
    nonsample = [u for u in range(ts.num_nodes) if not ts.node(u).is_sample()][:1]
    if nonsample:
        cases.append(case(ts, "pair_coalescence_counts", sample_sets=[sets[0], nonsample]))
    return {"file": file, "tskit": tskit.__version__, "cases": cases}


def main():
    check_tskit()
    for name in sys.argv[1:] or FILES:
        rel = f"{name}.trees"
        ts = tskit.load(os.path.join(FIXTURES, rel))
        path = os.path.join(FIXTURES, KIND, f"{name}.json.gz")
        write_json_gz(path, answers(ts, rel))
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
