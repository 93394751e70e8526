//! Fits from a file read pass by pass (`FileStream`) give the in-memory fit of all its rows,
//! to the bit, for any block size; a file that changes during the fit, and what a stream does
//! not support, are refused.

use descent_models::data::{DataError, Dataset};
use descent_models::stream::FileStream;
use descent_models::{LinearRegression, LogisticRegression, ModelError, Penalty, Solver};
use descent_solvers::Termination;
use ndarray::{Array1, Array2};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A seeded problem: `n` rows of `p` features (offset from zero), labels 2 and 5 from a
/// logistic model, and a column `t` from a linear one with noise.
fn problem(n: usize, p: usize) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let x = Array2::from_shape_fn((n, p), |(_, j)| {
        ((3.0 * uniform() - 1.5 + j as f64) * 1000.0).round() / 1000.0
    });
    let w = Array1::from_shape_fn(p, |j| (j as f64 - p as f64 / 2.0) / p as f64);
    let z = x.dot(&w) - w.sum() * (p as f64 - 1.0) / 2.0;
    let labels = z.mapv(|z| f64::from(u8::from(uniform() < 1.0 / (1.0 + (-z).exp())))) * 3.0 + 2.0;
    let targets = z.mapv(|z| ((2.0 * z + uniform() - 0.5) * 1000.0).round() / 1000.0);
    (x, labels, targets)
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("descent-stream-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes the problem as CSV: features `x0…`, the label `y`, then the linear target `t`.
fn write_csv(path: &Path, x: &Array2<f64>, y: &Array1<f64>, t: &Array1<f64>) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let names: Vec<String> = (0..x.ncols()).map(|j| format!("x{j}")).collect();
    writeln!(out, "{},y,t", names.join(",")).unwrap();
    for ((row, y), t) in x.rows().into_iter().zip(y).zip(t) {
        let row: Vec<String> = row.iter().map(f64::to_string).collect();
        writeln!(out, "{},{y},{t}", row.join(",")).unwrap();
    }
}

/// The same as Parquet (see [`write_columns`]).
fn write_parquet(path: &Path, x: &Array2<f64>, y: &Array1<f64>, t: &Array1<f64>) {
    let mut columns = feature_columns(x);
    columns.push(("y".into(), f64_column(y.to_vec())));
    columns.push(("t".into(), f64_column(t.to_vec())));
    write_columns(path, columns);
}

/// A column of numbers as Arrow's `Float64`.
fn f64_column(values: Vec<f64>) -> arrow_array::ArrayRef {
    Arc::new(arrow_array::Float64Array::from(values))
}

/// The columns of `x`, named `x0…`.
fn feature_columns(x: &Array2<f64>) -> Vec<(String, arrow_array::ArrayRef)> {
    (0..x.ncols())
        .map(|j| (format!("x{j}"), f64_column(x.column(j).to_vec())))
        .collect()
}

