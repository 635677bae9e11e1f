#!/usr/bin/env python3
"""Metadata fixtures with tskit's own answers: test/fixtures/metadata/.

Writes NAME.trees and, with tskit 1.0.3's decoded metadata, NAME.json.gz:

- msprime.trees: an msprime simulation (two named populations: JSON population metadata;
  migrations) with a JSON top-level schema that has a default.
- struct.trees: hand-made schemas on every table: the struct codec with every binaryFormat
  tskit accepts (c b B ? h H i I l L q Q f d, Ns, Np, Nx padding), strings with
  nullTerminated and other stringEncodings, fixed-length and length-prefixed arrays (every
  arrayLengthFormat), nested objects and arrays of objects, noLengthEncodingExhaustBuffer
  (with a partial trailing element tskit drops), `index` ordering, defaults, a top-level
  ["object", "null"] union with empty rows, trailing bytes tskit ignores, json+struct, JSON
  with defaults, and a table with no schema (raw bytes).
- slim.trees: pyslim.annotate of an msprime simulation, with SLiM mutations (SLiM's struct
  metadata on nodes, individuals and mutations, JSON on populations and the top level).
- bad.trees: rows whose bytes do not decode (too short; not UTF-8; bad JSON; json+struct
  without its header): tskit's exception per row.

Values in the JSON as fixture_util.tag spells them: bytes as {"$bytes": hex}, non-finite
floats as {"$float": "nan" | "inf" | "-inf"}, integers beyond 2^53 as {"$int": decimal text}.
Object keys are in tskit's order. Columns: tskit's structured arrays (numpy) where its
numpy_dtype supports the schema.

Usage: python3 scripts/make_metadata_fixture.py   (needs tskit, msprime, pyslim). The .trees
files are made once: delete one to remake it. For any other tree sequence:
python3 scripts/make_fixture.py OUT_DIR --toolkit (`answers` here is its metadata recorder).
"""
import json
import os
import struct

import msprime
import numpy as np
import tskit

from fixture_util import FIXTURES, check_tskit, dump_once, tag, write_json_gz

KIND = "metadata"
TABLES = ["nodes", "edges", "sites", "mutations", "migrations", "individuals", "populations"]
# The struct fields read as columns (tables.X.metadataColumn), per file made here.
COLUMNS = {
    "struct": {"individuals": ["id", "pos.x", "pos.inner.k", "rgb", "grid", "after", "age"],
               "nodes": ["int8", "uint64", "f32", "name", "c", "cbytes"],
               "mutations": ["tag"]},
    "slim": {"individuals": ["pedigree_id", "age", "sex", "flags"], "mutations": []},
}


def schema_of(ms):
    s = ms.schema
    return None if s is None else json.loads(json.dumps(s))


def answers(ts, file, columns=None):
    """tskit's answers for one file, `file` its path from the fixtures folder."""
    return {"file": file, "tskit": tskit.__version__, **record(ts, columns)}


def record(ts, columns=None):
    """tskit's answers for one file: schemas, every row's decoded metadata (or the exception
    tskit raises), and structured-array columns."""
    t = ts.tables
    out = {
        "metadataSchema": schema_of(ts.metadata_schema),
        "metadata": tag(ts.metadata),
        "tables": {},
    }
    for name in TABLES:
        table = getattr(t, name)
        rows = []
        for i in range(table.num_rows):
            try:
                rows.append({"value": tag(table[i].metadata)})
            except Exception as e:  # tskit's own refusal of this row
                rows.append({"error": f"{type(e).__name__}: {e}"})
        out["tables"][name] = {"schema": schema_of(table.metadata_schema), "rows": rows}
    out["columns"] = {}
    for name, paths in (columns or {}).items():
        table = getattr(t, name)
        try:
            arr = table.metadata_schema.structured_array_from_buffer(table.metadata)
        except (ValueError, KeyError):  # numpy_dtype takes fixed-size layouts only
            arr = None
        for path in paths:
            if arr is not None:
                v = arr
                for part in path.split("."):
                    v = v[part]
                col = {"dtype": v.dtype.str, "shape": list(v.shape), "values": tag(v.tolist())}
            else:
                vals = []
                for row in table:
                    v = row.metadata
                    for part in path.split("."):
                        v = v[part]
                    vals.append(v)
                col = {"dtype": None, "shape": list(np.shape(vals)), "values": tag(vals)}
            out["columns"][f"{name}:{path}"] = col
    return out


