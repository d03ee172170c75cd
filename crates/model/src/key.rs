//! Stable keys for what a review store remembers across runs and list updates.
//!
//! An entity's index ([`crate::EntIdx`]) and its display id (the earliest merged record's id)
//! both change when a list update adds, drops or reorders records. [`EntityKey`] is the set of
//! *source record ids* merged into the entity (`curated:nuctech`, `us_csl:…`), sorted: a
//! decision taken on an entity still applies when any of its records is still there
//! ([`EntityKey::overlaps`]), and the store can say which record came or went.

use serde::{Serialize, Serializer};
use std::fmt;

/// The sorted, distinct source record ids behind one merged entity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct EntityKey(Vec<String>);

impl EntityKey {
    /// A key of these record ids (sorted and deduplicated here).
    pub fn new<I, S>(record_ids: I) -> EntityKey
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut v: Vec<String> = record_ids.into_iter().map(Into::into).collect();
        v.sort_unstable();
        v.dedup();
        EntityKey(v)
    }

    /// The record ids, sorted.
    pub fn record_ids(&self) -> &[String] {
        &self.0
    }

    /// True when both keys share a record id: the same real-world entity across a list update
    /// that merged in, or dropped, other records.
    ///
    /// ```
    /// use unmask_model::EntityKey;
    /// let before = EntityKey::new(["curated:nuctech"]);
    /// let after = EntityKey::new(["us_csl:el-2731", "curated:nuctech"]);
    /// assert!(before.overlaps(&after));
    /// assert_eq!(after.to_string(), "curated:nuctech+us_csl:el-2731");
    /// ```
    pub fn overlaps(&self, other: &EntityKey) -> bool {
        // Both sorted: a merge walk.
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            match self.0[i].cmp(&other.0[j]) {
                std::cmp::Ordering::Equal => return true,
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        false
    }
}

/// The record ids joined by `+` (record ids never contain `+` in the bundled sources; the
/// serialized form is a JSON array, which needs no separator).
impl fmt::Display for EntityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("+"))
    }
}

impl Serialize for EntityKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
