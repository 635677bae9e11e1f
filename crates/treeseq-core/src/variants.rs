//! Genotypes at each site, decoded from the trees as tskit's `ts.variants()` does, with its
//! options (`samples`, `left`, `right`, `isolated_as_missing`, `alleles`: [`VariantOptions`]).
//!
//! What it is for: turning a site and its mutations into an allele list and one genotype per
//! sample (indexed like `ts.samples`), walking the trees once from left to right.
//!
//! What it is not: a VCF writer or a haplotype builder (those read its genotypes); the whole
//! matrix at once is [`genotype_matrix`], which runs one decoder per chunk of sites.
//!
//! The rules, as in tskit's `tsk_variant_decode`:
//! - allele 0 is the site's ancestral state; each derived state not yet listed is appended
//!   in mutation order (so recurrent and back mutations reuse an index);
//! - every sample starts with allele 0; samples isolated in the tree (no parent, no
//!   children) are then marked missing ([`MISSING_DATA`], -1); then each mutation, in table
//!   order (parents before children), sets the allele of every sample below its node, so a
//!   mutation directly over an isolated sample makes it not missing;
//! - when some genotype is still missing, the allele list ends with `None` (tskit appends
//!   Python's `None` to `Variant.alleles`).
//! - with `samples` given, genotypes follow that list (any nodes, as tskit 1.0.3 allows); a
//!   listed node is missing where it has neither parent nor children (for sample nodes this
//!   is the rule above; tskit 1.0.3 gives the same for non-samples); the listed nodes below a
//!   mutation are found from the tree's sample lists when all are sample nodes, else by a
//!   traversal of its subtree (as tskit does for any list);
//! - with `alleles` given, that list is the allele list at every site, and each state (the
//!   ancestral one and every derived one in the range) must be in it.

use std::borrow::Cow;

use serde_json::Value;

use crate::bail;
use crate::error::{ErrorCode, Result, TreeSeqError};
use crate::stats::args::{ArrayRef, Arrays};
use crate::tree::{Tree, NULL};
use crate::treeseq::TreeSequence;

/// tskit's genotype value for missing data.
pub const MISSING_DATA: i32 = -1;

/// One decoded site, owned (tskit's `Variant` after a copy).
#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub site: i32,
    pub position: f64,
    /// Ancestral state first, then new derived states in mutation order; a final `None`
    /// stands for missing data and appears only when some genotype is [`MISSING_DATA`].
    pub alleles: Vec<Option<String>>,
    /// One allele index per sample, in the order of `ts.samples`; -1 for missing.
    pub genotypes: Vec<i32>,
}

/// tskit's `variants()` options. The default is tskit's: every sample, the whole genome,
/// isolated samples missing, alleles found from the data.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantOptions {
    /// Node ids whose genotypes to decode, in this order (tskit's `samples`).
    pub samples: Option<Vec<i32>>,
    /// Sites at or after this position (tskit's `left`; `None` is 0).
    pub left: Option<f64>,
    /// Sites before this position (tskit's `right`; `None` is the sequence length).
    pub right: Option<f64>,
    pub isolated_as_missing: bool,
    /// A fixed allele list for every site (tskit's `alleles`).
    pub alleles: Option<Vec<String>>,
}

impl Default for VariantOptions {
    fn default() -> Self {
        VariantOptions {
            samples: None,
            left: None,
            right: None,
            isolated_as_missing: true,
            alleles: None,
        }
    }
}

