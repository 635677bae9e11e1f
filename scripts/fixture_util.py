"""What the fixture scripts share: where the fixtures live, the tskit version they record,
the JSON spelling of values JSON cannot hold, and writing files so that the same answers
give the same bytes (gzip without a timestamp; a .trees file dumped once, since tskit
writes a new file uuid at every dump).
"""
import gzip
import json
import math
import os

import numpy as np
import tskit

FIXTURES = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures"))
# The tskit whose answers the fixtures hold (README: "numbers match tskit 1.0.3").
TSKIT = "1.0.3"


def check_tskit():
    """Refuse to record another tskit's answers."""
    if tskit.__version__ != TSKIT:
        raise SystemExit(f"the fixtures record tskit {TSKIT}'s answers; this is tskit {tskit.__version__}")


def tag(v):
    """A value as JSON, keeping what JSON cannot say: bytes as {"$bytes": hex}, non-finite
    floats as {"$float": "nan" | "inf" | "-inf"}, integers beyond 2^53 as {"$int": text}.
    Object keys keep their order (test/helpers.ts's `tag` is the other side)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (bytes, bytearray)):
        return {"$bytes": bytes(v).hex()}
    if isinstance(v, (int, np.integer)):
        v = int(v)
        return v if abs(v) <= 2**53 else {"$int": str(v)}
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return {"$float": "nan"}
        if math.isinf(v):
            return {"$float": "inf" if v > 0 else "-inf"}
        return v
    if isinstance(v, np.ndarray):
        return [tag(x) for x in v.tolist()] if v.dtype != object else [tag(x) for x in v]
    if isinstance(v, dict):
        return {k: tag(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [tag(x) for x in v]
    raise TypeError(f"cannot tag {type(v)}")


def plain(v):
    """numpy values and iterators as plain JSON values; non-finite floats as "inf", "-inf",
    "nan" (the Tree fixtures' spelling)."""
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return v if math.isfinite(v) else ("inf" if v > 0 else "-inf" if v < 0 else "nan")
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)) or hasattr(v, "__next__"):
        return [plain(x) for x in v]
    return v


def write_json_gz(path, data):
    """Compact JSON, gzipped with mtime 0: the same answers make the same bytes. numpy values
    as `plain` gives them; NaN and infinities are refused (JSON has none; the recorders spell
    them out)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, default=plain).encode()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(gzip.compress(text, mtime=0))


def read_json_gz(path):
    with gzip.open(path, "rt") as f:
        return json.load(f)


def dump_once(ts, path):
    """Writes `ts` to `path` unless a file is there, and returns what is at `path` as tskit
    loads it: answers are recorded on the file the tests read. Delete a file to remake it."""
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        ts.dump(path)
    return tskit.load(path)
