//! A validated, immutable tree sequence: tables plus what is derived from them once.
//!
//! What it is for: the one entry point for loading (`load`), adopting in-memory tables
//! (`from_tables`) and writing (`dump`), and the counts everyone asks for. Every
//! `TreeSequence` has passed `validate::validate`, so tree and statistics code may rely on
//! ids being in range, sort orders and the edge indexes.
//!
//! What it is not: tree traversal or statistics (they live in their own modules).

use crate::error::Result;
use crate::format;
use crate::kastore::KastoreFile;
use crate::tables::{TableCollection, NODE_IS_SAMPLE};
use crate::validate;

pub struct TreeSequence {
    pub tables: TableCollection,
    /// Sample node ids in increasing id order (tskit's `samples()`).
    pub samples: Vec<i32>,
    /// Tree boundaries: 0, every distinct edge left/right, and the sequence length.
    pub breakpoints: Vec<f64>,
    /// Per site, its first mutation (and one past the last), built on first use.
    site_mutations: std::sync::OnceLock<Vec<usize>>,
    /// Per node, its index in `samples` or -1, built on first use.
    sample_index: std::sync::OnceLock<Vec<i32>>,
    /// Edge insertions and removals in index order, gathered by validation (which walks them).
    edge_events: EdgeEvents,
    /// Each mutation's allele number at its site, built on first use.
    mutation_alleles: std::sync::OnceLock<MutationAlleles>,
}

/// The alleles the statistics number (as tskit's `get_allele_weights` does): at each site,
/// allele 0 is the ancestral state, then each distinct derived state in order of first
/// appearance; a mutation back to the ancestral state is allele 0.
pub struct MutationAlleles {
    /// Per mutation, its allele at its site.
    pub allele: Vec<u32>,
    /// Per site, how many alleles it has (1 + its distinct derived states).
    pub num_alleles: Vec<u32>,
}

/// One edge insertion or removal: where it happens and the edge's parent and child.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EdgeEvent {
    pub position: f64,
    pub parent: i32,
    pub child: i32,
}

/// Every edge insertion (in `edge_insertion_order`, at the edge's left) and removal (in
/// `edge_removal_order`, at its right), as records read in sequence: a walk along the genome
/// reads the next few events instead of following edge ids into four columns, and a search
/// for a position reads one array.
pub struct EdgeEvents {
    pub insertions: Vec<EdgeEvent>,
    pub removals: Vec<EdgeEvent>,
}

impl TreeSequence {
    /// Loads a `.trees` file (tskit format 12.x) from its bytes. The bytes are copied once
    /// into an aligned buffer that the columns view; the tables are then validated as tskit
    /// does when it loads a tree sequence.
    pub fn load(bytes: &[u8]) -> Result<TreeSequence> {
        TreeSequence::from_kastore(&KastoreFile::parse(bytes)?)
    }

    /// Loads the `.trees` file at `path`, read by Rust straight into the aligned buffer the
    /// columns view: files of any size the machine can hold (no 2 GiB host-buffer limit, no
    /// second copy). Out of memory is `FILE_TOO_LARGE`, an OS failure `IO`.
    pub fn load_path(path: impl AsRef<std::path::Path>) -> Result<TreeSequence> {
        TreeSequence::from_kastore(&KastoreFile::read_file(path.as_ref())?)
    }

    /// Loads a `.trees` file whose bytes were written into `buf` (see
    /// [`KastoreFile::from_buffer`]): the columns view `buf` itself, so a binding that copies
    /// a host's bytes straight into it makes the only copy there is.
    pub fn load_buffer(buf: crate::column::AlignedBytes) -> Result<TreeSequence> {
        TreeSequence::from_kastore(&KastoreFile::from_buffer(buf)?)
    }

    /// tskit's load: the tables, validated, then the metadata schemas tskit checks at load.
    fn from_kastore(file: &KastoreFile) -> Result<TreeSequence> {
        let ts = TreeSequence::from_tables(format::tables_from_kastore(file)?)?;
        format::check_metadata_schemas(file)?;
        Ok(ts)
    }

    /// Validates `tables` and derives samples and breakpoints. Like tskit, the edge indexes
    /// must be present when there are edges (see `TableCollection::build_indexes`).
    pub fn from_tables(tables: TableCollection) -> Result<TreeSequence> {
        let validate::Derived {
            edge_events,
            breakpoints,
        } = validate::validate_and_derive(&tables)?;
        let samples = tables
            .nodes
            .flags
            .iter()
            .enumerate()
            .filter(|(_, &f)| f & NODE_IS_SAMPLE != 0)
            .map(|(u, _)| u as i32)
            .collect();
        Ok(TreeSequence {
            tables,
            samples,
            breakpoints,
            site_mutations: std::sync::OnceLock::new(),
            sample_index: std::sync::OnceLock::new(),
            edge_events,
            mutation_alleles: std::sync::OnceLock::new(),
        })
    }