impl VariantOptions {
    /// As [`VariantOptions::from_json`], from JSON text (what the bindings are handed).
    pub fn from_json_text(context: &str, text: &str) -> Result<VariantOptions> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            TreeSeqError::new(
                ErrorCode::BadParam,
                format!("{context}: options are not valid JSON: {e}"),
            )
        })?;
        Self::from_json(context, &v, Arrays::default())
    }

    /// Reads the options from a JSON object with tskit's snake_case keys (`samples`, `left`,
    /// `right`, `isolated_as_missing`, `alleles`); `null` is the default. Any other key is
    /// `BAD_PARAM` naming it (`context` starts each message). `samples` may be a placeholder
    /// into `arrays` (the wire protocol of `stats::compute_json`): the ids are then read from
    /// the typed array, never turned into JSON.
    pub fn from_json(context: &str, v: &Value, arrays: Arrays) -> Result<VariantOptions> {
        let mut o = VariantOptions::default();
        let Some(map) = v.as_object() else {
            bail!(
                BadParam,
                "{context}: options must be an object, got {}",
                crate::args::kind(v)
            );
        };
        for (key, value) in map {
            if value.is_null() {
                continue;
            }
            let what = format!("{context}: {key}");
            match key.as_str() {
                "samples" => {
                    match arrays.resolve(context, value)? {
                        Some(ArrayRef::I32(ids)) => {
                            o.samples = Some(ids.to_vec());
                            continue;
                        }
                        Some(ArrayRef::F64(_)) => bail!(
                            BadParam,
                            "{what} must be an array of node ids, got floating-point numbers"
                        ),
                        None => {}
                    }
                    let Some(items) = value.as_array() else {
                        bail!(
                            BadParam,
                            "{what} must be an array of node ids, got {}",
                            crate::args::kind(value)
                        );
                    };
                    let mut ids = Vec::with_capacity(items.len());
                    for (j, x) in items.iter().enumerate() {
                        let Some(x) = x.as_f64() else {
                            bail!(
                                BadParam,
                                "{what}[{j}] must be a node id, got {}",
                                crate::args::kind(x)
                            );
                        };
                        ids.push(crate::args::id32(&format!("{what}[{j}]"), x)?);
                    }
                    o.samples = Some(ids);
                }
                "left" | "right" => {
                    let Some(x) = value.as_f64() else {
                        bail!(
                            BadParam,
                            "{what} must be a number, got {}",
                            crate::args::kind(value)
                        );
                    };
                    if key == "left" {
                        o.left = Some(x)
                    } else {
                        o.right = Some(x)
                    }
                }
                "isolated_as_missing" => {
                    let Some(b) = value.as_bool() else {
                        bail!(
                            BadParam,
                            "{what} must be a boolean, got {}",
                            crate::args::kind(value)
                        );
                    };
                    o.isolated_as_missing = b;
                }
                "alleles" => {
                    let Some(items) = value.as_array() else {
                        bail!(
                            BadParam,
                            "{what} must be an array of strings, got {}",
                            crate::args::kind(value)
                        );
                    };
                    let mut list = Vec::with_capacity(items.len());
                    for (j, x) in items.iter().enumerate() {
                        let Some(x) = x.as_str() else {
                            bail!(
                                BadParam,
                                "{what}[{j}] must be a string, got {}",
                                crate::args::kind(x)
                            );
                        };
                        list.push(x.to_string());
                    }
                    o.alleles = Some(list);
                }
                _ => bail!(BadParam, "{context}: unknown option '{key}'"),
            }
        }
        Ok(o)
    }
}

/// The sites `[start, stop)` in `[left, right)`, as tskit checks and finds them.
fn site_range(
    context: &str,
    ts: &TreeSequence,
    left: Option<f64>,
    right: Option<f64>,
) -> Result<(usize, usize)> {
    let l = ts.tables.sequence_length;
    let (left, right) = (left.unwrap_or(0.0), right.unwrap_or(l));
    if left.is_nan() || left < 0.0 || left >= l {
        bail!(BadParam, "{context}: left = {left} is not between zero (inclusive) and the sequence length {l} (exclusive)");
    }
    if right.is_nan() || right <= 0.0 || right > l {
        bail!(BadParam, "{context}: right = {right} is not between zero (exclusive) and the sequence length {l} (inclusive)");
    }
    if left >= right {
        bail!(
            BadParam,
            "{context}: left = {left} must be less than right = {right}"
        );
    }
    let position = &ts.tables.sites.position;
    Ok((
        position.partition_point(|&x| x < left),
        position.partition_point(|&x| x < right),
    ))
}

