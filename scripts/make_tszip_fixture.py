#!/usr/bin/env python3
"""tszip fixtures: test/fixtures/tszip/NAME.tsz, written by tszip.compress, and
test/fixtures/tszip/NAME.json.gz, what tskit makes of it.

For each file, tszip 0.3.1 compresses it (its default chunks, and for "small_chunked" chunks of
64 elements, so that arrays span several chunks and the last is partial; "small_zstd" has its
chunks compressed by numcodecs' Zstd in place of tszip's Blosc, as zarr allows, and
"small_split" has Blosc split each block into one stream per byte of the type, as Blosc does
for other compressors and when BLOSC_SPLITMODE says so); then
`tszip.decompress` reads the .tsz back and the answer records the `.trees` file tskit writes
for that tree sequence, key by key: each kastore item's type, length and the SHA-256 of its
bytes (the `uuid`, new in every written file, is left out), with the summary counts. The
tests load the .tsz with treeseq and compare its `dump()` with these, and with loading the
.trees file itself.

Usage: python3 scripts/make_tszip_fixture.py   (needs tskit and `pip install tszip==0.3.1`,
which brings zarr; only to make fixtures, the tests read the committed files). For any other
tree sequence: python3 scripts/make_fixture.py OUT_DIR --toolkit (`answers` here is its tszip
recorder, which writes OUT_DIR/tszip/NAME.tsz beside the answer).
"""
import contextlib
import hashlib
import os
import struct
import tempfile

import numpy as np
import tskit

from fixture_util import FIXTURES as FIX, check_tskit, write_json_gz

KIND = "tszip"
# name: (file from the fixtures folder, tszip chunk size or None for tszip's default[, codec])
FILES = {
    "small": ("small.trees", None),
    "small_chunked": ("small.trees", 64),
    "small_zstd": ("small.trees", 64, "zstd"),
    "small_split": ("small.trees", None, "blosc-split"),
    "stdpopsim": ("stdpopsim.trees", None),  # JSON metadata, named populations
    "missing_ref": ("missing_ref.trees", None),  # a reference sequence
    "struct": ("metadata/struct.trees", None),  # struct metadata of every format
    "unknown_times": ("unknown_times.trees", None),  # migrations, unknown mutation times
}


# kastore's type codes, as numpy dtypes.
KAS_DTYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"]


def kastore_items(data):
    """The items of a kastore file's bytes: key -> {type, length, sha256} (kastore 1.0's layout:
    a 64-byte header with the item count at byte 12, then 64-byte descriptors of type, key
    start and length, array start and length)."""
    (count,) = struct.unpack_from("<I", data, 12)
    out = {}
    for j in range(count):
        code, key_start, key_len, array_start, array_len = struct.unpack_from("<B7xQQQQ", data, 64 + 64 * j)
        key = data[key_start:key_start + key_len].decode()
        if key == "uuid":
            continue
        size = np.dtype(KAS_DTYPES[code]).itemsize * array_len
        out[key] = {"type": KAS_DTYPES[code], "length": array_len,
                    "sha256": hashlib.sha256(data[array_start:array_start + size]).hexdigest()}
    return out


class ZstdInPlaceOfBlosc:
    """Stands in for numcodecs.Blosc in tszip's compress: numcodecs' Zstd at the same level."""
    SHUFFLE = 1

    def __new__(cls, clevel=9, **_):
        import numcodecs

        return numcodecs.Zstd(level=clevel)


@contextlib.contextmanager
def blosc_always_split():
    """Blosc reads BLOSC_SPLITMODE in its global-context compressor, which numcodecs uses with
    threads on."""
    from numcodecs import blosc

    old = os.environ.get("BLOSC_SPLITMODE"), blosc.use_threads
    os.environ["BLOSC_SPLITMODE"], blosc.use_threads = "ALWAYS", True
    try:
        yield
    finally:
        if old[0] is None:
            del os.environ["BLOSC_SPLITMODE"]
        else:
            os.environ["BLOSC_SPLITMODE"] = old[0]
        blosc.use_threads = old[1]


def answers(ts, file, out=FIX, name=None, chunk_size=None, codec=None):
    """Compresses `ts` (the file `file`, from the fixtures folder) to OUT/tszip/NAME.tsz and
    returns what tskit makes of it."""
    from unittest import mock

    import numcodecs
    import tszip

    name = name or os.path.basename(file)[: -len(".trees")]
    tsz = os.path.join(out, KIND, f"{name}.tsz")
    os.makedirs(os.path.dirname(tsz), exist_ok=True)
    # Written once, as dump_once does for .trees files (a zip holds its members' times): the
    # answers are recorded on the file the tests read. Delete a file to remake it.
    if not os.path.exists(tsz):
        codecs = {"zstd": lambda: mock.patch.object(numcodecs, "Blosc", ZstdInPlaceOfBlosc), "blosc-split": blosc_always_split}
        with codecs.get(codec, contextlib.nullcontext)():
            tszip.compress(ts, tsz, chunk_size=chunk_size)
    back = tszip.decompress(tsz)
    # Lossless: the tables are the original's (provenance included: tszip adds none).
    back.tables.assert_equals(ts.tables)
    with tempfile.TemporaryDirectory() as tmp:
        trees = os.path.join(tmp, "decompressed.trees")
        back.dump(trees)
        with open(trees, "rb") as f:
            items = kastore_items(f.read())
    return {"file": file, "tsz": f"{KIND}/{name}.tsz", "tskit": tskit.__version__, "tszip": tszip.__version__,
            "chunkSize": chunk_size, "codec": codec or "blosc",
            "summary": {"num_nodes": back.num_nodes, "num_edges": back.num_edges, "num_sites": back.num_sites,
                        "num_mutations": back.num_mutations, "num_trees": back.num_trees,
                        "num_samples": back.num_samples, "num_populations": back.num_populations,
                        "num_individuals": back.num_individuals, "num_migrations": back.num_migrations,
                        "sequence_length": back.sequence_length},
            "items": items}


def main():
    check_tskit()
    for name, (file, chunk_size, *codec) in FILES.items():
        ts = tskit.load(os.path.join(FIX, file))
        write_json_gz(os.path.join(FIX, KIND, f"{name}.json.gz"), answers(ts, file, FIX, name, chunk_size, *codec))
        print(f"{KIND}/{name}.tsz from {file}")


if __name__ == "__main__":
    main()
