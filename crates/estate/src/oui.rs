//! The IEEE MAC-address registry (MA-L, MA-M, MA-S, IAB): the longest assignment wins.

use crate::mac::Mac;
use ahash::AHashMap;
use std::io::Read;
use std::sync::OnceLock;
use unmask_model::Diagnostic;

/// Date of the bundled IEEE listings (Debian ieee-data 20220827.1).
pub const IEEE_DATA_DATE: &str = "2022-08-27";
/// Where the bundled IEEE listings come from.
pub const IEEE_DATA_SOURCE: &str =
    "IEEE Registration Authority MA-L/MA-M/MA-S/IAB listings via Debian ieee-data 20220827.1 (public domain)";

static OUI_GZ: &[u8] = include_bytes!("../../../data/vendors/ieee/oui.csv.gz");
static MAM_GZ: &[u8] = include_bytes!("../../../data/vendors/ieee/mam.csv.gz");
static OUI36_GZ: &[u8] = include_bytes!("../../../data/vendors/ieee/oui36.csv.gz");
static IAB_GZ: &[u8] = include_bytes!("../../../data/vendors/ieee/iab.csv.gz");
pub(crate) static RESTRICTED_GZ: &[u8] =
    include_bytes!("../../../data/vendors/ieee/restricted-ouis.csv.gz");

/// Which IEEE registry an assignment comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum RegistryKind {
    /// MA-L, a /24 ("OUI").
    #[serde(rename = "MA-L")]
    MaL,
    /// MA-M, a /28.
    #[serde(rename = "MA-M")]
    MaM,
    /// MA-S, a /36 ("OUI-36").
    #[serde(rename = "MA-S")]
    MaS,
    /// Individual Address Block, a /36 (retired registry, still in use).
    #[serde(rename = "IAB")]
    Iab,
}

impl RegistryKind {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "MA-L" => RegistryKind::MaL,
            "MA-M" => RegistryKind::MaM,
            "MA-S" => RegistryKind::MaS,
            "IAB" => RegistryKind::Iab,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RegistryKind::MaL => "MA-L",
            RegistryKind::MaM => "MA-M",
            RegistryKind::MaS => "MA-S",
            RegistryKind::Iab => "IAB",
        }
    }
    /// Prefix length in bits.
    pub fn bits(self) -> u32 {
        match self {
            RegistryKind::MaL => 24,
            RegistryKind::MaM => 28,
            RegistryKind::MaS | RegistryKind::Iab => 36,
        }
    }
}

/// One IEEE assignment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Assignment {
    pub registry: RegistryKind,
    /// The assignment in upper-case hex without separators: 6, 7 or 9 digits ("C09BF4B").
    pub prefix: String,
    pub organization: String,
    pub address: String,
}

impl Assignment {
    /// IEEE lists some registrants as "Private" (the holder asked to stay unnamed).
    pub fn is_private(&self) -> bool {
        self.organization.trim().eq_ignore_ascii_case("private")
    }
    /// The IEEE registration authority itself holds the MA-L blocks that are split into
    /// MA-M/MA-S/IAB; such a registrant says nothing about the maker.
    pub fn is_registration_authority(&self) -> bool {
        self.organization.starts_with("IEEE Registration Authority")
    }
}

/// What the registry says about one MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacClass<'r> {
    /// A universally administered address with an IEEE registrant.
    Registered(&'r Assignment),
    /// A universally administered address whose prefix is in no listing we have.
    Unregistered,
    /// Bit 0x02 of the first octet set: randomized or otherwise locally administered.
    LocallyAdministered,
    /// Bit 0x01 of the first octet set: a group address, not a device.
    Multicast,
}

/// The registry: one hash map per prefix length.
#[derive(Debug, Default)]
pub struct OuiRegistry {
    assignments: Vec<Assignment>,
    by24: AHashMap<u32, u32>,
    by28: AHashMap<u32, u32>,
    by36: AHashMap<u64, u32>,
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 4);
    // The embedded files are known-good; a corrupt build would show as an empty registry
    // and fail the crate's tests.
    let _ = flate2::read::GzDecoder::new(bytes).read_to_end(&mut out);
    out
}

/// Parses a hex assignment of 6, 7 or 9 digits.
fn parse_prefix(s: &str) -> Option<(u32, u64)> {
    let t = s.trim();
    let bits = match t.len() {
        6 => 24,
        7 => 28,
        9 => 36,
        _ => return None,
    };
    u64::from_str_radix(t, 16).ok().map(|v| (bits, v))
}