/// Decodes sites in order into buffers that are reused from site to site.
///
/// Two ways to use it:
/// - as an [`Iterator`] of owned [`Variant`]s (one genotype vector allocated per site);
/// - with [`Variants::decode_next`] / [`Variants::decode`], then reading
///   [`Variants::genotypes`] and [`Variants::alleles`]: nothing is allocated per site, and the
///   genotype buffer keeps its address for the life of the decoder (bindings may view it).
pub struct Variants<'a> {
    ts: &'a TreeSequence,
    /// Keeps sample lists (without `samples`), so that setting the genotypes below a mutation
    /// touches only the samples there (as tskit's decoder does).
    tree: Tree<'a>,
    genotypes: Box<[i32]>,
    /// What the genotype buffer holds outside the entries in `written`: the previous site's
    /// ancestral allele.
    base: i32,
    /// The genotype indexes the previous site set to something other than `base` (its
    /// missing samples and the samples below its mutations, repeats included), so that the
    /// next site can put back only those instead of refilling every sample: a site's cost
    /// then follows its derived samples, not the sample count. `num_written` counts them
    /// all; past `written.len()` (an eighth of the samples, or 64) they are not kept, and
    /// the next site refills the whole buffer, which is then the cheaper way.
    written: Box<[u32]>,
    num_written: usize,
    alleles: Vec<Cow<'a, [u8]>>,
    has_missing_data: bool,
    /// The decoded site, or -1 before the first decode.
    site: i32,
    /// The site `decode_next` will decode.
    next_site: usize,
    /// The sites decoded: `[start, stop)`.
    start: usize,
    stop: usize,
    isolated_as_missing: bool,
    /// With `samples` that are not all sample nodes: each node's index in the list, or NULL
    /// (tskit's alt_sample_index_map), for a traversal below each mutation.
    sample_map: Option<Box<[i32]>>,
    /// With `samples` that are all sample nodes: each sample's (index in `ts.samples`) index
    /// in the list, or NULL. The tree's sample lists then visit only the samples below a
    /// mutation, not every node there (tskit walks every node; the genotypes are the same).
    by_sample: Option<Box<[i32]>>,
    /// With `samples`: the list.
    chosen: Option<Box<[i32]>>,
    /// With `alleles`: the index of each site's ancestral state (from `start`) and of each
    /// mutation's derived state (from the first mutation of `start`), checked once here.
    user: Option<UserAlleles>,
    /// A traversal stack (with `samples`).
    stack: Vec<i32>,
}

struct UserAlleles {
    ancestral: Box<[i32]>,
    derived: Box<[i32]>,
    first_mutation: usize,
}

impl<'a> Variants<'a> {
    pub fn new(ts: &'a TreeSequence) -> Variants<'a> {
        Self::with_options(ts, &VariantOptions::default()).expect("the default options are valid")
    }

    /// A decoder with tskit's options; `BAD_PARAM` for a bad interval, a node out of bounds
    /// or listed twice, or a state not in `alleles`.
    pub fn with_options(ts: &'a TreeSequence, o: &VariantOptions) -> Result<Variants<'a>> {
        Self::with_options_in("variants", ts, o)
    }

    /// As [`Variants::with_options`], messages starting with `context` (the caller's name).
    pub fn with_options_in(
        context: &str,
        ts: &'a TreeSequence,
        o: &VariantOptions,
    ) -> Result<Variants<'a>> {
        let (start, stop) = site_range(context, ts, o.left, o.right)?;
        let num_nodes = ts.tables.nodes.time.len();
        let sample_map = match &o.samples {
            None => None,
            Some(samples) => {
                let mut map = vec![NULL; num_nodes].into_boxed_slice();
                for (j, &u) in samples.iter().enumerate() {
                    if u < 0 || u as usize >= num_nodes {
                        bail!(BadParam, "{context}: samples[{j}] = {u} is out of bounds (there are {num_nodes} nodes)");
                    }
                    if map[u as usize] != NULL {
                        bail!(BadParam, "{context}: samples[{j}] = {u} is listed twice");
                    }
                    map[u as usize] = j as i32;
                }
                Some(map)
            }
        };
        let sample_index = ts.sample_index_map();
        let by_sample = match &o.samples {
            Some(samples) if samples.iter().all(|&u| sample_index[u as usize] != NULL) => {
                let mut by = vec![NULL; ts.samples.len()].into_boxed_slice();
                for (j, &u) in samples.iter().enumerate() {
                    by[sample_index[u as usize] as usize] = j as i32;
                }
                Some(by)
            }
            _ => None,
        };
        let sample_map = if by_sample.is_some() {
            None
        } else {
            sample_map
        };
        let user = match &o.alleles {
            None => None,
            Some(list) => Some(UserAlleles::new(context, ts, list, start, stop)?),
        };
        let num_genotypes = o.samples.as_ref().map_or(ts.samples.len(), |s| s.len());
        Ok(Variants {
            ts,
            tree: if sample_map.is_some() {
                Tree::new(ts)
            } else {
                Tree::with_sample_lists(ts)
            },
            genotypes: vec![0; num_genotypes].into_boxed_slice(),
            base: 0,
            written: vec![0; (num_genotypes / 8).max(64)].into_boxed_slice(),
            num_written: 0,
            alleles: match &o.alleles {
                None => Vec::with_capacity(4),
                Some(list) => list
                    .iter()
                    .map(|a| Cow::Owned(a.as_bytes().to_vec()))
                    .collect(),
            },
            has_missing_data: false,
            site: -1,
            next_site: start,
            start,
            stop,
            isolated_as_missing: o.isolated_as_missing,
            sample_map,
            by_sample,
            chosen: o.samples.clone().map(Into::into),
            user,
            stack: Vec::new(),
        })
    }

    /// The sites this decoder decodes, `[start, stop)` (those in `[left, right)`).
    pub fn site_range(&self) -> (usize, usize) {
        (self.start, self.stop)
    }

    /// Decodes the next site (in id order, which is position order). Returns false, leaving
    /// the buffers as they were, when every site in the range has been decoded.
    pub fn decode_next(&mut self) -> bool {
        if self.next_site >= self.stop {
            return false;
        }
        self.decode_site(self.next_site);
        true
    }

    /// Decodes any site of the range (every site by default). Moving between nearby sites
    /// steps the tree; far jumps seek.
    pub fn decode(&mut self, site: i32) -> Result<()> {
        let num_sites = self.ts.tables.sites.position.len();
        if site < 0 || site as usize >= num_sites {
            return Err(TreeSeqError::new(
                ErrorCode::BadParam,
                format!("site {site} is out of bounds (there are {num_sites} sites)"),
            ));
        }
        if (site as usize) < self.start || site as usize >= self.stop {
            bail!(
                BadParam,
                "site {site} is outside the decoder's range: sites {} to {}",
                self.start,
                self.stop as i64 - 1
            );
        }
        self.decode_site(site as usize);
        Ok(())
    }

    /// The decoded site's id, or -1 before the first decode.
    pub fn site(&self) -> i32 {
        self.site
    }

    pub fn position(&self) -> f64 {
        if self.site < 0 {
            return f64::NAN;
        }
        self.ts.tables.sites.position[self.site as usize]
    }

    /// Genotypes of the decoded site, indexed like `ts.samples`; -1 is missing.
    pub fn genotypes(&self) -> &[i32] {
        &self.genotypes
    }

    /// The decoded site's alleles as bytes, without the missing-data marker: check
    /// [`Variants::has_missing_data`] for that.
    pub fn alleles(&self) -> &[Cow<'a, [u8]>] {
        &self.alleles
    }

    pub fn has_missing_data(&self) -> bool {
        self.has_missing_data
    }

    /// The tree at the decoded site.
    pub fn tree(&self) -> &Tree<'a> {
        &self.tree
    }

