//! Trees and variants, checked against tskit's own values in `test/fixtures`.
//!
//! Every `NAME.expected.json.gz` beside a `NAME.trees` is found by listing the directory, so a
//! new fixture needs no new test code. The fixtures record tskit's forward iteration
//! (`ts.trees()`). Moving backwards or seeking reaches the same trees, but tskit itself then
//! lists children and roots in a different order (it inserts edges in another order), so
//! those walks are checked for the same tree and sets, and for traversals that agree with the
//! tree's own child order; forward iteration is checked value for value.

use serde_json::Value;
use treeseq_core::column::{Column, Ragged};
use treeseq_core::tables::{TableCollection, NODE_IS_SAMPLE};
use treeseq_core::tree::NULL;
use treeseq_core::{Tree, TreeSequence, Variants};

mod common;

struct Fixture {
    name: String,
    ts: TreeSequence,
    expected: Value,
}

/// Every fixture that has expected values: loaded tree sequence and tskit's JSON.
fn fixtures() -> Vec<Fixture> {
    common::fixture_names()
        .into_iter()
        .map(|name| Fixture {
            ts: common::load(&name),
            expected: common::expected(&name),
            name,
        })
        .collect()
}

fn ints(v: &Value) -> Vec<i32> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_i64().expect("an integer") as i32)
        .collect()
}

fn num(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

/// Relative 1e-9, absolute 1e-12 near zero (fixtures/README.md).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12_f64.max(1e-9 * a.abs().max(b.abs()))
}

fn sorted(mut v: Vec<i32>) -> Vec<i32> {
    v.sort_unstable();
    v
}

/// How strictly a tree is compared with tskit's forward-iteration record.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Order {
    /// Forward iteration: every value, orders included, as tskit gives them.
    Exact,
    /// Backward iteration and seeks: tskit orders children and roots differently there.
    AnyChildOrder,
}

/// Preorder and postorder rebuilt from `roots()` and `children()`, recursively: the plainest
/// statement of what the tree's own child order implies.
fn reference_orders(tree: &Tree) -> (Vec<i32>, Vec<i32>) {
    fn visit(tree: &Tree, u: i32, pre: &mut Vec<i32>, post: &mut Vec<i32>) {
        pre.push(u);
        for c in tree.children(u).unwrap() {
            visit(tree, c, pre, post);
        }
        post.push(u);
    }
    let (mut pre, mut post) = (Vec::new(), Vec::new());
    for r in tree.roots() {
        visit(tree, r, &mut pre, &mut post);
    }
    (pre, post)
}

fn check_tree(name: &str, how: &str, ts: &TreeSequence, tree: &Tree, e: &Value, order: Order) {
    let at = format!("{name}, {how}, tree {}", e["index"]);
    let num_nodes = ts.num_nodes();
    assert_eq!(
        tree.index() as i64,
        e["index"].as_i64().unwrap(),
        "{at}: index"
    );
    assert_eq!(
        tree.interval(),
        (num(&e["left"]), num(&e["right"])),
        "{at}: interval"
    );
    assert_eq!(
        &tree.parent_array()[..num_nodes],
        &ints(&e["parent"])[..],
        "{at}: parent"
    );
    assert_eq!(
        &tree.num_samples_array()[..num_nodes],
        &ints(&e["num_samples"])[..],
        "{at}: num_samples"
    );
    let tbl = num(&e["total_branch_length"]);
    assert!(
        close(tree.total_branch_length(), tbl),
        "{at}: total_branch_length {} vs {tbl}",
        tree.total_branch_length()
    );
    assert_eq!(
        tree.sites().collect::<Vec<_>>(),
        ints(&e["sites"]),
        "{at}: sites"
    );
    let (first, last) = (ts.samples[0], *ts.samples.last().unwrap());
    assert_eq!(
        tree.mrca(first, last).unwrap() as i64,
        e["mrca_first_last"].as_i64().unwrap(),
        "{at}: mrca"
    );

    let (preorder, postorder) = (tree.preorder(), tree.postorder());
    let (ref_pre, ref_post) = reference_orders(tree);
    assert_eq!(
        preorder, ref_pre,
        "{at}: preorder disagrees with the child lists"
    );
    assert_eq!(
        postorder, ref_post,
        "{at}: postorder disagrees with the child lists"
    );
    match order {
        Order::Exact => {
            assert_eq!(tree.roots(), ints(&e["roots"]), "{at}: roots");
            assert_eq!(preorder, ints(&e["preorder"]), "{at}: preorder");
            assert_eq!(postorder, ints(&e["postorder"]), "{at}: postorder");
        }
        Order::AnyChildOrder => {
            assert_eq!(
                sorted(tree.roots()),
                sorted(ints(&e["roots"])),
                "{at}: roots"
            );
            assert_eq!(
                sorted(preorder),
                sorted(ints(&e["preorder"])),
                "{at}: preorder nodes"
            );
        }
    }
}

