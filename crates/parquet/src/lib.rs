//! Parquet output of normalized flow records, for Spark, ClickHouse, DuckDB and pandas users.
//!
//! This is the only crate of the workspace that depends on the `parquet` crate, built without
//! arrow and with Snappy as the only codec, so the rest of the workspace builds without it.
//!
//! [`FlowParquetWriter`] streams [`FlowRecord`]s into a directory of Parquet files:
//!
//! * rows are buffered column by column and written as one row group every
//!   [`ParquetOptions::row_group_rows`] rows (128 Ki by default), so memory is bounded by one
//!   row group (about 80 bytes a row plus one string per distinct address);
//! * files are named `flows-00000.parquet`, `flows-00001.parquet`, …; a new file starts after
//!   [`ParquetOptions::max_rows_per_file`] rows. A file is written as
//!   `.flows-NNNNN.parquet.tmp` (hidden from Spark, Hive and `*.parquet` globs) and renamed when
//!   it is complete, so readers never see a half-written file;
//! * earlier `flows-NNNNN.parquet` files in the directory are removed first (unless
//!   [`ParquetOptions::replace_existing`] is false, when they are an error), so a directory
//!   never mixes two runs;
//! * [`FlowParquetWriter::write`] returns errors; [`FlowParquetWriter::push`] is for record
//!   sinks that cannot return one (`&mut dyn FnMut(FlowRecord)`): it keeps the first error and
//!   [`FlowParquetWriter::finish`] returns it.
//!
//! # Schema
//!
//! Every column is `REQUIRED` except `source_file`. Logical types are written together with
//! the legacy converted types, so old and new readers agree.
//!
//! | column | physical | logical | from |
//! |---|---|---|---|
//! | `ts` | INT64 | TIMESTAMP(MICROS, isAdjustedToUTC = true) | [`FlowRecord::ts_us`] |
//! | `duration_us` | INT64 | — (signed) | [`FlowRecord::duration_us`] |
//! | `src` | BYTE_ARRAY | STRING (UTF-8) | [`FlowRecord::src`] as text, e.g. `10.0.0.5`, `2001:db8::1` |
//! | `src_port` | INT32 | — (signed; 0..=65535) | [`FlowRecord::src_port`] |
//! | `dst` | BYTE_ARRAY | STRING | [`FlowRecord::dst`] |
//! | `dst_port` | INT32 | — (signed; 0..=65535) | [`FlowRecord::dst_port`] |
//! | `proto` | INT32 | — (signed; 0..=255) | [`FlowRecord::proto`] (IANA number) |
//! | `bytes_out`, `bytes_in`, `pkts_out`, `pkts_in` | INT64 | — (signed) | the `u64` counts |
//! | `state` | BYTE_ARRAY | STRING | `unknown`, `established`, `failed` or `partial` |
//! | `source_file` | BYTE_ARRAY, OPTIONAL | STRING | only with [`ParquetOptions::source_file_column`] |
//!
//! Ports and protocol are plain signed INT32 rather than unsigned logical types, because Spark
//! and older ClickHouse versions map unsigned Parquet integers to wider or decimal types. The
//! four counts are `u64` in [`FlowRecord`] but signed INT64 here (Spark has no unsigned
//! integers): a count above `i64::MAX` is written as `i64::MAX` and counted in
//! [`Summary::saturated`]. No real flow comes near that; the readers' overflows do.
//!
//! Compression is Snappy (the Spark default), with dictionary encoding for every column except
//! `ts`, page statistics for predicate push-down, and data pages of format v1 for the widest
//! reader support. The key `unmask.schema_version` in the file metadata is `1`.
//!
//! # Example
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use unmask_flows::{ConnState, FlowRecord};
//! use unmask_parquet::{FlowParquetWriter, ParquetOptions};
//!
//! let dir = std::env::temp_dir().join(format!("unmask-parquet-doc-{}", std::process::id()));
//! let mut writer = FlowParquetWriter::create(&dir, ParquetOptions::default())?;
//! writer.write(&FlowRecord {
//!     ts_us: 1_677_024_003_714_845,
//!     duration_us: 37_629,
//!     src: IpAddr::V4(Ipv4Addr::new(192, 168, 1, 107)),
//!     src_port: 65164,
//!     dst: IpAddr::V4(Ipv4Addr::new(66, 63, 168, 35)),
//!     dst_port: 5888,
//!     proto: 6,
//!     bytes_out: 0,
//!     bytes_in: 0,
//!     pkts_out: 1,
//!     pkts_in: 1,
//!     state: ConnState::Failed,
//! })?;
//! let summary = writer.finish()?;
//! assert_eq!((summary.rows, summary.files.len()), (1, 1));
//! assert!(summary.files[0].ends_with("flows-00000.parquet"));
//!
//! // Read it back with the parquet crate's row reader.
//! use parquet::file::reader::{FileReader, SerializedFileReader};
//! use parquet::record::RowAccessor;
//! let reader = SerializedFileReader::new(std::fs::File::open(&summary.files[0])?)?;
//! let row = reader.get_row_iter(None)?.next().unwrap()?;
//! assert_eq!(row.get_timestamp_micros(0)?, 1_677_024_003_714_845);
//! assert_eq!(row.get_string(2)?, "192.168.1.107");
//! assert_eq!(row.get_int(5)?, 5888);
//! assert_eq!(row.get_string(11)?, "failed");
//! println!("{summary}");
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File};
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::data_type::{AsBytes, ByteArray, ByteArrayType, DataType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::types::{ColumnPath, Type as SchemaType, TypePtr};
use unmask_flows::{ConnState, FlowRecord};

/// The column names, in file order (`source_file` only with
/// [`ParquetOptions::source_file_column`]).
pub const COLUMNS: [&str; 13] = [
    "ts",
    "duration_us",
    "src",
    "src_port",
    "dst",
    "dst_port",
    "proto",
    "bytes_out",
    "bytes_in",
    "pkts_out",
    "pkts_in",
    "state",
    "source_file",
];

/// Version of the column layout, written as `unmask.schema_version` in each file's metadata.
pub const SCHEMA_VERSION: &str = "1";

/// Default rows per row group.
pub const DEFAULT_ROW_GROUP_ROWS: usize = 128 * 1024;

/// Default rows per file (32 row groups of the default size).
pub const DEFAULT_MAX_ROWS_PER_FILE: u64 = 32 * DEFAULT_ROW_GROUP_ROWS as u64;

/// How the files are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParquetOptions {
    /// Rows per row group, which is also how many rows are held in memory (at least 1).
    pub row_group_rows: usize,
    /// Start a new file after this many rows (rounded up to whole row groups); `None` writes
    /// a single file.
    pub max_rows_per_file: Option<u64>,
    /// Add the optional `source_file` column, filled from
    /// [`FlowParquetWriter::set_source_file`] (null until it is called).
    pub source_file_column: bool,
    /// Remove `flows-NNNNN.parquet` files (and stale temporary files) left in the directory by
    /// an earlier run; when false, finding one is an [`ParquetOutError::Exists`] error.
    pub replace_existing: bool,
}

