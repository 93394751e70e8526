//! Property-based fuzzing of what the models read from files: CSV tables and model files.
//! Whatever the bytes, reading ends in data or in an error, never a panic; the two CSV
//! readers (the parallel one for plain numeric files, the csv crate's for the rest) read the
//! same table the same way; and a model file that loads predicts without NaN.

use descent_models::data::{read_features, read_text_column, Dataset};
use descent_models::{LogisticRegression, Model, ModelFile};
use ndarray::array;
use proptest::prelude::*;
use std::io::Write;

fn temporary(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file
}

/// Bytes that look like CSV often enough to reach deep into the readers.
fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop::sample::select(vec![
        &b"a"[..],
        b"b",
        b"target",
        b",",
        b"\n",
        b"\r\n",
        b"\r",
        b"\"",
        b" ",
        b"1",
        b"-2.5",
        b"1e3",
        b"1e999",
        b"nan",
        b"inf",
        b"x",
        b"",
        b"\xef\xbb\xbf",
        b"\xff",
        b"\0",
        b"0x1",
    ]);
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_read_as_a_table_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let file = temporary(&bytes);
        let _ = Dataset::from_csv(file.path(), None);
        let _ = read_features(file.path(), &["a".to_owned()]);
        let _ = read_text_column(file.path(), "a");
    }

    #[test]
    fn csv_like_bytes_read_as_a_table_or_an_error(bytes in csv_like()) {
        let file = temporary(&bytes);
        if let Ok(data) = Dataset::from_csv(file.path(), None) {
            prop_assert!(data.x.iter().all(|v| v.is_finite()));
            prop_assert!(data.y.iter().all(|v| v.is_finite()));
            prop_assert_eq!(data.x.nrows(), data.y.len());
            prop_assert!(data.x.nrows() > 0);
        }
        let _ = Dataset::from_csv(file.path(), Some("target"));
    }

    #[test]
    fn f32_storage_reads_the_f64_table_rounded_or_names_the_value_it_cannot_hold(
        bytes in csv_like(),
        first in prop::sample::select(vec![&b"1e-50"[..], b"5e38", b"1e-40", b"3.4e38", b"-0", b"2"]),
    ) {
        // A first row whose feature f32 may not hold, then the fuzzed bytes.
        let bytes = [&b"a,target\n"[..], first, b",1\n", &bytes[..]].concat();
        let file = temporary(&bytes);
        let wide = Dataset::from_csv(file.path(), None);
        let narrow = Dataset::<f32>::read(file.path(), None, &[]);
        let unholdable = first == b"1e-50" || first == b"5e38";
        match (wide, narrow) {
            (Ok(wide), Ok(narrow)) => {
                prop_assert!(!unholdable);
                prop_assert_eq!(narrow.x, wide.x.mapv(|v| v as f32));
                prop_assert_eq!(narrow.y, wide.y);
            }
            (_, Err(e)) if unholdable => {
                // The first row is read first: its value is the error, whatever follows.
                let message = e.to_string();
                prop_assert!(
                    message.contains("line 2") && message.contains("beyond the range of f32"),
                    "{}", message
                );
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (wide, narrow) => prop_assert!(
                false, "f64 {:?}, f32 {:?}", wide.err(), narrow.err()
            ),
        }
    }
}

/// A numeric table: a header and rows of finite numbers, with blank lines and CRLF or LF
/// line breaks here and there.
fn table() -> impl Strategy<Value = (Vec<Vec<f64>>, bool, Vec<bool>)> {
    (2usize..6).prop_flat_map(|width| {
        (
            prop::collection::vec(prop::collection::vec(-1e6f64..1e6, width..=width), 1..40),
            any::<bool>(),
            prop::collection::vec(any::<bool>(), 40),
        )
    })
}

