//! A generic table from CSV (comma, semicolon or tab) or JSON (array of objects or one object
//! per line), with line numbers; the inventory and app readers map its columns by header.

use unmask_model::Diagnostic;

/// One row with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    /// Rows that could not be read at all.
    pub rejected: u64,
    pub diagnostics: Vec<Diagnostic>,
}

/// Normalizes a header for synonym lookup: lower case, letters and digits only.
pub(crate) fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Finds the first column whose normalized header is one of `synonyms`.
pub(crate) fn find_column(keys: &[String], synonyms: &[&str]) -> Option<usize> {
    synonyms
        .iter()
        .find_map(|s| keys.iter().position(|k| k == s))
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

pub(crate) fn read_table(bytes: &[u8], label: &str) -> Table {
    let b = strip_bom(bytes);
    match b.iter().find(|c| !c.is_ascii_whitespace()) {
        Some(b'[') | Some(b'{') => read_json(b, label),
        Some(_) => read_csv(b, label),
        None => Table {
            diagnostics: vec![Diagnostic::new(label, 0, "", "empty file")],
            ..Table::default()
        },
    }
}

fn sniff_delimiter(b: &[u8]) -> u8 {
    let first = b.split(|&c| c == b'\n').next().unwrap_or_default();
    let count = |d: u8| first.iter().filter(|&&c| c == d).count();
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .unwrap_or(b',')
}

fn read_csv(b: &[u8], label: &str) -> Table {
    let mut t = Table::default();
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(b))
        .flexible(true)
        .has_headers(false)
        .from_reader(b);
    let mut rec = csv::ByteRecord::new();
    let mut have_header = false;
    // Line numbers from byte offsets: the csv crate's own count drifts on CRLF files.
    let (mut seen_byte, mut seen_line) = (0usize, 1u64);
    let mut line_at = |byte: usize| {
        let mut byte = byte.min(b.len());
        // A record position may point at the terminator of the previous line.
        while byte < b.len() && (b[byte] == b'\r' || b[byte] == b'\n') {
            byte += 1;
        }
        if byte > seen_byte {
            seen_line += memchr::memchr_iter(b'\n', &b[seen_byte..byte]).count() as u64;
            seen_byte = byte;
        }
        seen_line
    };
    loop {
        let line = line_at(rdr.position().byte() as usize);
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                t.diagnostics.push(Diagnostic::new(
                    label,
                    line,
                    "",
                    format!("unreadable CSV row: {e}"),
                ));
                t.rejected += 1;
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = rec
            .position()
            .map(|p| line_at(p.byte() as usize))
            .unwrap_or(line);
        let cells: Vec<String> = rec
            .iter()
            .map(|c| String::from_utf8_lossy(c).trim().to_string())
            .collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        if !have_header {
            t.headers = cells;
            have_header = true;
            continue;
        }
        if cells.len() > t.headers.len() {
            t.diagnostics.push(Diagnostic::new(
                label,
                line,
                cells[t.headers.len()..].join(","),
                format!(
                    "row has {} fields, the header {}; extra fields ignored",
                    cells.len(),
                    t.headers.len()
                ),
            ));
        }
        t.rows.push(Row { line, cells });
    }
    t
}

fn line_of(b: &[u8], offset: usize) -> u64 {
    memchr::memchr_iter(b'\n', &b[..offset.min(b.len())]).count() as u64 + 1
}

fn json_cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Array(a) => a
            .iter()
            .map(json_cell)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(";"),
        other => other.to_string(),
    }
}

