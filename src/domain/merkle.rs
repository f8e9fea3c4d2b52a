//! The Merkle tree of the ledger's checkpoints, hashed as RFC 9162 (§2.1)
//! says, so that any Certificate Transparency verifier can check its proofs:
//! a leaf is `SHA-256(0x00 ‖ data)`, a node `SHA-256(0x01 ‖ left ‖ right)`,
//! a tree of `n` leaves splits at the largest power of two below `n`.
//!
//! A leaf is a subject chain's head as a checkpoint saw it ([`ChainLeaf`]);
//! leaves are only ever appended, so each checkpoint's tree extends the one
//! before it, which a consistency proof shows. [`Frontier`] keeps the roots
//! of the complete subtrees, enough to add leaves and know the root without
//! the leaves before them.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

/// A node or leaf hash.
pub type Hash = [u8; 32];

/// The hash of a leaf's data: `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of an empty tree: the hash of the empty string.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A subject chain's head as a checkpoint saw it: the leaf's data is the
/// canonical JSON (RFC 8785) `{"hash", "seq", "subject_id"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLeaf {
    pub subject_id: String,
    pub seq: i64,
    /// The hash of the chain's entry `seq` (hex).
    pub hash: String,
}

impl ChainLeaf {
    /// The leaf's data, as hashed.
    pub fn data(&self) -> Vec<u8> {
        let value = json!({"subject_id": self.subject_id, "seq": self.seq, "hash": self.hash});
        serde_jcs::to_vec(&value).expect("plain JSON always serialises")
    }

    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.data())
    }
}

fn split(n: usize) -> usize {
    debug_assert!(n > 1);
    // The largest power of two strictly below n.
    1 << (usize::BITS - 1 - (n - 1).leading_zeros())
}

/// The root over `leaves` (leaf hashes).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The audit path of leaf `m` in the tree over `leaves` (RFC 9162 §2.1.3.1).
pub fn inclusion_proof(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    assert!(
        m < leaves.len(),
        "leaf {m} is not in a tree of {}",
        leaves.len()
    );
    let mut path = Vec::new();
    fn walk(m: usize, leaves: &[Hash], path: &mut Vec<Hash>) {
        let n = leaves.len();
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            walk(m, &leaves[..k], path);
            path.push(root(&leaves[k..]));
        } else {
            walk(m - k, &leaves[k..], path);
            path.push(root(&leaves[..k]));
        }
    }
    walk(m, leaves, &mut path);
    path
}

/// Whether `path` proves leaf `index` (hash `leaf`) is in the tree of
/// `size` leaves with root `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    s == 0 && r == *root
}

/// The proof that the tree of the first `m` of `leaves` is a prefix of the
/// tree over all of them (RFC 9162 §2.1.4.1).
pub fn consistency_proof(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    assert!(m <= leaves.len());
    fn sub(m: usize, leaves: &[Hash], whole: bool, out: &mut Vec<Hash>) {
        let n = leaves.len();
        if m == n {
            if !whole {
                out.push(root(leaves));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            sub(m, &leaves[..k], whole, out);
            out.push(root(&leaves[k..]));
        } else {
            sub(m - k, &leaves[k..], false, out);
            out.push(root(&leaves[..k]));
        }
    }
    let mut out = Vec::new();
    if m > 0 {
        sub(m, leaves, true, &mut out);
    }
    out
}

/// Whether `proof` shows the tree of `first` leaves (root `first_root`) is
/// a prefix of the tree of `second` leaves (root `second_root`)
/// (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 {
        // The empty tree is a prefix of every tree.
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let Some((start, rest)) = path.split_first() else {
        return false;
    };
    let (mut f, mut s) = (first - 1, second - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*start, *start);
    for c in rest {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    fr == *first_root && sr == *second_root && s == 0
}

/// The roots of a tree's complete subtrees, largest first: enough to append
/// leaves and compute the root without the leaves themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    /// `(leaves under it, its hash)`, sizes strictly decreasing powers of two.
    nodes: Vec<(u64, Hash)>,
}

impl Frontier {
    /// Leaves in the tree.
    pub fn size(&self) -> u64 {
        self.nodes.iter().map(|(n, _)| n).sum()
    }

    pub fn push(&mut self, leaf: Hash) {
        self.nodes.push((1, leaf));
        while let [.., (a, left), (b, right)] = self.nodes[..] {
            if a != b {
                break;
            }
            self.nodes.truncate(self.nodes.len() - 2);
            self.nodes.push((a + b, node_hash(&left, &right)));
        }
    }