impl Default for ParquetOptions {
    fn default() -> Self {
        ParquetOptions {
            row_group_rows: DEFAULT_ROW_GROUP_ROWS,
            max_rows_per_file: Some(DEFAULT_MAX_ROWS_PER_FILE),
            source_file_column: false,
            replace_existing: true,
        }
    }
}

/// Errors of the Parquet output. The messages name the file or directory; the underlying I/O
/// or Parquet error is the [`std::error::Error::source`] (printed by `anyhow`'s `{:#}`).
#[derive(Debug, thiserror::Error)]
pub enum ParquetOutError {
    #[error("invalid Parquet output options: {0}")]
    InvalidOptions(&'static str),
    #[error("cannot create the Parquet output directory {path}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path} is Parquet output of an earlier run (remove it, or choose another directory)")]
    Exists { path: PathBuf },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write Parquet file {path}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: ParquetError,
    },
    #[error("the Parquet writer stopped after an earlier error")]
    Stopped,
}

/// What a finished writer wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The output directory.
    pub dir: PathBuf,
    /// The files written, in order (at least one, possibly with zero rows).
    pub files: Vec<PathBuf>,
    /// Rows written over all files.
    pub rows: u64,
    /// Row groups written over all files.
    pub row_groups: u64,
    /// Size of all files, in bytes.
    pub bytes: u64,
    /// Count values above `i64::MAX` written as `i64::MAX`.
    pub saturated: u64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "parquet: {} rows in {} file{} ({} row group{}, {}) in {}",
            self.rows,
            self.files.len(),
            if self.files.len() == 1 { "" } else { "s" },
            self.row_groups,
            if self.row_groups == 1 { "" } else { "s" },
            human_bytes(self.bytes),
            self.dir.display()
        )?;
        if self.saturated > 0 {
            write!(
                f,
                "; {} counts above {} written as that maximum",
                self.saturated,
                i64::MAX
            )?;
        }
        Ok(())
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// The Parquet schema written by [`FlowParquetWriter`] (see the crate documentation).
pub fn flow_schema(source_file_column: bool) -> SchemaType {
    fn prim(
        name: &str,
        ty: PhysicalType,
        logical: Option<LogicalType>,
        rep: Repetition,
    ) -> TypePtr {
        Arc::new(
            SchemaType::primitive_type_builder(name, ty)
                .with_repetition(rep)
                .with_logical_type(logical)
                .build()
                .expect("static flow schema is valid"),
        )
    }
    let req = Repetition::REQUIRED;
    let ts = Some(LogicalType::timestamp(true, TimeUnit::MICROS));
    let utf8 = || Some(LogicalType::String);
    let mut fields = vec![
        prim(COLUMNS[0], PhysicalType::INT64, ts, req),
        prim(COLUMNS[1], PhysicalType::INT64, None, req),
        prim(COLUMNS[2], PhysicalType::BYTE_ARRAY, utf8(), req),
        prim(COLUMNS[3], PhysicalType::INT32, None, req),
        prim(COLUMNS[4], PhysicalType::BYTE_ARRAY, utf8(), req),
        prim(COLUMNS[5], PhysicalType::INT32, None, req),
        prim(COLUMNS[6], PhysicalType::INT32, None, req),
        prim(COLUMNS[7], PhysicalType::INT64, None, req),
        prim(COLUMNS[8], PhysicalType::INT64, None, req),
        prim(COLUMNS[9], PhysicalType::INT64, None, req),
        prim(COLUMNS[10], PhysicalType::INT64, None, req),
        prim(COLUMNS[11], PhysicalType::BYTE_ARRAY, utf8(), req),
    ];
    if source_file_column {
        fields.push(prim(
            COLUMNS[12],
            PhysicalType::BYTE_ARRAY,
            utf8(),
            Repetition::OPTIONAL,
        ));
    }
    SchemaType::group_type_builder("flow")
        .with_fields(fields)
        .build()
        .expect("static flow schema is valid")
}

