//! nmap XML (`-oX`) read as a stream: hosts with addresses, nmap's MAC vendor, host names,
//! open ports with service product, version, extra info and script output.

use crate::inventory::{Asset, Observed, ReadOutcome};
use crate::mac::Mac;
use quick_xml::events::{BytesStart, Event};
use unmask_model::{Diagnostic, RowCounts};

/// One open (or filtered) port of a host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Port {
    pub protocol: String,
    pub port: u16,
    pub state: String,
    pub service: Option<String>,
    pub product: Option<String>,
    pub version: Option<String>,
    pub extrainfo: Option<String>,
    pub devicetype: Option<String>,
    /// CPE names nmap gives for the service (`cpe:/h:hikvision:…`).
    pub cpe: Vec<String>,
    /// Script id and output (e.g. `http-title`, `banner`, `http-server-header`).
    pub scripts: Vec<(String, String)>,
}

/// One `<host>` of an nmap run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Host {
    pub file: String,
    pub line: u64,
    /// `up`, `down` or empty when nmap did not say.
    pub status: String,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
    pub mac_text: Option<String>,
    pub mac: Option<Mac>,
    pub mac_vendor: Option<String>,
    pub hostnames: Vec<String>,
    pub ports: Vec<Port>,
    /// OS match names, OS class vendors and OS CPE names.
    pub os: Vec<String>,
    /// Host scripts (`<hostscript>`): id and output.
    pub scripts: Vec<(String, String)>,
}

impl Host {
    /// The host as an asset: address fields, nmap's vendor, and every product, version,
    /// extra info and script output as an observed string.
    pub fn to_asset(&self) -> Asset {
        let mut a = Asset {
            file: self.file.clone(),
            line: self.line,
            ip: self.ipv4.clone().or_else(|| self.ipv6.clone()),
            hostname: self.hostnames.first().cloned(),
            mac_text: self.mac_text.clone(),
            mac: self.mac,
            mac_vendor: self.mac_vendor.clone(),
            ..Asset::default()
        };
        let mut push = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                a.fields.push((k.to_string(), v.clone()));
            }
        };
        push("ip", &a.ip.clone());
        push("hostname", &a.hostname.clone());
        push("mac", &self.mac_text);
        push("mac_vendor", &self.mac_vendor);
        let open: Vec<String> = self
            .ports
            .iter()
            .map(|p| match &p.service {
                Some(s) => format!("{}/{} {}", p.port, p.protocol, s),
                None => format!("{}/{}", p.port, p.protocol),
            })
            .collect();
        if !open.is_empty() {
            a.fields.push(("open_ports".into(), open.join(", ")));
        }
        for p in &self.ports {
            let at = format!("port {}/{}", p.port, p.protocol);
            for (k, v) in [
                ("product", &p.product),
                ("version", &p.version),
                ("extrainfo", &p.extrainfo),
                ("devicetype", &p.devicetype),
            ] {
                if let Some(v) = v {
                    a.observed.push(Observed {
                        field: format!("{at} {k}"),
                        value: v.clone(),
                    });
                }
            }
            for (id, out) in &p.scripts {
                a.observed.push(Observed {
                    field: format!("{at} script {id}"),
                    value: unmask_model::shorten(out.trim(), 400),
                });
            }
            for c in &p.cpe {
                a.observed.push(Observed {
                    field: format!("{at} cpe"),
                    value: c.clone(),
                });
            }
        }
        for (id, out) in &self.scripts {
            a.observed.push(Observed {
                field: format!("host script {id}"),
                value: unmask_model::shorten(out.trim(), 400),
            });
        }
        for o in &self.os {
            a.observed.push(Observed {
                field: "os".into(),
                value: o.clone(),
            });
        }
        a
    }
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find_map(|a| {
            (a.key.as_ref() == name).then(|| {
                a.unescape_value()
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned())
            })
        })
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Counts lines incrementally as the reader advances.
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl Lines<'_> {
    fn at(&mut self, pos: usize) -> u64 {
        let pos = pos.min(self.bytes.len());
        if pos > self.pos {
            self.line += memchr::memchr_iter(b'\n', &self.bytes[self.pos..pos]).count() as u64;
            self.pos = pos;
        }
        self.line
    }
}