fn tree_fixtures() -> Vec<Fixture> {
    fixtures()
        .into_iter()
        .filter(|f| f.expected.get("trees").is_some())
        .collect()
}

#[test]
fn forward_iteration_matches_tskit() {
    for f in tree_fixtures() {
        let expected = f.expected["trees"].as_array().unwrap();
        assert_eq!(
            expected.len(),
            f.ts.num_trees(),
            "{}: number of trees",
            f.name
        );
        let mut tree = Tree::new(&f.ts);
        let mut count = 0;
        while tree.next() {
            check_tree(
                &f.name,
                "forward",
                &f.ts,
                &tree,
                &expected[count],
                Order::Exact,
            );
            count += 1;
        }
        assert_eq!(count, expected.len(), "{}: trees visited", f.name);
        assert!(
            tree.is_null(),
            "{}: next() past the end leaves the tree null",
            f.name
        );
        // `first` restarts from any state.
        assert!(tree.first());
        check_tree(&f.name, "first", &f.ts, &tree, &expected[0], Order::Exact);
    }
}

#[test]
fn backward_iteration_reaches_the_same_trees() {
    for f in tree_fixtures() {
        let expected = f.expected["trees"].as_array().unwrap();
        let mut tree = Tree::new(&f.ts);
        let mut count = 0;
        while tree.prev() {
            count += 1;
            let e = &expected[expected.len() - count];
            check_tree(&f.name, "backward", &f.ts, &tree, e, Order::AnyChildOrder);
        }
        assert_eq!(count, expected.len(), "{}: trees visited", f.name);
        assert!(tree.is_null());
        assert!(tree.last());
        check_tree(
            &f.name,
            "last",
            &f.ts,
            &tree,
            expected.last().unwrap(),
            Order::AnyChildOrder,
        );
    }
}

#[test]
fn seek_to_each_midpoint() {
    for f in tree_fixtures() {
        let expected = f.expected["trees"].as_array().unwrap();
        let mut tree = Tree::new(&f.ts);
        for e in expected {
            let mid = (num(&e["left"]) + num(&e["right"])) / 2.0;
            tree.seek(mid).unwrap();
            check_tree(
                &f.name,
                &format!("seek({mid})"),
                &f.ts,
                &tree,
                e,
                Order::AnyChildOrder,
            );
        }
        let length = f.ts.tables.sequence_length;
        assert!(
            tree.seek(length).is_err() && tree.seek(-1.0).is_err() && tree.seek(f64::NAN).is_err()
        );
    }
}

#[test]
fn seek_index_then_step_both_ways() {
    for f in tree_fixtures() {
        let expected = f.expected["trees"].as_array().unwrap();
        let n = expected.len();
        // Every tree of small fixtures, about 60 spread over large ones, and both ends.
        let step = (n / 60).max(1);
        let mut indexes: Vec<usize> = (0..n).step_by(step).collect();
        indexes.push(n - 1);
        let mut tree = Tree::new(&f.ts);
        for &i in &indexes {
            tree.seek_index(i).unwrap();
            check_tree(
                &f.name,
                "seek_index",
                &f.ts,
                &tree,
                &expected[i],
                Order::AnyChildOrder,
            );
            // The cursors left by a seek must carry on correctly in either direction.
            if tree.next() {
                check_tree(
                    &f.name,
                    "seek_index+next",
                    &f.ts,
                    &tree,
                    &expected[i + 1],
                    Order::AnyChildOrder,
                );
                assert!(tree.prev());
            } else {
                assert_eq!(i, n - 1);
                tree.seek_index(i).unwrap();
            }
            if tree.prev() {
                check_tree(
                    &f.name,
                    "seek_index+prev",
                    &f.ts,
                    &tree,
                    &expected[i - 1],
                    Order::AnyChildOrder,
                );
            } else {
                assert_eq!(i, 0);
            }
        }
        assert!(tree.seek_index(n).is_err());
    }
}