/// The text written in the `state` column.
pub fn state_name(state: ConnState) -> &'static str {
    match state {
        ConnState::Unknown => "unknown",
        ConnState::Established => "established",
        ConnState::Failed => "failed",
        ConnState::Partial => "partial",
    }
}

const STATES: [ConnState; 4] = [
    ConnState::Unknown,
    ConnState::Established,
    ConnState::Failed,
    ConnState::Partial,
];

fn state_index(state: ConnState) -> u8 {
    match state {
        ConnState::Unknown => 0,
        ConnState::Established => 1,
        ConnState::Failed => 2,
        ConnState::Partial => 3,
    }
}

/// One row group's rows, column by column. Addresses are indexes into a per-row-group table
/// of distinct address strings, so each distinct address is formatted once per row group.
#[derive(Debug, Default)]
struct Batch {
    ts: Vec<i64>,
    duration: Vec<i64>,
    src: Vec<u32>,
    src_port: Vec<i32>,
    dst: Vec<u32>,
    dst_port: Vec<i32>,
    proto: Vec<i32>,
    bytes_out: Vec<i64>,
    bytes_in: Vec<i64>,
    pkts_out: Vec<i64>,
    pkts_in: Vec<i64>,
    state: Vec<u8>,
    /// Index into [`FlowParquetWriter::sources`]; only with the `source_file` column.
    source: Vec<Option<u32>>,
    addrs: Vec<ByteArray>,
    addr_index: HashMap<IpAddr, u32>,
    text: String,
}