    /// An owned copy of the decoded site, or `None` before the first decode.
    pub fn variant(&self) -> Option<Variant> {
        if self.site < 0 {
            return None;
        }
        let mut alleles: Vec<Option<String>> = self
            .alleles
            .iter()
            .map(|a| Some(String::from_utf8_lossy(a).into_owned()))
            .collect();
        if self.has_missing_data {
            alleles.push(None);
        }
        Some(Variant {
            site: self.site,
            position: self.position(),
            alleles,
            genotypes: self.genotypes.to_vec(),
        })
    }

    fn decode_site(&mut self, site: usize) {
        let tables = &self.ts.tables;
        let position = tables.sites.position[site];
        self.move_tree_to(position);

        let index = self.ts.site_mutation_index();
        let muts = index[site]..index[site + 1];
        let ancestral = match &self.user {
            None => {
                self.alleles.clear();
                self.alleles
                    .push(Cow::Borrowed(tables.sites.ancestral_state.row(site)));
                0
            }
            Some(u) => u.ancestral[site - self.start],
        };
        self.reset_genotypes(ancestral);

        // Missing first, so that mutations directly over isolated samples overwrite it.
        let mut num_missing = if self.isolated_as_missing {
            self.mark_isolated_samples_missing()
        } else {
            0
        };
        // Alleles are numbered once per tree sequence, by the rule the statistics use too; an
        // allele's number first appears on the mutation that introduces it.
        let ts = self.ts;
        let numbered = &ts.mutation_alleles().allele;
        for m in muts {
            let allele = match &self.user {
                Some(u) => u.derived[m - u.first_mutation],
                None => {
                    let allele = numbered[m] as usize;
                    if allele == self.alleles.len() {
                        self.alleles
                            .push(Cow::Borrowed(tables.mutations.derived_state.row(m)));
                    }
                    allele as i32
                }
            };
            let node = tables.mutations.node[m];
            // Counting the samples no longer missing reads each genotype before writing it:
            // skip that when none is missing.
            num_missing -= if num_missing > 0 {
                self.set_genotypes_below::<true>(node, allele)
            } else {
                self.set_genotypes_below::<false>(node, allele)
            };
        }
        self.has_missing_data = num_missing > 0;
        self.site = site as i32;
        self.next_site = site + 1;
    }

