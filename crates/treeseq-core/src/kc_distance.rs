//! tskit's `TreeSequence.kc_distance`: the Kendall–Colijn distance between two tree
//! sequences, the mean over the genome of the distance between the trees covering each
//! position.
//!
//! What it is for: the KC vectors of each tree sequence's current tree are kept up to date
//! as its public [`Tree`] (with sample lists) moves along the genome, by tskit's incremental
//! rule (`update_kc_incremental` in tskit's `trees.c`): after each move, the subtrees that
//! the move detached or attached have their depths and their samples' pairs rewritten. Pairs
//! the move does not reach keep their values from earlier trees, exactly as in tskit, so the
//! result is tskit's even where that differs from recomputing each tree afresh (a sample
//! that is an ancestor of another). Between two breakpoints of either tree sequence the
//! distance of the two current vectors, times the span, is added in genome order.
//!
//! What it is not: one tree against another (`Tree.kcDistance`, in TypeScript,
//! `ts/tree-metrics.ts`), or a statistic of the general engine.

use crate::bail;
use crate::error::Result;
use crate::tree::Tree;
use crate::treeseq::TreeSequence;

const NULL: i32 = -1;

/// One tree's KC vectors: for each pair of samples (by sample index) the depth m and the
/// time below the root M of their most recent common ancestor, then for each sample 1 and
/// its branch length.
struct KcVectors {
    n: i64,
    pairs: usize,
    m: Vec<f64>,
    big_m: Vec<f64>,
}

impl KcVectors {
    fn new(n: usize) -> KcVectors {
        let pairs = n * n.saturating_sub(1) / 2;
        KcVectors {
            n: n as i64,
            pairs,
            m: vec![0.0; pairs + n],
            big_m: vec![0.0; pairs + n],
        }
    }

    /// tskit's `norm_kc_vectors`.
    fn distance(&self, other: &KcVectors, lambda: f64) -> f64 {
        let mut sum = 0.0;
        for i in 0..self.m.len() {
            let a = self.m[i] * (1.0 - lambda) + lambda * self.big_m[i];
            let b = other.m[i] * (1.0 - lambda) + lambda * other.big_m[i];
            sum += (a - b) * (a - b);
        }
        sum.sqrt()
    }
}

/// One tree sequence's side of the walk: its tree, its vectors and each node's depth.
struct Side<'a> {
    ts: &'a TreeSequence,
    tree: Tree<'a>,
    kc: KcVectors,
    depths: Vec<usize>,
    time: &'a [f64],
    index: &'a [i32],
}

