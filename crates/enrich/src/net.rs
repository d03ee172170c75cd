//! Internal networks: which addresses belong to the monitored estate, and which are not
//! Internet hosts at all (loopback, link-local, multicast, broadcast, unspecified).

use crate::EnrichError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An IPv4 or IPv6 prefix such as `10.0.0.0/8` or `fd00::/8`; a bare address is a /32 or /128.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cidr {
    V4 { net: u32, len: u8 },
    V6 { net: u128, len: u8 },
}

impl Cidr {
    /// Whether `ip` lies inside this prefix (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self, canonical(ip)) {
            (Cidr::V4 { net, len }, IpAddr::V4(a)) => {
                let mask = if *len == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(*len))
                };
                u32::from(a) & mask == *net
            }
            (Cidr::V6 { net, len }, IpAddr::V6(a)) => {
                let mask = if *len == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(*len))
                };
                u128::from(a) & mask == *net
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = EnrichError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = |reason: &str| EnrichError::BadCidr {
            value: s.to_string(),
            reason: reason.to_string(),
        };
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (
                a,
                Some(
                    l.parse::<u8>()
                        .map_err(|_| bad("prefix length is not a number"))?,
                ),
            ),
            None => (s, None),
        };
        let ip: IpAddr = addr.parse().map_err(|_| bad("not an IP address"))?;
        match ip {
            IpAddr::V4(a) => {
                let len = len.unwrap_or(32);
                if len > 32 {
                    return Err(bad("IPv4 prefix length above 32"));
                }
                let mask = if len == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(len))
                };
                Ok(Cidr::V4 {
                    net: u32::from(a) & mask,
                    len,
                })
            }
            IpAddr::V6(a) => {
                let len = len.unwrap_or(128);
                if len > 128 {
                    return Err(bad("IPv6 prefix length above 128"));
                }
                let mask = if len == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(len))
                };
                Ok(Cidr::V6 {
                    net: u128::from(a) & mask,
                    len,
                })
            }
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cidr::V4 { net, len } => write!(f, "{}/{}", Ipv4Addr::from(*net), len),
            Cidr::V6 { net, len } => write!(f, "{}/{}", Ipv6Addr::from(*net), len),
        }
    }
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) turned into IPv4; everything else unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// Where an address sits relative to the monitored estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Inside one of the configured internal networks.
    Internal,
    /// A routable Internet address: the far end of interest.
    External,
    /// Loopback, link-local, multicast, broadcast or unspecified: neither.
    Special,
}

/// The configured internal networks.
///
/// ```
/// use unmask_enrich::{Networks, Scope};
/// let nets = Networks::default();
/// assert_eq!(nets.scope("192.168.1.107".parse().unwrap()), Scope::Internal);
/// assert_eq!(nets.scope("66.63.168.35".parse().unwrap()), Scope::External);
/// assert_eq!(nets.scope("239.255.255.250".parse().unwrap()), Scope::Special);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Networks {
    internal: Vec<Cidr>,
}

/// RFC 1918 and RFC 4193: the default internal networks.
pub const DEFAULT_INTERNAL: [&str; 4] =
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

impl Default for Networks {
    fn default() -> Self {
        Networks {
            internal: DEFAULT_INTERNAL
                .iter()
                .map(|s| s.parse().expect("valid default CIDR"))
                .collect(),
        }
    }
}

impl Networks {
    /// Internal networks given as CIDR strings (replacing the defaults).
    pub fn from_cidrs<S: AsRef<str>>(cidrs: &[S]) -> Result<Self, EnrichError> {
        let internal = cidrs
            .iter()
            .map(|s| s.as_ref().parse())
            .collect::<Result<Vec<Cidr>, _>>()?;
        Ok(Networks { internal })
    }

    pub fn internal(&self) -> &[Cidr] {
        &self.internal
    }

    /// The scope of an address. Special ranges win over configured internal ones.
    pub fn scope(&self, ip: IpAddr) -> Scope {
        let ip = canonical(ip);
        if is_special(ip) {
            return Scope::Special;
        }
        if self.internal.iter().any(|c| c.contains(ip)) {
            Scope::Internal
        } else {
            Scope::External
        }
    }

    pub fn is_internal(&self, ip: IpAddr) -> bool {
        self.scope(ip) == Scope::Internal
    }

    pub fn is_external(&self, ip: IpAddr) -> bool {
        self.scope(ip) == Scope::External
    }
}

/// Loopback, link-local, multicast, broadcast, unspecified and documentation-free "this network".
pub fn is_special(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(a) => {
            a.is_loopback()
                || a.is_link_local()
                || a.is_multicast()
                || a.is_broadcast()
                || a.is_unspecified()
                || a.octets()[0] == 0
        }
        IpAddr::V6(a) => {
            let seg0 = a.segments()[0];
            a.is_loopback() || a.is_multicast() || a.is_unspecified() || (seg0 & 0xffc0) == 0xfe80
        }
    }
}