    /// For each node, its index in `samples`, or -1 when it is not a sample. Built once.
    pub fn sample_index_map(&self) -> &[i32] {
        self.sample_index.get_or_init(|| {
            let mut index = vec![-1i32; self.num_nodes()];
            for (i, &u) in self.samples.iter().enumerate() {
                index[u as usize] = i as i32;
            }
            index
        })
    }

    /// Edge insertions and removals in index order (see [`EdgeEvents`]), gathered once, at
    /// load, by validation: its walk along the trees reads them. 32 bytes per edge.
    pub fn edge_events(&self) -> &EdgeEvents {
        &self.edge_events
    }

    /// Each mutation's allele number at its site (see [`MutationAlleles`]): the states are
    /// compared as text once per tree sequence, not once per statistic and site, and the
    /// variant cursor numbers genotypes by it too. Built on first use, in one pass over the
    /// sites; sequential for the same reason as [`TreeSequence::site_mutation_index`].
    pub fn mutation_alleles(&self) -> &MutationAlleles {
        self.mutation_alleles.get_or_init(|| {
            let index = self.site_mutation_index();
            let (ancestral, derived) = (
                &self.tables.sites.ancestral_state,
                &self.tables.mutations.derived_state,
            );
            let mut allele = vec![0u32; self.num_mutations()];
            let mut num_alleles = Vec::with_capacity(self.num_sites());
            // The mutation that introduced each allele after the first, at the current site.
            let mut introduced: Vec<usize> = Vec::new();
            for s in 0..self.num_sites() {
                introduced.clear();
                let a = ancestral.row(s);
                let muts = index[s]..index[s + 1];
                for (mu, slot) in muts.clone().zip(&mut allele[muts]) {
                    let d = derived.row(mu);
                    *slot = if d == a {
                        0
                    } else if let Some(i) = introduced.iter().position(|&m| derived.row(m) == d) {
                        i as u32 + 1
                    } else {
                        introduced.push(mu);
                        introduced.len() as u32
                    };
                }
                num_alleles.push(introduced.len() as u32 + 1);
            }
            MutationAlleles {
                allele,
                num_alleles,
            }
        })
    }

    /// Mutations of site s are `index[s]..index[s + 1]` (mutations are sorted by site).
    /// Built once, on first use, in one pass over the mutation table, as tskit builds its
    /// per-site mutation lists when it loads a tree sequence. Sequential on purpose: the
    /// variant cursor asks for it too, on a thread (a browser's main thread) that must not
    /// wait on a pool.
    pub fn site_mutation_index(&self) -> &[usize] {
        self.site_mutations.get_or_init(|| {
            let msite = &self.tables.mutations.site;
            let num_sites = self.tables.sites.position.len();
            let mut index = Vec::with_capacity(num_sites + 1);
            let mut m = 0;
            for s in 0..=num_sites {
                while m < msite.len() && (msite[m] as usize) < s {
                    m += 1;
                }
                index.push(m);
            }
            index
        })
    }

    /// Writes the tree sequence as a `.trees` file that tskit loads (format 12.7).
    pub fn dump(&self) -> Vec<u8> {
        self.tables.dump()
    }

    pub fn num_trees(&self) -> usize {
        self.breakpoints.len() - 1
    }

    pub fn num_samples(&self) -> usize {
        self.samples.len()
    }

    pub fn num_nodes(&self) -> usize {
        self.tables.nodes.time.len()
    }

    pub fn num_edges(&self) -> usize {
        self.tables.edges.left.len()
    }

    pub fn num_sites(&self) -> usize {
        self.tables.sites.position.len()
    }

    pub fn num_mutations(&self) -> usize {
        self.tables.mutations.site.len()
    }

    pub fn num_individuals(&self) -> usize {
        self.tables.individuals.flags.len()
    }

    pub fn num_populations(&self) -> usize {
        self.tables.populations.metadata.num_rows()
    }

    pub fn num_migrations(&self) -> usize {
        self.tables.migrations.left.len()
    }

    pub fn num_provenances(&self) -> usize {
        self.tables.provenances.timestamp.num_rows()
    }

    pub fn sequence_length(&self) -> f64 {
        self.tables.sequence_length
    }

    pub fn time_units(&self) -> &str {
        &self.tables.time_units
    }
}
