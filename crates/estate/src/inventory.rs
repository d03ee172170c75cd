//! Device inventories (CSV or JSON) and app lists, read into [`Asset`]s and [`AppRecord`]s.

use crate::mac::Mac;
use crate::table::{find_column, header_key, read_table};
use unmask_model::{Diagnostic, RowCounts};

/// Records read from one input, with the problems found and the row counts.
#[derive(Debug, Clone, Default)]
pub struct ReadOutcome<T> {
    pub records: Vec<T>,
    pub diagnostics: Vec<Diagnostic>,
    pub counts: RowCounts,
}

/// A text seen on the device (model, service product, web banner…), with where it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// Field name, e.g. `model`, `port 80/tcp product`, `port 80/tcp script http-title`.
    pub field: String,
    pub value: String,
}

/// One device of the estate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asset {
    /// File label and line the asset was read from.
    pub file: String,
    pub line: u64,
    /// Every input field in input order, as (header, value): echoed in reports.
    pub fields: Vec<(String, String)>,
    pub asset_id: Option<String>,
    pub hostname: Option<String>,
    pub ip: Option<String>,
    /// The MAC as written; [`Asset::mac`] holds it parsed when it parsed.
    pub mac_text: Option<String>,
    pub mac: Option<Mac>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub location: Option<String>,
    /// nmap's vendor name for the MAC (from its own copy of the IEEE registry).
    pub mac_vendor: Option<String>,
    /// Model-like strings and banners (nmap service product/version/extrainfo, scripts).
    pub observed: Vec<Observed>,
    /// Apps reported on this device.
    pub apps: Vec<AppRecord>,
}

/// The stable key of an asset, from what the input says about it (never the file and line,
/// which change when the export is sorted differently): its asset id, else its hostname, else
/// its MAC, else its IP address. An asset with none of them gets a key of its file and line,
/// marked as such (`row:`), which holds only for the same file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AssetKey(String);

impl AssetKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// True when the key comes from a field of the asset (not from its place in the file).
    pub fn is_stable(&self) -> bool {
        !self.0.starts_with("row:")
    }
}

impl std::fmt::Display for AssetKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for AssetKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl Asset {
    /// The asset's stable key ([`AssetKey`]). Values are trimmed; a MAC is written in its
    /// canonical form so `00-40-8c-…` and `00:40:8C:…` are one asset.
    ///
    /// ```
    /// let a = unmask_estate::Asset { mac_text: Some("00-40-8c-12-34-56".into()),
    ///     mac: "00-40-8c-12-34-56".parse().ok(), ..Default::default() };
    /// assert_eq!(a.key().as_str(), "mac:00:40:8C:12:34:56");
    /// ```
    pub fn key(&self) -> AssetKey {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        if let Some(id) = given(&self.asset_id) {
            return AssetKey(format!("asset_id:{id}"));
        }
        if let Some(h) = given(&self.hostname) {
            return AssetKey(format!("hostname:{}", h.to_lowercase()));
        }
        if let Some(m) = self.mac {
            return AssetKey(format!("mac:{m}"));
        }
        if let Some(ip) = given(&self.ip) {
            return AssetKey(format!("ip:{ip}"));
        }
        AssetKey(format!("row:{}:{}", self.file, self.line))
    }

    /// A short label: asset id, hostname, IP or MAC, else file:line.
    pub fn label(&self) -> String {
        self.asset_id
            .clone()
            .or_else(|| self.hostname.clone())
            .or_else(|| self.ip.clone())
            .or_else(|| self.mac_text.clone())
            .unwrap_or_else(|| format!("{}:{}", self.file, self.line))
    }
}

const ASSET_ID: &[&str] = &[
    "assetid",
    "asset",
    "assettag",
    "tag",
    "assetnumber",
    "assetno",
    "id",
    "ciid",
    "inventoryid",
    "inventorynumber",
    "deviceid",
];
const HOSTNAME: &[&str] = &[
    "hostname",
    "host",
    "devicename",
    "name",
    "fqdn",
    "dnsname",
    "computername",
    "sysname",
    "systemname",
    "device",
];
const IP: &[&str] = &[
    "ip",
    "ipaddress",
    "ipaddr",
    "ipv4",
    "ipv4address",
    "address",
    "mgmtip",
    "managementip",
    "ipv6",
];
const MAC: &[&str] = &[
    "mac",
    "macaddress",
    "macaddr",
    "hwaddress",
    "hwaddr",
    "hardwareaddress",
    "ethernetaddress",
    "physicaladdress",
    "ethernetmac",
    "wifimac",
    "bssid",
];
const MANUFACTURER: &[&str] = &[
    "manufacturer",
    "vendor",
    "make",
    "brand",
    "mfr",
    "mfg",
    "maker",
    "oem",
    "manufacturername",
    "vendorname",
    "supplier",
];
const MODEL: &[&str] = &[
    "model",
    "modelnumber",
    "modelno",
    "modelname",
    "productmodel",
    "product",
    "partnumber",
    "devicemodel",
    "hardwaremodel",
    "sku",
];
const SERIAL: &[&str] = &["serial", "serialnumber", "serialno", "sn", "imei"];
const LOCATION: &[&str] = &[
    "location", "site", "building", "room", "area", "zone", "place", "terminal", "gate",
];

