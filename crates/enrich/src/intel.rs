//! Threat-intel trails in Maltrail's format, and safelists.

use crate::net::{canonical, Cidr};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use unmask_model::Diagnostic;

/// What a trail line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrailKind {
    Ip,
    IpPort,
    Domain,
    /// A URL; its host (IP or domain) is what flows can match.
    Url,
    /// A URL path without a host (`/remcos_a.exe`): matches HTTP logs, never flows.
    Path,
}

/// One indicator from a trail file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trail {
    /// The indicator as written (trimmed).
    pub indicator: String,
    pub kind: TrailKind,
    /// The malware family or trail name (Maltrail: the file's stem, e.g. `remcos`).
    pub family: String,
    /// Aliases the file declares (`# Aliases: …`).
    pub aliases: Vec<String>,
    /// The last `# Reference:` above the indicator.
    pub reference: Option<String>,
    pub file: String,
    pub line: u64,
}

/// A set of trails, indexed by IP, IP:port and domain.
#[derive(Debug, Clone, Default)]
pub struct Trails {
    entries: Vec<Trail>,
    ips: HashMap<IpAddr, u32>,
    ip_ports: HashMap<(IpAddr, u16), u32>,
    domains: HashMap<String, u32>,
    paths: u64,
}

impl Trails {
    /// Adds one trail file's text. Comments (`#`) and blank lines are skipped; host-less URL
    /// paths are counted ([`Trails::path_trails`]); every other line that is not an IP,
    /// `IP:port`, domain or URL gives a diagnostic. Duplicates keep the first.
    pub fn add_text(&mut self, file: &str, family: &str, text: &str) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        let mut reference: Option<String> = None;
        let mut aliases: Vec<String> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line_no = i as u64 + 1;
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(c) = line.strip_prefix('#') {
                let c = c.trim();
                if let Some(r) = strip_prefix_ci(c, "reference:") {
                    reference = Some(r.trim().to_string());
                } else if let Some(a) = strip_prefix_ci(c, "aliases:") {
                    aliases = a
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect();
                }
                continue;
            }
            if line.starts_with('/') {
                if line.len() > 1 && !line.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    self.paths += 1;
                } else {
                    diags.push(Diagnostic::new(
                        file,
                        line_no,
                        raw,
                        "empty or malformed URL path",
                    ));
                }
                continue;
            }
            match parse_indicator(line) {
                Ok((kind, host, port)) => {
                    let idx = self.entries.len() as u32;
                    let fresh = match (&host, port) {
                        (Host::Ip(ip), Some(p)) => insert_first(&mut self.ip_ports, (*ip, p), idx),
                        (Host::Ip(ip), None) => insert_first(&mut self.ips, *ip, idx),
                        (Host::Domain(d), _) => insert_first(&mut self.domains, d.clone(), idx),
                    };
                    if fresh {
                        self.entries.push(Trail {
                            indicator: line.to_string(),
                            kind,
                            family: family.to_string(),
                            aliases: aliases.clone(),
                            reference: reference.clone(),
                            file: file.to_string(),
                            line: line_no,
                        });
                    }
                }
                Err(reason) => diags.push(Diagnostic::new(file, line_no, raw, reason)),
            }
        }
        diags
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Host-less URL path trails read (counted, not indexed: flows carry no URLs).
    pub fn path_trails(&self) -> u64 {
        self.paths
    }

    pub fn entries(&self) -> &[Trail] {
        &self.entries
    }

    /// The trail naming `ip:port`, else one naming `ip` alone.
    pub fn match_ip(&self, ip: IpAddr, port: u16) -> Option<&Trail> {
        self.find_ip(ip, port).map(|i| &self.entries[i])
    }

    /// Like [`Trails::match_ip`], the index into [`Trails::entries`].
    pub fn find_ip(&self, ip: IpAddr, port: u16) -> Option<usize> {
        let ip = canonical(ip);
        self.ip_ports
            .get(&(ip, port))
            .or_else(|| self.ips.get(&ip))
            .map(|&i| i as usize)
    }

    /// The trail naming `name` or one of its parent domains (`a.evil.example` matches
    /// `evil.example`).
    pub fn match_domain(&self, name: &str) -> Option<&Trail> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let mut rest = name.as_str();
        loop {
            if let Some(&i) = self.domains.get(rest) {
                return Some(&self.entries[i as usize]);
            }
            rest = rest.split_once('.')?.1;
        }
    }
}

