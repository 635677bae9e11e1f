#!/usr/bin/env python3
"""Makes the malformed .trees files of issue 14 (metadata schemas, kastore key order, repeated
keys and index entries) from test/fixtures/small.trees, asks tskit what it makes of each, and
records the verdict in test/fixtures/bad/index.json (entries of other files are kept):

    python3 scripts/make_bad_fixtures.py [test/fixtures]

An entry is {file, what, tskit: {loads, error, message | num_trees}}; where treeseq refuses on
purpose a file tskit loads, it also has `treeseq: {loads: false, code, why}` (the README lists
these differences). The kastore files are written here byte by byte (no kastore package
needed), so keys can be put out of order or repeated.
"""
import json, os, struct, sys

import numpy as np
import tskit

MAGIC = b"\x89KAS\r\n\x1a\n"
SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 8, 7: 8, 8: 4, 9: 8}
U8, I8, I32 = 1, 0, 4


def read_items(data):
    """(key, type code, array bytes) for each item, in file order."""
    n = struct.unpack_from("<I", data, 12)[0]
    items = []
    for j in range(n):
        d = 64 + 64 * j
        t = data[d]
        ks, kl, start, length = struct.unpack_from("<QQQQ", data, d + 8)
        items.append((data[ks:ks + kl], t, data[start:start + length * SIZES[t]]))
    return items