impl Batch {
    fn with_capacity(n: usize) -> Batch {
        Batch {
            ts: Vec::with_capacity(n),
            duration: Vec::with_capacity(n),
            src: Vec::with_capacity(n),
            src_port: Vec::with_capacity(n),
            dst: Vec::with_capacity(n),
            dst_port: Vec::with_capacity(n),
            proto: Vec::with_capacity(n),
            bytes_out: Vec::with_capacity(n),
            bytes_in: Vec::with_capacity(n),
            pkts_out: Vec::with_capacity(n),
            pkts_in: Vec::with_capacity(n),
            state: Vec::with_capacity(n),
            ..Batch::default()
        }
    }

    fn len(&self) -> usize {
        self.ts.len()
    }

    fn addr(&mut self, ip: IpAddr) -> u32 {
        if let Some(&i) = self.addr_index.get(&ip) {
            return i;
        }
        use std::fmt::Write as _;
        self.text.clear();
        let _ = write!(self.text, "{ip}");
        let i = self.addrs.len() as u32;
        self.addrs
            .push(ByteArray::from(self.text.as_bytes().to_vec()));
        self.addr_index.insert(ip, i);
        i
    }

    fn clear(&mut self) {
        self.ts.clear();
        self.duration.clear();
        self.src.clear();
        self.src_port.clear();
        self.dst.clear();
        self.dst_port.clear();
        self.proto.clear();
        self.bytes_out.clear();
        self.bytes_in.clear();
        self.pkts_out.clear();
        self.pkts_in.clear();
        self.state.clear();
        self.source.clear();
        self.addrs.clear();
        self.addr_index.clear();
    }
}

/// The file being written: its temporary and final names and the Parquet writer.
struct OpenFile {
    tmp: PathBuf,
    path: PathBuf,
    writer: SerializedFileWriter<File>,
    rows: u64,
}

impl fmt::Debug for OpenFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenFile")
            .field("path", &self.path)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

/// Streams [`FlowRecord`]s into a directory of Parquet files; see the crate documentation.
#[derive(Debug)]
pub struct FlowParquetWriter {
    dir: PathBuf,
    opts: ParquetOptions,
    schema: TypePtr,
    props: WriterPropertiesPtr,
    batch: Batch,
    file: Option<OpenFile>,
    next_file: u32,
    sources: Vec<ByteArray>,
    current_source: Option<u32>,
    summary: Summary,
    /// The first error of [`FlowParquetWriter::push`], returned by `finish`.
    deferred: Option<ParquetOutError>,
    /// Set after any write error: later writes return [`ParquetOutError::Stopped`].
    failed: bool,
}

