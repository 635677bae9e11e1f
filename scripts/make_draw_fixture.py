#!/usr/bin/env python3
"""tskit 1.0.3's drawings for treeseq's tests: `Tree.draw_svg` and `TreeSequence.draw_svg`
reduced to their structure, and `draw_text` as text.

An SVG picture is not compared byte for byte (treeseq writes its own SVG); what must agree is
what the drawing shows. `structure` below reads tskit's SVG into:
  {"width", "height", "title",
   "trees": [{"cls": "tree t3", "x", "nodes": [{"id", "cls": [class tokens, sorted],
              "parent": id or null, "x", "y", "edge": "e12" | "root" | null, "label"}],
              "muts": [{"id", "site", "node", "y", "label"}]}],
   "sites": [{"id", "x", "muts": [ids, as drawn]}],     (the genome axis' site marks)
   "xTicks": [labels], "yTicks": [labels], "groups": [class of each group outside the trees]}
x and y are absolute (every enclosing translate added up), so that the layout is compared too.

Writes test/fixtures/draw/<name>.json.gz, one per file:
  {"file", "tskit",
   "svg": [{"tree": index | null (the whole tree sequence), "options": {camelCase, as treeseq
            takes them}, "want": structure}],
   "text": [{"tree": index | null, "options", "want": text}],
   "errors": [{"tree", "options", "error"}]}     (options tskit refuses)
Run: python3 scripts/make_draw_fixture.py [NAME...]; for any other tree sequence,
python3 scripts/make_fixture.py OUT_DIR --toolkit (`answers` here is its drawing recorder).
"""
import os
import re
import sys
import xml.etree.ElementTree as ET

import tskit

from fixture_util import FIXTURES, check_tskit, write_json_gz

KIND = "draw"
FILES = ["small", "multiallelic", "nonbinary", "ancient_gaps", "unknown_times", "single_tree", "tsinfer",
         "gaps_isolated", "unary_internal", "missing_ref", "stdpopsim"]
ELSEWHERE = {"slim": "metadata/slim.trees"}
SNAKE = {"timeScale": "time_scale", "nodeLabels": "node_labels", "mutationLabels": "mutation_labels",
         "rootSvgAttributes": "root_svg_attributes", "forceRootBranch": "force_root_branch",
         "symbolSize": "symbol_size", "xAxis": "x_axis", "yAxis": "y_axis", "xLabel": "x_label",
         "yLabel": "y_label", "xLim": "x_lim", "maxNumTrees": "max_num_trees", "omitSites": "omit_sites",
         "canvasSize": "canvas_size", "allEdgeMutations": "all_edge_mutations", "xScale": "x_scale",
         "maxTime": "max_time", "minTime": "min_time", "useAscii": "use_ascii", "yTicks": "y_ticks",
         "yGridlines": "y_gridlines", "xRegions": "x_regions", "nodeTitles": "node_titles",
         "mutationTitles": "mutation_titles"}
SVG = "{http://www.w3.org/2000/svg}"
TRANSLATE = re.compile(r"translate\(\s*([-0-9.e+]+)(?:[ ,]+([-0-9.e+]+))?\s*\)")


def to_tskit(options):
    out = {}
    for k, v in options.items():
        if k in ("nodeLabels", "mutationLabels", "nodeTitles", "mutationTitles"):
            v = {int(i): s for i, s in v.items()}
        elif k == "xRegions":  # [[left, right, label]] here, {(left, right): label} in tskit
            v = {(a, b): lab for a, b, lab in v}
        elif k == "yTicks" and isinstance(v, dict):
            v = {float(t): lab for t, lab in v.items()}
        out[SNAKE.get(k, k)] = v
    return out


def classes(el):
    return el.get("class", "").split()


def shift(el):
    m = TRANSLATE.search(el.get("transform", ""))
    return (float(m.group(1)), float(m.group(2) or 0)) if m else (0.0, 0.0)


def text_of(el):
    """The text of the first `text` child (its label), or of a `g` holding one."""
    for c in el:
        if c.tag == SVG + "text":
            return "".join(c.itertext())
    return None