def write_items(items, sort=True):
    """A kastore 1.0 file laid out as kastore does, keys sorted unless `sort` is False."""
    if sort:
        items = sorted(items, key=lambda i: i[0])
    n = len(items)
    offset = 64 + 64 * n
    key_starts, array_starts = [], []
    for key, _, _ in items:
        key_starts.append(offset)
        offset += len(key)
    for _, _, array in items:
        offset = (offset + 7) // 8 * 8
        array_starts.append(offset)
        offset += len(array)
    out = bytearray(offset)
    out[0:8] = MAGIC
    struct.pack_into("<HHIQ", out, 8, 1, 0, n, offset)
    for j, (key, t, array) in enumerate(items):
        d = 64 + 64 * j
        out[d] = t
        struct.pack_into("<QQQQ", out, d + 8, key_starts[j], len(key), array_starts[j], len(array) // SIZES[t])
        out[key_starts[j]:key_starts[j] + len(key)] = key
        out[array_starts[j]:array_starts[j] + len(array)] = array
    return bytes(out)


def with_key(items, key, value, t=U8):
    return [i for i in items if i[0] != key] + [(key, t, value)]


def schema(table, value, top=False):
    data = value if isinstance(value, bytes) else json.dumps(value).encode()
    return lambda items: write_items(with_key(items, f"{table}/metadata_schema".encode() if not top else table.encode(), data, I8 if top else U8))


INT_A = {"a": {"type": "integer", "binaryFormat": "i"}}


def unsorted_keys(found):
    """Two adjacent keys swapped: the first swap (in key order) after which tskit still loads
    the file (`found`), or the first after which it does not."""
    def make(items):
        ordered = sorted(items, key=lambda i: i[0])
        for j in range(len(ordered) - 1):
            swapped = list(ordered)
            swapped[j], swapped[j + 1] = swapped[j + 1], swapped[j]
            data = write_items(swapped, sort=False)
            if verdict(data)["loads"] == found:
                return data
        raise SystemExit("no such swap")
    return make


def duplicate_key(items):
    ordered = sorted(items, key=lambda i: i[0])
    j = next(k for k, i in enumerate(ordered) if i[0] == b"nodes/time")
    return write_items(ordered[:j + 1] + [ordered[j]] + ordered[j + 1:], sort=False)


def removal_listed_twice(items):
    """An edge listed twice in edge_removal_order (another one not at all), among the removals
    at the sequence's end, where tskit's checks do not look: tskit loads it."""
    d = {k: a for k, _, a in items}
    right = np.frombuffer(d[b"edges/right"])
    order = np.frombuffer(d[b"indexes/edge_removal_order"], dtype=np.int32).copy()
    k = len(order) - 1
    assert right[order[k]] == right[order[k - 1]]
    order[k] = order[k - 1]
    return write_items(with_key(items, b"indexes/edge_removal_order", order.tobytes(), I32))


REMOVAL_WHY = (
    "the edge index lists an edge twice and another not at all; tskit loads it because its "
    "checks walk the trees forwards, where removals at the sequence end are never made, but "
    "a backward walk inserts edges in that order and would build a different last tree, so "
    "the file has no single meaning: treeseq refuses it (rebuild the indexes with tskit's "
    "tables.build_index())"
)

CASES = [
    ("schema_not_json.trees", "nodes/metadata_schema is not JSON", schema("nodes", b"not json")),
    ("schema_not_utf8.trees", "edges/metadata_schema is not UTF-8", schema("edges", b'{"codec":"json"}\xff')),
    ("schema_not_object.trees", "sites/metadata_schema is a JSON array", schema("sites", [1, 2])),
    ("schema_no_codec.trees", "mutations/metadata_schema has no codec", schema("mutations", {"type": "object"})),
    ("schema_unknown_codec.trees", "migrations/metadata_schema names codec xyz", schema("migrations", {"codec": "xyz"})),
    ("schema_bad_type.trees", "individuals/metadata_schema has type foo", schema("individuals", {"codec": "json", "type": "foo"})),
    ("schema_struct_no_required.trees", "populations/metadata_schema: struct codec without required",
     schema("populations", {"codec": "struct", "type": "object", "properties": INT_A})),
    ("schema_struct_no_binary_format.trees", "nodes/metadata_schema: struct property without binaryFormat",
     schema("nodes", {"codec": "struct", "type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]})),
    ("schema_struct_bad_format.trees", "nodes/metadata_schema: struct binaryFormat Q9",
     schema("nodes", {"codec": "struct", "type": "object", "properties": {"a": {"type": "integer", "binaryFormat": "Q9"}}, "required": ["a"]})),
    ("ok_schema_struct.trees", "a valid struct metadata schema on nodes",
     schema("nodes", {"codec": "struct", "type": "object", "properties": INT_A, "required": ["a"]})),
    ("ok_top_schema_not_json.trees", "top-level metadata_schema not JSON (tskit parses it only when asked)",
     schema("metadata_schema", b"not json", top=True)),
    ("unsorted_keys_missed.trees", "two kastore keys swapped: kastore's search misses a required key", unsorted_keys(False)),
    ("ok_unsorted_keys_found.trees", "two kastore keys swapped where kastore's search still finds every key", unsorted_keys(True)),
    ("ok_duplicate_key.trees", "the key nodes/time present twice", duplicate_key),
    ("removal_order_listed_twice.trees", "an edge listed twice in edge_removal_order (at the sequence end)", removal_listed_twice),
]

DIFFERENCES = {"removal_order_listed_twice.trees": {"loads": False, "code": "TABLES_NOT_INDEXED", "why": REMOVAL_WHY}}


def verdict(data):
    path = "/tmp/make_bad_fixtures.trees"
    with open(path, "wb") as f:
        f.write(data)
    try:
        ts = tskit.load(path)
    except Exception as e:  # tskit's verdict is whatever it raises
        return {"loads": False, "error": type(e).__name__, "message": str(e).split("\n")[0]}
    out = {"loads": True, "num_trees": ts.num_trees}
    try:
        # Comparing tables parses the top-level schema, which tskit.load leaves alone.
        ts.tables.equals(tskit.load(path).tables)
    except Exception as e:
        # tskit loads the file but cannot compare its tables, so no dump of it can be checked.
        out["tables"] = f"{type(e).__name__}: {str(e).splitlines()[0]}"
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures"
    with open(os.path.join(root, "small.trees"), "rb") as f:
        items = read_items(f.read())
    index_path = os.path.join(root, "bad", "index.json")
    with open(index_path) as f:
        index = json.load(f)
    names = {c[0] for c in CASES}
    index = [e for e in index if e["file"] not in names]
    for name, what, make in CASES:
        data = make(items)
        with open(os.path.join(root, "bad", name), "wb") as f:
            f.write(data)
        entry = {"file": name, "what": what, "tskit": verdict(data)}
        if name in DIFFERENCES:
            entry["treeseq"] = DIFFERENCES[name]
        assert entry["tskit"]["loads"] == name.startswith("ok_") or name in DIFFERENCES, entry
        index.append(entry)
        print(name, entry["tskit"])
    with open(index_path, "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
