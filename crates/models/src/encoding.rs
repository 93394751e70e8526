//! From a [`RawTable`] to a design matrix: which columns are features, target and
//! identifiers; string labels; missing values; categorical columns as level codes.
//!
//! The steps, as a fit takes them (the CLI's `fit` does exactly this):
//! 1. [`Selection::new`] resolves the [`Roles`] against the table's header.
//! 2. [`Selection::usable_rows`] applies the [`MissingPolicy`] to rows (dropping, or saying
//!    which column has missing values and where).
//! 3. [`TableEncoding::fit`] learns, from the training rows only, what turns a raw row into
//!    features: each categorical column's levels (sorted, the first the reference level and
//!    left out: scikit-learn's `OneHotEncoder(drop="first")`, statsmodels' treatment coding),
//!    the imputation statistics (scikit-learn's `SimpleImputer`), and the two class labels.
//! 4. [`TableEncoding::transform`] encodes any rows of any table with the same columns, at
//!    fit time and later for prediction; a model file stores the encoding, so a raw file
//!    predicts without the options being repeated.
//!
//! Categorical columns stay codes ([`Categorical`]) all the way into the losses: no one-hot
//! matrix is formed.

use crate::csv_field::DataError;
use crate::data::listed;
use crate::table::{RawColumn, RawTable};
use descent_objectives::{Categorical, DesignMatrix, ObjectiveError};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use wildmatch::WildMatch;

/// What to do with missing values in the features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MissingPolicy {
    /// A missing value is an error naming the column, the count and the first line.
    #[default]
    Error,
    /// Rows with a missing feature or target are left out (at fit time; a prediction is owed
    /// for every row, so there they are an error).
    Drop,
    /// A numeric column's missing values become its training mean; a categorical column's,
    /// its most frequent level.
    Mean,
    /// A numeric column's missing values become its training median (the mean of the middle
    /// two for an even count, as numpy's); a categorical column's, its most frequent level.
    Median,
    /// The most frequent training value, the smallest on a tie (scikit-learn's rule).
    MostFrequent,
}

impl MissingPolicy {
    /// The policy named as `--missing` spells it: `error`, `drop`, `mean`, `median`,
    /// `most-frequent`.
    ///
    /// # Errors
    /// Any other name.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "error" => Ok(MissingPolicy::Error),
            "drop" => Ok(MissingPolicy::Drop),
            "mean" => Ok(MissingPolicy::Mean),
            "median" => Ok(MissingPolicy::Median),
            "most-frequent" | "most_frequent" => Ok(MissingPolicy::MostFrequent),
            _ => Err(format!(
                "unknown missing-value policy {name:?} (expected error, drop, mean, median or most-frequent)"
            )),
        }
    }

    fn imputes(self) -> bool {
        matches!(
            self,
            MissingPolicy::Mean | MissingPolicy::Median | MissingPolicy::MostFrequent
        )
    }
}

/// What to do with a level of a categorical column that training did not see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownLevel {
    /// An error naming the column, the level and the line.
    #[default]
    Error,
    /// The row gets no coefficient from the column, as the reference level (scikit-learn's
    /// `handle_unknown="ignore"`, which with `drop="first"` encodes it the same way).
    Ignore,
}

/// The hint of a missing value at prediction that the fit did not impute.
const NO_IMPUTATION: &str =
    "the model was fitted without imputation (--missing mean, median or most-frequent)";

/// The level a categorical column's missing values become with
/// [`EncodeOptions::missing_level`]: scikit-learn's `SimpleImputer(strategy="constant")`
/// fills text with the same word.
pub const MISSING_LEVEL: &str = "missing";

/// Which columns play which part. Names may be glob patterns (`tmp_*`, `x?`) in `features`,
/// `drop` and `categorical`; a pattern that matches no column is an error (a typo would
/// otherwise pass silently).
#[derive(Debug, Clone, Default)]
pub struct Roles {
    /// The target column (default: the last).
    pub target: Option<String>,
    /// The feature columns; empty means every column that is not the target, the identifier
    /// or dropped.
    pub features: Vec<String>,
    /// Columns left out.
    pub drop: Vec<String>,
    /// A column identifying each row: not a feature, copied into predictions.
    pub id_column: Option<String>,
    /// Numeric columns whose values are codes of a category (text columns are categorical
    /// anyway). Read them as text ([`ReadOptions::text_columns`](crate::table::ReadOptions)).
    pub categorical: Vec<String>,
}

/// How to encode.
#[derive(Debug, Clone, Default)]
pub struct EncodeOptions {
    /// Missing values in features.
    pub missing: MissingPolicy,
    /// A categorical column's missing values are a level of their own ([`MISSING_LEVEL`]).
    pub missing_level: bool,
    /// Levels unseen at fit time.
    pub unknown: UnknownLevel,
    /// The target is two class labels (logistic regression), of any type.
    pub classification: bool,
    /// Which label is the positive class (1); default: the second in sorted order, as
    /// scikit-learn's `classes_[1]`.
    pub positive_class: Option<String>,
    /// The most levels a text feature may have; by default a text column with more levels
    /// than half its values (and at least 20 values), or with every value distinct (and more
    /// than two), looks like an identifier and is refused.
    pub max_levels: Option<usize>,
}