impl FlowParquetWriter {
    /// Creates `dir` (and its parents) if needed, clears the output of an earlier run (see
    /// [`ParquetOptions::replace_existing`]) and opens the first file.
    pub fn create(dir: &Path, opts: ParquetOptions) -> Result<Self, ParquetOutError> {
        if opts.row_group_rows == 0 {
            return Err(ParquetOutError::InvalidOptions(
                "row_group_rows must be at least 1",
            ));
        }
        if opts.max_rows_per_file == Some(0) {
            return Err(ParquetOutError::InvalidOptions(
                "max_rows_per_file must be at least 1",
            ));
        }
        fs::create_dir_all(dir).map_err(|e| ParquetOutError::CreateDir {
            path: dir.to_path_buf(),
            source: e,
        })?;
        clear_earlier_output(dir, opts.replace_existing)?;
        let ts_col = ColumnPath::from(COLUMNS[0]);
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(opts.row_group_rows))
            .set_column_dictionary_enabled(ts_col, false)
            .set_key_value_metadata(Some(vec![KeyValue::new(
                "unmask.schema_version".to_string(),
                SCHEMA_VERSION.to_string(),
            )]))
            .build();
        let mut w = FlowParquetWriter {
            dir: dir.to_path_buf(),
            schema: Arc::new(flow_schema(opts.source_file_column)),
            props: Arc::new(props),
            batch: Batch::with_capacity(opts.row_group_rows.min(DEFAULT_ROW_GROUP_ROWS)),
            opts,
            file: None,
            next_file: 0,
            sources: Vec::new(),
            current_source: None,
            summary: Summary {
                dir: dir.to_path_buf(),
                ..Summary::default()
            },
            deferred: None,
            failed: false,
        };
        w.open_next()?;
        Ok(w)
    }

    /// Sets the `source_file` value of the records written from now on (`None`: null). Has
    /// no effect without [`ParquetOptions::source_file_column`].
    pub fn set_source_file(&mut self, name: Option<&str>) {
        if !self.opts.source_file_column {
            return;
        }
        self.current_source = name.map(|n| {
            match self
                .sources
                .iter()
                .position(|s| s.as_bytes() == n.as_bytes())
            {
                Some(i) => i as u32,
                None => {
                    self.sources.push(ByteArray::from(n.as_bytes().to_vec()));
                    (self.sources.len() - 1) as u32
                }
            }
        });
    }

    /// Adds one record; writes a row group when [`ParquetOptions::row_group_rows`] rows are
    /// buffered. After an error the writer is stopped: later calls return
    /// [`ParquetOutError::Stopped`].
    pub fn write(&mut self, r: &FlowRecord) -> Result<(), ParquetOutError> {
        if self.failed {
            return Err(ParquetOutError::Stopped);
        }
        let b = &mut self.batch;
        let src = b.addr(r.src);
        let dst = b.addr(r.dst);
        b.ts.push(r.ts_us);
        b.duration.push(r.duration_us);
        b.src.push(src);
        b.src_port.push(i32::from(r.src_port));
        b.dst.push(dst);
        b.dst_port.push(i32::from(r.dst_port));
        b.proto.push(i32::from(r.proto));
        let mut sat = 0;
        let mut count = |v: u64| {
            i64::try_from(v).unwrap_or_else(|_| {
                sat += 1;
                i64::MAX
            })
        };
        b.bytes_out.push(count(r.bytes_out));
        b.bytes_in.push(count(r.bytes_in));
        b.pkts_out.push(count(r.pkts_out));
        b.pkts_in.push(count(r.pkts_in));
        b.state.push(state_index(r.state));
        if self.opts.source_file_column {
            b.source.push(self.current_source);
        }
        self.summary.saturated += sat;
        if b.len() >= self.opts.row_group_rows {
            self.flush_guarded()?;
        }
        Ok(())
    }

    /// Like [`FlowParquetWriter::write`], for record sinks that cannot return an error: the
    /// first error is kept, later records are dropped, and [`FlowParquetWriter::finish`]
    /// returns that error.
    pub fn push(&mut self, r: &FlowRecord) {
        if self.failed {
            return;
        }
        if let Err(e) = self.write(r) {
            self.deferred.get_or_insert(e);
        }
    }

    /// Rows accepted so far (written or buffered).
    pub fn rows(&self) -> u64 {
        self.summary.rows + self.batch.len() as u64
    }

    /// Writes the buffered rows and the footer of the last file and returns what was written.
    /// Returns the first error of [`FlowParquetWriter::push`] if there was one.
    pub fn finish(mut self) -> Result<Summary, ParquetOutError> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        if self.failed {
            return Err(ParquetOutError::Stopped);
        }
        self.flush_guarded()?;
        if self.file.is_none() && self.summary.files.is_empty() {
            self.open_next()?;
        }
        self.close_file()?;
        Ok(std::mem::take(&mut self.summary))
    }

    fn flush_guarded(&mut self) -> Result<(), ParquetOutError> {
        let r = self.flush();
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    fn open_next(&mut self) -> Result<(), ParquetOutError> {
        let name = format!("flows-{:05}.parquet", self.next_file);
        let path = self.dir.join(&name);
        let tmp = self.dir.join(format!(".{name}.tmp"));
        self.next_file += 1;
        let f = File::create(&tmp).map_err(|e| ParquetOutError::Io {
            path: tmp.clone(),
            source: e,
        })?;
        let writer = SerializedFileWriter::new(f, self.schema.clone(), self.props.clone())
            .map_err(|e| ParquetOutError::Parquet {
                path: tmp.clone(),
                source: e,
            })?;
        self.file = Some(OpenFile {
            tmp,
            path,
            writer,
            rows: 0,
        });
        Ok(())
    }

    /// Writes the footer of the open file, renames it to its final name and records it.
    fn close_file(&mut self) -> Result<(), ParquetOutError> {
        let Some(of) = self.file.take() else {
            return Ok(());
        };
        let OpenFile {
            tmp, path, writer, ..
        } = of;
        let finish = || -> Result<u64, ParquetOutError> {
            // `into_inner` writes the footer and flushes the buffer into the file.
            let f = writer.into_inner().map_err(|e| ParquetOutError::Parquet {
                path: tmp.clone(),
                source: e,
            })?;
            let io_err = |e| ParquetOutError::Io {
                path: path.clone(),
                source: e,
            };
            let len = f.metadata().map_err(io_err)?.len();
            drop(f);
            fs::rename(&tmp, &path).map_err(io_err)?;
            Ok(len)
        };
        match finish() {
            Ok(len) => {
                self.summary.bytes += len;
                self.summary.files.push(path);
                Ok(())
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                self.failed = true;
                Err(e)
            }
        }
    }

    /// Writes the buffered rows as one row group, then closes the file if it is full.
    fn flush(&mut self) -> Result<(), ParquetOutError> {
        let n = self.batch.len();
        if n == 0 {
            return Ok(());
        }
        if self.file.is_none() {
            self.open_next()?;
        }
        let Some(of) = self.file.as_mut() else {
            return Err(ParquetOutError::Stopped);
        };
        let b = &self.batch;
        let sources = &self.sources;
        let with_source = self.opts.source_file_column;
        let write = |w: &mut SerializedFileWriter<File>| -> Result<(), ParquetError> {
            let mut rg = w.next_row_group()?;
            column::<Int64Type>(&mut rg, &b.ts, None)?;
            column::<Int64Type>(&mut rg, &b.duration, None)?;
            let strings = |idx: &[u32]| -> Vec<ByteArray> {
                idx.iter().map(|&i| b.addrs[i as usize].clone()).collect()
            };
            column::<ByteArrayType>(&mut rg, &strings(&b.src), None)?;
            column::<Int32Type>(&mut rg, &b.src_port, None)?;
            column::<ByteArrayType>(&mut rg, &strings(&b.dst), None)?;
            column::<Int32Type>(&mut rg, &b.dst_port, None)?;
            column::<Int32Type>(&mut rg, &b.proto, None)?;
            column::<Int64Type>(&mut rg, &b.bytes_out, None)?;
            column::<Int64Type>(&mut rg, &b.bytes_in, None)?;
            column::<Int64Type>(&mut rg, &b.pkts_out, None)?;
            column::<Int64Type>(&mut rg, &b.pkts_in, None)?;
            let names: Vec<ByteArray> = STATES
                .iter()
                .map(|&s| ByteArray::from(state_name(s)))
                .collect();
            let states: Vec<ByteArray> = b
                .state
                .iter()
                .map(|&i| names[usize::from(i)].clone())
                .collect();
            column::<ByteArrayType>(&mut rg, &states, None)?;
            if with_source {
                let values: Vec<ByteArray> = b
                    .source
                    .iter()
                    .flatten()
                    .map(|&i| sources[i as usize].clone())
                    .collect();
                let levels: Vec<i16> = b.source.iter().map(|s| i16::from(s.is_some())).collect();
                column::<ByteArrayType>(&mut rg, &values, Some(&levels))?;
            }
            rg.close()?;
            Ok(())
        };
        write(&mut of.writer).map_err(|e| ParquetOutError::Parquet {
            path: of.tmp.clone(),
            source: e,
        })?;
        of.rows += n as u64;
        let full = self
            .opts
            .max_rows_per_file
            .is_some_and(|max| of.rows >= max);
        self.summary.rows += n as u64;
        self.summary.row_groups += 1;
        self.batch.clear();
        if full {
            self.close_file()?;
        }
        Ok(())
    }
}