/// Writes `columns` as a Parquet file in row groups of 7 000 rows (not a multiple of the
/// blocks).
fn write_columns(path: &Path, columns: Vec<(String, arrow_array::ArrayRef)>) {
    let batch = arrow_array::RecordBatch::try_from_iter(columns).unwrap();
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(7000))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn streamed_fits_are_the_in_memory_fits_to_the_bit() {
    let dir = Dir::new("fits");
    let (x, y, t) = problem(30_000, 5);
    let csv = dir.0.join("data.csv");
    let parquet = dir.0.join("data.parquet");
    write_csv(&csv, &x, &y, &t);
    write_parquet(&parquet, &x, &y, &t);
    let exclude_t = ["t".to_owned()];
    let exclude_y = ["y".to_owned()];
    let classified = Dataset::<f64>::read(&csv, Some("y"), &exclude_t).unwrap();
    let regressed = Dataset::<f64>::read(&csv, Some("t"), &exclude_y).unwrap();
    for file in [&csv, &parquet] {
        for block_rows in [8192, 16_384, FileStream::<f64>::BLOCK_ROWS] {
            let labels = FileStream::<f64>::open(file, Some("y"), &exclude_t)
                .unwrap()
                .block_rows(block_rows);
            assert_eq!(labels.feature_names(), classified.feature_names);
            for model in [
                LogisticRegression::new(),
                LogisticRegression::new().solver(Solver::Lbfgs).c(0.1),
                LogisticRegression::new()
                    .penalty(Penalty::None)
                    .fit_intercept(false),
                LogisticRegression::new().precondition(false).max_iter(500),
            ] {
                let streamed = model.fit_stream(&labels).unwrap();
                let in_memory = model.fit(classified.x.view(), classified.y.view()).unwrap();
                assert_eq!(streamed.coef, in_memory.coef, "{file:?} {block_rows}");
                assert_eq!(streamed.intercept, in_memory.intercept);
                assert_eq!(streamed.classes, [2.0, 5.0]);
                assert_eq!(streamed.report.value, in_memory.report.value);
                assert_eq!(streamed.report.iterations, in_memory.report.iterations);
                assert_eq!(streamed.report.termination, in_memory.report.termination);
            }
            let targets = FileStream::<f64>::open(file, Some("t"), &exclude_y)
                .unwrap()
                .block_rows(block_rows);
            for model in [
                LinearRegression::new().solver(Solver::Newton),
                LinearRegression::new().solver(Solver::Lbfgs).alpha(3.0),
                LinearRegression::new()
                    .solver(Solver::Lbfgs)
                    .precondition(false)
                    .max_iter(5000),
            ] {
                let streamed = model.fit_stream(&targets).unwrap();
                let in_memory = model.fit(regressed.x.view(), regressed.y.view()).unwrap();
                assert_eq!(streamed.coef, in_memory.coef, "{file:?} {block_rows}");
                assert_eq!(streamed.intercept, in_memory.intercept);
                assert_eq!(streamed.report.value, in_memory.report.value);
            }
        }
    }
    // f32 storage too.
    let labels = FileStream::<f32>::open(&csv, Some("y"), &exclude_t).unwrap();
    let in_memory = Dataset::<f32>::read(&csv, Some("y"), &exclude_t).unwrap();
    let model = LogisticRegression::new();
    assert_eq!(
        model.fit_stream(&labels).unwrap().coef,
        model
            .fit(in_memory.x.view(), in_memory.y.view())
            .unwrap()
            .coef
    );
}

#[test]
fn parquet_columns_of_other_types_and_missing_values() {
    use arrow_array::{ArrayRef, Float64Array, Int64Array, StringArray};
    let dir = Dir::new("parquet-types");
    let (x, y, _) = problem(20_000, 3);
    let write = |path: &Path, y_column: ArrayRef, extra: Option<(&str, ArrayRef)>| {
        let mut columns = feature_columns(&x);
        columns.extend(extra.map(|(name, array)| (name.to_owned(), array)));
        columns.push(("y".into(), y_column));
        write_columns(path, columns);
    };
    // Labels stored as integers: read as numbers, the same fit.
    let path = dir.0.join("integers.parquet");
    let labels: Int64Array = y.iter().map(|&v| Some(v as i64)).collect();
    write(&path, Arc::new(labels), None);
    let stream = FileStream::<f64>::open(&path, None, &[]).unwrap();
    let model = LogisticRegression::new();
    assert_eq!(
        model.fit_stream(&stream).unwrap().coef,
        model.fit(x.view(), y.view()).unwrap().coef
    );
    // A feature with a missing value: its row (1-based) and column.
    let path = dir.0.join("missing.parquet");
    let gaps: Float64Array = (0..x.nrows())
        .map(|i| (i != 15_000).then_some(i as f64))
        .collect();
    write(
        &path,
        f64_column(y.to_vec()),
        Some(("gaps", Arc::new(gaps))),
    );
    let stream = FileStream::<f64>::open(&path, None, &[]).unwrap();
    let error = model.fit_stream(&stream).unwrap_err().to_string();
    assert!(
        error.contains("\"gaps\"") && error.contains("row 15001"),
        "{error}"
    );
    // A text feature: refused by name when the file is opened.
    let path = dir.0.join("text.parquet");
    let text: StringArray = (0..x.nrows()).map(|i| Some(["a", "b"][i % 2])).collect();
    write(
        &path,
        f64_column(y.to_vec()),
        Some(("kind", Arc::new(text))),
    );
    let error = FileStream::<f64>::open(&path, None, &[])
        .unwrap_err()
        .to_string();
    assert!(error.contains("\"kind\" is not numeric"), "{error}");
}

#[test]
fn separable_streams_are_said_to_keep_decreasing() {
    let dir = Dir::new("separable");
    let n = 20_000;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| (i as f64 + 0.5 * j as f64) / 1000.0);
    let y = Array1::from_shape_fn(n, |i| f64::from(u8::from(i >= n / 2)));
    let csv = dir.0.join("separable.csv");
    write_csv(&csv, &x, &y, &y);
    let stream = FileStream::<f64>::open(&csv, Some("y"), &["t".to_owned()]).unwrap();
    let model = LogisticRegression::new().penalty(Penalty::None);
    let fitted = model.fit_stream(&stream).unwrap();
    assert_eq!(fitted.report.termination, Termination::KeepsDecreasing);
    let in_memory = model.fit(x.view(), y.view()).unwrap();
    assert_eq!(fitted.coef, in_memory.coef);
}