def msprime_file():
    dem = msprime.Demography.island_model([500, 500], migration_rate=0.01)
    dem.populations[0].name = "north"
    dem.populations[1].name = "south"
    dem.populations[1].description = "the southern deme"
    ts = msprime.sim_ancestry(samples={"north": 3, "south": 2}, demography=dem,
                              sequence_length=2e4, recombination_rate=1e-8,
                              record_migrations=True, random_seed=7)
    ts = msprime.sim_mutations(ts, rate=1e-7, random_seed=7)
    t = ts.dump_tables()
    t.metadata_schema = tskit.MetadataSchema({
        "codec": "json", "type": "object",
        "properties": {"title": {"type": "string"}, "reps": {"type": "integer", "default": 1},
                       "scale": {"type": "number"}},
    })
    t.metadata = {"title": "two demes", "scale": 0.5, "nested": {"a": [1, 2.5, None, "x"]}}
    return t.tree_sequence()


def set_schemas(t, schemas):
    for name, schema in schemas.items():
        getattr(t, name).metadata_schema = schema


def encoded(schema, value):
    return schema.validate_and_encode_row(value)


def struct_tables():
    t = tskit.TableCollection(sequence_length=10)
    schemas = {}  # set after the rows: tskit validates even raw bytes against a schema
    scalars = {
        # every scalar binaryFormat; `index` orders them (ties: by name)
        "c": {"type": "string", "binaryFormat": "c", "index": 1},  # a str
        "cbytes": {"type": "integer", "binaryFormat": "c", "index": 1},  # bytes
        "int8": {"type": "integer", "binaryFormat": "b", "index": 2},
        "uint8": {"type": "integer", "binaryFormat": "B", "index": 2},
        "flag": {"type": "boolean", "binaryFormat": "?", "index": 3},
        "int16": {"type": "integer", "binaryFormat": "h", "index": 4},
        "uint16": {"type": "integer", "binaryFormat": "H", "index": 4},
        "int32": {"type": "integer", "binaryFormat": "i", "index": 5},
        "uint32": {"type": "integer", "binaryFormat": "I", "index": 5},
        "long": {"type": "integer", "binaryFormat": "l", "index": 6},
        "ulong": {"type": "integer", "binaryFormat": "L", "index": 6},
        "int64": {"type": "integer", "binaryFormat": "q", "index": 7},
        "uint64": {"type": "integer", "binaryFormat": "Q", "index": 7},
        "f32": {"type": "number", "binaryFormat": "f", "index": 8},
        "f64": {"type": "number", "binaryFormat": "d", "index": 8},
        "pad": {"type": "null", "binaryFormat": "3x", "index": 9},
        "name": {"type": "string", "binaryFormat": "6s", "index": 10},
        "nt": {"type": "string", "binaryFormat": "8s", "nullTerminated": True, "index": 11},
        "pascal": {"type": "string", "binaryFormat": "6p", "index": 12},
        "latin": {"type": "string", "binaryFormat": "4s", "stringEncoding": "latin-1", "index": 13},
        "wide": {"type": "string", "binaryFormat": "4s", "stringEncoding": "utf-16-le", "index": 13},
        "opt": {"type": "number", "binaryFormat": "d", "default": -1.5, "index": -1},
        "nopad": {"type": "null", "index": 0},
    }
    schemas["nodes"] = tskit.MetadataSchema({"codec": "struct", "type": "object",
                                                    "properties": scalars})
    values = [
        dict(c="a", cbytes=b"q", int8=-128, uint8=255, flag=True, int16=-32768, uint16=65535,
             int32=-2**31, uint32=2**32 - 1, long=-7, ulong=7, int64=-2**63,
             uint64=2**64 - 1, f32=0.1, f64=1 / 3, pad=None, name="héllo"[:5], nt="ab",
             pascal="hi", latin="ñü", wide="ab", opt=2.0, nopad=None),
        dict(c="\x00", cbytes=b"\xff", int8=0, uint8=0, flag=False, int16=1, uint16=2, int32=3, uint32=4,
             long=5, ulong=6, int64=2**53 + 1, uint64=9, f32=float("inf"), f64=float("nan"),
             pad=None, name="", nt="12345678", pascal="toolong", latin="", wide="z",
             opt=-1.5, nopad=None),
        dict(c="z", cbytes=b"0", int8=1, uint8=2, flag=True, int16=3, uint16=4, int32=5, uint32=6,
             long=7, ulong=8, int64=-1, uint64=2**53, f32=-2.5, f64=float("-inf"), pad=None,
             name="x\x00y", nt="é", pascal="", latin="abcd", wide="", opt=0.0, nopad=None),
    ]
    # encode_row: the schema's validator refuses bytes for an "integer" (the "c" format)
    for i, v in enumerate(values):
        t.nodes.add_row(flags=1 if i < 2 else 0, time=0 if i < 2 else 1,
                        metadata=schemas["nodes"].encode_row(v))
    # trailing bytes tskit ignores
    enc = schemas["nodes"].encode_row(values[0]) + b"\x01\x02\x03"
    t.nodes.add_row(flags=0, time=2, metadata=enc)
    schemas["edges"] = tskit.MetadataSchema({
        "codec": "struct", "type": ["object", "null"],
        "properties": {"w": {"type": "number", "binaryFormat": "f"}}})
    t.edges.add_row(0, 10, 2, 0, metadata=encoded(schemas["edges"], {"w": 0.25}))
    t.edges.add_row(0, 10, 2, 1, metadata=encoded(schemas["edges"], None))
    t.edges.add_row(0, 10, 3, 2, metadata=encoded(schemas["edges"], {"w": -1.0}))
    schemas["individuals"] = tskit.MetadataSchema({
        "codec": "struct", "type": "object",
        "properties": {
            "id": {"type": "integer", "binaryFormat": "q", "index": 0},
            "pos": {"type": "object", "index": 1, "properties": {
                "y": {"type": "number", "binaryFormat": "d"},
                "x": {"type": "number", "binaryFormat": "d"},
                "inner": {"type": "object", "properties": {
                    "k": {"type": "integer", "binaryFormat": "h"}}}}},
            "rgb": {"type": "array", "length": 3, "index": 2,
                    "items": {"type": "integer", "binaryFormat": "B"}},
            "grid": {"type": "array", "length": 2, "index": 3, "items": {
                "type": "array", "length": 3, "items": {"type": "number", "binaryFormat": "f"}}},
            "kidsB": {"type": "array", "arrayLengthFormat": "B", "index": 4,
                      "items": {"type": "integer", "binaryFormat": "i"}},
            "kidsH": {"type": "array", "arrayLengthFormat": "H", "index": 4,
                      "items": {"type": "integer", "binaryFormat": "h"}},
            "kidsI": {"type": "array", "arrayLengthFormat": "I", "index": 4,
                      "items": {"type": "string", "binaryFormat": "2s"}},
            "kidsL": {"type": "array", "index": 4,
                      "items": {"type": "object", "properties": {
                          "a": {"type": "integer", "binaryFormat": "b"},
                          "b": {"type": "number", "binaryFormat": "d"}}}},
            "kidsQ": {"type": "array", "arrayLengthFormat": "Q", "index": 4,
                      "items": {"type": "array", "length": 2,
                                "items": {"type": "integer", "binaryFormat": "H"}}},
            "after": {"type": "integer", "binaryFormat": "i", "index": 5},
            "age": {"type": "integer", "binaryFormat": "i", "index": 6, "default": 0},
        }})
    inds = [
        dict(id=1, pos={"x": 1.5, "y": -2.0, "inner": {"k": 3}}, rgb=[1, 2, 255],
             grid=[[0.5, 1, 2], [3, 4, 5]], kidsB=[1, 2], kidsH=[], kidsI=["ab", "c"],
             kidsL=[{"a": 1, "b": 0.5}], kidsQ=[[1, 2], [3, 4]], after=99, age=3),
        dict(id=-5, pos={"x": 0, "y": 0, "inner": {"k": -1}}, rgb=[0, 0, 0],
             grid=[[0, 0, 0], [0, 0, 0]], kidsB=[], kidsH=[7, 8, 9], kidsI=[], kidsL=[],
             kidsQ=[], after=-1, age=0),
        dict(id=2**60, pos={"x": 1e300, "y": -1e-300, "inner": {"k": 0}}, rgb=[9, 8, 7],
             grid=[[1, 1, 1], [2, 2, 2]], kidsB=[-3], kidsH=[1], kidsI=["zz"],
             kidsL=[{"a": -1, "b": 2}, {"a": 2, "b": 3}], kidsQ=[[9, 9]], after=5, age=1),
    ]
    for v in inds:
        t.individuals.add_row(metadata=encoded(schemas["individuals"], v))
    schemas["populations"] = tskit.MetadataSchema({
        "codec": "json", "type": "object",
        "properties": {"name": {"type": "string"}, "size": {"type": "number", "default": 100}}})
    t.populations.add_row(metadata=encoded(schemas["populations"], {"name": "A"}))
    t.populations.add_row(metadata=encoded(schemas["populations"], {"name": "B", "size": 5, "extra": [1, {"z": None}]}))
    t.migrations.add_row(0, 10, 0, 0, 1, 0.5, metadata=b"\x00\xffraw")
    t.migrations.add_row(0, 10, 1, 1, 0, 0.5)
    schemas["sites"] = tskit.MetadataSchema({
        "codec": "json+struct",
        "json": {"type": "object", "properties": {"label": {"type": "string"},
                                                  "extra": {"type": "integer", "default": 7}}},
        "struct": {"type": "object", "properties": {
            "score": {"type": "number", "binaryFormat": "d"},
            "hits": {"type": "array", "arrayLengthFormat": "H",
                     "items": {"type": "integer", "binaryFormat": "i"}}}}})
    t.sites.add_row(1, "A", metadata=encoded(schemas["sites"], {"label": "first", "score": 0.5, "hits": [1, 2, 3]}))
    t.sites.add_row(5, "C", metadata=encoded(schemas["sites"], {"label": "second site", "extra": 1, "score": -1,
                                                               "hits": []}))
    schemas["mutations"] = tskit.MetadataSchema({
        "codec": "struct", "type": "object",
        "properties": {
            "tag": {"type": "integer", "binaryFormat": "H", "index": 0},
            "list": {"type": "array", "noLengthEncodingExhaustBuffer": True, "index": 1,
                     "items": {"type": "object", "properties": {
                         "id": {"type": "integer", "binaryFormat": "i"},
                         "s": {"type": "number", "binaryFormat": "f"}}}}}})
    t.mutations.add_row(0, 0, "T", metadata=encoded(schemas["mutations"], {"tag": 1, "list": [{"id": 1, "s": 0.5}]}))
    t.mutations.add_row(1, 1, "G", metadata=encoded(schemas["mutations"], {"tag": 2, "list": []}))
    # two elements and a partial third, which tskit drops
    partial = (schemas["mutations"].encode_row(
        {"tag": 3, "list": [{"id": 4, "s": 1}, {"id": 5, "s": 2}]}) + b"\x07\x00\x00")
    t.mutations.add_row(1, 0, "T", metadata=partial)
    t.metadata_schema = tskit.MetadataSchema({
        "codec": "struct", "type": "object",
        "properties": {"version": {"type": "integer", "binaryFormat": "H"},
                       "label": {"type": "string", "binaryFormat": "10s",
                                 "nullTerminated": True}}})
    t.metadata = {"version": 3, "label": "handmade"}
    set_schemas(t, schemas)
    t.sort()
    t.build_index()
    t.compute_mutation_parents()
    return t.tree_sequence()


