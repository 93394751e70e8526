//! `descent eval`.

use crate::output::{self, Metrics};
use crate::predict::scale_features;
use crate::Outcome;
use anyhow::{bail, Result};
use clap::ValueEnum;
use descent_models::data::Dataset;
use descent_models::ModelFile;
use ndarray::Axis;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {
    /// A model file written by `descent fit --out`.
    #[arg(long)]
    model: PathBuf,
    /// A CSV file with the model's feature columns and its target column.
    #[arg(long)]
    data: PathBuf,
    /// The target column's name (default: the one the model was fitted on).
    #[arg(long)]
    target: Option<String>,
    /// Which rows to score. Default: for a model fitted with --test-size, on the file it was
    /// fitted on, the held-out (test) rows; otherwise all rows.
    #[arg(long, value_enum)]
    rows: Option<Rows>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The rows of a data file to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
enum Rows {
    /// Every row of the file.
    All,
    /// The rows the model was fitted on (needs a model fitted with --test-size).
    Train,
    /// The rows held out when the model was fitted (needs a model fitted with --test-size).
    Test,
}

#[derive(Debug, Serialize)]
struct Evaluation {
    rows: Rows,
    #[serde(flatten)]
    metrics: Metrics,
}

pub(crate) fn run(args: &EvalArgs, out: &mut impl Write) -> Result<Outcome> {
    let file = ModelFile::load(&args.model)?;
    let target = args.target.as_deref().unwrap_or(&file.target_name);
    let mut data = Dataset::from_csv_columns(&args.data, &file.feature_names, target)?;
    let fitted_on_this_file = file.split.filter(|split| split.matches(data.y.view()));
    let rows = match (args.rows, file.split, fitted_on_this_file) {
        (Some(Rows::All) | None, _, None) => Rows::All,
        (Some(rows), _, Some(_)) => rows,
        (None, _, Some(_)) => Rows::Test,
        (Some(_), None, None) => bail!(
            "--rows train and test need a model fitted with --test-size; {} was fitted on all its rows",
            args.model.display()
        ),
        (Some(_), Some(split), None) => bail!(
            "{} is not the file the model was fitted on ({} rows with another target column, where the split had {}): its held-out rows are unknown; use --rows all",
            args.data.display(),
            data.y.len(),
            split.rows
        ),
    };
    let mut label = args.data.display().to_string();
    if let (Some(split), Rows::Train | Rows::Test) = (fitted_on_this_file, rows) {
        let test = split.test_rows()?;
        let chosen = if rows == Rows::Test {
            test
        } else {
            let mut held_out = test.into_iter().peekable();
            (0..split.rows)
                .filter(|r| {
                    if held_out.peek() == Some(r) {
                        held_out.next();
                        false
                    } else {
                        true
                    }
                })
                .collect()
        };
        data.x = data.x.select(Axis(0), &chosen);
        data.y = data.y.select(Axis(0), &chosen);
        label = format!(
            "{label} ({} rows of the split: --test-size {}, --seed {})",
            if rows == Rows::Test { "test" } else { "train" },
            split.test_size,
            split.seed
        );
    }
    scale_features(&file, &mut data.x)?;
    let metrics = Metrics::of(&file.model, data.x.view(), data.y.view())?;
    if args.json {
        output::write_json(out, &Evaluation { rows, metrics })?;
    } else {
        output::write_metrics(out, &label, &metrics)?;
    }
    Ok(Outcome::done())
}