#[test]
fn bad_files_and_unsupported_fits_are_refused_with_where_and_why() {
    let dir = Dir::new("errors");
    let (x, mut y, t) = problem(20_000, 3);
    let csv = dir.0.join("labels.csv");
    y[12_000] = 7.0;
    write_csv(&csv, &x, &y, &t);
    let stream = FileStream::<f64>::open(&csv, Some("y"), &["t".to_owned()]).unwrap();
    let error = LogisticRegression::new().fit_stream(&stream).unwrap_err();
    assert!(
        matches!(error, ModelError::NotBinary { count: 3, .. }),
        "{error}"
    );
    y[12_000] = 2.5;
    write_csv(&csv, &x, &y, &t);
    let stream = FileStream::<f64>::open(&csv, Some("y"), &["t".to_owned()]).unwrap();
    let error = LogisticRegression::new().fit_stream(&stream).unwrap_err();
    assert!(
        matches!(error, ModelError::ContinuousLabels { row: 12_000, .. }),
        "{error}"
    );
    // One class of 0 and 1 only.
    write_csv(&csv, &x, &y.mapv(|_| 1.0), &t);
    let stream = FileStream::<f64>::open(&csv, Some("y"), &["t".to_owned()]).unwrap();
    let error = LogisticRegression::new().fit_stream(&stream).unwrap_err();
    assert!(
        matches!(error, ModelError::NotBinary { count: 1, .. }),
        "{error}"
    );
    write_csv(&csv, &x, &y, &t);
    // An unparsable field: its line.
    let text = std::fs::read_to_string(&csv).unwrap();
    let broken: String = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 15_001 {
                format!("oops{line}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    std::fs::write(&csv, broken).unwrap();
    let stream = FileStream::<f64>::open(&csv, Some("t"), &["y".to_owned()]).unwrap();
    let error = LinearRegression::new().fit_stream(&stream).unwrap_err();
    assert!(
        matches!(
            &error,
            ModelError::Data(DataError::Unparsable { line: 15_002, .. })
        ),
        "{error}"
    );
    // What a stream does not support.
    write_csv(&csv, &x, &y.mapv(|v| if v == 2.5 { 2.0 } else { v }), &t);
    let stream = FileStream::<f64>::open(&csv, Some("y"), &["t".to_owned()]).unwrap();
    for model in [
        LogisticRegression::new().penalty(Penalty::L1),
        LogisticRegression::new().solver(Solver::ProximalNewton),
    ] {
        assert!(matches!(
            model.fit_stream(&stream),
            Err(ModelError::NotApplicable(_))
        ));
    }
    let targets = FileStream::<f64>::open(&csv, Some("t"), &["y".to_owned()]).unwrap();
    for model in [
        LinearRegression::new().solver(Solver::LeastSquares),
        LinearRegression::new().l1_ratio(1.0),
    ] {
        assert!(matches!(
            model.fit_stream(&targets),
            Err(ModelError::NotApplicable(_))
        ));
    }
}

#[test]
fn a_file_that_changes_during_the_fit_stops_it() {
    let dir = Dir::new("changed");
    let (x, y, t) = problem(20_000, 3);
    let csv = dir.0.join("data.csv");
    write_csv(&csv, &x, &y, &t);
    let stream = FileStream::<f64>::open(&csv, Some("y"), &["t".to_owned()]).unwrap();
    // After the first iteration, another process appends a row.
    let mut observer = |progress: &descent_solvers::Progress<'_, Array1<f64>>| {
        if progress.iteration == 1 {
            let mut file = std::fs::OpenOptions::new().append(true).open(&csv).unwrap();
            writeln!(file, "1,2,3,5,0").unwrap();
        }
        std::ops::ControlFlow::Continue(())
    };
    let error = LogisticRegression::new()
        .solver(Solver::Lbfgs)
        .fit_stream_observed(&stream, &mut observer)
        .unwrap_err();
    assert!(
        matches!(&error, ModelError::Data(DataError::Changed { .. })),
        "{error}"
    );
    assert!(
        error.to_string().contains("changed while it was read"),
        "{error}"
    );
}
