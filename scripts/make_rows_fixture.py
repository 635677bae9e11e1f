#!/usr/bin/env python3
"""Row-object fixtures with tskit's own answers: test/fixtures/rows/<name>.json.gz.

For each file, tskit 1.0.3's row objects (every node, edge, site with its mutations,
mutation with its computed edge and inherited_state, individual with its nodes, population,
migration, provenance), samples() for each population id and a few times and time intervals,
the derived columns (individuals_nodes, individuals_population, individuals_time,
individuals_location, mutations_edge, mutations_inherited_state) and the properties
(discrete_genome, discrete_time, max_root_time, min_time, max_time, nbytes,
and each table's metadata schema as tskit canonicalises it). A derived column tskit
refuses (inconsistent individual populations, ragged locations) is recorded as
{"$error": "<exception class>"}.

Values in the JSON as fixture_util.tag spells them: bytes as {"$bytes": hex}, non-finite
floats as {"$float": "nan" | "inf" | "-inf"}, integers beyond 2^53 as {"$int": text}.

Usage: python3 scripts/make_rows_fixture.py   (needs tskit). For any other tree sequence:
python3 scripts/make_fixture.py OUT_DIR --toolkit (`answers` here is its rows recorder).
"""
import json
import os

import tskit

from fixture_util import FIXTURES as FIX, check_tskit, dump_once, tag, write_json_gz

KIND = "rows"
FILES = {
    "msprime": "metadata/msprime.trees",
    "slim": "metadata/slim.trees",
    "struct": "metadata/struct.trees",
    "multiallelic": "multiallelic.trees",
    "unknown_times": "unknown_times.trees",
    "small": "small.trees",
    "edge_cases": "rows/edge_cases.trees",
    "empty": "rows/empty.trees",
    "schema_text": "rows/schema_text.trees",
}


def mutation(m):
    return {"id": m.id, "site": m.site, "node": m.node, "derivedState": m.derived_state,
            "inheritedState": m.inherited_state, "parent": m.parent, "time": m.time,
            "metadata": m.metadata, "edge": m.edge}


def attempt(f):
    try:
        return f()
    except Exception as e:  # what tskit refuses, recorded by class
        return {"$error": type(e).__name__}


def answers(ts, file):
    """tskit's answers for one file, `file` its path from the fixtures folder."""
    out = tag(record(ts))
    out["file"] = file
    out["tskit"] = tskit.__version__
    return out


def record(ts):
    pops = list(range(ts.num_populations))
    times = sorted(set(float(t) for t in ts.nodes_time[ts.samples()]))
    samples = [{"population": p} for p in pops]
    samples += [{"time": t} for t in times[:3]]
    if len(times) > 1:
        samples.append({"time": [times[0], times[-1]]})
        samples.append({"time": [times[1], times[-1] + 1]})
        if pops:
            samples.append({"population": pops[0], "time": [times[0], times[1]]})
    for s in samples:
        s["expected"] = ts.samples(**{k: tuple(v) if isinstance(v, list) else v for k, v in s.items()})
    inds_nodes = ts.individuals_nodes
    return {
        "nodes": [{"id": n.id, "flags": n.flags, "time": n.time, "population": n.population,
                   "individual": n.individual, "metadata": n.metadata} for n in ts.nodes()],
        "edges": [{"id": e.id, "left": e.left, "right": e.right, "parent": e.parent,
                   "child": e.child, "metadata": e.metadata} for e in ts.edges()],
        "sites": [{"id": s.id, "position": s.position, "ancestralState": s.ancestral_state,
                   "mutations": [mutation(m) for m in s.mutations], "metadata": s.metadata}
                  for s in ts.sites()],
        "mutations": [mutation(m) for m in ts.mutations()],
        "individuals": [{"id": i.id, "flags": i.flags, "location": i.location,
                         "parents": i.parents, "nodes": i.nodes, "metadata": i.metadata}
                        for i in ts.individuals()],
        "populations": [{"id": p.id, "metadata": p.metadata} for p in ts.populations()],
        "migrations": [{"id": m.id, "left": m.left, "right": m.right, "node": m.node,
                        "source": m.source, "dest": m.dest, "time": m.time,
                        "metadata": m.metadata} for m in ts.migrations()],
        "provenances": [{"id": p.id, "timestamp": p.timestamp, "record": p.record}
                        for p in ts.provenances()],
        "samples": samples,
        "individualsNodes": {"data": inds_nodes.ravel(), "shape": list(inds_nodes.shape)},
        "individualPopulations": attempt(lambda: ts.individuals_population),
        "individualTimes": attempt(lambda: ts.individuals_time),
        "individualLocations": attempt(lambda: {
            "data": ts.individuals_location.ravel(), "shape": list(ts.individuals_location.shape)}),
        "mutationsEdge": ts.mutations_edge,
        "mutationsInheritedState": list(ts.mutations_inherited_state),
        "discreteGenome": ts.discrete_genome,
        "discreteTime": ts.discrete_time,
        "maxRootTime": attempt(lambda: ts.max_root_time),
        "minTime": ts.min_time,
        "maxTime": ts.max_time,
        "nbytes": ts.nbytes,
        # Each table's schema as tskit writes it out (what nbytes counts).
        "canonicalSchemas": {name: repr(table.metadata_schema) for name, table in ts.tables.table_name_map.items()
                             if hasattr(table, "metadata_schema")},
        "fileUuid": ts.file_uuid,
        "referenceSequence": reference_sequence(ts),
    }