/// The columns of a table chosen by [`Roles`].
#[derive(Debug, Clone)]
pub struct Selection {
    /// The target column's index.
    pub target: usize,
    /// Numeric feature columns, in file order.
    pub numeric: Vec<usize>,
    /// Categorical feature columns, in file order.
    pub categorical: Vec<usize>,
    /// The identifier column.
    pub id: Option<usize>,
}

/// The indices of the columns `patterns` match, each pattern having to match one.
fn matching(table: &RawTable, patterns: &[String]) -> Result<Vec<usize>, DataError> {
    let mut out = Vec::new();
    for pattern in patterns {
        let glob = WildMatch::new(pattern);
        let found: Vec<usize> = (0..table.names.len())
            .filter(|&c| table.names[c] == *pattern || glob.matches(&table.names[c]))
            .collect();
        if found.is_empty() {
            return Err(DataError::MissingColumn {
                path: table.source.clone(),
                name: pattern.clone(),
                available: listed(&table.names),
            });
        }
        out.extend(found);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The error for a column of a type that cannot be used.
fn unsupported(table: &RawTable, c: usize) -> Result<(), DataError> {
    match &table.columns[c] {
        RawColumn::Unsupported { kind, .. } => Err(unsupported_type(table, c, kind)),
        _ => Ok(()),
    }
}

fn unsupported_type(table: &RawTable, c: usize, kind: &str) -> DataError {
    DataError::UnsupportedType {
        path: table.source.clone(),
        column: table.names[c].clone(),
        kind: kind.to_owned(),
    }
}

/// Whether each row misses a value in any of `columns`: one pass over the rows of the block of
/// numbers (read row by row, as it is stored) and over the codes of text columns.
fn missing_rows(table: &RawTable, columns: &[usize]) -> Vec<bool> {
    let mut slots = Vec::new();
    let mut missing = vec![false; table.nrows()];
    for &c in columns {
        match &table.columns[c] {
            RawColumn::Numeric(k) => slots.push(*k),
            RawColumn::Text { codes, .. } => {
                for (m, &code) in missing.iter_mut().zip(codes) {
                    *m |= code == RawColumn::MISSING;
                }
            }
            RawColumn::Unsupported { .. } => missing.fill(true),
        }
    }
    let width = table.numbers.ncols();
    match table.numbers.as_slice() {
        _ if slots.is_empty() => {}
        // Every column of the block, stored row by row: each row a flat scan, at the vector
        // width.
        Some(values) if slots.len() == width && slots.iter().enumerate().all(|(j, &k)| j == k) => {
            for (m, row) in missing.iter_mut().zip(values.chunks_exact(width)) {
                *m |= row.iter().fold(false, |any, v| any | v.is_nan());
            }
        }
        _ => {
            for (m, row) in missing.iter_mut().zip(table.numbers.rows()) {
                *m |= slots.iter().fold(false, |any, &k| any | row[k].is_nan());
            }
        }
    }
    missing
}

fn non_missing(table: &RawTable, c: usize) -> usize {
    match &table.columns[c] {
        RawColumn::Numeric(k) => table
            .numbers
            .column(*k)
            .iter()
            .filter(|x| !x.is_nan())
            .count(),
        RawColumn::Text { codes, .. } => codes.iter().filter(|&&c| c != RawColumn::MISSING).count(),
        RawColumn::Unsupported { .. } => 0,
    }
}

impl Selection {
    /// Resolves `roles` against `table`'s header.
    ///
    /// # Errors
    /// A name or pattern that matches no column; the target or identifier among the features
    /// or dropped; no features left; a text feature with so many levels that it looks like an
    /// identifier (see [`EncodeOptions::max_levels`]); a column named categorical that was
    /// read as numbers; a text target for a regression.
    pub fn new(
        table: &RawTable,
        roles: &Roles,
        options: &EncodeOptions,
    ) -> Result<Self, DataError> {
        let path = || table.source.clone();
        let target = match &roles.target {
            Some(name) => table.column(name)?,
            None => table.names.len() - 1,
        };
        let id = roles
            .id_column
            .as_deref()
            .map(|n| table.column(n))
            .transpose()?;
        let dropped = matching(table, &roles.drop)?;
        let conflict = |column: usize, role: &'static str| DataError::RoleConflict {
            path: path(),
            column: table.names[column].clone(),
            role,
        };
        if dropped.contains(&target) {
            return Err(conflict(target, "the target, and dropped"));
        }
        let features: Vec<usize> = if roles.features.is_empty() {
            (0..table.names.len())
                .filter(|&c| c != target && Some(c) != id && !dropped.contains(&c))
                .collect()
        } else {
            let chosen = matching(table, &roles.features)?;
            if let Some(&c) = chosen.iter().find(|&&c| c == target) {
                return Err(conflict(c, "the target, and a feature"));
            }
            if let Some(&c) = chosen.iter().find(|&&c| Some(c) == id) {
                return Err(conflict(c, "the identifier, and a feature"));
            }
            chosen
                .into_iter()
                .filter(|c| !dropped.contains(c))
                .collect()
        };
        if features.is_empty() {
            return Err(DataError::NoFeatures {
                path: path(),
                target: table.names[target].clone(),
            });
        }
        let forced = matching(table, &roles.categorical)?;
        let (mut numeric, mut categorical) = (Vec::new(), Vec::new());
        unsupported(table, target)?;
        for c in features {
            match &table.columns[c] {
                RawColumn::Unsupported { kind, .. } => {
                    return Err(unsupported_type(table, c, kind))
                }
                RawColumn::Numeric(_) if !forced.contains(&c) => numeric.push(c),
                RawColumn::Numeric(_) => {
                    return Err(DataError::NotText {
                        path: path(),
                        column: table.names[c].clone(),
                    })
                }
                RawColumn::Text { codes, levels } => {
                    let number = |l: &String| l.trim().parse::<f64>().is_ok();
                    if !forced.contains(&c) && levels.iter().any(number) {
                        // Numbers and text: most likely a typo in a numeric column.
                        let row = (0..codes.len())
                            .find(|&i| levels.get(codes[i] as usize).is_some_and(|l| !number(l)))
                            .unwrap_or(0);
                        return Err(DataError::MixedColumn {
                            path: path(),
                            at: table.place(row),
                            column: table.names[c].clone(),
                            text: table.text(c, row).unwrap_or_default(),
                        });
                    }
                    let values = non_missing(table, c);
                    // All distinct, or more levels than half the values of a long column.
                    let too_many = match options.max_levels {
                        Some(limit) => levels.len() > limit,
                        None => {
                            !forced.contains(&c)
                                && ((values > 2 && levels.len() == values)
                                    || (values >= 20 && 2 * levels.len() > values))
                        }
                    };
                    if too_many {
                        return Err(DataError::LooksLikeIdentifier {
                            path: path(),
                            column: table.names[c].clone(),
                            levels: levels.len(),
                            values,
                        });
                    }
                    categorical.push(c);
                }
            }
        }
        if !options.classification {
            if let RawColumn::Text { codes, levels } = &table.columns[target] {
                let row = codes
                    .iter()
                    .position(|&c| c != RawColumn::MISSING)
                    .unwrap_or(0);
                return Err(DataError::NotNumeric {
                    path: path(),
                    at: table.place(row),
                    column: table.names[target].clone(),
                    text: levels.get(codes[row] as usize).cloned().unwrap_or_default(),
                });
            }
        }
        Ok(Selection {
            target,
            numeric,
            categorical,
            id,
        })
    }

    /// The rows a fit can use under `options.missing`: every row, or (with
    /// [`MissingPolicy::Drop`]) those with no missing feature or target, and how many were
    /// dropped.
    ///
    /// # Errors
    /// With [`MissingPolicy::Error`], the first feature column (in file order) with a missing
    /// value; with any policy but `Drop`, a missing target. The message counts the rows and
    /// gives the first line.
    pub fn usable_rows(
        &self,
        table: &RawTable,
        options: &EncodeOptions,
    ) -> Result<(Vec<usize>, usize), DataError> {
        let n = table.nrows();
        let level_for_missing = |c: usize| options.missing_level && self.categorical.contains(&c);
        let mut checked: Vec<usize> = self
            .numeric
            .iter()
            .chain(&self.categorical)
            .copied()
            .filter(|&c| !level_for_missing(c))
            .collect();
        checked.sort_unstable();
        if options.missing == MissingPolicy::Drop {
            checked.push(self.target);
            let incomplete = missing_rows(table, &checked);
            let rows: Vec<usize> = (0..n).filter(|&i| !incomplete[i]).collect();
            let dropped = n - rows.len();
            if rows.is_empty() {
                return Err(DataError::NoRows {
                    path: table.source.clone(),
                });
            }
            return Ok((rows, dropped));
        }
        let first_missing = |c: usize| -> Option<(usize, String)> {
            let count = (0..n).filter(|&i| table.is_missing(c, i)).count();
            let first = (0..n).find(|&i| table.is_missing(c, i))?;
            Some((count, table.place(first)))
        };
        if let Some((count, at)) = first_missing(self.target) {
            return Err(DataError::MissingValues {
                path: table.source.clone(),
                column: table.names[self.target].clone(),
                count,
                at,
                hint: "a target cannot be imputed; --missing drop leaves those rows out",
            });
        }
        // One pass over the rows finds whether any is incomplete; only then are the columns
        // looked at one by one, for the message.
        if options.missing == MissingPolicy::Error && missing_rows(table, &checked).contains(&true)
        {
            if let Some((c, (count, at))) =
                checked.iter().find_map(|&c| Some((c, first_missing(c)?)))
            {
                return Err(DataError::MissingValues {
                    path: table.source.clone(),
                    column: table.names[c].clone(),
                    count,
                    at,
                    hint: "choose --missing drop, mean, median or most-frequent",
                });
            }
        }
        Ok(((0..n).collect(), 0))
    }
}

/// A numeric feature column of a [`TableEncoding`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericColumn {
    /// The column's name.
    pub name: String,
    /// What a missing value becomes (`None`: a missing value is an error).
    pub fill: Option<f64>,
}