impl Drop for FlowParquetWriter {
    /// A writer dropped without [`FlowParquetWriter::finish`] removes the file it was writing
    /// (files already completed stay).
    fn drop(&mut self) {
        if let Some(of) = self.file.take() {
            drop(of.writer);
            let _ = fs::remove_file(&of.tmp);
        }
    }
}

/// Writes one column chunk of the current row group.
fn column<T: DataType>(
    rg: &mut SerializedRowGroupWriter<'_, File>,
    values: &[T::T],
    def_levels: Option<&[i16]>,
) -> Result<(), ParquetError> {
    let mut col = rg
        .next_column()?
        .ok_or_else(|| ParquetError::General("more columns written than the schema has".into()))?;
    col.typed::<T>().write_batch(values, def_levels, None)?;
    col.close()
}

/// Whether `name` is one of this crate's output files (`flows-NNNNN.parquet`) or temporary
/// files (`.flows-NNNNN.parquet.tmp`).
fn is_our_output(name: &str) -> bool {
    let stem = name
        .strip_prefix('.')
        .and_then(|n| n.strip_suffix(".tmp"))
        .unwrap_or(name);
    stem.strip_prefix("flows-")
        .and_then(|n| n.strip_suffix(".parquet"))
        .is_some_and(|digits| digits.len() >= 5 && digits.bytes().all(|b| b.is_ascii_digit()))
}