def reference_sequence(ts):
    """tskit's reference_sequence, None where the file has none; the schema as its codec."""
    if not ts.has_reference_sequence():
        return None
    r = ts.reference_sequence
    schema = r.metadata_schema.schema
    return {"data": r.data, "url": r.url, "metadata": r.metadata,
            "codec": None if schema is None else schema["codec"]}


def edge_cases():
    """A hand-made file with what the simulations lack: mutations with no edge above them
    (on a root; on a node with no edge at the site) and unknown times, an individual whose
    nodes are in two populations (one of them none), ragged locations, an individual with no
    nodes, a node in no tree older than every root, integer times and duplicate names."""
    t = tskit.TableCollection(10)
    t.populations.metadata_schema = tskit.MetadataSchema.permissive_json()
    for name in ["x", "y", "x"]:
        t.populations.add_row(metadata={"name": name})
    for loc in [[1.0, 2.0], [3.0], []]:
        t.individuals.add_row(location=loc)
    for flags, time, pop, ind in [(1, 0, 0, 0), (1, 0, -1, 0), (1, 1, 1, 1), (0, 2, 1, -1), (0, 5, 0, -1)]:
        t.nodes.add_row(flags=flags, time=time, population=pop, individual=ind)
    t.edges.add_row(0, 10, 3, 0)
    t.edges.add_row(0, 5, 3, 1)
    t.edges.add_row(0, 10, 3, 2)
    t.sites.add_row(2, "A")
    t.sites.add_row(7, "C")
    t.mutations.add_row(site=0, node=3, derived_state="G")
    t.mutations.add_row(site=0, node=0, derived_state="T", parent=0)
    t.mutations.add_row(site=1, node=1, derived_state="A")
    t.sort()
    t.build_index()
    t.compute_mutation_parents()
    t.reference_sequence.data = "ACGTACGTAC"
    t.reference_sequence.url = "https://example.org/ref.fa"
    t.reference_sequence.metadata_schema = tskit.MetadataSchema.permissive_json()
    t.reference_sequence.metadata = {"assembly": "toy"}
    return t.tree_sequence()


def empty():
    """No rows at all: min_time inf, max_time -inf, max_root_time refused (no samples)."""
    return tskit.TableCollection(1).tree_sequence()


def schema_text():
    """Schemas stored as written, not as tskit writes them (nbytes counts each table's schema
    as tskit canonicalises it: keys sorted, non-ASCII escaped, floats as Python prints them;
    the top-level and reference-sequence ones as stored, in characters): whitespace, keys out
    of order and repeated, floats of every print form, integers beyond 2^64, escapes and
    non-ASCII text; non-ASCII time units, URL and reference data."""
    t = tskit.TableCollection(10)
    t.time_units = "générations"
    pop_schema = (r'{ "codec" : "json", "type": "object", "zeta": 1.0, "alpha": [1e16, 1e15, 1e-5, 0.0001, -0.0, -0, '
                  r'123456789012345678901234567890, 2.5E3, 0.1, 1.5e-7, 5e-324, 1.7976931348623157e308], '
                  r'"description": "\u00e9 é 😀 \ud83d\ude00 \u007f\u0001 tab\t \"q\" \\ \/", '
                  r'"properties": {"b": {"type": "number", "default": 0.1}, "a": {"type": "string"}}, '
                  r'"dup": 1, "dup": 2.0, "\u00e9key": null, "Zkey": true, "~": false, "\ud7ff": [], "\ue000": {}}')
    node_schema = ('{"type":"object","codec":"struct","required":[],"additionalProperties":false,\n'
                   '  "properties":{"x":{"type":"number","binaryFormat":"d","default":1e-7,"index":1},'
                   '"k":{"type":"integer","binaryFormat":"i","default":-3}}}')
    nodes = tskit.MetadataSchema(json.loads(node_schema))
    for flags, time in [(1, 0), (1, 0), (0, 1.5)]:
        t.nodes.add_row(flags=flags, time=time, population=0, metadata=nodes.validate_and_encode_row({"x": time}))
    t.edges.add_row(0, 10, 2, 0)
    t.edges.add_row(0, 10, 2, 1)
    t.populations.add_row(metadata=b'{"name": "p\u00e9"}')
    # The low-level tables take the text as it is (the high-level setter writes tskit's form).
    t.populations.ll_table.metadata_schema = pop_schema
    t.nodes.ll_table.metadata_schema = node_schema
    t._ll_tables.metadata_schema = '{"codec":"json", "description": "top ü 😀"}'
    t.metadata = {"a": 1}
    t.reference_sequence.data = "ACGTNACGTN"
    t.reference_sequence.url = "https://exämple.org/😀"
    t.reference_sequence.metadata_schema = tskit.MetadataSchema.permissive_json()
    t.reference_sequence.metadata = {"assembly": "ü"}
    t.sort()
    t.build_index()
    return t.tree_sequence()


def main():
    check_tskit()
    # Made once (tskit writes a new file uuid at each dump): delete one to remake it.
    dump_once(edge_cases(), os.path.join(FIX, "rows", "edge_cases.trees"))
    dump_once(empty(), os.path.join(FIX, "rows", "empty.trees"))
    dump_once(schema_text(), os.path.join(FIX, "rows", "schema_text.trees"))
    for name, rel in FILES.items():
        ts = tskit.load(os.path.join(FIX, rel))
        write_json_gz(os.path.join(FIX, KIND, f"{name}.json.gz"), answers(ts, rel))
        print(name, ts.num_nodes, ts.num_mutations, ts.num_individuals)


if __name__ == "__main__":
    main()
