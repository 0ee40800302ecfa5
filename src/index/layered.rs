//! An R-tree that changes without ever changing a bulk-loaded rstar tree
//! in place.
//!
//! rstar's `bulk_load` can leave leaves at different depths, and a later
//! `insert` into such a tree panics ("This is a bug in rstar.",
//! georust/rstar#239, open at the time of writing). So a [`Layered`] tree is
//! a bulk-loaded *base* that is only read, a *delta* built by `insert`
//! alone (which keeps rstar's invariants), and tombstones: a removal takes
//! the entry out of the delta or, when it is in the base, marks its slot
//! dead there. Once the delta and the tombstones together pass
//! [`merge_at`] entries, both are folded into a fresh bulk-loaded base.
//! Queries read both trees and skip dead base entries.

use rstar::{RTree, RTreeObject};

/// What a [`Layered`] tree holds: an rstar object kept by a slot, which
/// a removal marks dead in the base.
pub trait Slotted: RTreeObject + PartialEq + Copy {
    /// The slot this entry is kept by.
    fn slot(&self) -> u32;
}

/// Changes (delta entries plus tombstones) past which the base is rebuilt:
/// 64 or a sixteenth of the base, whichever is more. A rebuild is one
/// bulk load of the whole tree, so each change pays for about sixteen
/// entries' worth of one, and the delta stays small beside the base.
pub fn merge_at(base: usize) -> usize {
    (base / 16).max(64)
}

/// A bulk-loaded base, an insert-built delta and the base's dead slots.
#[derive(Clone)]
pub struct Layered<E: Slotted> {
    base: RTree<E>,
    delta: RTree<E>,
    /// Bit per slot: the base's entry for this slot is removed. Grows only
    /// as far as the highest dead slot.
    dead: Vec<u64>,
    dead_count: usize,
}

/// One tree of a [`Layered`] to search, with the slots to skip in it.
#[derive(Clone, Copy)]
pub struct Part<'a, E: Slotted> {
    /// The tree.
    pub tree: &'a RTree<E>,
    dead: &'a [u64],
}

impl<E: Slotted> Part<'_, E> {
    /// Is this slot's entry in this tree removed?
    #[inline]
    pub fn is_dead(&self, slot: u32) -> bool {
        !self.dead.is_empty() && is_set(self.dead, slot)
    }
}

impl<E: Slotted> Layered<E> {
    /// Bulk-loads the entries.
    pub fn bulk_load(entries: Vec<E>) -> Layered<E> {
        Layered { base: RTree::bulk_load(entries), delta: RTree::new(), dead: Vec::new(), dead_count: 0 }
    }

    /// The trees to search: the base (with its dead slots) and, when it
    /// holds anything, the delta.
    pub fn parts(&self) -> impl Iterator<Item = Part<'_, E>> {
        let base = Part { tree: &self.base, dead: &self.dead };
        let delta = (self.delta.size() > 0).then_some(Part { tree: &self.delta, dead: &[] });
        std::iter::once(base).chain(delta)
    }

    /// Adds an entry whose slot holds no live entry here.
    pub fn insert(&mut self, e: E) {
        self.delta.insert(e);
        self.merge_if_due();
    }

    /// Removes an entry; true if it was here.
    pub fn remove(&mut self, e: &E) -> bool {
        let slot = e.slot();
        let removed = if self.delta.remove(e).is_some() {
            true
        } else if !is_set(&self.dead, slot) && self.base.contains(e) {
            let word = slot as usize / 64;
            if self.dead.len() <= word {
                self.dead.resize(word + 1, 0);
            }
            self.dead[word] |= 1 << (slot % 64);
            self.dead_count += 1;
            true
        } else {
            false
        };
        self.merge_if_due();
        removed
    }

    /// Folds the delta and the tombstones into a new bulk-loaded base once
    /// they pass [`merge_at`].
    fn merge_if_due(&mut self) {
        if self.delta.size() + self.dead_count <= merge_at(self.base.size()) {
            return;
        }
        let dead = std::mem::take(&mut self.dead);
        let live = self.base.iter().filter(|e| !is_set(&dead, e.slot()));
        let entries: Vec<E> = live.chain(self.delta.iter()).copied().collect();
        *self = Layered::bulk_load(entries);
    }
}

/// Is bit `slot` set?
#[inline]
fn is_set(bits: &[u64], slot: u32) -> bool {
    bits.get(slot as usize / 64).is_some_and(|w| w & (1 << (slot % 64)) != 0)
}