/// A categorical feature column of a [`TableEncoding`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalColumn {
    /// The column's name.
    pub name: String,
    /// Its levels in training, sorted (numerically when every level is a number). The first
    /// is the reference level and has no coefficient; each other has one, named
    /// `column=level`.
    pub levels: Vec<String>,
    /// What a missing value becomes (`None`: a missing value is an error).
    pub fill: Option<String>,
}

/// What turns a raw row into features and a target: see the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEncoding {
    /// The numeric feature columns; their coefficients come first, in this order.
    pub numeric: Vec<NumericColumn>,
    /// The categorical feature columns; their levels' coefficients follow, in this order.
    pub categorical: Vec<CategoricalColumn>,
    /// The target column.
    pub target: String,
    /// The class labels of a classification target read as labels, label `k` standing for
    /// class `k`: `[negative, positive]` for two, the sorted labels for more (a multinomial
    /// model's `classes_`). `None` for a numeric target (a regression, or classes as numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// The identifier column, copied into predictions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_column: Option<String>,
    /// The texts that mark a missing value, as the table was read with.
    pub na_values: Vec<String>,
    /// The missing-value policy of the fit (at prediction, `drop` and `error` both make a
    /// missing value an error: a prediction is owed for every row).
    pub missing: MissingPolicy,
    /// Levels unseen in training.
    pub unknown: UnknownLevel,
}