    pub fn root(&self) -> Hash {
        let mut nodes = self.nodes.iter().rev();
        let Some((_, last)) = nodes.next() else {
            return empty_root();
        };
        nodes.fold(*last, |acc, (_, left)| node_hash(left, &acc))
    }

    /// As stored: a JSON list of `[size, hex]`.
    pub fn to_json(&self) -> String {
        let nodes: Vec<(u64, String)> = self
            .nodes
            .iter()
            .map(|(n, h)| (*n, hex::encode(h)))
            .collect();
        serde_json::to_string(&nodes).expect("plain JSON always serialises")
    }

    /// From its stored form; none when it is not one this module wrote.
    pub fn from_json(text: &str) -> Option<Self> {
        let nodes: Vec<(u64, String)> = serde_json::from_str(text).ok()?;
        let nodes = nodes
            .into_iter()
            .map(|(n, h)| Some((n, from_hex(&h)?)))
            .collect::<Option<Vec<_>>>()?;
        let decreasing = nodes.windows(2).all(|w| w[0].0 > w[1].0);
        (decreasing && nodes.iter().all(|(n, _)| n.is_power_of_two())).then_some(Self { nodes })
    }
}

/// A hash from its hex form.
pub fn from_hex(text: &str) -> Option<Hash> {
    hex::decode(text).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn the_root_splits_at_the_largest_power_of_two_below_the_size() {
        let l = leaves(3);
        assert_eq!(root(&l), node_hash(&node_hash(&l[0], &l[1]), &l[2]));
        assert_eq!(root(&[]), empty_root());
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let l = leaves(7);
        let right = node_hash(&node_hash(&l[4], &l[5]), &l[6]);
        assert_eq!(root(&l), node_hash(&root(&l[..4]), &right));
    }

    #[test]
    fn every_inclusion_proof_verifies_and_a_wrong_one_does_not() {
        for n in 1..=33 {
            let l = leaves(n);
            let r = root(&l);
            for m in 0..n {
                let path = inclusion_proof(m, &l);
                assert!(
                    verify_inclusion(m as u64, n as u64, &l[m], &path, &r),
                    "{m} of {n}"
                );
                let other = leaf_hash(b"not in the tree");
                assert!(!verify_inclusion(m as u64, n as u64, &other, &path, &r));
                if n > 1 {
                    let wrong = (m + 1) % n;
                    assert!(!verify_inclusion(wrong as u64, n as u64, &l[m], &path, &r));
                }
            }
        }
    }

    #[test]
    fn every_consistency_proof_verifies_and_a_rewritten_history_does_not() {
        for n in 1..=33 {
            let l = leaves(n);
            let r = root(&l);
            for m in 0..=n {
                let proof = consistency_proof(m, &l);
                let first = root(&l[..m]);
                assert!(
                    verify_consistency(m as u64, n as u64, &first, &r, &proof),
                    "{m} of {n}"
                );
                if m > 0 && m < n {
                    let mut changed = l.clone();
                    changed[m - 1] = leaf_hash(b"rewritten");
                    let changed_root = root(&changed);
                    let changed_proof = consistency_proof(m, &changed);
                    assert!(!verify_consistency(
                        m as u64,
                        n as u64,
                        &first,
                        &changed_root,
                        &changed_proof
                    ));
                }
            }
        }
    }

    #[test]
    fn a_frontier_gives_the_same_root_as_the_whole_tree_and_survives_storage() {
        let l = leaves(40);
        let mut f = Frontier::default();
        for (i, leaf) in l.iter().enumerate() {
            f.push(*leaf);
            assert_eq!(f.size(), i as u64 + 1);
            assert_eq!(f.root(), root(&l[..=i]));
            assert_eq!(Frontier::from_json(&f.to_json()), Some(f.clone()));
        }
        assert_eq!(Frontier::default().root(), empty_root());
        assert_eq!(Frontier::from_json("[[2,\"00\"]]"), None);
        assert_eq!(Frontier::from_json("nonsense"), None);
    }

    #[test]
    fn a_leaf_is_its_chain_head_as_canonical_json() {
        let leaf = ChainLeaf {
            subject_id: "001090012345".into(),
            seq: 3,
            hash: "ab".into(),
        };
        assert_eq!(
            String::from_utf8(leaf.data()).unwrap(),
            r#"{"hash":"ab","seq":3,"subject_id":"001090012345"}"#
        );
    }
}