def structure(svg):
    root = ET.fromstring(svg)
    out = {"width": float(root.get("width")), "height": float(root.get("height")), "title": None,
           "trees": [], "sites": [], "xTicks": [], "yTicks": [], "groups": []}

    def walk(el, x, y, tree, node):
        for c in el:
            if c.tag != SVG + "g":
                continue
            dx, dy = shift(c)
            cx, cy = x + dx, y + dy
            cls = classes(c)
            if "tree" in cls:
                t = {"cls": " ".join(cls), "x": round(cx, 3), "nodes": [], "muts": []}
                out["trees"].append(t)
                walk(c, cx, cy, t, None)
            elif "node" in cls:
                nid = int(next(k[1:] for k in cls if re.fullmatch(r"n\d+", k)))
                edge = next((p for p in c if p.tag == SVG + "path" and "edge" in classes(p)), None)
                ecls = None if edge is None else next(k for k in classes(edge) if k != "edge")
                tree["nodes"].append({"id": nid, "cls": sorted(cls), "parent": node, "x": round(cx, 3),
                                      "y": round(cy, 3), "edge": ecls, "label": text_of(c)})
                walk(c, cx, cy, tree, nid)
            elif "mut" in cls and node is not None:
                g = next(k for k in cls if re.fullmatch(r"m\d+", k))
                s = next(k for k in cls if re.fullmatch(r"s\d+", k))
                tree["muts"].append({"id": int(g[1:]), "site": int(s[1:]), "node": node, "y": round(cy, 3),
                                     "label": text_of(c), "cls": sorted(cls)})
            elif "site" in cls:
                s = next(k for k in cls if re.fullmatch(r"s\d+", k))
                muts = [int(next(k for k in classes(m) if re.fullmatch(r"m\d+", k))[1:]) for m in c
                        if m.tag == SVG + "g"]
                out["sites"].append({"id": int(s[1:]), "x": round(cx, 3), "muts": muts})
            elif "tick" in cls:
                lab = "".join(next(c.iter(SVG + "text")).itertext())
                axis = "xTicks" if any("x-axis" in classes(a) for a in path_to(root, c)) else "yTicks"
                out[axis].append(lab)
            elif "title" in cls and tree is None and el is root:
                out["title"] = "".join(c.itertext())
            else:
                if tree is None and cls:
                    out["groups"].append(" ".join(cls))
                walk(c, cx, cy, tree, node)

    walk(root, 0.0, 0.0, None, None)
    return out


def path_to(root, target):
    """The elements from root down to target's parent."""
    parents = {c: p for p in root.iter() for c in p}
    out = []
    while target in parents:
        target = parents[target]
        out.append(target)
    return out