/// Rows of a table encoded: the design's parts, the target and the identifiers.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The numeric features, one row per encoded row.
    pub dense: Array2<f64>,
    /// The categorical features as codes (the reference level [`Categorical::NONE`]).
    pub categorical: Vec<Categorical<'static>>,
    /// The target (0/1 for labels), when it was asked for.
    pub y: Option<Array1<f64>>,
    /// The identifier column's values, when the encoding has one.
    pub ids: Option<Vec<String>>,
}

impl Encoded {
    /// The design matrix, borrowing these parts.
    ///
    /// # Errors
    /// None in practice (the parts are built with one row each); kept for the shape check.
    pub fn design(&self) -> Result<DesignMatrix<'_>, ObjectiveError> {
        DesignMatrix::new(
            &self.dense,
            self.categorical.iter().map(Categorical::view).collect(),
        )
    }
}

/// Whether `label` and `text` name the same class: the same text, or the same number (`1`
/// and `1.0`, as a numeric label column read as text spells it either way).
fn same_label(label: &str, text: &str) -> bool {
    label == text || matches!((label.parse::<f64>(), text.parse::<f64>()), (Ok(a), Ok(b)) if a == b)
}

/// Sorts `values` as scikit-learn sorts categories and labels: numerically when every one is
/// a number, else by text.
fn sort_levels(values: &mut [String]) {
    let numbers: Option<Vec<f64>> = values
        .iter()
        .map(|v| v.trim().parse::<f64>().ok())
        .collect();
    match numbers {
        Some(_) => values.sort_by(|a, b| {
            let (x, y) = (a.trim().parse::<f64>(), b.trim().parse::<f64>());
            match (x, y) {
                (Ok(x), Ok(y)) => x.total_cmp(&y),
                _ => a.cmp(b),
            }
        }),
        None => values.sort(),
    }
}

/// The most frequent of `counts` (value, count) pairs, given in sorted order, taking the first
/// (smallest) on a tie.
fn most_frequent<T: Clone>(counts: impl IntoIterator<Item = (T, usize)>) -> Option<T> {
    counts
        .into_iter()
        .fold(None, |best: Option<(T, usize)>, (v, n)| match &best {
            Some((_, m)) if *m >= n => best,
            _ => Some((v, n)),
        })
        .map(|(v, _)| v)
}

