//! Round trips of real shared flow logs through the Parquet writer and the parquet crate's
//! reader, plus the writer's edge cases (saturation, IPv6, nulls, empty output, earlier
//! output, errors).

use std::fs::{self, File};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use parquet::basic::{
    Compression, ConvertedType, LogicalType, Repetition, TimeUnit, Type as PhysicalType,
};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row, RowAccessor};
use unmask_flows::{ConnState, FlowRecord, ReadOptions};
use unmask_parquet::{
    state_name, FlowParquetWriter, ParquetOptions, ParquetOutError, COLUMNS, DEFAULT_ROW_GROUP_ROWS,
};

fn shared_data() -> PathBuf {
    unmask_testdata::shared_dir().to_path_buf()
}

/// A fresh, empty directory under Cargo's per-target temporary directory.
fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("unmask-parquet-{name}"));
    let _ = fs::remove_dir_all(&d);
    d
}

fn read_records(path: &Path) -> Vec<FlowRecord> {
    let mut recs = Vec::new();
    let report = unmask_flows::read_path(path, &ReadOptions::default(), &mut |r| recs.push(r))
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    assert_eq!(report.counts.used as usize, recs.len());
    recs
}

fn read_rows(files: &[PathBuf]) -> Vec<Row> {
    let mut rows = Vec::new();
    for f in files {
        let reader = SerializedFileReader::new(File::open(f).unwrap()).unwrap();
        for row in reader.get_row_iter(None).unwrap() {
            rows.push(row.unwrap());
        }
    }
    rows
}

