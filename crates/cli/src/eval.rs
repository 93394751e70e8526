//! `descent eval`.

use crate::data::{ForModel, UnknownLevelArg};
use crate::fit::Dtype;
use crate::output::{self, Metrics};
use crate::Outcome;
use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use descent_models::ModelFile;
use descent_objectives::Element;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {
    /// A model file written by `descent fit --out`.
    #[arg(long)]
    model: PathBuf,
    /// A data file with the model's feature columns and its target column (- for standard
    /// input); for a model fitted on a raw table, raw rows as at fit time.
    #[arg(long)]
    data: PathBuf,
    /// The field delimiter (default: detected from the header), for a model fitted on a table.
    #[arg(long, value_parser = crate::data::delimiter)]
    delimiter: Option<u8>,
    /// A category level the model did not see in training: error, or ignore (encoded as the
    /// reference level); default: as the model was fitted.
    #[arg(long, value_enum)]
    unknown_level: Option<UnknownLevelArg>,
    /// The target column's name (default: the one the model was fitted on).
    #[arg(long)]
    target: Option<String>,
    /// Which rows to score. Default: for a model fitted with --test-size, on the file it was
    /// fitted on, the held-out (test) rows; otherwise all rows.
    #[arg(long, value_enum)]
    rows: Option<Rows>,
    /// A column of sample weights: the scores become weighted means, as scikit-learn's
    /// metrics with sample_weight= (finite weights, 0 or more).
    #[arg(long)]
    weight_column: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// How the features are stored while scoring, as `descent fit --dtype` (f32: half the
    /// memory; every sum still in f64).
    #[arg(long, value_enum, default_value_t = Dtype::F64)]
    dtype: Dtype,
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
    match args.dtype {
        Dtype::F64 => eval_as::<f64>(args, out),
        Dtype::F32 => eval_as::<f32>(args, out),
    }
}

/// [`run`] with the features stored as `T`.
fn eval_as<T: Element>(args: &EvalArgs, out: &mut impl Write) -> Result<Outcome> {
    let file = ModelFile::load(&args.model)?;
    let target = args.target.as_deref().unwrap_or(&file.target_name);
    let mut data = crate::data::read_for_model::<T>(
        &file,
        &args.data,
        &ForModel {
            weight_column: args.weight_column.as_deref(),
            target: Some(target),
            id_column: None,
            delimiter: args.delimiter,
            unknown_level: args.unknown_level,
        },
    )?;
    let y = data.y.clone().context("the target")?;
    let fitted_on_this_file = file.split.filter(|split| split.matches(y.view()));
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
            y.len(),
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
        data.select(&chosen)?;
        label = format!(
            "{label} ({} rows of the split: --test-size {}, --seed {})",
            if rows == Rows::Test { "test" } else { "train" },
            split.test_size,
            split.seed
        );
    }
    if data.dropped_rows > 0 {
        label = format!(
            "{label}, {} rows with missing values left out as at fit time",
            data.dropped_rows
        );
    }
    let y = data.y.clone().context("the target")?;
    if let Some(name) = &args.weight_column {
        label = format!("{label}, weighted by {name}");
    }
    let w = data.w.as_ref().map(ndarray::Array1::view);
    let metrics = Metrics::of(&file.model, &data.design()?, y.view(), w)?;
    if args.json {
        output::write_json(out, &Evaluation { rows, metrics })?;
    } else {
        output::write_metrics(out, &label, &metrics)?;
    }
    Ok(Outcome::done())
}