    /// Makes every genotype `ancestral`: puts back only the entries the previous site wrote
    /// when they were kept and it had the same ancestral allele, else fills the buffer.
    fn reset_genotypes(&mut self, ancestral: i32) {
        if ancestral == self.base && self.num_written <= self.written.len() {
            for &j in &self.written[..self.num_written] {
                self.genotypes[j as usize] = ancestral;
            }
        } else {
            self.genotypes.fill(ancestral);
        }
        self.base = ancestral;
        self.num_written = 0;
    }

    /// Puts the tree over `position`, stepping when that is cheaper than a seek.
    fn move_tree_to(&mut self, position: f64) {
        let (left, right) = self.tree.interval();
        if !self.tree.is_null() && left <= position && position < right {
            return;
        }
        let breakpoints = &self.ts.breakpoints;
        let target = breakpoints.partition_point(|&b| b <= position) - 1;
        if !self.tree.is_null() {
            // A step changes 2M/T edges on average; a seek clears N nodes and scans about
            // half the M edges. Step while that is the smaller cost.
            let num_edges = self.ts.tables.edges.left.len();
            let num_trees = self.tree.num_trees().max(1);
            let steps = (target as i64 - self.tree.index() as i64).unsigned_abs() as usize;
            let step_cost = steps * (2 * num_edges / num_trees + 1);
            let seek_cost = num_edges / 2 + self.tree.num_nodes();
            if step_cost <= seek_cost {
                let forward = target as i32 > self.tree.index();
                while self.tree.index() != target as i32 {
                    if forward {
                        self.tree.next();
                    } else {
                        self.tree.prev();
                    }
                }
                return;
            }
        }
        // `position` is a valid site position, inside [0, L).
        let _ = self.tree.seek(position);
    }

    /// tskit marks as missing the samples that are roots with no children (with `samples`
    /// given, the listed nodes with neither parent nor children).
    fn mark_isolated_samples_missing(&mut self) -> usize {
        let left_child = self.tree.left_child_array();
        let mut num_missing = 0;
        if let Some(chosen) = &self.chosen {
            let parent = self.tree.parent_array();
            for (j, &u) in chosen.iter().enumerate() {
                if parent[u as usize] == NULL && left_child[u as usize] == NULL {
                    write(
                        &mut self.genotypes,
                        &mut self.written,
                        &mut self.num_written,
                        j,
                        MISSING_DATA,
                    );
                    num_missing += 1;
                }
            }
            return num_missing;
        }
        let right_sib = self.tree.right_sib_array();
        let mut root = self.tree.left_root();
        while root != NULL {
            let r = root as usize;
            if left_child[r] == NULL {
                let j = self.tree.sample_index_map[r];
                if j != NULL {
                    write(
                        &mut self.genotypes,
                        &mut self.written,
                        &mut self.num_written,
                        j as usize,
                        MISSING_DATA,
                    );
                    num_missing += 1;
                }
            }
            root = right_sib[r];
        }
        num_missing
    }

    /// Sets `allele` for every sample at or below `node`; returns how many of them had been
    /// missing when `COUNT_MISSING` (else 0).
    fn set_genotypes_below<const COUNT_MISSING: bool>(&mut self, node: i32, allele: i32) -> usize {
        let mut no_longer_missing = 0;
        let genotypes = &mut self.genotypes[..];
        let written = &mut self.written[..];
        // A local, so that it stays in a register in the loops below.
        let mut num_written = self.num_written;
        let mut set = |j: usize| {
            if COUNT_MISSING {
                no_longer_missing += (genotypes[j] == MISSING_DATA) as usize;
            }
            write(genotypes, written, &mut num_written, j, allele);
        };
        match (&self.sample_map, &self.by_sample) {
            (None, None) => self.tree.for_each_sample_below(node, set),
            (None, Some(by)) => self.tree.for_each_sample_below(node, |j| {
                let k = by[j];
                if k != NULL {
                    set(k as usize);
                }
            }),
            (Some(map), _) => {
                // The chosen nodes need not be samples, so no sample list holds them: walk
                // the subtree.
                let left_child = self.tree.left_child_array();
                let right_sib = self.tree.right_sib_array();
                self.stack.clear();
                self.stack.push(node);
                while let Some(u) = self.stack.pop() {
                    let j = map[u as usize];
                    if j != NULL {
                        set(j as usize);
                    }
                    let mut c = left_child[u as usize];
                    while c != NULL {
                        self.stack.push(c);
                        c = right_sib[c as usize];
                    }
                }
            }
        }
        self.num_written = num_written;
        no_longer_missing
    }
}