/// Offsets of the top-level elements of a JSON array, found by scanning brackets and strings,
/// so that one bad element does not lose the others.
fn split_array(b: &[u8], start: usize) -> (Vec<(usize, usize)>, Option<usize>) {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    let mut elem_start: Option<usize> = None;
    let mut i = start + 1;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
        } else {
            match c {
                b'"' => {
                    in_str = true;
                    if depth == 0 && elem_start.is_none() {
                        elem_start = Some(i);
                    }
                }
                b'{' | b'[' => {
                    if depth == 0 && elem_start.is_none() {
                        elem_start = Some(i);
                    }
                    depth += 1;
                }
                b'}' | b']' => {
                    if depth == 0 {
                        // End of the array.
                        if let Some(s) = elem_start.take() {
                            out.push((s, i));
                        }
                        return (out, None);
                    }
                    depth -= 1;
                }
                b',' if depth == 0 => {
                    if let Some(s) = elem_start.take() {
                        out.push((s, i));
                    }
                }
                c if !c.is_ascii_whitespace() && depth == 0 && elem_start.is_none() => {
                    elem_start = Some(i);
                }
                _ => {}
            }
        }
        i += 1;
    }
    if let Some(s) = elem_start {
        out.push((s, b.len()));
    }
    (out, Some(b.len()))
}

fn push_object(
    t: &mut Table,
    keys: &mut Vec<String>,
    line: u64,
    v: serde_json::Value,
    label: &str,
) {
    let serde_json::Value::Object(map) = v else {
        t.diagnostics.push(Diagnostic::new(
            label,
            line,
            shorten_json(&v),
            "expected a JSON object per asset",
        ));
        t.rejected += 1;
        return;
    };
    let mut cells = vec![String::new(); keys.len()];
    for (k, val) in map {
        let idx = match keys.iter().position(|x| *x == k) {
            Some(i) => i,
            None => {
                keys.push(k);
                cells.push(String::new());
                keys.len() - 1
            }
        };
        cells[idx] = json_cell(&val);
    }
    t.rows.push(Row { line, cells });
}

fn shorten_json(v: &serde_json::Value) -> String {
    unmask_model::shorten(&v.to_string(), 80)
}

fn read_json(b: &[u8], label: &str) -> Table {
    let mut t = Table::default();
    let mut keys: Vec<String> = Vec::new();
    let first = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(0);
    if b[first] == b'[' {
        let (elems, unterminated) = split_array(b, first);
        for (s, e) in elems {
            let line = line_of(b, s);
            match serde_json::from_slice::<serde_json::Value>(&b[s..e]) {
                Ok(v) => push_object(&mut t, &mut keys, line, v, label),
                Err(err) => {
                    t.diagnostics.push(Diagnostic::new(
                        label,
                        line + err.line().saturating_sub(1) as u64,
                        String::from_utf8_lossy(&b[s..e.min(s + 80)]),
                        format!("bad JSON element: {err}"),
                    ));
                    t.rejected += 1;
                }
            }
        }
        if let Some(end) = unterminated {
            t.diagnostics.push(Diagnostic::new(
                label,
                line_of(b, end),
                "",
                "JSON array is not closed (truncated file?)",
            ));
        }
    } else {
        // One object per line (JSON Lines); a bad line is skipped.
        let mut off = first;
        while off < b.len() {
            while off < b.len() && b[off].is_ascii_whitespace() {
                off += 1;
            }
            if off >= b.len() {
                break;
            }
            let line = line_of(b, off);
            let mut it =
                serde_json::Deserializer::from_slice(&b[off..]).into_iter::<serde_json::Value>();
            match it.next() {
                Some(Ok(v)) => {
                    off += it.byte_offset().max(1);
                    push_object(&mut t, &mut keys, line, v, label);
                }
                Some(Err(err)) => {
                    t.diagnostics.push(Diagnostic::new(
                        label,
                        line + err.line().saturating_sub(1) as u64,
                        "",
                        format!("bad JSON line: {err}"),
                    ));
                    t.rejected += 1;
                    // Resume after the end of the line where the element started.
                    off = match memchr::memchr(b'\n', &b[off..]) {
                        Some(p) => off + p + 1,
                        None => b.len(),
                    };
                }
                None => break,
            }
        }
    }
    for r in &mut t.rows {
        r.cells.resize(keys.len(), String::new());
    }
    t.headers = keys;
    t
}