#[test]
fn tree_summaries_match_tskit() {
    let mut checked = 0;
    for f in fixtures() {
        let Some(summary) = f.expected.get("trees_summary") else {
            continue;
        };
        let summary = summary.as_array().unwrap();
        assert_eq!(
            summary.len(),
            f.ts.num_trees(),
            "{}: number of trees",
            f.name
        );
        let check = |tree: &Tree, how: &str| {
            let i = tree.index() as usize;
            let e = &summary[i];
            let at = format!("{}, {how}, tree {i}", f.name);
            assert_eq!(
                tree.interval(),
                (num(&e["left"]), num(&e["right"])),
                "{at}: interval"
            );
            assert_eq!(
                tree.num_roots() as u64,
                e["num_roots"].as_u64().unwrap(),
                "{at}: num_roots"
            );
            let tbl = num(&e["total_branch_length"]);
            assert!(
                close(tree.total_branch_length(), tbl),
                "{at}: total_branch_length {} vs {tbl}",
                tree.total_branch_length()
            );
        };
        let mut tree = Tree::new(&f.ts);
        let mut count = 0;
        while tree.next() {
            check(&tree, "forward");
            count += 1;
        }
        assert_eq!(count, summary.len());
        while tree.prev() {
            check(&tree, "backward");
            count -= 1;
        }
        assert_eq!(count, 0);
        for i in (0..summary.len()).step_by((summary.len() / 50).max(1)) {
            let e = &summary[i];
            tree.seek((num(&e["left"]) + num(&e["right"])) / 2.0)
                .unwrap();
            check(&tree, "seek");
            tree.seek_index(i).unwrap();
            check(&tree, "seek_index");
        }
        checked += 1;
    }
    // Fixtures made by scripts/make_fixture.py (TREESEQ_FIXTURES) have no trees_summary.
    assert!(
        checked > 0 || common::fresh_dir().is_some(),
        "no fixture has trees_summary"
    );
}

fn expected_alleles(v: &Value) -> Vec<Option<String>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().map(str::to_owned))
        .collect()
}

#[test]
fn variants_match_tskit() {
    for f in fixtures() {
        let Some(expected) = f.expected.get("variants") else {
            continue;
        };
        let expected = expected.as_array().unwrap();
        assert_eq!(
            expected.len(),
            f.ts.num_sites(),
            "{}: number of sites",
            f.name
        );
        let mut count = 0;
        for (v, e) in Variants::new(&f.ts).zip(expected) {
            let at = format!("{}, site {}", f.name, e["site"]);
            assert_eq!(v.site as i64, e["site"].as_i64().unwrap(), "{at}: site");
            assert_eq!(v.position, num(&e["position"]), "{at}: position");
            assert_eq!(v.alleles, expected_alleles(&e["alleles"]), "{at}: alleles");
            assert_eq!(v.genotypes, ints(&e["genotypes"]), "{at}: genotypes");
            count += 1;
        }
        assert_eq!(count, expected.len(), "{}: sites decoded", f.name);

        // Random access, right to left: exercises stepping backwards and seeking.
        let mut variants = Variants::new(&f.ts);
        for e in expected.iter().rev() {
            let site = e["site"].as_i64().unwrap() as i32;
            variants.decode(site).unwrap();
            let tree = variants.tree();
            let (left, right) = tree.interval();
            assert!(left <= variants.position() && variants.position() < right);
            assert_eq!(
                variants.genotypes(),
                &ints(&e["genotypes"])[..],
                "{}, decode({site})",
                f.name
            );
        }
        assert!(variants.decode(expected.len() as i32).is_err());
    }
}