fn insert_first<K: std::hash::Hash + Eq>(m: &mut HashMap<K, u32>, k: K, v: u32) -> bool {
    match m.entry(k) {
        std::collections::hash_map::Entry::Occupied(_) => false,
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(v);
            true
        }
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

enum Host {
    Ip(IpAddr),
    Domain(String),
}

/// Parses one indicator: `1.2.3.4`, `1.2.3.4:5888`, `[2001:db8::1]:443`, `2001:db8::1`,
/// `evil.example`, `http://evil.example/x`, `evil.example/path`.
fn parse_indicator(s: &str) -> Result<(TrailKind, Host, Option<u16>), &'static str> {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("indicator contains whitespace");
    }
    let (rest, had_scheme) = match s.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            (rest, true)
        }
        Some(_) => return Err("malformed URL scheme"),
        None => (s, false),
    };
    let (hostport, has_path) = match rest.find('/') {
        Some(i) => (&rest[..i], true),
        None => (rest, false),
    };
    let url = had_scheme || has_path;
    if hostport.is_empty() {
        return Err("empty host");
    }
    if let Ok(ip) = hostport.parse::<IpAddr>() {
        let kind = if url { TrailKind::Url } else { TrailKind::Ip };
        return Ok((kind, Host::Ip(canonical(ip)), None));
    }
    // [v6]:port or v4:port or domain:port
    let (host, port) = if let Some(r) = hostport.strip_prefix('[') {
        let (h, p) = r.split_once(']').ok_or("unclosed '[' in host")?;
        let p = match p.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None if p.is_empty() => None,
            None => return Err("garbage after ']'"),
        };
        (h, p)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(parse_port(p)?)),
            None => (hostport, None),
        }
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        let kind = if url {
            TrailKind::Url
        } else if port.is_some() {
            TrailKind::IpPort
        } else {
            TrailKind::Ip
        };
        // A URL's port is kept: the trail then matches that port only.
        return Ok((kind, Host::Ip(canonical(ip)), port));
    }
    let d = host.trim_end_matches('.').to_ascii_lowercase();
    if !is_domain(&d) {
        return Err("not an IP, IP:port, domain or URL");
    }
    Ok((
        if url {
            TrailKind::Url
        } else {
            TrailKind::Domain
        },
        Host::Domain(d),
        None,
    ))
}

fn parse_port(p: &str) -> Result<u16, &'static str> {
    match p.parse::<u32>() {
        Ok(n) if n <= 65535 => Ok(n as u16),
        Ok(_) => Err("port above 65535"),
        Err(_) => Err("port is not a number"),
    }
}

fn is_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !l.starts_with('-')
        })
        && !d
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
}

/// Expected traffic that must not become a finding (NTP pools, CDNs, update servers).
///
/// One entry a line, `#` comments:
/// - `203.0.113.0/24` or `203.0.113.7`: the far end (destination) in this network;
/// - `pool.ntp.org`: that domain and its subdomains (for findings that know the name);
/// - `port 123`: any destination port 123;
/// - `10.0.0.5 -> 203.0.113.0/24`: that pair (either side may be a CIDR or `*`).
///
/// ```
/// use unmask_enrich::Safelist;
/// let mut s = Safelist::default();
/// let diags = s.add_text("safe.txt", "162.159.200.0/24\nport 123\n10.0.0.5 -> *\nnot an entry!\n");
/// assert_eq!(diags.len(), 1);
/// assert!(s.allows("10.1.1.1".parse().unwrap(), "162.159.200.1".parse().unwrap(), 443));
/// assert!(s.allows("10.0.0.5".parse().unwrap(), "8.8.8.8".parse().unwrap(), 53));
/// assert!(!s.allows("10.0.0.6".parse().unwrap(), "8.8.8.8".parse().unwrap(), 53));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Safelist {
    dsts: Vec<Cidr>,
    domains: HashSet<String>,
    ports: HashSet<u16>,
    pairs: Vec<(Option<Cidr>, Option<Cidr>)>,
}

impl Safelist {
    /// Adds one safelist file's text; bad lines give diagnostics and are skipped.
    pub fn add_text(&mut self, file: &str, text: &str) -> Vec<Diagnostic> {
        let mut diags = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if let Err(reason) = self.add_line(line) {
                diags.push(Diagnostic::new(file, i as u64 + 1, raw, reason));
            }
        }
        diags
    }

    fn add_line(&mut self, line: &str) -> Result<(), String> {
        if let Some((a, b)) = line.split_once("->") {
            let side = |s: &str| -> Result<Option<Cidr>, String> {
                let s = s.trim();
                if s == "*" {
                    Ok(None)
                } else {
                    s.parse::<Cidr>().map(Some).map_err(|e| e.to_string())
                }
            };
            self.pairs.push((side(a)?, side(b)?));
            return Ok(());
        }
        if let Some(p) = strip_prefix_ci(line, "port ") {
            self.ports.insert(parse_port(p.trim())?);
            return Ok(());
        }
        if line.starts_with(|c: char| c.is_ascii_digit()) || line.contains(':') {
            self.dsts
                .push(line.parse::<Cidr>().map_err(|e| e.to_string())?);
            return Ok(());
        }
        let d = line.trim_end_matches('.').to_ascii_lowercase();
        if is_domain(&d) {
            self.domains.insert(d);
            Ok(())
        } else {
            Err("not a CIDR, domain, `port N` or `SRC -> DST` pair".to_string())
        }
    }

    pub fn is_empty(&self) -> bool {
        self.dsts.is_empty()
            && self.domains.is_empty()
            && self.ports.is_empty()
            && self.pairs.is_empty()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.dsts.len() + self.domains.len() + self.ports.len() + self.pairs.len()
    }

    /// Whether traffic from `src` to `dst:dst_port` is safelisted.
    pub fn allows(&self, src: IpAddr, dst: IpAddr, dst_port: u16) -> bool {
        self.ports.contains(&dst_port)
            || self.dsts.iter().any(|c| c.contains(dst))
            || self.pairs.iter().any(|(s, d)| {
                s.is_none_or(|c| c.contains(src)) && d.is_none_or(|c| c.contains(dst))
            })
    }

    /// Whether `name` (or a parent domain) is safelisted.
    pub fn allows_domain(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let mut rest = name.as_str();
        loop {
            if self.domains.contains(rest) {
                return true;
            }
            match rest.split_once('.') {
                Some((_, r)) => rest = r,
                None => return false,
            }
        }
    }
}