fn saturate(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Asserts that `row` holds `r`, column by column.
fn assert_row(row: &Row, r: &FlowRecord, what: &str) {
    assert_eq!(row.get_timestamp_micros(0).unwrap(), r.ts_us, "{what}: ts");
    assert_eq!(
        row.get_long(1).unwrap(),
        r.duration_us,
        "{what}: duration_us"
    );
    assert_eq!(
        row.get_string(2).unwrap(),
        &r.src.to_string(),
        "{what}: src"
    );
    assert_eq!(
        row.get_int(3).unwrap(),
        i32::from(r.src_port),
        "{what}: src_port"
    );
    assert_eq!(
        row.get_string(4).unwrap(),
        &r.dst.to_string(),
        "{what}: dst"
    );
    assert_eq!(
        row.get_int(5).unwrap(),
        i32::from(r.dst_port),
        "{what}: dst_port"
    );
    assert_eq!(row.get_int(6).unwrap(), i32::from(r.proto), "{what}: proto");
    assert_eq!(
        row.get_long(7).unwrap(),
        saturate(r.bytes_out),
        "{what}: bytes_out"
    );
    assert_eq!(
        row.get_long(8).unwrap(),
        saturate(r.bytes_in),
        "{what}: bytes_in"
    );
    assert_eq!(
        row.get_long(9).unwrap(),
        saturate(r.pkts_out),
        "{what}: pkts_out"
    );
    assert_eq!(
        row.get_long(10).unwrap(),
        saturate(r.pkts_in),
        "{what}: pkts_in"
    );
    assert_eq!(
        row.get_string(11).unwrap(),
        state_name(r.state),
        "{what}: state"
    );
}

/// Asserts the column names, physical and logical types of a written file.
fn assert_schema(file: &Path, with_source_file: bool) {
    let reader = SerializedFileReader::new(File::open(file).unwrap()).unwrap();
    let meta = reader.metadata().file_metadata();
    let schema = meta.schema_descr();
    let n = if with_source_file { 13 } else { 12 };
    assert_eq!(schema.num_columns(), n);
    for (i, name) in COLUMNS.iter().take(n).enumerate() {
        assert_eq!(schema.column(i).name(), *name);
    }
    let ts = schema.column(0);
    assert_eq!(ts.physical_type(), PhysicalType::INT64);
    assert_eq!(
        ts.logical_type_ref(),
        Some(&LogicalType::timestamp(true, TimeUnit::MICROS)),
        "ts is a UTC microsecond timestamp"
    );
    assert_eq!(ts.converted_type(), ConvertedType::TIMESTAMP_MICROS);
    for i in [1, 7, 8, 9, 10] {
        let c = schema.column(i);
        assert_eq!(c.physical_type(), PhysicalType::INT64, "{}", c.name());
        assert_eq!(
            c.logical_type_ref(),
            None,
            "{} is a plain signed INT64",
            c.name()
        );
        assert_eq!(c.converted_type(), ConvertedType::NONE, "{}", c.name());
    }
    for i in [3, 5, 6] {
        let c = schema.column(i);
        assert_eq!(c.physical_type(), PhysicalType::INT32, "{}", c.name());
        assert_eq!(c.logical_type_ref(), None, "{}", c.name());
    }
    for i in [2, 4, 11] {
        let c = schema.column(i);
        assert_eq!(c.physical_type(), PhysicalType::BYTE_ARRAY, "{}", c.name());
        assert_eq!(
            c.logical_type_ref(),
            Some(&LogicalType::String),
            "{}",
            c.name()
        );
        assert_eq!(c.converted_type(), ConvertedType::UTF8, "{}", c.name());
    }
    for i in 0..12 {
        let rep = schema.column(i).self_type().get_basic_info().repetition();
        assert_eq!(rep, Repetition::REQUIRED, "{}", schema.column(i).name());
    }
    if with_source_file {
        let c = schema.column(12);
        assert_eq!(c.logical_type_ref(), Some(&LogicalType::String));
        assert_eq!(
            c.self_type().get_basic_info().repetition(),
            Repetition::OPTIONAL
        );
    }
    let kv = meta.key_value_metadata().expect("key-value metadata");
    assert!(kv
        .iter()
        .any(|k| k.key == "unmask.schema_version" && k.value.as_deref() == Some("1")));
    for rg in reader.metadata().row_groups() {
        for c in rg.columns() {
            assert_eq!(c.compression(), Compression::SNAPPY);
        }
    }
}

fn remcos() -> PathBuf {
    shared_data().join("net/zeek/ctu-sme-11-remcos/conn.log.labeled")
}

#[test]
fn remcos_round_trip_in_row_groups_and_files() {
    let input = read_records(&remcos());
    assert_eq!(input.len(), 766);
    let dir = out_dir("remcos");
    let opts = ParquetOptions {
        row_group_rows: 100,
        max_rows_per_file: Some(300),
        source_file_column: true,
        ..ParquetOptions::default()
    };
    let mut w = FlowParquetWriter::create(&dir, opts).unwrap();
    w.set_source_file(Some("conn.log.labeled"));
    for r in &input {
        w.write(r).unwrap();
    }
    assert_eq!(w.rows(), 766);
    let summary = w.finish().unwrap();
    eprintln!("{summary}");
    assert_eq!(summary.rows, 766);
    assert_eq!(summary.row_groups, 8);
    assert_eq!(summary.saturated, 0);
    let names: Vec<String> = summary
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "flows-00000.parquet",
            "flows-00001.parquet",
            "flows-00002.parquet"
        ]
    );
    let on_disk: u64 = summary
        .files
        .iter()
        .map(|f| fs::metadata(f).unwrap().len())
        .sum();
    assert_eq!(summary.bytes, on_disk);
    // Only the final files are left: no temporary files.
    let mut listed: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, names);

    for (f, rows) in summary.files.iter().zip([300, 300, 166]) {
        assert_schema(f, true);
        let reader = SerializedFileReader::new(File::open(f).unwrap()).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), rows);
        let groups: Vec<i64> = reader
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        let expect: &[i64] = if rows == 300 {
            &[100, 100, 100]
        } else {
            &[100, 66]
        };
        assert_eq!(groups, expect);
    }

    let rows = read_rows(&summary.files);
    assert_eq!(rows.len(), input.len());
    for (i, (row, r)) in rows.iter().zip(&input).enumerate() {
        assert_row(row, r, &format!("row {i}"));
        assert_eq!(row.get_string(12).unwrap(), "conn.log.labeled");
    }
    // The first line of the log, by hand: 1677024003.714845 192.168.1.107:65164 →
    // 66.63.168.35:5888 tcp 0.037629 s REJ, 2 packets / 104 IP bytes out, 2 / 80 in.
    let first = &rows[0];
    assert_eq!(
        first.get_timestamp_micros(0).unwrap(),
        1_677_024_003_714_845
    );
    assert_eq!(first.get_long(1).unwrap(), 37_629);
    assert_eq!(first.get_string(2).unwrap(), "192.168.1.107");
    assert_eq!(first.get_int(3).unwrap(), 65164);
    assert_eq!(first.get_string(4).unwrap(), "66.63.168.35");
    assert_eq!(first.get_int(5).unwrap(), 5888);
    assert_eq!(first.get_int(6).unwrap(), 6);
    assert_eq!(first.get_long(7).unwrap(), 104);
    assert_eq!(first.get_long(8).unwrap(), 80);
    assert_eq!(first.get_long(9).unwrap(), 2);
    assert_eq!(first.get_long(10).unwrap(), 2);
    assert_eq!(first.get_string(11).unwrap(), "failed");
    // The typed field really is a UTC timestamp in microseconds.
    let (_, ts) = first.get_column_iter().next().unwrap();
    assert_eq!(ts, &Field::TimestampMicros(1_677_024_003_714_845));
    fs::remove_dir_all(&dir).unwrap();

    // With the default options the sample is one file of one row group.
    let dir = out_dir("remcos-default");
    let mut w = FlowParquetWriter::create(&dir, ParquetOptions::default()).unwrap();
    input.iter().for_each(|r| w.push(r));
    let summary = w.finish().unwrap();
    eprintln!(
        "{summary} (input: {} bytes of TSV)",
        fs::metadata(remcos()).unwrap().len()
    );
    assert_eq!((summary.rows, summary.row_groups), (766, 1));
    assert_eq!(summary.files, [dir.join("flows-00000.parquet")]);
    assert_schema(&summary.files[0], false);
    let rows = read_rows(&summary.files);
    assert_eq!(rows.len(), input.len());
    for (i, (row, r)) in rows.iter().zip(&input).enumerate() {
        assert_row(row, r, &format!("default row {i}"));
    }
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn default_options_on_three_days_of_rotated_logs() {
    // A directory of 72 hourly gzip conn.logs (IPv4 and IPv6), written with the default
    // options, one input file at a time so that `source_file` names each.
    let root = shared_data().join("net/zeek/rita-missing_host");
    let mut files = Vec::new();
    for day in fs::read_dir(&root).unwrap() {
        for f in fs::read_dir(day.unwrap().path()).unwrap() {
            files.push(f.unwrap().path());
        }
    }
    files.sort();
    assert_eq!(files.len(), 72);
    let dir = out_dir("rita");
    let opts = ParquetOptions {
        source_file_column: true,
        ..ParquetOptions::default()
    };
    let mut w = FlowParquetWriter::create(&dir, opts).unwrap();
    let mut input = Vec::new();
    let mut file_of_row = Vec::new();
    let mut input_bytes = 0;
    for f in &files {
        input_bytes += fs::metadata(f).unwrap().len();
        let name = f.strip_prefix(&root).unwrap().display().to_string();
        w.set_source_file(Some(&name));
        let recs = read_records(f);
        for r in &recs {
            w.push(r);
            file_of_row.push(name.clone());
        }
        input.extend(recs);
    }
    let summary = w.finish().unwrap();
    eprintln!("{summary} (input: {} gzip bytes)", input_bytes);
    assert_eq!(summary.rows as usize, input.len());
    assert!(input.len() > 100_000, "{}", input.len());
    assert_eq!(summary.files.len(), 1);
    assert_eq!(
        summary.row_groups as usize,
        input.len().div_ceil(DEFAULT_ROW_GROUP_ROWS)
    );
    assert!(input.iter().any(|r| r.src.is_ipv6()), "the sample has IPv6");
    assert_schema(&summary.files[0], true);
    let rows = read_rows(&summary.files);
    assert_eq!(rows.len(), input.len());
    for (i, ((row, r), name)) in rows.iter().zip(&input).zip(&file_of_row).enumerate() {
        assert_row(row, r, &format!("row {i}"));
        assert_eq!(row.get_string(12).unwrap(), name);
    }
    fs::remove_dir_all(&dir).unwrap();
}