impl TableEncoding {
    /// Learns the encoding of `selection`'s columns from `rows` of `table` (the training
    /// rows, after [`Selection::usable_rows`]).
    ///
    /// # Errors
    /// A column to impute with no value in the training rows; a classification target
    /// with fewer than two distinct labels there, or a `positive_class` that is not one (or
    /// is given for more than two labels).
    pub fn fit(
        table: &RawTable,
        selection: &Selection,
        options: &EncodeOptions,
        na_values: &[String],
        rows: &[usize],
    ) -> Result<Self, DataError> {
        let all_missing = |c: usize| DataError::AllMissing {
            path: table.source.clone(),
            column: table.names[c].clone(),
        };
        let mut numeric = Vec::new();
        for &c in &selection.numeric {
            let Some(values) = table.numeric(c) else {
                return Err(DataError::NotNumeric {
                    path: table.source.clone(),
                    at: table.place(0),
                    column: table.names[c].clone(),
                    text: table.text(c, 0).unwrap_or_default(),
                });
            };
            let mut present: Vec<f64> = if options.missing.imputes() {
                rows.iter()
                    .map(|&i| values[i])
                    .filter(|v| !v.is_nan())
                    .collect()
            } else {
                Vec::new()
            };
            let fill = match options.missing {
                MissingPolicy::Error | MissingPolicy::Drop => None,
                _ if present.is_empty() => return Err(all_missing(c)),
                MissingPolicy::Mean => Some(present.iter().sum::<f64>() / present.len() as f64),
                MissingPolicy::Median => {
                    present.sort_by(f64::total_cmp);
                    let m = present.len() / 2;
                    Some(if present.len() % 2 == 1 {
                        present[m]
                    } else {
                        (present[m - 1] + present[m]) / 2.0
                    })
                }
                MissingPolicy::MostFrequent => {
                    present.sort_by(f64::total_cmp);
                    let runs = present
                        .chunk_by(|a, b| a == b)
                        .map(|run| (run[0], run.len()));
                    most_frequent(runs)
                }
            };
            numeric.push(NumericColumn {
                name: table.names[c].clone(),
                fill,
            });
        }
        let mut categorical = Vec::new();
        for &c in &selection.categorical {
            let RawColumn::Text { codes, levels } = &table.columns[c] else {
                continue;
            };
            let mut counts = vec![0usize; levels.len()];
            let mut missing = 0;
            for &i in rows {
                match counts.get_mut(codes[i] as usize) {
                    Some(n) => *n += 1,
                    None => missing += 1,
                }
            }
            let mut seen: Vec<String> = levels
                .iter()
                .zip(&counts)
                .filter(|(_, &n)| n > 0)
                .map(|(l, _)| l.clone())
                .collect();
            let fill = if options.missing_level {
                if missing > 0 && !seen.iter().any(|l| l == MISSING_LEVEL) {
                    seen.push(MISSING_LEVEL.to_owned());
                }
                Some(MISSING_LEVEL.to_owned())
            } else if options.missing.imputes() {
                if seen.is_empty() {
                    return Err(all_missing(c));
                }
                let mut sorted = seen.clone();
                sort_levels(&mut sorted);
                let count: HashMap<&str, usize> = levels
                    .iter()
                    .zip(&counts)
                    .map(|(l, &n)| (l.as_str(), n))
                    .collect();
                let count = |l: &String| count.get(l.as_str()).copied().unwrap_or(0);
                most_frequent(sorted.iter().map(|l| (l.clone(), count(l))))
            } else {
                None
            };
            sort_levels(&mut seen);
            categorical.push(CategoricalColumn {
                name: table.names[c].clone(),
                levels: seen,
                fill,
            });
        }
        let target = &table.columns[selection.target];
        let labels = match target {
            RawColumn::Text { .. } if options.classification => Some(()),
            RawColumn::Numeric(_) if options.classification && options.positive_class.is_some() => {
                Some(())
            }
            _ => None,
        };
        let labels = match labels {
            None => None,
            Some(()) => {
                let mut distinct: Vec<String> = match target {
                    // The levels the rows use, by a count of their codes.
                    RawColumn::Text { codes, levels } => {
                        let mut used = vec![false; levels.len()];
                        for &i in rows {
                            if let Some(u) = used.get_mut(codes[i] as usize) {
                                *u = true;
                            }
                        }
                        levels
                            .iter()
                            .zip(used)
                            .filter(|(_, u)| *u)
                            .map(|(l, _)| l.clone())
                            .collect()
                    }
                    _ => {
                        let mut distinct: Vec<String> = Vec::new();
                        let mut index = HashMap::new();
                        for &i in rows {
                            if let Some(text) = table.text(selection.target, i) {
                                if !index.contains_key(&text) {
                                    index.insert(text.clone(), ());
                                    distinct.push(text);
                                }
                            }
                        }
                        distinct
                    }
                };
                sort_levels(&mut distinct);
                let shown = || {
                    let mut text = distinct
                        .iter()
                        .take(5)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ");
                    if distinct.len() > 5 {
                        text.push_str(", …");
                    }
                    text
                };
                if distinct.len() < 2 {
                    return Err(DataError::TooFewLabels {
                        path: table.source.clone(),
                        column: table.names[selection.target].clone(),
                        found: shown(),
                        count: distinct.len(),
                    });
                }
                if let Some(chosen) = &options.positive_class {
                    if distinct.len() > 2 {
                        return Err(DataError::PositiveClassOfMany {
                            path: table.source.clone(),
                            column: table.names[selection.target].clone(),
                            found: shown(),
                            count: distinct.len(),
                        });
                    }
                    if same_label(&distinct[0], chosen) {
                        distinct.swap(0, 1);
                    } else if !same_label(&distinct[1], chosen) {
                        return Err(DataError::UnknownLabel {
                            path: table.source.clone(),
                            column: table.names[selection.target].clone(),
                            label: chosen.clone(),
                            labels: distinct.join(", "),
                        });
                    }
                }
                Some(distinct)
            }
        };
        Ok(TableEncoding {
            numeric,
            categorical,
            target: table.names[selection.target].clone(),
            labels,
            id_column: selection.id.map(|c| table.names[c].clone()),
            na_values: na_values.to_vec(),
            missing: options.missing,
            unknown: options.unknown,
        })
    }