impl OuiRegistry {
    /// The registry bundled in the binary (parsed once, on first use).
    pub fn bundled() -> &'static OuiRegistry {
        static REG: OnceLock<OuiRegistry> = OnceLock::new();
        REG.get_or_init(|| {
            let mut r = OuiRegistry::default();
            for (gz, label) in [
                (OUI_GZ, "oui.csv"),
                (MAM_GZ, "mam.csv"),
                (OUI36_GZ, "oui36.csv"),
                (IAB_GZ, "iab.csv"),
            ] {
                let _ = r.add_csv(&gunzip(gz), label);
            }
            r
        })
    }

    /// Adds the records of one IEEE CSV (`Registry,Assignment,Organization Name,Organization
    /// Address`); returns diagnostics for the rows it could not use.
    pub fn add_csv(&mut self, bytes: &[u8], label: &str) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(bytes);
        let mut rec = csv::ByteRecord::new();
        loop {
            let line = rdr.position().line();
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    diags.push(Diagnostic::new(
                        label,
                        line,
                        "",
                        format!("unreadable CSV: {e}"),
                    ));
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        break;
                    }
                    continue;
                }
            }
            let line = rec.position().map(|p| p.line()).unwrap_or(line);
            let field = |i: usize| {
                String::from_utf8_lossy(rec.get(i).unwrap_or_default())
                    .trim()
                    .to_string()
            };
            let (reg, asg) = (field(0), field(1));
            let Some(kind) = RegistryKind::parse(&reg) else {
                diags.push(Diagnostic::new(label, line, &reg, "unknown registry"));
                continue;
            };
            let Some((bits, value)) = parse_prefix(&asg).filter(|(b, _)| *b == kind.bits()) else {
                diags.push(Diagnostic::new(
                    label,
                    line,
                    &asg,
                    format!("bad {} assignment", kind.as_str()),
                ));
                continue;
            };
            self.insert(
                Assignment {
                    registry: kind,
                    prefix: asg.to_ascii_uppercase(),
                    organization: field(2),
                    address: field(3),
                },
                bits,
                value,
            );
        }
        diags
    }

    fn insert(&mut self, a: Assignment, bits: u32, value: u64) {
        let idx = self.assignments.len() as u32;
        let prev = match bits {
            24 => self.by24.insert(value as u32, idx),
            28 => self.by28.insert(value as u32, idx),
            _ => self.by36.insert(value, idx),
        };
        // Duplicate assignments (none in the 2022 data): the first one stays.
        if let Some(p) = prev {
            match bits {
                24 => self.by24.insert(value as u32, p),
                28 => self.by28.insert(value as u32, p),
                _ => self.by36.insert(value, p),
            };
        }
        self.assignments.push(a);
    }

    pub fn len(&self) -> usize {
        self.assignments.len()
    }
    pub fn is_empty(&self) -> bool {
        self.assignments.is_empty()
    }
    pub fn assignments(&self) -> &[Assignment] {
        &self.assignments
    }

    /// The longest assignment covering `mac`, ignoring the address bits.
    pub fn lookup(&self, mac: Mac) -> Option<&Assignment> {
        let i = self
            .by36
            .get(&mac.prefix(36))
            .or_else(|| self.by28.get(&(mac.prefix(28) as u32)))
            .or_else(|| self.by24.get(&(mac.prefix(24) as u32)))?;
        Some(&self.assignments[*i as usize])
    }

    /// The assignment with exactly this hex prefix ("C09BF4B").
    pub fn get(&self, prefix: &str) -> Option<&Assignment> {
        let (bits, v) = parse_prefix(prefix)?;
        let i = match bits {
            24 => self.by24.get(&(v as u32)),
            28 => self.by28.get(&(v as u32)),
            _ => self.by36.get(&v),
        }?;
        Some(&self.assignments[*i as usize])
    }

    /// Classifies an address: multicast, locally administered, registered or not.
    ///
    /// ```
    /// use unmask_estate::{Mac, MacClass, OuiRegistry};
    /// let reg = OuiRegistry::bundled();
    /// let nuctech = Mac::parse("C0:9B:F4:B0:00:01").unwrap();
    /// match reg.classify(nuctech) {
    ///     MacClass::Registered(a) => assert!(a.organization.starts_with("NUCTECH")),
    ///     other => panic!("{other:?}"),
    /// }
    /// assert_eq!(reg.classify(Mac::parse("da:a1:19:00:00:01").unwrap()), MacClass::LocallyAdministered);
    /// ```
    pub fn classify(&self, mac: Mac) -> MacClass<'_> {
        if mac.is_multicast() {
            MacClass::Multicast
        } else if mac.is_locally_administered() {
            MacClass::LocallyAdministered
        } else {
            match self.lookup(mac) {
                Some(a) => MacClass::Registered(a),
                None => MacClass::Unregistered,
            }
        }
    }
}