def tree_indexes(ts):
    return sorted({0, ts.num_trees // 2, ts.num_trees - 1})


def svg_cases(ts):
    """(tree index or None, options) pairs."""
    cases = []
    samples = [int(u) for u in ts.samples()]
    labels = {str(u): f"S{u}" for u in samples[: len(samples) // 2]}
    mlabels = {str(m): f"M{m}" for m in range(0, ts.num_mutations, 2)}
    for i in tree_indexes(ts):
        cases += [
            (i, {}),
            (i, {"timeScale": "rank"}),
            (i, {"timeScale": "log_time", "yAxis": True}),
            (i, {"order": "tree", "size": [500, 300], "xAxis": True, "yAxis": "right", "title": "A tree",
                 "symbolSize": 8}),
            (i, {"nodeLabels": labels, "mutationLabels": mlabels, "forceRootBranch": True}),
            (i, {"maxTime": "ts", "minTime": "ts", "yAxis": True}),
            (i, {"omitSites": True, "xAxis": True}),
            (i, {"timeScale": "rank", "maxTime": "ts", "yAxis": True, "xAxis": True}),
        ]
    first = tree_indexes(ts)[0]
    top = float(ts.max_root_time)
    cases += [
        (first, {"allEdgeMutations": True, "xAxis": True, "yAxis": True}),
        (first, {"yTicks": [0, top / 3, top / 2], "yAxis": True, "yGridlines": True, "xAxis": True,
                 "xLabel": "where", "yLabel": "when", "maxTime": top * 1.5, "minTime": 0}),
        (first, {"yTicks": {"0": "now", str(top): "then"}, "yAxis": "left", "timeScale": "log_time",
                 "forceRootBranch": True, "nodeTitles": {"0": "zero"}, "mutationTitles": {"0": "m0"}}),
    ]
    L = ts.sequence_length
    breaks = [float(b) for b in ts.breakpoints()]
    mid = len(breaks) // 2
    cases += [
        (None, {"xLim": [breaks[max(mid - 1, 0)] / 2 + breaks[mid] / 2 if mid > 0 else 0, breaks[min(mid + 2, len(breaks) - 1)]]}),
        (None, {"maxNumTrees": 4, "yAxis": True}),
        (None, {"maxNumTrees": 3, "timeScale": "rank", "yAxis": True, "title": "Trees", "size": [900, 300]}),
        (None, {"xLim": [0.1 * L, 0.9 * L], "maxNumTrees": 5, "xScale": "treewise"}),
        (None, {"xLim": [0, L], "maxNumTrees": 2, "order": "tree", "omitSites": True, "timeScale": "log_time"}),
        (None, {"maxNumTrees": 3, "xRegions": [[0, L / 4, "A"], [L / 2, 3 * L / 4, "B"]],
                "yTicks": {"0": "now", "100": "100 ago"}, "yAxis": "right", "xLabel": "genome",
                "yLabel": "time", "forceRootBranch": True, "symbolSize": 4, "size": [800, 400]}),
        (None, {"maxNumTrees": 2, "xAxis": False, "yAxis": True, "yGridlines": True, "minTime": 0,
                "maxTime": float(ts.max_root_time) * 2}),
    ]
    if ts.num_trees <= 30:
        cases.append((None, {}))
    return cases


def text_cases(ts):
    cases = []
    samples = [int(u) for u in ts.samples()]
    labels = {str(u): f"s{u}" for u in samples[::2]}
    for i in tree_indexes(ts):
        cases += [(i, {}), (i, {"orientation": "left"}), (i, {"orientation": "right", "useAscii": True}),
                  (i, {"orientation": "bottom", "order": "tree"}), (i, {"maxTime": "ts"}),
                  (i, {"nodeLabels": labels}), (i, {"useAscii": True, "orientation": "top"})]
    if ts.num_trees <= 30:
        cases += [(None, {}), (None, {"useAscii": True, "order": "tree"}), (None, {"nodeLabels": labels})]
    return cases


def error_cases(ts):
    L = ts.sequence_length
    return [
        (0, {"timeScale": "years"}),
        (0, {"order": "sideways"}),
        (0, {"size": [10, 10]}),
        (0, {"yAxis": "middle"}),
        (0, {"timeScale": "rank", "maxTime": 10.0}),
        (None, {"xLim": [L / 2, L / 4]}),
        (None, {"xLim": [-1, L]}),
        (None, {"xLim": [0, 2 * L]}),
        (None, {"maxNumTrees": 1}),
        (None, {"xScale": "log"}),
        (None, {"xRegions": [[L / 2, L / 4, "backwards"]]}),
        (None, {"xScale": "treewise", "xRegions": [[0, L / 4, "A"]]}),
        (0, {"timeScale": "rank", "minTime": 0}),
    ]


def draw_text(ts, i, options):
    o = to_tskit(options)
    if i is None:
        return ts.draw_text(**o)
    return ts.at_index(i).draw_text(**o)


def draw_svg(ts, i, options):
    o = to_tskit(options)
    if i is None:
        return ts.draw_svg(**o)
    return ts.at_index(i).draw_svg(**o)


def answers(ts, file):
    svg = [{"tree": i, "options": o, "want": structure(draw_svg(ts, i, o))} for i, o in svg_cases(ts)]
    text = [{"tree": i, "options": o, "want": draw_text(ts, i, o)} for i, o in text_cases(ts)]
    errors = []
    for i, o in error_cases(ts):
        try:
            draw_svg(ts, i, o)
        except Exception as e:  # noqa: BLE001 - recording what tskit refuses
            errors.append({"tree": i, "options": o, "error": f"{type(e).__name__}: {e}"})
        else:
            raise AssertionError(f"{file}: tskit accepted {o}")
    return {"file": file, "tskit": tskit.__version__, "svg": svg, "text": text, "errors": errors}


def main():
    check_tskit()
    import warnings
    warnings.simplefilter("ignore")
    names = sys.argv[1:] or FILES + list(ELSEWHERE)
    for name in names:
        rel = ELSEWHERE.get(name, f"{name}.trees")
        path = os.path.join(FIXTURES, KIND, f"{name}.json.gz")
        write_json_gz(path, answers(tskit.load(os.path.join(FIXTURES, rel)), rel))
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