fn text_of(rows: &[Vec<f64>], crlf: bool, blanks: &[bool], quoted: bool) -> String {
    let width = rows[0].len();
    let end = if crlf { "\r\n" } else { "\n" };
    let quote = |s: String| if quoted { format!("\"{s}\"") } else { s };
    let mut text: Vec<String> = vec![(0..width)
        .map(|j| quote(format!("c{j}")))
        .collect::<Vec<_>>()
        .join(",")];
    for (i, row) in rows.iter().enumerate() {
        if blanks[i] && i % 3 == 0 {
            text.push(String::new());
        }
        text.push(
            row.iter()
                .map(|v| quote(format!("{v:?}")))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    text.join(end) + end
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn both_readers_read_a_table_exactly((rows, crlf, blanks) in table()) {
        // Unquoted text goes to the parallel reader, quoted text to the csv crate's.
        let plain = temporary(text_of(&rows, crlf, &blanks, false).as_bytes());
        let quoted = temporary(text_of(&rows, crlf, &blanks, true).as_bytes());
        let fast = Dataset::from_csv(plain.path(), None).unwrap();
        let general = Dataset::from_csv(quoted.path(), None).unwrap();
        prop_assert_eq!(&fast.x, &general.x);
        prop_assert_eq!(&fast.y, &general.y);
        // And exactly the numbers written (Rust's shortest round-trip form).
        let width = rows[0].len();
        for (i, row) in rows.iter().enumerate() {
            prop_assert_eq!(fast.y[i], row[width - 1]);
            for (j, &value) in row[..width - 1].iter().enumerate() {
                prop_assert_eq!(fast.x[[i, j]], value);
            }
        }
    }
}

/// A valid model file's JSON.
fn model_json() -> serde_json::Value {
    let x = array![
        [0.0, 1.0],
        [1.0, 0.0],
        [2.0, 2.0],
        [3.0, 1.0],
        [1.0, 1.0],
        [2.0, 0.0]
    ];
    let y = array![0.0, 0.0, 1.0, 1.0, 1.0, 0.0];
    let fit = LogisticRegression::new().fit(x.view(), y.view()).unwrap();
    let file = ModelFile::new(
        Model::LogisticRegression(fit),
        vec!["a".into(), "b".into()],
        "t".into(),
        None,
    );
    serde_json::from_str(&file.to_json().unwrap()).unwrap()
}

/// Replaces one value somewhere in `value`, chosen by `path` (indices into objects and
/// arrays), with `replacement`.
fn mutate(value: &mut serde_json::Value, path: &[usize], replacement: serde_json::Value) {
    let Some((&step, rest)) = path.split_first() else {
        *value = replacement;
        return;
    };
    let next = match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(step % map.len()).cloned().unwrap();
            map.get_mut(&key)
        }
        serde_json::Value::Array(items) if !items.is_empty() => {
            let len = items.len();
            items.get_mut(step % len)
        }
        _ => None,
    };
    match next {
        Some(next) => mutate(next, rest, replacement),
        None => *value = replacement,
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        prop::num::f64::NORMAL.prop_map(serde_json::Value::from),
        prop::sample::select(vec![0.0, -1.0, 1.0, 0.5, 1e308, -1e308, 2.0])
            .prop_map(serde_json::Value::from),
        (-3i64..5).prop_map(serde_json::Value::from),
        "[a-z_]{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!([1.0, 2.0, 3.0])),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mutated_model_files_load_or_are_refused(
        path in prop::collection::vec(0usize..12, 0..4),
        replacement in json_value(),
    ) {
        let mut value = model_json();
        mutate(&mut value, &path, replacement);
        let text = value.to_string();
        if let Ok(file) = ModelFile::from_json(&text, "fuzzed.json") {
            // Whatever loads predicts: finite probabilities, for any finite features.
            let model = file.into_logistic();
            if let Ok(model) = model {
                let x = array![[1.0, 2.0], [-1e300, 1e300], [0.0, 0.0]];
                let p = model.predict_proba(x.view()).unwrap();
                prop_assert!(p.iter().all(|v| (0.0..=1.0).contains(v)), "{p}");
            }
        }
    }

    #[test]
    fn truncated_model_files_are_refused(cut in 0usize..2000) {
        let text = model_json().to_string();
        let cut = cut.min(text.len());
        if let Some(prefix) = text.get(..cut) {
            if cut < text.len() {
                prop_assert!(ModelFile::from_json(prefix, "cut.json").is_err());
            }
        }
    }
}

/// The invariants of a table that read: one row of numbers per line, one code per row in
/// every text column, every code a level or missing, each numeric column its own slot.
fn check_table(table: &descent_models::table::RawTable) -> Result<(), TestCaseError> {
    use descent_models::table::RawColumn;
    let n = table.nrows();
    prop_assert!(table.lines.len() == n || table.lines.is_empty());
    prop_assert_eq!(table.columns.len(), table.names.len());
    let mut slots = Vec::new();
    for column in &table.columns {
        match column {
            RawColumn::Numeric(k) => {
                prop_assert!(*k < table.numbers.ncols());
                slots.push(*k);
            }
            RawColumn::Text { codes, levels } => {
                prop_assert_eq!(codes.len(), n);
                prop_assert!(codes
                    .iter()
                    .all(|&c| c == RawColumn::MISSING || (c as usize) < levels.len()));
            }
            RawColumn::Unsupported { .. } => {}
        }
    }
    slots.sort_unstable();
    slots.dedup();
    prop_assert_eq!(slots.len(), table.numbers.ncols());
    prop_assert!(table.numbers.iter().all(|v| v.is_finite() || v.is_nan()));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn raw_tables_read_whole_or_as_an_error(bytes in csv_like(), gzip in any::<bool>()) {
        use descent_models::table::{RawTable, ReadOptions, Source};
        let bytes = if gzip {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&bytes).unwrap();
            gz.finish().unwrap()
        } else {
            bytes
        };
        let file = temporary(&bytes);
        if let Ok(table) = RawTable::read(&Source::new(file.path()), &ReadOptions::default()) {
            check_table(&table)?;
        }
    }

    #[test]
    fn any_bytes_read_as_a_raw_table_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        use descent_models::table::{RawTable, ReadOptions, Source};
        let file = temporary(&bytes);
        if let Ok(table) = RawTable::read(&Source::new(file.path()), &ReadOptions::default()) {
            check_table(&table)?;
        }
        // Bytes after Parquet's magic: an error, never a panic.
        let file = temporary(&[b"PAR1".as_slice(), &bytes].concat());
        prop_assert!(RawTable::read(&Source::new(file.path()), &ReadOptions::default()).is_err());
    }
}