    /// The coefficients' names: the numeric columns', then `column=level` for each
    /// categorical column's levels after the reference.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.numeric.iter().map(|c| c.name.clone()).collect();
        for c in &self.categorical {
            names.extend(c.levels.iter().skip(1).map(|l| format!("{}={l}", c.name)));
        }
        names
    }

    /// The categorical columns' names (read as text however their values look).
    pub fn text_columns(&self) -> Vec<String> {
        self.categorical.iter().map(|c| c.name.clone()).collect()
    }

    /// Encodes `rows` of `table` (all rows when `None`), with the target when `target` is
    /// true and the identifiers when the encoding has an identifier column. The numeric
    /// features are copied out of the table; [`transform_into`](Self::transform_into) makes
    /// them in place.
    ///
    /// # Errors
    /// A column missing from `table`; a numeric column holding text; a missing value without a
    /// fill (naming the column, the count and the first place); a level unseen in training
    /// (with [`UnknownLevel::Error`]); a label that is not one of the two.
    pub fn transform(
        &self,
        table: &RawTable,
        rows: Option<&[usize]>,
        target: bool,
    ) -> Result<Encoded, DataError> {
        let all: Vec<usize>;
        let rows = match rows {
            Some(rows) => rows,
            None => {
                all = (0..table.nrows()).collect();
                &all
            }
        };
        let mut encoded = self.encode_columns(table, rows, target)?;
        encoded.dense = self.numeric_copy(table, rows)?;
        Ok(encoded)
    }

    /// Encodes `parts` of `table` (lists of rows, each increasing), consuming it: the first
    /// part's numeric features are made in the table's own block of numbers, in place (its rows
    /// and columns moved to the front, missing values filled), so that the numbers are never
    /// held twice; the other parts' (a test split, typically smaller) are copied out first.
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn transform_into(
        &self,
        mut table: RawTable,
        parts: &[&[usize]],
        target: bool,
    ) -> Result<Vec<Encoded>, DataError> {
        let mut encoded = Vec::with_capacity(parts.len());
        for (k, rows) in parts.iter().enumerate() {
            let mut part = self.encode_columns(&table, rows, target)?;
            if k > 0 {
                part.dense = self.numeric_copy(&table, rows)?;
            }
            encoded.push(part);
        }
        if let (Some(first), Some(rows)) = (encoded.first_mut(), parts.first()) {
            let slots = self.numeric_slots(&table)?;
            let numbers = std::mem::take(&mut table.numbers);
            first.dense = self.compact(numbers, rows, &slots, &table)?;
        }
        Ok(encoded)
    }

    /// The block column of each numeric feature in `table`.
    fn numeric_slots(&self, table: &RawTable) -> Result<Vec<usize>, DataError> {
        self.numeric
            .iter()
            .map(|spec| {
                let c = table.column(&spec.name)?;
                match &table.columns[c] {
                    RawColumn::Numeric(k) => Ok(*k),
                    RawColumn::Unsupported { kind } => Err(unsupported_type(table, c, kind)),
                    RawColumn::Text { .. } => {
                        let row = (0..table.nrows())
                            .find(|&i| !table.is_missing(c, i))
                            .unwrap_or(0);
                        Err(DataError::NotNumeric {
                            path: table.source.clone(),
                            at: table.place(row),
                            column: spec.name.clone(),
                            text: table.text(c, row).unwrap_or_default(),
                        })
                    }
                }
            })
            .collect()
    }

    /// The error for missing values in column `c` at `rows` that nothing fills.
    fn missing_values(table: &RawTable, c: usize, rows: &[usize], hint: &'static str) -> DataError {
        let mut bad = rows.iter().copied().filter(|&i| table.is_missing(c, i));
        let first = bad.next();
        DataError::MissingValues {
            path: table.source.clone(),
            column: table.names[c].clone(),
            count: usize::from(first.is_some()) + bad.count(),
            at: first.map_or_else(String::new, |i| table.place(i)),
            hint,
        }
    }

    /// The numeric features of `rows`, copied out of the table's block.
    fn numeric_copy(&self, table: &RawTable, rows: &[usize]) -> Result<Array2<f64>, DataError> {
        let slots = self.numeric_slots(table)?;
        let mut dense = Array2::zeros((rows.len(), slots.len()));
        for (mut out, &i) in dense.rows_mut().into_iter().zip(rows) {
            let source = table.numbers.row(i);
            for ((o, &slot), spec) in out.iter_mut().zip(&slots).zip(&self.numeric) {
                let v = source[slot];
                *o = match (v.is_nan(), spec.fill) {
                    (false, _) => v,
                    (true, Some(fill)) => fill,
                    (true, None) => {
                        let c = table.column(&spec.name)?;
                        return Err(Self::missing_values(table, c, rows, NO_IMPUTATION));
                    }
                };
            }
        }
        Ok(dense)
    }

    /// The numeric features of `rows` made in `numbers` itself: row `rows[k]`'s values at
    /// `slots` are moved to row `k`, columns `0..slots.len()`, in order. Reads never fall
    /// behind writes (`k ≤ rows[k]`, `j ≤ slots[j]`, both increasing), so one forward pass
    /// does it; the block is then cut to its new size.
    fn compact(
        &self,
        numbers: Array2<f64>,
        rows: &[usize],
        slots: &[usize],
        table: &RawTable,
    ) -> Result<Array2<f64>, DataError> {
        let width = numbers.ncols();
        let p = slots.len();
        let mut values = if numbers.is_standard_layout() {
            numbers.into_raw_vec_and_offset().0
        } else {
            numbers
                .as_standard_layout()
                .into_owned()
                .into_raw_vec_and_offset()
                .0
        };
        let fills: Vec<Option<f64>> = self.numeric.iter().map(|spec| spec.fill).collect();
        let mut unfilled: Option<usize> = None;
        let unchanged = p == width
            && rows.len() * width == values.len()
            && slots.iter().enumerate().all(|(j, &s)| j == s);
        // Every row and column where it is, and nothing missing (a flat scan, at the vector
        // width): nothing to move or fill.
        let complete = || {
            values
                .chunks(1 << 12)
                .all(|c| !c.iter().fold(false, |any, v| any | v.is_nan()))
        };
        let moved = if unchanged && complete() { &[] } else { rows };
        for (k, &i) in moved.iter().enumerate() {
            for (j, (&slot, fill)) in slots.iter().zip(&fills).enumerate() {
                let v = values[i * width + slot];
                let v = match (v.is_nan(), fill) {
                    (false, _) => v,
                    (true, Some(fill)) => *fill,
                    (true, None) => {
                        unfilled.get_or_insert(j);
                        v
                    }
                };
                if !unchanged || v.to_bits() != values[k * p + j].to_bits() {
                    values[k * p + j] = v;
                }
            }
        }
        if let Some(j) = unfilled {
            // The block is spent; the table's other parts still say where the values were.
            let c = table.column(&self.numeric[j].name)?;
            let mut count = 0;
            let mut first = None;
            for (k, &i) in rows.iter().enumerate() {
                if values[k * p + j].is_nan() {
                    count += 1;
                    first.get_or_insert(i);
                }
            }
            return Err(DataError::MissingValues {
                path: table.source.clone(),
                column: table.names[c].clone(),
                count,
                at: first.map_or_else(String::new, |i| table.place(i)),
                hint: NO_IMPUTATION,
            });
        }
        values.truncate(rows.len() * p);
        values.shrink_to_fit();
        Array2::from_shape_vec((rows.len(), p), values).map_err(|e| DataError::Malformed {
            path: table.source.clone(),
            line: 0,
            reason: e.to_string(),
        })
    }

    /// Everything but the numeric features of `rows`: the categorical codes, the target and
    /// the identifiers (the dense block is left with no columns).
    fn encode_columns(
        &self,
        table: &RawTable,
        rows: &[usize],
        target: bool,
    ) -> Result<Encoded, DataError> {
        let categorical = self
            .categorical
            .iter()
            .map(|spec| self.codes(spec, table, rows))
            .collect::<Result<_, _>>()?;
        let y = if target {
            Some(self.targets(table, rows)?)
        } else {
            None
        };
        // A file to predict on may come without the identifiers.
        let ids = self
            .id_column
            .as_deref()
            .and_then(|name| table.column(name).ok())
            .map(|c| {
                rows.iter()
                    .map(|&i| table.text(c, i).unwrap_or_default())
                    .collect()
            });
        Ok(Encoded {
            dense: Array2::zeros((rows.len(), 0)),
            categorical,
            y,
            ids,
        })
    }

    /// The codes of categorical column `spec` at `rows`.
    fn codes(
        &self,
        spec: &CategoricalColumn,
        table: &RawTable,
        rows: &[usize],
    ) -> Result<Categorical<'static>, DataError> {
        let c = table.column(&spec.name)?;
        let position: HashMap<&str, usize> = spec
            .levels
            .iter()
            .enumerate()
            .map(|(k, l)| (l.as_str(), k))
            .collect();
        // Level k of the encoding has coefficient k − 1; the reference (0) has none.
        let code_of = |k: usize| u32::try_from(k).map_or(Categorical::NONE, |k| k.wrapping_sub(1));
        // A fill level unseen in training is encoded as the reference.
        let fill = spec.fill.as_ref().map(|f| {
            position
                .get(f.as_str())
                .map_or(Categorical::NONE, |&k| code_of(k))
        });
        let unknown = |i: usize, level: String| DataError::UnknownLevel {
            path: table.source.clone(),
            at: table.place(i),
            column: spec.name.clone(),
            level,
        };
        let missing = || Self::missing_values(table, c, rows, NO_IMPUTATION);
        let mut codes = Vec::with_capacity(rows.len());
        match &table.columns[c] {
            RawColumn::Unsupported { kind } => return Err(unsupported_type(table, c, kind)),
            RawColumn::Text { codes: raw, levels } => {
                // Each of the table's levels is looked up once.
                let map: Vec<Option<u32>> = levels
                    .iter()
                    .map(|l| position.get(l.as_str()).map(|&k| code_of(k)))
                    .collect();
                for &i in rows {
                    codes.push(match raw[i] {
                        RawColumn::MISSING => fill.ok_or_else(missing)?,
                        k => match map[k as usize] {
                            Some(code) => code,
                            None if self.unknown == UnknownLevel::Ignore => Categorical::NONE,
                            None => return Err(unknown(i, levels[k as usize].clone())),
                        },
                    });
                }
            }
            RawColumn::Numeric(slot) => {
                for &i in rows {
                    let v = table.numbers[[i, *slot]];
                    codes.push(if v.is_nan() {
                        fill.ok_or_else(missing)?
                    } else {
                        let text = v.to_string();
                        match position.get(text.as_str()) {
                            Some(&k) => code_of(k),
                            None if self.unknown == UnknownLevel::Ignore => Categorical::NONE,
                            None => return Err(unknown(i, text)),
                        }
                    });
                }
            }
        }
        let levels = spec.levels.len().saturating_sub(1);
        Categorical::new(codes, levels).map_err(|e| DataError::Malformed {
            path: table.source.clone(),
            line: 0,
            reason: e.to_string(),
        })
    }

    /// The target at `rows`: its numbers, or for a target read as labels each label's class
    /// `k` (its place in [`labels`](Self::labels): 0/1 for two).
    fn targets(&self, table: &RawTable, rows: &[usize]) -> Result<Array1<f64>, DataError> {
        let c = table.column(&self.target)?;
        unsupported(table, c)?;
        let mut y = Array1::zeros(rows.len());
        let class_of = |labels: &[String], text: &str| {
            labels
                .iter()
                .position(|l| same_label(l, text))
                .map(|k| k as f64)
        };
        if let (Some(labels), RawColumn::Text { codes, levels }) = (&self.labels, &table.columns[c])
        {
            // Each of the table's levels is compared with the labels once.
            let class: Vec<Option<f64>> = levels.iter().map(|l| class_of(labels, l)).collect();
            let all_known = rows.iter().all(|&i| {
                codes
                    .get(i)
                    .and_then(|&k| class.get(k as usize))
                    .is_some_and(Option::is_some)
            });
            if all_known {
                for (out, &i) in y.iter_mut().zip(rows) {
                    *out = class[codes[i] as usize].unwrap_or(f64::NAN);
                }
                return Ok(y);
            }
            // A missing or unknown label: the row-by-row loop below says which.
        }
        for (out, &i) in y.iter_mut().zip(rows) {
            if table.is_missing(c, i) {
                return Err(Self::missing_values(
                    table,
                    c,
                    rows,
                    "a target cannot be imputed; --missing drop leaves those rows out",
                ));
            }
            *out = match (&self.labels, &table.columns[c]) {
                (None, RawColumn::Numeric(slot)) => table.numbers[[i, *slot]],
                (None, _) => {
                    return Err(DataError::NotNumeric {
                        path: table.source.clone(),
                        at: table.place(i),
                        column: self.target.clone(),
                        text: table.text(c, i).unwrap_or_default(),
                    })
                }
                (Some(labels), _) => {
                    let text = table.text(c, i).unwrap_or_default();
                    match class_of(labels, &text) {
                        Some(k) => k,
                        None => {
                            return Err(DataError::UnknownLabel {
                                path: table.source.clone(),
                                column: self.target.clone(),
                                label: text,
                                labels: labels.join(", "),
                            })
                        }
                    }
                }
            };
        }
        Ok(y)
    }

    /// The rows of `table` whose every feature (and, with `target`, the target) is present or
    /// has a fill: the rows a model fitted with [`MissingPolicy::Drop`] can score.
    ///
    /// # Errors
    /// A column of the encoding missing from `table`.
    pub fn complete_rows(&self, table: &RawTable, target: bool) -> Result<Vec<usize>, DataError> {
        let mut checked = Vec::new();
        for c in &self.numeric {
            if c.fill.is_none() {
                checked.push(table.column(&c.name)?);
            }
        }
        for c in &self.categorical {
            if c.fill.is_none() {
                checked.push(table.column(&c.name)?);
            }
        }
        if target {
            checked.push(table.column(&self.target)?);
        }
        Ok((0..table.nrows())
            .filter(|&i| checked.iter().all(|&c| !table.is_missing(c, i)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{ReadOptions, Source};
    use std::io::Write;

    fn table(contents: &str, text: &[&str]) -> RawTable {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(contents.as_bytes()).unwrap();
        let options = ReadOptions {
            text_columns: text.iter().map(|s| (*s).to_owned()).collect(),
            ..ReadOptions::default()
        };
        RawTable::read(&Source::new(f.path()), &options).unwrap()
    }

    fn fit(t: &RawTable, roles: &Roles, options: &EncodeOptions) -> TableEncoding {
        let selection = Selection::new(t, roles, options).unwrap();
        let (rows, _) = selection.usable_rows(t, options).unwrap();
        TableEncoding::fit(t, &selection, options, &[], &rows).unwrap()
    }

    #[test]
    fn levels_sort_numerically_when_every_level_is_a_number() {
        let mut numbers = vec!["10".to_owned(), "9".into(), "-1.5".into()];
        sort_levels(&mut numbers);
        assert_eq!(numbers, ["-1.5", "9", "10"]);
        let mut words = vec!["b".to_owned(), "B".into(), "a".into(), "10".into()];
        sort_levels(&mut words);
        assert_eq!(words, ["10", "B", "a", "b"]);
    }

    #[test]
    fn imputation_statistics_are_scikit_learns() {
        let t = table("x,c,y\n1,b,0\n,a,1\n4,,0\n4,b,1\n2,a,0\n", &[]);
        let roles = Roles::default();
        let with = |missing| EncodeOptions {
            missing,
            classification: true,
            ..EncodeOptions::default()
        };
        let mean = fit(&t, &roles, &with(MissingPolicy::Mean));
        assert_eq!(mean.numeric[0].fill, Some(11.0 / 4.0));
        // Categorical columns take their most frequent level; a tie goes to the smallest.
        assert_eq!(mean.categorical[0].fill.as_deref(), Some("a"));
        let median = fit(&t, &roles, &with(MissingPolicy::Median));
        assert_eq!(median.numeric[0].fill, Some(3.0));
        let frequent = fit(&t, &roles, &with(MissingPolicy::MostFrequent));
        assert_eq!(frequent.numeric[0].fill, Some(4.0));
        assert_eq!(mean.feature_names(), ["x", "c=b"]);
        let encoded = mean.transform(&t, None, true).unwrap();
        assert_eq!(encoded.dense.column(0).to_vec(), [1.0, 2.75, 4.0, 4.0, 2.0]);
        // a is the reference (no coefficient); the blank became a.
        assert_eq!(
            encoded.categorical[0].codes(),
            [
                0,
                Categorical::NONE,
                Categorical::NONE,
                0,
                Categorical::NONE
            ]
        );
    }

    #[test]
    fn a_numeric_column_named_categorical_is_read_as_text_and_sorted_as_numbers() {
        let t = table("grade,y\n10,1\n9,0\n10,0\n2,1\n", &["grade"]);
        let roles = Roles {
            categorical: vec!["grade".into()],
            ..Roles::default()
        };
        let options = EncodeOptions {
            classification: true,
            ..EncodeOptions::default()
        };
        let e = fit(&t, &roles, &options);
        assert_eq!(e.categorical[0].levels, ["2", "9", "10"]);
        assert_eq!(e.feature_names(), ["grade=9", "grade=10"]);
    }
}
