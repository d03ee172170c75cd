//! Record types shared by every crate.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Company,
    Organization,
    Person,
    Vessel,
    Aircraft,
    Brand,
    App,
    /// The source does not say (some CSL and UN rows).
    Unknown,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Company => "company",
            EntityKind::Organization => "organization",
            EntityKind::Person => "person",
            EntityKind::Vessel => "vessel",
            EntityKind::Aircraft => "aircraft",
            EntityKind::Brand => "brand",
            EntityKind::App => "app",
            EntityKind::Unknown => "unknown",
        }
    }
    /// Organisation-like kinds that are matched with legal-form logic.
    pub fn is_org_like(self) -> bool {
        matches!(
            self,
            EntityKind::Company | EntityKind::Organization | EntityKind::Brand | EntityKind::App
        )
    }
}

/// The role a name plays for its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum NameRole {
    Primary,
    Alias,
    /// OFAC "weak a.k.a.": a nickname or short form that alone should not decide a match.
    WeakAlias,
    Former,
    /// Written in its native (non-Latin) script, e.g. 同方威视.
    Native,
}

impl NameRole {
    pub fn as_str(self) -> &'static str {
        match self {
            NameRole::Primary => "primary",
            NameRole::Alias => "alias",
            NameRole::WeakAlias => "weak_alias",
            NameRole::Former => "former",
            NameRole::Native => "native",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Name {
    pub value: String,
    pub role: NameRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    /// The address as one line, as the source wrote it.
    pub full: String,
    pub city: Option<String>,
    /// Country as the source names it (a name or an ISO code).
    pub country: Option<String>,
}

/// Kinds of identifier; strong ones decide merges.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    Registration,
    Ticker,
    Isin,
    Lei,
    Website,
    /// An IEEE MAC assignment in hex without separators ("C09BF4B").
    MacPrefix,
    /// Android package id.
    PackageId,
    /// iOS bundle id.
    BundleId,
    AppStoreId,
    Email,
    Other(String),
}

impl IdKind {
    /// Identifiers that name one legal entity world-wide.
    pub fn is_strong(&self) -> bool {
        match self {
            IdKind::Isin | IdKind::Lei | IdKind::Registration | IdKind::MacPrefix => true,
            // OFAC's entry number (ent_num / uid): the OFAC files and the CSL's Treasury rows
            // share it, and it is the only link between their records of persons.
            IdKind::Other(s) => s == "ofac_uid",
            _ => false,
        }
    }
    pub fn label(&self) -> &str {
        match self {
            IdKind::Registration => "registration",
            IdKind::Ticker => "ticker",
            IdKind::Isin => "isin",
            IdKind::Lei => "lei",
            IdKind::Website => "website",
            IdKind::MacPrefix => "mac_prefix",
            IdKind::PackageId => "package_id",
            IdKind::BundleId => "bundle_id",
            IdKind::AppStoreId => "app_store_id",
            IdKind::Email => "email",
            IdKind::Other(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identifier {
    pub kind: IdKind,
    pub value: String,
}

impl Identifier {
    pub fn new(kind: IdKind, value: impl Into<String>) -> Self {
        Identifier {
            kind,
            value: value.into(),
        }
    }
    /// Comparison key: case and separators do not matter.
    pub fn key(&self) -> String {
        let v: String = self
            .value
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_uppercase)
            .collect();
        format!("{}:{}", self.kind.label(), v)
    }
}

/// A listing of an entity on a restricted list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// Stable list code, e.g. `OFAC_SDN`, `BIS_ENTITY_LIST`, `FCC_COVERED_LIST`.
    pub list: String,
    /// Sanctions program(s), e.g. `SDGT`, `CMIC-EO13959`.
    pub program: Option<String>,
    /// Date listed, ISO 8601 as precise as the source gives (`2020`, `2020-12-18`).
    pub since: Option<String>,
    /// The entry's id in the list (OFAC ent_num, CSL entity_number…).
    pub entry_id: Option<String>,
    /// The source id this membership was read from.
    pub source: String,
    /// A citation: Federal Register notice, page, or note.
    pub citation: Option<String>,
}

impl Membership {
    pub fn new(list: impl Into<String>, source: impl Into<String>) -> Self {
        Membership {
            list: list.into(),
            program: None,
            since: None,
            entry_id: None,
            source: source.into(),
            citation: None,
        }
    }
    pub fn since(mut self, date: impl Into<String>) -> Self {
        self.since = Some(date.into());
        self
    }
    pub fn program(mut self, p: impl Into<String>) -> Self {
        self.program = Some(p.into());
        self
    }
    pub fn entry(mut self, id: impl Into<String>) -> Self {
        self.entry_id = Some(id.into());
        self
    }
}

/// Directed relation kinds, read "from ‹kind› to".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    OwnedBy,
    SubsidiaryOf,
    BrandOf,
    TradesAs,
    FormerlyKnownAs,
    SuccessorOf,
    /// The source manufactures products sold under the target's brand.
    OemFor,
    /// The source relabels or uses the target's products.
    SourcesFrom,
    AffiliatedWith,
    /// OFAC "Linked To:" and other loose links.
    LinkedTo,
}

impl RelationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::OwnedBy => "owned_by",
            RelationKind::SubsidiaryOf => "subsidiary_of",
            RelationKind::BrandOf => "brand_of",
            RelationKind::TradesAs => "trades_as",
            RelationKind::FormerlyKnownAs => "formerly_known_as",
            RelationKind::SuccessorOf => "successor_of",
            RelationKind::OemFor => "oem_for",
            RelationKind::SourcesFrom => "sources_from",
            RelationKind::AffiliatedWith => "affiliated_with",
            RelationKind::LinkedTo => "linked_to",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "owned_by" => RelationKind::OwnedBy,
            "subsidiary_of" => RelationKind::SubsidiaryOf,
            "brand_of" => RelationKind::BrandOf,
            "trades_as" => RelationKind::TradesAs,
            "formerly_known_as" => RelationKind::FormerlyKnownAs,
            "successor_of" => RelationKind::SuccessorOf,
            "oem_for" => RelationKind::OemFor,
            "sources_from" => RelationKind::SourcesFrom,
            "affiliated_with" => RelationKind::AffiliatedWith,
            "linked_to" => RelationKind::LinkedTo,
            _ => return None,
        })
    }
    /// Whether a listing of the target exposes the source when walking forward.
    /// `OemFor` points down (maker → brand) and exposes nothing by itself.
    pub fn exposes_forward(self) -> bool {
        !matches!(self, RelationKind::OemFor)
    }
    /// Whether a listing of the source exposes the target (walking the edge backwards):
    /// true for identity-like relations, where both ends are the same business.
    pub fn exposes_backward(self) -> bool {
        matches!(
            self,
            RelationKind::TradesAs
                | RelationKind::FormerlyKnownAs
                | RelationKind::SuccessorOf
                | RelationKind::OemFor
        )
    }
}

