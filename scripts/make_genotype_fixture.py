"""tskit 1.0.3's genotype answers for treeseq's tests: variants (with options), the genotype
matrix and haplotypes, for a few of test/fixtures' files.

Writes test/fixtures/genotypes/<name>.json.gz, one per file:
  {"file", "cases": [{"options": {...camelCase as treeseq takes them...},
                      "variants": [{site, position, alleles, genotypes, counts, frequencies,
                                    numMissing, hasMissingData, states}],
                      "matrix": {"data", "shape"}},   (with left/right, tskit's matrix's rows
                     ...],                                 of the sites in [left, right))
   "haplotypes": [{"options", "haplotypes"} or {"options", "error"}],
   "errors": [{"options", "error"}],   (options that tskit refuses)
   "vcf": [{"options", "text"} or {"options", "error"}]}   (write_vcf's text, less ##source)
counts and frequencies are lists of [allele, value] in tskit's dict order (None -> null).
Run: python3 scripts/make_genotype_fixture.py; for any other tree sequence,
python3 scripts/make_fixture.py OUT_DIR --toolkit (`answers` here is its genotype recorder).
"""

import io
import os

import numpy as np
import tskit

from fixture_util import FIXTURES, check_tskit, dump_once, write_json_gz

KIND = "genotypes"
FILES = ["small", "gaps_isolated", "multiallelic", "ancient_gaps", "noind", "msprime", "slim", "struct"]
# Made here: small.trees without its individuals (VCF's ploidy path); and the metadata files
# (JSON, SLiM's struct, every struct format) by path.
MADE = {"noind": "genotypes/noind.trees"}
ELSEWHERE = {"msprime": "metadata/msprime.trees", "slim": "metadata/slim.trees", "struct": "metadata/struct.trees"}


def make_noind():
    tables = tskit.load(os.path.join(FIXTURES, "small.trees")).dump_tables()
    tables.individuals.clear()
    tables.nodes.individual = np.full(tables.nodes.num_rows, -1, dtype=np.int32)
    return tables.tree_sequence()


def vcf_cases(ts):
    """write_vcf's options as treeseq takes them; "$plusOne" stands for lambda x: x + 1, and
    the sampleMask "$thirds" for a function masking the samples j with (site + j) % 3 == 0."""
    n = ts.num_samples
    cases = [{}, {"positionTransform": "legacy"}, {"positionTransform": "$plusOne"},
             {"contigId": "chr20", "isolatedAsMissing": False},
             {"siteMask": [s % 3 == 0 for s in range(ts.num_sites)]},
             {"sampleMask": [j % 2 == 0 for j in range(n)]},
             {"sampleMask": "$thirds", "siteMask": [s % 4 == 1 for s in range(ts.num_sites)]},
             {"allowPositionZero": True}]
    if ts.num_individuals > 0:
        k = min(3, ts.num_individuals)
        cases += [{"individuals": list(range(k))[::-1], "individualNames": [f"ind{i}" for i in range(k)]},
                  {"includeNonSampleNodes": True}, {"ploidy": 2}, {"individuals": [ts.num_individuals]}]
    else:
        cases += [{"ploidy": 2}, {"ploidy": 5}, {"ploidy": 3, "contigId": "x"}, {"includeNonSampleNodes": True}]
    return cases


def vcf_record(ts, options):
    kw = {{"contigId": "contig_id", "individualNames": "individual_names",
           "positionTransform": "position_transform", "siteMask": "site_mask",
           "sampleMask": "sample_mask", "includeNonSampleNodes": "include_non_sample_nodes",
           "isolatedAsMissing": "isolated_as_missing", "allowPositionZero": "allow_position_zero"}.get(k, k): v
          for k, v in options.items()}
    if kw.get("position_transform") == "$plusOne":
        kw["position_transform"] = lambda x: np.asarray(x) + 1
    if kw.get("sample_mask") == "$thirds":
        kw["sample_mask"] = lambda v: np.array([(v.site.id + j) % 3 == 0 for j in range(len(v.genotypes))])
    for k in ("site_mask", "sample_mask"):
        if k in kw and not callable(kw[k]):
            kw[k] = np.array(kw[k], dtype=bool)
    out = io.StringIO()
    try:
        ts.write_vcf(out, **kw)
    except Exception as e:  # noqa: BLE001 - recording what tskit refuses
        return {"options": options, "error": f"{type(e).__name__}: {e}"}
    lines = [ln for ln in out.getvalue().split("\n") if not ln.startswith("##source=")]
    return {"options": options, "text": "\n".join(lines)}


def to_tskit(options):
    """treeseq's camelCase options as tskit's keywords."""
    names = {"isolatedAsMissing": "isolated_as_missing", "missingDataCharacter": "missing_data_character"}
    return {names.get(k, k): (tuple(v) if k == "alleles" else v) for k, v in options.items()}


