//! MAC addresses: parsing the common notations and the address bits that matter.

use std::fmt;

/// A 48-bit MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

/// Why a MAC string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MacError {
    #[error("MAC {0:?} has {1} hex digits, expected 12")]
    Length(String, usize),
    #[error("MAC {0:?} contains {1:?}, which is not a hex digit or separator")]
    BadChar(String, char),
    #[error("MAC {0:?} mixes or misplaces separators")]
    Layout(String),
}

impl Mac {
    /// Parses `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`, `aabb.ccdd.eeff` (Cisco) and bare
    /// `aabbccddeeff`, in either case, with surrounding white space.
    ///
    /// ```
    /// use unmask_estate::Mac;
    /// let a = Mac::parse("C0:9B:F4:B1:22:33").unwrap();
    /// assert_eq!(a, Mac::parse("c09b.f4b1.2233").unwrap());
    /// assert_eq!(a, Mac::parse("C0-9B-F4-B1-22-33").unwrap());
    /// assert_eq!(a, Mac::parse("c09bf4b12233").unwrap());
    /// assert!(Mac::parse("c0:9b:f4").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Mac, MacError> {
        let t = s.trim();
        let bytes = t.as_bytes();
        let sep = bytes.iter().copied().find(|b| !b.is_ascii_hexdigit());
        let mut digits = [0u8; 12];
        let mut n = 0usize;
        for ch in t.chars() {
            if let Some(d) = ch.to_digit(16) {
                if n < 12 {
                    digits[n] = d as u8;
                }
                n += 1;
            } else if !matches!(ch, ':' | '-' | '.') {
                return Err(MacError::BadChar(t.to_string(), ch));
            }
        }
        if n != 12 {
            return Err(MacError::Length(t.to_string(), n));
        }
        // Check the separator layout: all the same, at the positions the notation puts them.
        if let Some(sep) = sep {
            let groups: Vec<&str> = t.split(sep as char).collect();
            let ok = match sep {
                b':' | b'-' => groups.len() == 6 && groups.iter().all(|g| g.len() == 2),
                b'.' => groups.len() == 3 && groups.iter().all(|g| g.len() == 4),
                _ => false,
            };
            if !ok
                || groups
                    .iter()
                    .any(|g| !g.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(MacError::Layout(t.to_string()));
            }
        }
        let mut out = [0u8; 6];
        for (i, o) in out.iter_mut().enumerate() {
            *o = (digits[2 * i] << 4) | digits[2 * i + 1];
        }
        Ok(Mac(out))
    }

    /// The address as a 48-bit integer.
    pub fn as_u64(self) -> u64 {
        self.0.iter().fold(0u64, |acc, &b| (acc << 8) | b as u64)
    }

    /// The first `bits` bits (24, 28 or 36) as an integer.
    pub fn prefix(self, bits: u32) -> u64 {
        self.as_u64() >> (48 - bits)
    }

    /// Locally administered (bit 0x02 of the first octet): set by software, e.g. the
    /// randomized addresses of phones and virtual machines; no IEEE registrant.
    pub fn is_locally_administered(self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// Multicast / group address (bit 0x01 of the first octet); never a device's own address.
    pub fn is_multicast(self) -> bool {
        self.0[0] & 0x01 != 0
    }

    pub fn is_broadcast(self) -> bool {
        self.0 == [0xff; 6]
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02X}:{:02X}:{:02X}:{:02X}:{:02X}:{:02X}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl std::str::FromStr for Mac {
    type Err = MacError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mac::parse(s)
    }
}