impl<'a> Side<'a> {
    fn new(ts: &'a TreeSequence) -> Side<'a> {
        Side {
            ts,
            tree: Tree::with_sample_lists(ts),
            kc: KcVectors::new(ts.samples.len()),
            depths: vec![0; ts.num_nodes()],
            time: ts.tables.nodes.time.as_slice(),
            index: ts.sample_index_map(),
        }
    }

    fn is_sample(&self, u: i32) -> bool {
        self.index[u as usize] >= 0
    }

    fn parent(&self, u: i32) -> i32 {
        self.tree.parent_array()[u as usize]
    }

    fn root_of(&self, mut u: i32) -> i32 {
        while self.parent(u) != NULL {
            u = self.parent(u);
        }
        u
    }

    /// Moves to the next tree and brings the vectors up to date; false past the last tree.
    fn next(&mut self) -> Result<bool> {
        let before = if self.tree.index() < 0 {
            (0, 0)
        } else {
            self.tree.edges_behind()
        };
        if !self.tree.next() {
            return Ok(false);
        }
        self.check_tree()?;
        let after = self.tree.edges_behind();
        self.update(before, after);
        Ok(true)
    }

    /// tskit's `check_kc_distance_tree_inputs`.
    fn check_tree(&self) -> Result<()> {
        let roots = self.tree.num_roots();
        if roots != 1 {
            bail!(
                BadParam,
                "kc_distance: tree {} has {roots} roots; trees with multiple roots are not supported",
                self.tree.index()
            );
        }
        let (left, right) = (self.tree.left_child_array(), self.tree.right_child_array());
        for u in 0..self.ts.num_nodes() {
            if left[u] != NULL && left[u] == right[u] {
                bail!(
                    BadParam,
                    "kc_distance: tree {} has a unary node ({u}); trees with unary nodes are not supported",
                    self.tree.index()
                );
            }
        }
        Ok(())
    }

    /// tskit's `update_kc_incremental`, for the edges that left (removal order
    /// `before.1..after.1`) and entered (insertion order `before.0..after.0`), each taken
    /// last to first as tskit takes them.
    fn update(&mut self, before: (usize, usize), after: (usize, usize)) {
        let edges = &self.ts.tables.edges;
        let t = &self.ts.tables;
        for j in (before.1..after.1).rev() {
            let e = t.edge_removal_order[j] as usize;
            let u = edges.child[e];
            self.depths[u as usize] = 0;
            if self.parent(u) == NULL {
                let root_time = self.time[self.root_of(u) as usize];
                self.update_subtree(u, root_time);
            }
        }
        for j in (before.0..after.0).rev() {
            let e = t.edge_insertion_order[j] as usize;
            let (u, v) = (edges.child[e], edges.parent[e]);
            self.depths[u as usize] = self.depths[v as usize] + 1;
            let root_time = self.time[self.root_of(u) as usize];
            self.update_subtree(u, root_time);
            if self.is_sample(u) {
                let p = self.parent(u);
                let length = if p == NULL {
                    0.0
                } else {
                    self.time[p as usize] - self.time[u as usize]
                };
                self.single_sample(u, length);
            }
        }
    }

    /// tskit's `update_kc_subtree_state`: depths below `u` (where attached), and the pairs
    /// of each sample below with the rest of the tree.
    fn update_subtree(&mut self, u: i32, root_time: f64) {
        let mut stack = vec![u];
        while let Some(v) = stack.pop() {
            if self.is_sample(v) {
                self.pairs_with_sample(v, root_time);
            }
            let mut c = self.tree.left_child_array()[v as usize];
            while c != NULL {
                if self.depths[c as usize] != 0 {
                    self.depths[c as usize] = self.depths[v as usize] + 1;
                    stack.push(c);
                }
                c = self.tree.right_sib_array()[c as usize];
            }
        }
    }

    /// tskit's `update_kc_pair_with_sample`: up the path from `sample`, its pairs with the
    /// samples below each sibling.
    fn pairs_with_sample(&mut self, sample: i32, root_time: f64) {
        let mut c = sample;
        let mut p = self.parent(sample);
        while p != NULL {
            let time = root_time - self.time[p as usize];
            let depth = self.depths[p as usize];
            let mut sib = self.tree.left_child_array()[p as usize];
            while sib != NULL {
                if sib != c {
                    self.all_pairs(sample, sib, depth, time);
                }
                sib = self.tree.right_sib_array()[sib as usize];
            }
            c = p;
            p = self.parent(p);
        }
    }

    /// tskit's `update_kc_vectors_all_pairs`: every sample below `u` with every sample
    /// below `v` gets (depth, time).
    fn all_pairs(&mut self, u: i32, v: i32, depth: usize, time: f64) {
        let tree = &self.tree;
        let kc = &mut self.kc;
        let (left, right, next) = (&tree.left_sample, &tree.right_sample, &tree.next_sample);
        let mut s1 = left[u as usize];
        while s1 != NULL {
            let mut s2 = left[v as usize];
            while s2 != NULL {
                let (n1, n2) = (s1.min(s2) as i64, s1.max(s2) as i64);
                let pair = (n2 - n1 - 1 + (-n1 * (n1 - 2 * kc.n + 1)) / 2) as usize;
                kc.m[pair] = depth as f64;
                kc.big_m[pair] = time;
                if s2 == right[v as usize] {
                    break;
                }
                s2 = next[s2 as usize];
            }
            if s1 == right[u as usize] {
                break;
            }
            s1 = next[s1 as usize];
        }
    }

    fn single_sample(&mut self, u: i32, length: f64) {
        let i = self.kc.pairs + self.index[u as usize] as usize;
        self.kc.m[i] = 1.0;
        self.kc.big_m[i] = length;
    }

    fn right(&self) -> f64 {
        self.tree.interval().1
    }
}

/// tskit's `TreeSequence.kc_distance(other, lambda_)`: the span-weighted mean, over the
/// genome, of the KC distance between the trees of `a` and `b` covering each position. The
/// two must have the same sequence length and the same samples (in the same order), and
/// every tree must have one root and no unary nodes (`BAD_PARAM` otherwise, as tskit).
pub fn kc_distance(a: &TreeSequence, b: &TreeSequence, lambda: f64) -> Result<f64> {
    let (la, lb) = (a.sequence_length(), b.sequence_length());
    if la != lb {
        bail!(
            BadParam,
            "kc_distance: sequence lengths must be identical to compare ({la} and {lb})"
        );
    }
    if a.samples.len() != b.samples.len() {
        bail!(
            BadParam,
            "kc_distance: the tree sequences have different numbers of samples ({} and {})",
            a.samples.len(),
            b.samples.len()
        );
    }
    if let Some(i) = (0..a.samples.len()).find(|&i| a.samples[i] != b.samples[i]) {
        bail!(
            BadParam,
            "kc_distance: the tree sequences have different samples (sample {i} is node {} and node {})",
            a.samples[i],
            b.samples[i]
        );
    }
    let (mut x, mut y) = (Side::new(a), Side::new(b));
    let (mut total, mut left) = (0.0, 0.0);
    x.next()?;
    while y.next()? {
        while x.right() < y.right() {
            total += x.kc.distance(&y.kc, lambda) * (x.right() - left);
            left = x.right();
            x.next()?;
        }
        let right = y.right();
        total += x.kc.distance(&y.kc, lambda) * (right - left);
        left = right;
    }
    Ok(total / la)
}

/// `kc_distance` as the bindings receive it, through `stats::compute`: `{"other": the other
/// tree sequence's .trees bytes, four to an i32 (little-endian, a `$i32` placeholder),
/// "other_bytes": their number, "lambda_": λ}`. The other tree sequence crosses as its file
/// so that the one call of each backend carries it (and so that it may come from either
/// backend); it is loaded, with tskit's checks, for this call.
pub(crate) fn kc_distance_call(
    ts: &TreeSequence,
    kwargs: &serde_json::Value,
    arrays: crate::stats::args::Arrays,
) -> Result<crate::stats::StatOutput> {
    use crate::stats::args::ArrayRef;
    const METHOD: &str = "kc_distance";
    if let Some(m) = kwargs.as_object() {
        if let Some(k) = m
            .keys()
            .find(|k| !["other", "other_bytes", "lambda_"].contains(&k.as_str()))
        {
            bail!(
                BadParam,
                "{METHOD}: unknown option '{k}' (known: other, lambda_)"
            );
        }
    }
    let lambda = match kwargs.get("lambda_") {
        None | Some(serde_json::Value::Null) => 0.0,
        Some(v) => match crate::stats::args::parse_number(v) {
            Some(x) => x,
            None => bail!(BadParam, "{METHOD}: lambda_ must be a number, got {v}"),
        },
    };
    let other = kwargs.get("other").unwrap_or(&serde_json::Value::Null);
    let Some(ArrayRef::I32(words)) = arrays.resolve(METHOD, other)? else {
        bail!(
            BadParam,
            "{METHOD}: other must be a tree sequence (its file's bytes, as the TypeScript layer sends it)"
        );
    };
    let what = format!("{METHOD}: other_bytes");
    let len = kwargs
        .get("other_bytes")
        .map(|v| crate::args::json_count(&what, v))
        .transpose()?
        .unwrap_or(words.len() as u64 * 4);
    if len > words.len() as u64 * 4 {
        bail!(
            BadParam,
            "{what} ({len}) is more than the {} bytes sent",
            words.len() * 4
        );
    }
    let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    bytes.truncate(len as usize);
    let other = TreeSequence::load(&bytes)?;
    Ok(crate::stats::StatOutput {
        data: vec![kc_distance(ts, &other, lambda)?],
        shape: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::fixture;

    /// A tree sequence is at distance 0 from itself, whatever λ; tskit's refusals.
    #[test]
    fn distance_to_itself_and_refusals() {
        let ts = fixture("small");
        for lambda in [0.0, 0.5, 1.0] {
            assert_eq!(kc_distance(&ts, &ts, lambda).unwrap(), 0.0);
        }
        // Multiple roots (isolated samples), unary nodes, other samples or length.
        assert!(kc_distance(&fixture("gaps_isolated"), &fixture("gaps_isolated"), 0.0).is_err());
        assert!(kc_distance(&fixture("unary_internal"), &fixture("unary_internal"), 0.0).is_err());
        assert!(kc_distance(&ts, &fixture("nonbinary"), 0.0).is_err());
        assert!(kc_distance(&ts, &fixture("single_tree"), 0.0).is_err());
    }
}