/// A case the fixtures lack: isolated samples and missing data. Three samples on [0, 10);
/// node 3 joins samples 0 and 1 over [0, 5), and only sample 1 over [5, 10). tskit 1.0.3
/// gives, for `ts.variants()`:
///   site 0 (x=2, mutation on node 3 -> T): alleles ('A', 'T', None), genotypes [1, 1, -1]
///   site 1 (x=7, mutation on sample 2 -> G): alleles ('A', 'G', None), genotypes [-1, 0, 1]
///   site 2 (x=8, no mutation): alleles ('A', None), genotypes [-1, 0, -1]
/// and trees with roots [2, 3] and [2, 3, 0], total branch lengths 2 and 1.
fn isolated_samples_ts() -> TreeSequence {
    fn ragged(rows: &[&str]) -> Ragged<u8> {
        let mut offsets = vec![0u32];
        let mut data = Vec::new();
        for r in rows {
            data.extend_from_slice(r.as_bytes());
            offsets.push(data.len() as u32);
        }
        Ragged {
            data: Column::owned(data),
            offset: treeseq_core::Offsets::U32(Column::owned(offsets)),
        }
    }
    let mut t = TableCollection {
        sequence_length: 10.0,
        format_version: (12, 7),
        ..Default::default()
    };
    t.nodes.flags = Column::owned(vec![NODE_IS_SAMPLE, NODE_IS_SAMPLE, NODE_IS_SAMPLE, 0]);
    t.nodes.time = Column::owned(vec![0.0, 0.0, 0.0, 1.0]);
    t.nodes.population = Column::owned(vec![-1; 4]);
    t.nodes.individual = Column::owned(vec![-1; 4]);
    t.nodes.metadata = Ragged::empty_rows(4);
    t.edges.left = Column::owned(vec![0.0, 0.0]);
    t.edges.right = Column::owned(vec![5.0, 10.0]);
    t.edges.parent = Column::owned(vec![3, 3]);
    t.edges.child = Column::owned(vec![0, 1]);
    t.edges.metadata = Ragged::empty_rows(2);
    t.sites.position = Column::owned(vec![2.0, 7.0, 8.0]);
    t.sites.ancestral_state = ragged(&["A", "A", "A"]);
    t.sites.metadata = Ragged::empty_rows(3);
    t.mutations.site = Column::owned(vec![0, 1]);
    t.mutations.node = Column::owned(vec![3, 2]);
    t.mutations.parent = Column::owned(vec![-1, -1]);
    t.mutations.time = Column::owned(vec![treeseq_core::tables::unknown_time(); 2]);
    t.mutations.derived_state = ragged(&["T", "G"]);
    t.mutations.metadata = Ragged::empty_rows(2);
    t.build_indexes().unwrap();
    TreeSequence::from_tables(t).unwrap()
}

#[test]
fn isolated_samples_are_missing() {
    let ts = isolated_samples_ts();
    let got: Vec<_> = Variants::new(&ts)
        .map(|v| (v.alleles, v.genotypes))
        .collect();
    let s = |a: &str| Some(a.to_owned());
    assert_eq!(
        got,
        vec![
            (vec![s("A"), s("T"), None], vec![1, 1, -1]),
            (vec![s("A"), s("G"), None], vec![-1, 0, 1]),
            (vec![s("A"), None], vec![-1, 0, -1]),
        ]
    );
    let mut tree = Tree::new(&ts);
    assert!(tree.next());
    assert_eq!(
        (tree.roots(), tree.total_branch_length()),
        (vec![2, 3], 2.0)
    );
    assert_eq!(tree.mrca(0, 2).unwrap(), NULL);
    assert!(tree.tmrca(0, 2).is_err());
    assert_eq!(tree.tmrca(0, 1).unwrap(), 1.0);
    assert_eq!(
        tree.mrca(0, tree.virtual_root()).unwrap(),
        tree.virtual_root()
    );
    assert_eq!(tree.num_samples(tree.virtual_root()).unwrap(), 3);
    assert!(tree.next());
    assert_eq!(
        (tree.roots(), tree.total_branch_length()),
        (vec![2, 3, 0], 1.0)
    );
    assert_eq!(
        (tree.preorder(), tree.postorder()),
        (vec![2, 3, 1, 0], vec![2, 1, 3, 0])
    );
    assert!(!tree.next());
    // The null tree: every sample a root, in sample order.
    assert_eq!(tree.roots(), vec![0, 1, 2]);
}