fn clear_earlier_output(dir: &Path, replace: bool) -> Result<(), ParquetOutError> {
    let io_err = |e| ParquetOutError::Io {
        path: dir.to_path_buf(),
        source: e,
    };
    for entry in fs::read_dir(dir).map_err(io_err)? {
        let entry = entry.map_err(io_err)?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_our_output(name) || !entry.file_type().map_err(io_err)?.is_file() {
            continue;
        }
        let path = entry.path();
        if !replace && !name.starts_with('.') {
            return Err(ParquetOutError::Exists { path });
        }
        fs::remove_file(&path).map_err(|e| ParquetOutError::Io { path, source: e })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names() {
        assert!(is_our_output("flows-00000.parquet"));
        assert!(is_our_output("flows-123456.parquet"));
        assert!(is_our_output(".flows-00003.parquet.tmp"));
        assert!(!is_our_output("flows-1.parquet"));
        assert!(!is_our_output("flows-0000a.parquet"));
        assert!(!is_our_output("other.parquet"));
        assert!(!is_our_output("flows-00000.parquet.bak"));
    }

    #[test]
    fn summary_text() {
        let s = Summary {
            dir: PathBuf::from("out"),
            files: vec![PathBuf::from("out/flows-00000.parquet")],
            rows: 3,
            row_groups: 1,
            bytes: 2048,
            saturated: 2,
        };
        assert_eq!(
            s.to_string(),
            "parquet: 3 rows in 1 file (1 row group, 2.0 KiB) in out; 2 counts above \
             9223372036854775807 written as that maximum"
        );
        assert_eq!(human_bytes(5), "5 B");
        assert_eq!(human_bytes(3 * 1024 * 1024 + 512 * 1024), "3.5 MiB");
    }

    #[test]
    fn schema_shape() {
        let s = flow_schema(false);
        assert_eq!(s.get_fields().len(), 12);
        let s = flow_schema(true);
        let names: Vec<&str> = s.get_fields().iter().map(|f| f.name()).collect();
        assert_eq!(names, COLUMNS);
    }
}