/// Reads nmap XML (`nmap -oX`). Hosts marked down are counted and skipped. Broken XML stops
/// the reading with a diagnostic at its line; the hosts read before it are kept.
///
/// ```
/// let xml = br#"<nmaprun><host><status state="up"/><address addr="10.0.0.5" addrtype="ipv4"/>
/// <address addr="C0:9B:F4:B0:00:01" addrtype="mac" vendor="Nuctech"/>
/// <ports><port protocol="tcp" portid="80"><state state="open"/><service name="http" product="nginx"/></port></ports>
/// </host></nmaprun>"#;
/// let out = unmask_estate::read_nmap(xml, "scan.xml");
/// assert_eq!(out.records[0].mac_vendor.as_deref(), Some("Nuctech"));
/// assert_eq!(out.records[0].ports[0].port, 80);
/// ```
pub fn read_nmap(bytes: &[u8], label: &str) -> ReadOutcome<Host> {
    let mut out = ReadOutcome::<Host> {
        records: Vec::new(),
        diagnostics: Vec::new(),
        counts: RowCounts::default(),
    };
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut lines = Lines {
        bytes,
        pos: 0,
        line: 1,
    };
    let mut host: Option<Host> = None;
    let mut port: Option<Port> = None;
    let mut saw_nmaprun = false;
    let mut depth = 0usize;
    let mut in_cpe = false;
    loop {
        let mut before = reader.buffer_position() as usize;
        before += bytes
            .get(before..)
            .and_then(|r| r.iter().position(|c| !c.is_ascii_whitespace()))
            .unwrap_or(0);
        let ev = reader.read_event();
        let (ev, empty) = match ev {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                depth += 1;
                (e, false)
            }
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(e)) => {
                depth = depth.saturating_sub(1);
                match e.name().as_ref() {
                    b"cpe" => in_cpe = false,
                    b"host" => {
                        if let Some(mut h) = host.take() {
                            if let Some(p) = port.take() {
                                h.ports.push(p);
                            }
                            finish_host(&mut out, h, label);
                        }
                    }
                    b"port" => {
                        if let (Some(h), Some(p)) = (host.as_mut(), port.take()) {
                            if p.state == "open"
                                || p.state.starts_with("open|")
                                || p.state.is_empty()
                            {
                                h.ports.push(p);
                            }
                        }
                    }
                    _ => {}
                }
                continue;
            }
            Ok(Event::Text(t)) => {
                if in_cpe {
                    let v = t
                        .unescape()
                        .map(|c| c.trim().to_string())
                        .unwrap_or_default();
                    if !v.is_empty() {
                        if let Some(p) = port.as_mut() {
                            p.cpe.push(v);
                        } else if let Some(h) = host.as_mut() {
                            h.os.push(v);
                        }
                    }
                }
                continue;
            }
            Ok(_) => continue,
            Err(e) => {
                let pos = reader.error_position() as usize;
                let line = lines.at(pos);
                out.diagnostics.push(Diagnostic::new(
                    label,
                    line,
                    "",
                    format!("broken XML, reading stopped: {e}"),
                ));
                if host.is_some() {
                    out.counts.read += 1;
                    out.counts.rejected += 1;
                }
                return out;
            }
        };
        let _ = empty;
        let name = ev.name();
        match name.as_ref() {
            b"nmaprun" => saw_nmaprun = true,
            b"host" => {
                let line = lines.at(before);
                host = Some(Host {
                    file: label.to_string(),
                    line,
                    ..Host::default()
                });
            }
            b"status" => {
                if let Some(h) = host.as_mut() {
                    h.status = attr(&ev, b"state").unwrap_or_default();
                }
            }
            b"address" => {
                if let Some(h) = host.as_mut() {
                    let addr = attr(&ev, b"addr");
                    match attr(&ev, b"addrtype").as_deref() {
                        Some("mac") => {
                            h.mac_vendor = attr(&ev, b"vendor");
                            if let Some(a) = &addr {
                                match Mac::parse(a) {
                                    Ok(m) => h.mac = Some(m),
                                    Err(e) => out.diagnostics.push(Diagnostic::new(
                                        label,
                                        lines.at(before),
                                        a,
                                        format!("bad MAC: {e}"),
                                    )),
                                }
                            }
                            h.mac_text = addr;
                        }
                        Some("ipv6") => h.ipv6 = addr,
                        _ => h.ipv4 = addr,
                    }
                }
            }
            b"hostname" => {
                if let (Some(h), Some(n)) = (host.as_mut(), attr(&ev, b"name")) {
                    if !h.hostnames.contains(&n) {
                        h.hostnames.push(n);
                    }
                }
            }
            b"port" if host.is_some() => {
                let line = lines.at(before);
                let portid = attr(&ev, b"portid").unwrap_or_default();
                port = match portid.parse::<u16>() {
                    Ok(p) if !empty => Some(Port {
                        protocol: attr(&ev, b"protocol").unwrap_or_else(|| "tcp".into()),
                        port: p,
                        ..Port::default()
                    }),
                    Ok(_) => None,
                    Err(_) => {
                        out.diagnostics.push(Diagnostic::new(
                            label,
                            line,
                            &portid,
                            "bad port number; port skipped",
                        ));
                        None
                    }
                };
            }
            b"state" => {
                if let Some(p) = port.as_mut() {
                    p.state = attr(&ev, b"state").unwrap_or_default();
                }
            }
            b"service" => {
                if let Some(p) = port.as_mut() {
                    p.service = attr(&ev, b"name");
                    p.product = attr(&ev, b"product");
                    p.version = attr(&ev, b"version");
                    p.extrainfo = attr(&ev, b"extrainfo");
                    p.devicetype = attr(&ev, b"devicetype");
                }
            }
            b"script" => {
                let o = attr(&ev, b"output").unwrap_or_default();
                if let (Some(id), false) = (attr(&ev, b"id"), o.is_empty()) {
                    if let Some(p) = port.as_mut() {
                        p.scripts.push((id, o));
                    } else if let Some(h) = host.as_mut() {
                        h.scripts.push((id, o));
                    }
                }
            }
            b"cpe" => in_cpe = !empty,
            b"osmatch" => {
                if let (Some(h), Some(n)) = (host.as_mut(), attr(&ev, b"name")) {
                    h.os.push(n);
                }
            }
            b"osclass" => {
                if let (Some(h), Some(v)) = (host.as_mut(), attr(&ev, b"vendor")) {
                    if !h.os.contains(&v) {
                        h.os.push(v);
                    }
                }
            }
            _ => {}
        }
        if empty && name.as_ref() == b"host" {
            if let Some(h) = host.take() {
                finish_host(&mut out, h, label);
            }
        }
    }
    let end = lines.at(bytes.len());
    if host.is_some() || depth > 0 {
        out.diagnostics.push(Diagnostic::new(
            label,
            end,
            "",
            "XML ends inside an element (truncated scan?); the unfinished host is skipped",
        ));
        if host.is_some() {
            out.counts.read += 1;
            out.counts.rejected += 1;
        }
    }
    if !saw_nmaprun {
        out.diagnostics.push(Diagnostic::new(
            label,
            0,
            "",
            "no <nmaprun> element: not an nmap -oX file",
        ));
    }
    out
}