def variant_record(v):
    return {
        "site": int(v.site.id),
        "position": float(v.position),
        "alleles": list(v.alleles),
        "genotypes": v.genotypes.tolist(),
        "counts": [[a, int(c)] for a, c in v.counts().items()],
        # JSON has no NaN (tskit's frequency when no sample is asked for): written "NaN".
        "frequencies": [[a, "NaN" if np.isnan(f) else float(f)] for a, f in v.frequencies().items()],
        "numMissing": int(v.num_missing),
        "hasMissingData": bool(v.has_missing_data),
        "states": v.states().tolist(),
    }


def option_cases(ts):
    L = ts.sequence_length
    samples = ts.samples()
    # Without repeats (tskit refuses a node listed twice), for files with few nodes too.
    some = list(dict.fromkeys([int(samples[-1]), int(samples[0]), int(samples[len(samples) // 2])]))
    non_samples = [int(u) for u in range(ts.num_nodes) if not ts.node(u).is_sample()]
    non_samples = list(dict.fromkeys(non_samples[:2] + non_samples[-2:]))
    states = sorted({s.ancestral_state for s in ts.sites()} | {m.derived_state for m in ts.mutations()})
    return [
        {},
        {"samples": some},
        {"left": L / 4, "right": L / 2},
        {"left": L / 3},
        {"right": L / 5},
        {"isolatedAsMissing": False},
        {"samples": some + non_samples, "isolatedAsMissing": False},
        # tskit 1.0.3 takes non-sample nodes with isolated_as_missing too.
        {"samples": non_samples + some},
        {"alleles": states + ["Z"]},
        {"alleles": list(reversed(states)), "samples": some, "left": L / 2},
        {"samples": []},
    ]


def error_cases(ts):
    L = ts.sequence_length
    samples = ts.samples()
    return [
        {"left": -1},
        {"left": L},
        {"right": 0},
        {"right": L * 2},
        {"left": L / 2, "right": L / 4},
        {"samples": [int(samples[0]), int(samples[0])]},
        {"samples": [ts.num_nodes]},
        {"alleles": ["not-a-state"]},
    ]


def answers(ts, file):
    """tskit's answers for one file, `file` its path from the fixtures folder."""
    cases = []
    for options in option_cases(ts):
        kw = to_tskit(options)
        variants = [variant_record(v) for v in ts.variants(**kw)]
        if "left" in kw or "right" in kw:
            # tskit 1.0.3's genotype_matrix has no left/right: the rows of the interval's sites.
            G = ts.genotype_matrix(**{k: v for k, v in kw.items() if k not in ("left", "right")})
            start, stop = np.searchsorted(ts.sites_position, [kw.get("left", 0), kw.get("right", ts.sequence_length)])
            G = G[start:stop]
            assert np.array_equal(G.ravel(), [g for v in variants for g in v["genotypes"]])
        else:
            G = ts.genotype_matrix(**kw)
        cases.append({"options": options, "variants": variants,
                      "matrix": {"data": G.ravel().tolist(), "shape": list(G.shape)}})
    errors = []
    for options in error_cases(ts):
        try:
            list(ts.variants(**to_tskit(options)))
        except Exception as e:  # noqa: BLE001 - recording which options tskit refuses
            errors.append({"options": options, "error": f"{type(e).__name__}: {e}"})
        else:
            raise AssertionError(f"{file}: tskit accepted {options}")
    haplotypes = []
    L = ts.sequence_length
    for options in [{}, {"isolatedAsMissing": False}, {"samples": [int(u) for u in ts.samples()[:3]]},
                    {"samples": [int(ts.num_nodes - 1), int(ts.samples()[0])], "isolatedAsMissing": False},
                    {"missingDataCharacter": "?"}, {"left": L / 4, "right": L / 2},
                    {"missingDataCharacter": "A"}, {"missingDataCharacter": "NN"}]:
        try:
            h = list(ts.haplotypes(**to_tskit(options)))
        except Exception as e:  # noqa: BLE001
            haplotypes.append({"options": options, "error": f"{type(e).__name__}: {e}"})
        else:
            haplotypes.append({"options": options, "haplotypes": h})
    vcf = [vcf_record(ts, options) for options in vcf_cases(ts)]
    return {"file": file, "tskit": tskit.__version__, "cases": cases,
            "errors": errors, "haplotypes": haplotypes, "vcf": vcf}


def main():
    check_tskit()
    # Made once (tskit writes a new file uuid at each dump): delete it to remake it.
    dump_once(make_noind(), os.path.join(FIXTURES, MADE["noind"]))
    for name in FILES:
        rel = MADE.get(name) or ELSEWHERE.get(name, name + ".trees")
        write_json_gz(os.path.join(FIXTURES, KIND, name + ".json.gz"), answers(tskit.load(os.path.join(FIXTURES, rel)), rel))
        print("wrote", name)


if __name__ == "__main__":
    main()