/// Sets genotype `j` to `allele`, noting `j` in `written` while there is room (see
/// [`Variants::reset_genotypes`]).
#[inline(always)]
fn write(
    genotypes: &mut [i32],
    written: &mut [u32],
    num_written: &mut usize,
    j: usize,
    allele: i32,
) {
    genotypes[j] = allele;
    if let Some(w) = written.get_mut(*num_written) {
        *w = j as u32;
    }
    *num_written += 1;
}

impl UserAlleles {
    fn new(
        context: &str,
        ts: &TreeSequence,
        list: &[String],
        start: usize,
        stop: usize,
    ) -> Result<UserAlleles> {
        let index_of = |state: &[u8]| list.iter().position(|a| a.as_bytes() == state);
        let tables = &ts.tables;
        let show = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
        let mut ancestral = Vec::with_capacity(stop - start);
        for site in start..stop {
            let state = tables.sites.ancestral_state.row(site);
            match index_of(state) {
                Some(i) => ancestral.push(i as i32),
                None => bail!(
                    BadParam,
                    "{context}: alleles: site {site}'s ancestral state {:?} is not in the list",
                    show(state)
                ),
            }
        }
        let index = ts.site_mutation_index();
        let (first, last) = (index[start], index[stop]);
        let mut derived = Vec::with_capacity(last - first);
        for m in first..last {
            let state = tables.mutations.derived_state.row(m);
            match index_of(state) {
                Some(i) => derived.push(i as i32),
                None => bail!(
                    BadParam,
                    "{context}: alleles: mutation {m}'s derived state {:?} is not in the list",
                    show(state)
                ),
            }
        }
        Ok(UserAlleles {
            ancestral: ancestral.into(),
            derived: derived.into(),
            first_mutation: first,
        })
    }
}

impl Iterator for Variants<'_> {
    type Item = Variant;

    fn next(&mut self) -> Option<Variant> {
        if self.decode_next() {
            self.variant()
        } else {
            None
        }
    }
}

/// tskit's `genotype_matrix`: the genotypes of every site in the range, row-major
/// (sites × samples), with the options of [`Variants::with_options`].
///
/// Computed in parallel across the genome: the sites are cut into chunks of equal numbers
/// of sites, several per thread (so a slow chunk does not hold the rest), and
/// each chunk is decoded by its own decoder, which seeks to its first site and then steps.
/// The output's size is checked against the memory ceiling first (`OUTPUT_TOO_LARGE`).
pub fn genotype_matrix(ts: &TreeSequence, o: &VariantOptions) -> Result<(Vec<i32>, usize, usize)> {
    use rayon::prelude::*;
    // One decoder checks every option (and finds the range) before anything large is made.
    let first = Variants::with_options_in("genotypeMatrix", ts, o)?;
    let (start, stop) = first.site_range();
    let num_samples = first.genotypes.len();
    let num_sites = stop - start;
    crate::memory::Need::new()
        .values::<i32>(
            format!("the matrix ({num_sites} sites × {num_samples} samples)"),
            (num_sites as u64).checked_mul(num_samples as u64),
        )
        .check("genotypeMatrix")?;
    let mut data =
        crate::memory::try_vec("genotypeMatrix: the matrix", num_sites * num_samples, 0i32)?;
    if num_sites == 0 || num_samples == 0 {
        return Ok((data, num_sites, num_samples));
    }
    // Chunks: enough for balance, few enough that each one's seek (about one tree's worth of
    // edges) is small beside decoding its sites.
    let chunks = (rayon::current_num_threads() * 4).min(num_sites).max(1);
    let rows_per_chunk = num_sites.div_ceil(chunks);
    data.par_chunks_mut(rows_per_chunk * num_samples)
        .enumerate()
        .try_for_each(|(c, out)| -> Result<()> {
            let mut v = Variants::with_options(ts, o)?;
            let first_site = start + c * rows_per_chunk;
            for (r, row) in out.chunks_mut(num_samples).enumerate() {
                v.decode_site(first_site + r);
                row.copy_from_slice(&v.genotypes);
            }
            Ok(())
        })?;
    Ok((data, num_sites, num_samples))
}
