//! Helpers shared by the tests that drive the `descent` binary.
#![allow(dead_code)] // Each test file uses a different subset.

use assert_cmd::Command;
use std::path::Path;

/// The path of a bundled data set, as a string argument.
pub fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A fixture file of `tests/fixtures/` (written by `scripts/make_fixtures.py`), parsed.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A JSON array of numbers.
pub fn numbers(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

pub fn descent() -> Command {
    Command::cargo_bin("descent").unwrap()
}

/// Runs `descent` with `args`, expects failure, and returns its one-line error.
pub fn error_of(args: &[&str]) -> String {
    let output = descent().args(args).output().unwrap();
    assert!(!output.status.success(), "expected failure: {args:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.starts_with("descent: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Runs `descent` with `args`, expects success, and returns its stdout.
pub fn stdout_of(args: &[&str]) -> String {
    let output = descent().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs `descent` with `args`, expects success, and parses its stdout as JSON.
pub fn json_of(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout_of(args)).unwrap()
}

/// `json` (an object) without the fields `keys`: what differs between runs by design
/// (timings, where the data came from) when two runs are compared whole.
pub fn without(mut json: serde_json::Value, keys: &[&str]) -> serde_json::Value {
    let object = json.as_object_mut().expect("a JSON object");
    for key in keys {
        object.remove(*key);
    }
    json
}

/// `text`, a CSV table whose last column is the target, with a column `fold` of `folds`
/// inserted before the target, written to `dir/name`.
pub fn with_folds(
    dir: &tempfile::TempDir,
    text: &str,
    name: &str,
    folds: &[usize],
) -> std::path::PathBuf {
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (features, target) = header.rsplit_once(',').unwrap();
    let mut out = format!("{features},fold,{target}\n");
    let mut count = 0;
    for (line, fold) in lines.zip(folds) {
        let (features, target) = line.rsplit_once(',').unwrap();
        out.push_str(&format!("{features},{fold},{target}\n"));
        count += 1;
    }
    assert_eq!(count, folds.len(), "one fold id per row");
    let path = dir.path().join(name);
    std::fs::write(&path, out).unwrap();
    path
}

/// A seeded stream of uniform numbers in [0, 1) (xorshift64: the tests' data, reproducible
/// without a random-number crate).
pub fn uniform_stream(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The numbers of the CSV file `csv` written as the Parquet file `parquet` (every column
/// `Float64`, the same values), in row groups of `group` rows.
pub fn write_parquet(csv: &Path, parquet: &Path, rows: std::ops::Range<usize>, group: usize) {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch};
    use std::sync::Arc;
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let values: Vec<Vec<f64>> = lines
        .skip(rows.start)
        .take(rows.len())
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let columns = names.iter().enumerate().map(|(j, name)| {
        let column: Float64Array = values.iter().map(|row| Some(row[j])).collect();
        (*name, Arc::new(column) as ArrayRef)
    });
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let file = std::fs::File::create(parquet).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}