#[test]
fn arrays_keep_their_memory() {
    let f = fixtures()
        .into_iter()
        .find(|f| f.ts.num_trees() > 10)
        .expect("a fixture with trees");
    let mut tree = Tree::new(&f.ts);
    let parent = tree.parent_array().as_ptr();
    let samples = tree.num_samples_array().as_ptr();
    while tree.next() {}
    tree.seek_index(f.ts.num_trees() / 2).unwrap();
    while tree.prev() {}
    assert_eq!(parent, tree.parent_array().as_ptr());
    assert_eq!(samples, tree.num_samples_array().as_ptr());
    assert_eq!(tree.parent_array().len(), f.ts.num_nodes() + 1);
}

/// The edge events the statistics walk are the edge table read in index order: insertions at
/// each edge's left in `edge_insertion_order`, removals at its right in `edge_removal_order`,
/// with positions that never decrease.
#[test]
fn edge_events_follow_the_edge_indexes() {
    for f in fixtures() {
        let (t, ev) = (&f.ts.tables, f.ts.edge_events());
        let e = &t.edges;
        for (events, order, at) in [
            (&ev.insertions, &t.edge_insertion_order, &e.left),
            (&ev.removals, &t.edge_removal_order, &e.right),
        ] {
            assert_eq!(events.len(), f.ts.num_edges(), "{}", f.name);
            for (i, (x, &id)) in events.iter().zip(order.iter()).enumerate() {
                let id = id as usize;
                assert_eq!(
                    (x.position, x.parent, x.child),
                    (at[id], e.parent[id], e.child[id]),
                    "{}: event {i}",
                    f.name
                );
            }
            assert!(
                events.windows(2).all(|w| w[0].position <= w[1].position),
                "{}",
                f.name
            );
        }
    }
}

/// Alleles as the statistics number them: at each site, a mutation's allele is 0 exactly when
/// its derived state is the ancestral state; two mutations share an allele exactly when they
/// share a state; alleles are numbered in order of first appearance; a site has one allele
/// more than it has distinct derived states other than the ancestral one.
#[test]
fn mutation_alleles_number_states_in_order_of_appearance() {
    for f in fixtures() {
        let (t, a) = (&f.ts.tables, f.ts.mutation_alleles());
        let index = f.ts.site_mutation_index();
        assert_eq!(a.allele.len(), f.ts.num_mutations(), "{}", f.name);
        assert_eq!(a.num_alleles.len(), f.ts.num_sites(), "{}", f.name);
        for s in 0..f.ts.num_sites() {
            let anc = t.sites.ancestral_state.row(s);
            let muts: Vec<usize> = (index[s]..index[s + 1]).collect();
            let mut seen: Vec<&[u8]> = Vec::new();
            for &m in &muts {
                let d = t.mutations.derived_state.row(m);
                assert_eq!(t.mutations.site[m] as usize, s, "{}", f.name);
                let want = if d == anc {
                    0
                } else {
                    match seen.iter().position(|&x| x == d) {
                        Some(i) => i + 1,
                        None => {
                            seen.push(d);
                            seen.len()
                        }
                    }
                };
                assert_eq!(
                    a.allele[m] as usize, want,
                    "{}: site {s} mutation {m}",
                    f.name
                );
            }
            assert_eq!(
                a.num_alleles[s] as usize,
                seen.len() + 1,
                "{}: site {s}",
                f.name
            );
        }
    }
}

/// `for_each_sample_below` (the genotype decoder's interleaved walk of up to eight sample lists)
/// visits exactly the samples of `samples_below`, each once, for every node of every tree: on
/// the larger fixtures (medium's 360 samples) nodes are above the 64 samples where it splits.
#[test]
fn for_each_sample_below_visits_the_sample_list() {
    let mut split = 0;
    for f in fixtures() {
        let mut tree = Tree::with_sample_lists(&f.ts);
        while tree.next() {
            for u in 0..f.ts.num_nodes() as i32 {
                let want = sorted(tree.samples_below(u).map(|j| j as i32).collect());
                let mut got = Vec::new();
                tree.for_each_sample_below(u, |j| got.push(j as i32));
                assert_eq!(
                    sorted(got),
                    want,
                    "{}: tree {}, node {u}",
                    f.name,
                    tree.index()
                );
                split += (want.len() >= 64) as usize;
            }
        }
    }
    assert!(split > 0, "no node had enough samples to be split");
}