def slim_file():
    import pyslim
    ts = msprime.sim_ancestry(6, sequence_length=5e4, population_size=200, random_seed=11,
                              recombination_rate=1e-8, model="dtwf")
    ts = pyslim.annotate(ts, model_type="WF", tick=1)
    ts = msprime.sim_mutations(ts, rate=1e-7, random_seed=11, keep=True,
                               model=msprime.SLiMMutationModel(type=0))
    return ts


def bad_file():
    t = tskit.TableCollection(sequence_length=1)
    schemas = {}
    schemas["nodes"] = tskit.MetadataSchema({
        "codec": "struct", "type": "object",
        "properties": {"a": {"type": "integer", "binaryFormat": "i", "index": 0},
                       "s": {"type": "string", "binaryFormat": "4s", "index": 1},
                       "l": {"type": "array", "index": 2,
                             "items": {"type": "number", "binaryFormat": "d"}}}})
    good = schemas["nodes"].encode_row({"a": 1, "s": "ok", "l": [1.5]})
    t.nodes.add_row(flags=1, time=0, metadata=good)
    t.nodes.add_row(flags=1, time=0, metadata=b"\x01\x00")  # too short for 'a'
    t.nodes.add_row(flags=1, time=0, metadata=struct.pack("<i4s", 2, b"\xff\xfe\x00\x00")
                    + struct.pack("<L", 0))  # 's' is not UTF-8
    t.nodes.add_row(flags=1, time=0, metadata=struct.pack("<i4sL", 3, b"abcd", 5) + b"\0" * 8)
    t.nodes.add_row(flags=1, time=0, metadata=b"")  # empty: struct needs bytes
    schemas["populations"] = tskit.MetadataSchema({"codec": "json"})
    t.populations.add_row(metadata=b'{"name": "ok"}')
    t.populations.add_row(metadata=b'{"name": ')
    t.populations.add_row(metadata=b"")  # tskit: {}
    t.populations.add_row(metadata=b'{"x": NaN, "y": -Infinity}')  # Python's json accepts
    schemas["sites"] = tskit.MetadataSchema({
        "codec": "json+struct", "json": {"type": "object"},
        "struct": {"type": "object", "properties": {"v": {"type": "integer", "binaryFormat": "B"}}}})
    t.sites.add_row(0.5, "A", metadata=encoded(schemas["sites"], {"v": 1}))
    t.sites.add_row(0.25, "A", metadata=b"not a json+struct row")
    # formats that load but decode oddly: bytes under "number"/"integer" (Ns, Np), padding
    # of any format under "null"; and a string read with "x", which no row can decode
    schemas["individuals"] = tskit.MetadataSchema({
        "codec": "struct", "type": "object",
        "properties": {"raw": {"type": "number", "binaryFormat": "3s", "index": 0},
                       "pp": {"type": "integer", "binaryFormat": "4p", "index": 1},
                       "gap": {"type": "null", "binaryFormat": "i", "index": 2},
                       "end": {"type": "integer", "binaryFormat": "B", "index": 3}}})
    t.individuals.add_row(metadata=b"ab\x00" + b"\x02xyz" + b"\xff" * 4 + b"\x07")
    schemas["migrations"] = tskit.MetadataSchema({
        "codec": "struct", "type": "object",
        "properties": {"z": {"type": "string", "binaryFormat": "2x"}}})
    t.migrations.add_row(0, 1, 0, 0, 1, 0.5, metadata=b"\x00\x00")
    set_schemas(t, schemas)
    t.sort()
    return t.tree_sequence()


FILES = {"msprime": msprime_file, "struct": struct_tables, "slim": slim_file, "bad": bad_file}


def main():
    check_tskit()
    for name, make in FILES.items():
        rel = f"{KIND}/{name}.trees"
        ts = dump_once(make(), os.path.join(FIXTURES, rel))
        write_json_gz(os.path.join(FIXTURES, KIND, f"{name}.json.gz"), answers(ts, rel, COLUMNS.get(name)))
        print(rel, ts.num_nodes, ts.num_individuals)


if __name__ == "__main__":
    main()