impl fmt::Display for RelationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The other end of a relation: another record's id, or only a name when the source does not
/// give the other party a record of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Target {
    Id(String),
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    pub kind: RelationKind,
    pub target: Target,
    /// The source id, and where possible the citation inside it.
    pub source: String,
    pub note: Option<String>,
}

impl Relation {
    pub fn new(kind: RelationKind, target: Target, source: impl Into<String>) -> Self {
        Relation {
            kind,
            target,
            source: source.into(),
            note: None,
        }
    }
}

/// One record from one source, and after [`crate::Graph::build`] one merged entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Source-scoped stable id, e.g. `ofac_sdn:306`, `curated:nuctech`.
    pub id: String,
    pub kind: EntityKind,
    pub names: Vec<Name>,
    /// Countries as the sources give them (ISO alpha-2 where known).
    pub countries: Vec<String>,
    pub addresses: Vec<Address>,
    pub identifiers: Vec<Identifier>,
    pub memberships: Vec<Membership>,
    pub relations: Vec<Relation>,
    pub notes: Vec<String>,
    /// Source ids this entity was read from (several after a merge).
    pub sources: Vec<String>,
}

impl Entity {
    pub fn new(id: impl Into<String>, kind: EntityKind, source: impl Into<String>) -> Self {
        Entity {
            id: id.into(),
            kind,
            names: Vec::new(),
            countries: Vec::new(),
            addresses: Vec::new(),
            identifiers: Vec::new(),
            memberships: Vec::new(),
            relations: Vec::new(),
            notes: Vec::new(),
            sources: vec![source.into()],
        }
    }

    /// Adds a name unless the same value is already there (case-insensitively);
    /// a stronger role replaces a weaker one.
    pub fn add_name(&mut self, value: impl Into<String>, role: NameRole) {
        let value: String = value.into();
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        if let Some(n) = self
            .names
            .iter_mut()
            .find(|n| n.value.eq_ignore_ascii_case(value))
        {
            if role < n.role {
                n.role = role;
            }
            return;
        }
        self.names.push(Name {
            value: value.to_string(),
            role,
        });
    }

    pub fn add_country(&mut self, c: impl Into<String>) {
        let c: String = c.into();
        let c = c.trim();
        if !c.is_empty() && !self.countries.iter().any(|x| x.eq_ignore_ascii_case(c)) {
            self.countries.push(c.to_string());
        }
    }

    pub fn add_identifier(&mut self, id: Identifier) {
        if !id.value.trim().is_empty() && !self.identifiers.contains(&id) {
            self.identifiers.push(id);
        }
    }

    /// The primary name, or the first name, or the id.
    pub fn primary_name(&self) -> &str {
        self.names
            .iter()
            .find(|n| n.role == NameRole::Primary)
            .or_else(|| self.names.first())
            .map(|n| n.value.as_str())
            .unwrap_or(&self.id)
    }

    pub fn is_listed(&self) -> bool {
        !self.memberships.is_empty()
    }
}

/// Where a dataset came from: shown by `unmask lists` and in every report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Short id used in [`Entity::sources`], e.g. `us_ofac_sdn`.
    pub id: String,
    pub title: String,
    /// Date of the data (publication or snapshot), ISO 8601.
    pub date: String,
    pub origin: String,
    pub licence: String,
}

/// A problem found in an input row: the row is skipped (or partly used) and reading goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based line number; 0 when the problem concerns the whole file.
    pub line: u64,
    /// The offending value, shortened to a readable length.
    pub value: String,
    pub reason: String,
}

impl Diagnostic {
    pub fn new(
        file: impl Into<String>,
        line: u64,
        value: impl AsRef<str>,
        reason: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.into(),
            line,
            value: shorten(value.as_ref(), 120),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)?;
        if !self.value.is_empty() {
            write!(f, " (value: {:?})", self.value)?;
        }
        Ok(())
    }
}

/// Row counts every command reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RowCounts {
    pub read: u64,
    pub used: u64,
    pub rejected: u64,
}

impl RowCounts {
    pub fn add(&mut self, other: RowCounts) {
        self.read += other.read;
        self.used += other.used;
        self.rejected += other.rejected;
    }
}

impl fmt::Display for RowCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} read, {} used, {} rejected",
            self.read, self.used, self.rejected
        )
    }
}

/// Cuts a value for display at a char boundary, marking the cut.
pub fn shorten(s: &str, max_chars: usize) -> String {
    let mut out: String = s.chars().take(max_chars).collect();
    if s.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}