fn finish_host(out: &mut ReadOutcome<Host>, h: Host, label: &str) {
    out.counts.read += 1;
    if h.status == "down" {
        out.counts.rejected += 1;
        return;
    }
    if h.ipv4.is_none() && h.ipv6.is_none() && h.mac.is_none() {
        out.diagnostics.push(Diagnostic::new(
            label,
            h.line,
            "",
            "host without any usable address; skipped",
        ));
        out.counts.rejected += 1;
        return;
    }
    out.counts.used += 1;
    out.records.push(h);
}

/// Merges scanned hosts into inventory assets (same MAC, else same IP): the asset gains nmap's
/// vendor and banners; hosts not in the inventory become assets of their own.
pub fn merge_hosts(assets: &mut Vec<Asset>, hosts: &[Host]) {
    let mut by_mac: ahash::AHashMap<Mac, usize> = ahash::AHashMap::new();
    let mut by_ip: ahash::AHashMap<String, usize> = ahash::AHashMap::new();
    for (i, a) in assets.iter().enumerate() {
        if let Some(m) = a.mac {
            by_mac.entry(m).or_insert(i);
        }
        if let Some(ip) = &a.ip {
            by_ip.entry(ip.clone()).or_insert(i);
        }
    }
    for h in hosts {
        let found = h
            .mac
            .and_then(|m| by_mac.get(&m))
            .or_else(|| h.ipv4.as_ref().and_then(|ip| by_ip.get(ip)))
            .or_else(|| h.ipv6.as_ref().and_then(|ip| by_ip.get(ip)))
            .copied();
        let ha = h.to_asset();
        match found {
            Some(i) => {
                let a = &mut assets[i];
                if a.mac.is_none() && ha.mac.is_some() {
                    a.mac = ha.mac;
                    a.mac_text = ha.mac_text.clone();
                }
                if a.mac_vendor.is_none() {
                    a.mac_vendor = ha.mac_vendor.clone();
                }
                let line = format!("{}:{}", ha.file, ha.line);
                a.fields.push(("nmap".into(), line));
                for (k, v) in ha.fields {
                    if k == "open_ports" || k == "mac_vendor" {
                        a.fields.push((format!("nmap_{k}"), v));
                    }
                }
                a.observed.extend(ha.observed);
            }
            None => assets.push(ha),
        }
    }
}