fn cell(cells: &[String], col: Option<usize>) -> Option<String> {
    col.and_then(|c| cells.get(c))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Reads a device inventory: CSV (comma, semicolon or tab separated, with a header) or JSON
/// (an array of objects or one object per line). Columns are found by header synonyms
/// (asset id, hostname, IP, MAC, manufacturer/vendor/make, model, serial, location); other
/// columns are kept in [`Asset::fields`]. A bad MAC is reported and the row still used.
///
/// ```
/// let csv = b"Asset Tag,Make,Model,MAC Address\nCAM-1,EZVIZ,CS-C6N,00:40:8c:11:22:33\nCAM-2,Axis,P3245,zz:zz\n";
/// let out = unmask_estate::read_inventory(csv, "inv.csv");
/// assert_eq!(out.records.len(), 2);
/// assert_eq!(out.records[0].manufacturer.as_deref(), Some("EZVIZ"));
/// assert_eq!(out.diagnostics[0].line, 3);
/// ```
pub fn read_inventory(bytes: &[u8], label: &str) -> ReadOutcome<Asset> {
    let t = read_table(bytes, label);
    let mut out = ReadOutcome {
        diagnostics: t.diagnostics,
        counts: RowCounts {
            read: t.rows.len() as u64 + t.rejected,
            used: 0,
            rejected: t.rejected,
        },
        records: Vec::new(),
    };
    let keys: Vec<String> = t.headers.iter().map(|h| header_key(h)).collect();
    let col = |syn: &[&str]| find_column(&keys, syn);
    let (c_mac, c_man, c_model, c_host, c_ip) = (
        col(MAC),
        col(MANUFACTURER),
        col(MODEL),
        col(HOSTNAME),
        col(IP),
    );
    let mut c_id = col(ASSET_ID);
    if c_id.is_some() && c_id == c_host {
        c_id = None;
    }
    let (c_serial, c_loc) = (col(SERIAL), col(LOCATION));
    if c_mac.is_none() && c_man.is_none() && c_model.is_none() {
        out.diagnostics.push(Diagnostic::new(
            label,
            1,
            t.headers.join(","),
            "unknown column layout: no MAC, manufacturer/vendor/make or model column \
             (expected headers such as 'mac', 'mac address', 'manufacturer', 'vendor', 'make', 'model')",
        ));
        out.counts.rejected += t.rows.len() as u64;
        return out;
    }
    for row in t.rows {
        let c = &row.cells;
        let mut a = Asset {
            file: label.to_string(),
            line: row.line,
            fields: t
                .headers
                .iter()
                .zip(c.iter())
                .map(|(h, v)| (h.clone(), v.clone()))
                .collect(),
            asset_id: cell(c, c_id),
            hostname: cell(c, c_host),
            ip: cell(c, c_ip),
            mac_text: cell(c, c_mac),
            manufacturer: cell(c, c_man),
            model: cell(c, c_model),
            serial: cell(c, c_serial),
            location: cell(c, c_loc),
            ..Asset::default()
        };
        if a.mac_text.is_none() && a.manufacturer.is_none() && a.model.is_none() {
            out.diagnostics.push(Diagnostic::new(
                label,
                row.line,
                c.join(","),
                "row has no MAC, manufacturer or model: nothing to attribute",
            ));
            out.counts.rejected += 1;
            continue;
        }
        if let Some(m) = &a.mac_text {
            match Mac::parse(m) {
                Ok(mac) => a.mac = Some(mac),
                Err(e) => out.diagnostics.push(Diagnostic::new(
                    label,
                    row.line,
                    m,
                    format!("bad MAC: {e}"),
                )),
            }
        }
        out.counts.used += 1;
        out.records.push(a);
    }
    out
}

/// Mobile platform of an app record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    Android,
    Ios,
    Unknown,
}

impl Platform {
    fn parse(s: &str) -> Platform {
        let k = header_key(s);
        if k.contains("android") {
            Platform::Android
        } else if k.contains("ios")
            || k.contains("iphone")
            || k.contains("ipad")
            || k.contains("apple")
        {
            Platform::Ios
        } else {
            Platform::Unknown
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
            Platform::Unknown => "unknown",
        }
    }
}

/// One app installed on one device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppRecord {
    pub file: String,
    pub line: u64,
    pub fields: Vec<(String, String)>,
    pub device: Option<String>,
    pub platform: Option<Platform>,
    /// Android package id or iOS bundle id.
    pub app_id: Option<String>,
    pub app_name: Option<String>,
    pub publisher: Option<String>,
}

