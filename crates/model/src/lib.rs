//! The entity graph of unmask: plain types, no I/O.
//!
//! Readers (in `unmask-lists`) turn list files into [`Entity`] records, each carrying its
//! names ([`Name`] with a [`NameRole`]), countries, addresses, [`Identifier`]s, list
//! [`Membership`]s and outgoing [`Relation`]s. [`Graph::build`] merges records that describe the
//! same real-world entity (shared strong identifier, or equal name key and country), keeps the
//! reason of every merge, resolves relation targets and indexes the edges in both directions.
//! [`Graph::exposure_paths`] walks upward relations (owned by, subsidiary of, brand of, …) from
//! an entity to every listed ancestor, and [`Graph::exposed_entity`] gives the one serializable
//! shape ([`ExposedEntity`]: listings with their legal basis, [`PathHop`]s) every output uses.
//! [`EntityKey`] (the record ids behind a merged entity) is the key a store keeps across list
//! updates; [`time`] holds the civil-date arithmetic.
//!
//! ```
//! use unmask_model::*;
//! let mut parent = Entity::new("curated:nuctech", EntityKind::Company, "curated");
//! parent.add_name("Nuctech Company Limited", NameRole::Primary);
//! parent.memberships.push(Membership::new("BIS_ENTITY_LIST", "curated").since("2020-12-18"));
//! let mut child = Entity::new("curated:stvs", EntityKind::Company, "curated");
//! child.add_name("Secure Technology Value Solutions", NameRole::Primary);
//! child.relations.push(Relation::new(RelationKind::SubsidiaryOf, Target::Id("curated:nuctech".into()), "curated"));
//! let graph = Graph::build(vec![parent, child], |s| s.to_lowercase());
//! let stvs = graph.lookup("curated:stvs").unwrap();
//! let paths = graph.exposure_paths(stvs, 4);
//! assert_eq!(graph.entity(paths[0].hops[0].to).primary_name(), "Nuctech Company Limited");
//! ```

mod exposure;
mod graph;
mod key;
pub mod time;
mod types;

pub use exposure::{legal_basis, ExposedEntity, Listing, PathHop};
pub use graph::{Edge, EdgeIdx, EntIdx, ExposurePath, Graph, Hop, MergeNote};
pub use key::EntityKey;
pub use types::*;