fn rec(ts_us: i64, src: IpAddr, dst: IpAddr) -> FlowRecord {
    FlowRecord {
        ts_us,
        duration_us: 1_500_000,
        src,
        src_port: 65535,
        dst,
        dst_port: 443,
        proto: 17,
        bytes_out: 1200,
        bytes_in: 64,
        pkts_out: 3,
        pkts_in: 1,
        state: ConnState::Established,
    }
}

#[test]
fn saturation_ipv6_negative_times_and_null_source_file() {
    let dir = out_dir("edge");
    let opts = ParquetOptions {
        row_group_rows: 2,
        source_file_column: true,
        ..ParquetOptions::default()
    };
    let v6: IpAddr = "2001:db8::1".parse().unwrap();
    let mapped = IpAddr::V6(Ipv4Addr::new(10, 0, 0, 5).to_ipv6_mapped());
    let v4 = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5));
    let mut big = rec(-1, v6, IpAddr::V6(Ipv6Addr::LOCALHOST));
    big.bytes_out = u64::MAX;
    big.pkts_in = i64::MAX as u64 + 1;
    big.state = ConnState::Partial;
    let mut edge = rec(i64::MIN, mapped, v4);
    edge.proto = 255;
    edge.src_port = 0;
    edge.bytes_in = i64::MAX as u64;
    edge.state = ConnState::Unknown;
    let records = [big, edge, rec(0, v4, v6)];

    let mut w = FlowParquetWriter::create(&dir, opts).unwrap();
    w.write(&records[0]).unwrap(); // source_file null
    w.set_source_file(Some("a.log"));
    w.write(&records[1]).unwrap();
    w.set_source_file(None);
    w.write(&records[2]).unwrap();
    let summary = w.finish().unwrap();
    assert_eq!((summary.rows, summary.row_groups), (3, 2));
    assert_eq!(summary.saturated, 2);
    assert!(summary
        .to_string()
        .contains("2 counts above 9223372036854775807"));

    let rows = read_rows(&summary.files);
    assert_eq!(rows.len(), 3);
    for (row, r) in rows.iter().zip(&records) {
        assert_row(row, r, "edge");
    }
    assert_eq!(rows[0].get_long(7).unwrap(), i64::MAX);
    assert_eq!(rows[0].get_long(10).unwrap(), i64::MAX);
    assert_eq!(rows[0].get_string(2).unwrap(), "2001:db8::1");
    assert_eq!(rows[0].get_string(4).unwrap(), "::1");
    assert_eq!(rows[0].get_string(11).unwrap(), "partial");
    assert_eq!(rows[1].get_string(2).unwrap(), "::ffff:10.0.0.5");
    assert_eq!(rows[1].get_int(6).unwrap(), 255);
    assert_eq!(rows[1].get_long(8).unwrap(), i64::MAX);
    assert_eq!(rows[1].get_string(11).unwrap(), "unknown");
    assert_eq!(rows[2].get_string(11).unwrap(), "established");
    let source: Vec<Option<String>> = rows
        .iter()
        .map(|r| match r.get_column_iter().nth(12).unwrap().1 {
            Field::Null => None,
            Field::Str(s) => Some(s.clone()),
            other => panic!("source_file is {other:?}"),
        })
        .collect();
    assert_eq!(source, [None, Some("a.log".to_string()), None]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_records_still_writes_one_file_with_the_schema() {
    let base = out_dir("empty");
    let dir = base.join("nested/out");
    let w = FlowParquetWriter::create(&dir, ParquetOptions::default()).unwrap();
    let summary = w.finish().unwrap();
    assert_eq!((summary.rows, summary.row_groups), (0, 0));
    assert_eq!(summary.files, [dir.join("flows-00000.parquet")]);
    assert_schema(&summary.files[0], false);
    assert!(read_rows(&summary.files).is_empty());
    // Exactly the full files: no trailing empty file after a full one either.
    let dir2 = out_dir("exact");
    let opts = ParquetOptions {
        row_group_rows: 2,
        max_rows_per_file: Some(2),
        ..ParquetOptions::default()
    };
    let mut w = FlowParquetWriter::create(&dir2, opts).unwrap();
    let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
    for i in 0..4 {
        w.write(&rec(i, v4, v4)).unwrap();
    }
    let summary = w.finish().unwrap();
    assert_eq!(summary.files.len(), 2);
    assert_eq!(summary.rows, 4);
    assert_eq!(fs::read_dir(&dir2).unwrap().count(), 2);
    fs::remove_dir_all(&base).unwrap();
    fs::remove_dir_all(&dir2).unwrap();
}

#[test]
fn earlier_output_is_replaced_or_refused() {
    let dir = out_dir("earlier");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("flows-00007.parquet"), b"old").unwrap();
    fs::write(dir.join(".flows-00000.parquet.tmp"), b"stale").unwrap();
    fs::write(dir.join("other.parquet"), b"not ours").unwrap();

    let refuse = ParquetOptions {
        replace_existing: false,
        ..ParquetOptions::default()
    };
    match FlowParquetWriter::create(&dir, refuse) {
        Err(ParquetOutError::Exists { path }) => {
            assert_eq!(path, dir.join("flows-00007.parquet"))
        }
        other => panic!("expected Exists, got {other:?}"),
    }
    assert!(dir.join("flows-00007.parquet").exists());

    let w = FlowParquetWriter::create(&dir, ParquetOptions::default()).unwrap();
    w.finish().unwrap();
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["flows-00000.parquet", "other.parquet"]);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_are_kept_by_push_and_stop_the_writer() {
    let bad = ParquetOptions {
        row_group_rows: 0,
        ..ParquetOptions::default()
    };
    assert!(matches!(
        FlowParquetWriter::create(&out_dir("bad"), bad),
        Err(ParquetOutError::InvalidOptions(_))
    ));
    // The output directory is a file.
    let file = out_dir("not-a-dir");
    fs::write(&file, b"x").unwrap();
    let e = FlowParquetWriter::create(&file, ParquetOptions::default()).unwrap_err();
    assert!(matches!(e, ParquetOutError::CreateDir { .. }), "{e:?}");
    fs::remove_file(&file).unwrap();

    // The directory vanishes while writing: the first full file cannot be renamed into it.
    let dir = out_dir("vanish");
    let opts = ParquetOptions {
        row_group_rows: 1,
        max_rows_per_file: Some(1),
        ..ParquetOptions::default()
    };
    let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut w = FlowParquetWriter::create(&dir, opts.clone()).unwrap();
    fs::remove_dir_all(&dir).unwrap();
    for i in 0..5 {
        w.push(&rec(i, v4, v4));
    }
    let e = w.finish().unwrap_err();
    assert!(matches!(e, ParquetOutError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("flows-00000.parquet"), "{e}");
    assert!(
        std::error::Error::source(&e).is_some(),
        "the I/O error is the source"
    );

    let mut w = FlowParquetWriter::create(&dir, opts).unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert!(w.write(&rec(0, v4, v4)).is_err());
    assert!(matches!(
        w.write(&rec(1, v4, v4)),
        Err(ParquetOutError::Stopped)
    ));
    assert!(matches!(w.finish(), Err(ParquetOutError::Stopped)));
}

#[test]
fn dropping_without_finish_leaves_only_complete_files() {
    let dir = out_dir("drop");
    let opts = ParquetOptions {
        row_group_rows: 2,
        max_rows_per_file: Some(4),
        ..ParquetOptions::default()
    };
    let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut w = FlowParquetWriter::create(&dir, opts).unwrap();
    // Rows 0..4 fill the first file; rows 4 and 5 are a row group of the unfinished second.
    for i in 0..6 {
        w.write(&rec(i, v4, v4)).unwrap();
    }
    assert!(dir.join(".flows-00001.parquet.tmp").exists());
    drop(w);
    let names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["flows-00000.parquet"]);
    assert_eq!(read_rows(&[dir.join("flows-00000.parquet")]).len(), 4);
    fs::remove_dir_all(&dir).unwrap();
}