const DEVICE: &[&str] = &[
    "device",
    "deviceid",
    "devicename",
    "assetid",
    "asset",
    "assettag",
    "hostname",
    "host",
    "serial",
    "serialnumber",
    "imei",
    "phone",
    "handset",
];
const PLATFORM: &[&str] = &["platform", "os", "ostype", "operatingsystem", "store"];
const APP_ID: &[&str] = &[
    "package",
    "packagename",
    "packageid",
    "bundleid",
    "bundle",
    "bundleidentifier",
    "appid",
    "applicationid",
    "identifier",
    "appidentifier",
    "bundleorpackageid",
    "packageorbundleid",
    "packageorbundle",
    "appbundleid",
    "apppackage",
];
const APP_NAME: &[&str] = &[
    "appname",
    "app",
    "application",
    "applicationname",
    "name",
    "title",
    "displayname",
];
const PUBLISHER: &[&str] = &[
    "publisher",
    "developer",
    "vendor",
    "author",
    "seller",
    "company",
    "appvendor",
    "developername",
];

/// Reads an app list (CSV or JSON): device, platform, package or bundle id, app name,
/// publisher. Rows without an app id, name or publisher are rejected with a diagnostic.
pub fn read_apps(bytes: &[u8], label: &str) -> ReadOutcome<AppRecord> {
    let t = read_table(bytes, label);
    let mut out = ReadOutcome {
        diagnostics: t.diagnostics,
        counts: RowCounts {
            read: t.rows.len() as u64 + t.rejected,
            used: 0,
            rejected: t.rejected,
        },
        records: Vec::new(),
    };
    let keys: Vec<String> = t.headers.iter().map(|h| header_key(h)).collect();
    let col = |syn: &[&str]| find_column(&keys, syn);
    let (c_dev, c_plat, c_id, c_name, c_pub) = (
        col(DEVICE),
        col(PLATFORM),
        col(APP_ID),
        col(APP_NAME),
        col(PUBLISHER),
    );
    if c_id.is_none() && c_pub.is_none() && c_name.is_none() {
        out.diagnostics.push(Diagnostic::new(
            label,
            1,
            t.headers.join(","),
            "unknown column layout: no package/bundle id, app name or publisher column \
             (expected headers such as 'package', 'bundle id', 'app name', 'publisher')",
        ));
        out.counts.rejected += t.rows.len() as u64;
        return out;
    }
    for row in t.rows {
        let c = &row.cells;
        let r = AppRecord {
            file: label.to_string(),
            line: row.line,
            fields: t
                .headers
                .iter()
                .zip(c.iter())
                .map(|(h, v)| (h.clone(), v.clone()))
                .collect(),
            device: cell(c, c_dev),
            platform: cell(c, c_plat).map(|p| Platform::parse(&p)),
            app_id: cell(c, c_id),
            app_name: cell(c, c_name),
            publisher: cell(c, c_pub),
        };
        if r.app_id.is_none() && r.app_name.is_none() && r.publisher.is_none() {
            out.diagnostics.push(Diagnostic::new(
                label,
                row.line,
                c.join(","),
                "row has no app id, name or publisher",
            ));
            out.counts.rejected += 1;
            continue;
        }
        if let Some(id) = &r.app_id {
            if id.chars().any(char::is_whitespace) || !id.contains('.') {
                out.diagnostics.push(Diagnostic::new(
                    label,
                    row.line,
                    id,
                    "app id does not look like a package or bundle id (reverse-DNS expected); kept",
                ));
            }
        }
        out.counts.used += 1;
        out.records.push(r);
    }
    out
}

/// Attaches apps to the assets whose asset id, hostname or serial equals the app's device
/// (case-insensitively); apps of devices not in the inventory become new assets.
pub fn attach_apps(assets: &mut Vec<Asset>, apps: Vec<AppRecord>) {
    let mut index: ahash::AHashMap<String, usize> = ahash::AHashMap::new();
    for (i, a) in assets.iter().enumerate() {
        for k in [&a.asset_id, &a.hostname, &a.serial].into_iter().flatten() {
            index.entry(k.to_lowercase()).or_insert(i);
        }
    }
    for app in apps {
        let key = app.device.clone().unwrap_or_default().to_lowercase();
        let idx = match index.get(&key) {
            Some(&i) => i,
            None => {
                assets.push(Asset {
                    file: app.file.clone(),
                    line: app.line,
                    fields: app
                        .device
                        .iter()
                        .map(|d| ("device".to_string(), d.clone()))
                        .collect(),
                    asset_id: app.device.clone(),
                    ..Asset::default()
                });
                index.insert(key, assets.len() - 1);
                assets.len() - 1
            }
        };
        assets[idx].apps.push(app);
    }
}
