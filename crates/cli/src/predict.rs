//! `descent predict`.

use crate::data::{self, ForModel, UnknownLevelArg};
use crate::fit::Dtype;
use crate::{args, Outcome};
use anyhow::{bail, Result};
use descent_models::{Model, ModelFile};
use descent_objectives::Element;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct PredictArgs {
    /// A model file written by `descent fit --out`.
    #[arg(long)]
    model: PathBuf,
    /// The data to predict on (- for standard input); it needs the model's feature columns
    /// (a target column, if present, is ignored). For a model fitted on a raw table, raw rows
    /// as at fit time: the model file holds the columns, levels and imputation values.
    #[arg(long)]
    data: PathBuf,
    /// Print the probability of every class (logistic models only), one column per class.
    #[arg(long)]
    proba: bool,
    /// Decision threshold on P(positive class), strictly between 0 and 1 (logistic models
    /// only; default: the model's).
    #[arg(long, allow_hyphen_values = true, value_parser = args::fraction)]
    threshold: Option<f64>,
    /// A column of the data file to copy into the output, first, to identify each row
    /// (default: the model's --id-column, when it had one).
    #[arg(long)]
    id_column: Option<String>,
    /// The field delimiter (default: detected from the header), for a model fitted on a table.
    #[arg(long, value_parser = data::delimiter)]
    delimiter: Option<u8>,
    /// A category level the model did not see in training: error, or ignore (encoded as the
    /// reference level); default: as the model was fitted.
    #[arg(long, value_enum)]
    unknown_level: Option<UnknownLevelArg>,
    /// Print one JSON object instead of CSV.
    #[arg(long)]
    json: bool,
    /// How the features are stored while predicting, as `descent fit --dtype` (f32: half the
    /// memory; every sum still in f64).
    #[arg(long, value_enum, default_value_t = Dtype::F64)]
    dtype: Dtype,
}

/// Predicted values: numbers, or the class labels as the training data spelled them.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Values {
    Numbers(Vec<f64>),
    Labels(Vec<String>),
}

/// What `predict --json` prints.
#[derive(Debug, Serialize)]
struct Predictions {
    model: &'static str,
    rows: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    ids: Option<Vec<String>>,
    predictions: Values,
    /// The classes, in the order of each row of `probabilities`.
    #[serde(skip_serializing_if = "Option::is_none")]
    classes: Option<Vec<f64>>,
    /// The classes' labels, when the target was read as labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    probabilities: Option<Vec<Vec<f64>>>,
}

pub(crate) fn run(args: &PredictArgs, out: &mut impl Write) -> Result<Outcome> {
    match args.dtype {
        Dtype::F64 => predict_as::<f64>(args, out),
        Dtype::F32 => predict_as::<f32>(args, out),
    }
}

/// [`run`] with the features stored as `T`.
fn predict_as<T: Element>(args: &PredictArgs, out: &mut impl Write) -> Result<Outcome> {
    let file = ModelFile::load(&args.model)?;
    let rows = data::read_for_model::<T>(
        &file,
        &args.data,
        &ForModel {
            weight_column: None,
            target: None,
            id_column: args.id_column.as_deref(),
            delimiter: args.delimiter,
            unknown_level: args.unknown_level,
        },
    )?;
    let x = rows.design()?;
    let labels = file.encoding.as_ref().and_then(|e| e.labels.clone());
    let kind = file.model.kind();
    let (predictions, classes, probabilities) = match file.model {
        Model::LogisticRegression(mut model) => {
            if let Some(t) = args.threshold {
                model = model.with_threshold(t)?;
            }
            let predictions = model.predict(&x)?.to_vec();
            let both = crate::output::rows(&model.predict_class_probabilities(&x)?);
            (predictions, Some(model.classes.to_vec()), Some(both))
        }
        Model::MultinomialLogisticRegression(model) => {
            if args.threshold.is_some() {
                bail!(
                    "--threshold applies to binary logistic models; {} holds a multinomial model of {} classes (it predicts the most probable one)",
                    args.model.display(),
                    model.n_classes()
                );
            }
            let predictions = model.predict(&x)?.to_vec();
            let all = crate::output::rows(&model.predict_proba(&x)?);
            (predictions, Some(model.classes.clone()), Some(all))
        }
        Model::LinearRegression(model) => {
            if args.proba || args.threshold.is_some() {
                bail!(
                    "--proba and --threshold apply to logistic models; {} holds a linear regression",
                    args.model.display()
                );
            }
            (model.predict(&x)?.to_vec(), None, None)
        }
    };
    // Class k of the model (its classes[k]) is label k of the encoding.
    let label_of = |p: f64| -> String {
        match (&labels, &classes) {
            (Some(l), Some(c)) => c
                .iter()
                .position(|&k| k == p)
                .and_then(|k| l.get(k))
                .cloned()
                .unwrap_or_else(|| p.to_string()),
            _ => p.to_string(),
        }
    };
    let ids = rows.ids.clone();
    let column_names: Vec<String> = match (&labels, &classes) {
        (Some(l), _) => l.iter().map(|c| format!("proba_{c}")).collect(),
        (None, Some(c)) => c.iter().map(|c| format!("proba_{c}")).collect(),
        _ => Vec::new(),
    };
    if args.json {
        let values = match &labels {
            Some(_) => Values::Labels(predictions.iter().map(|&p| label_of(p)).collect()),
            None => Values::Numbers(predictions),
        };
        crate::output::write_json(
            out,
            &Predictions {
                model: kind,
                rows: x.nrows(),
                ids,
                predictions: values,
                classes,
                labels,
                probabilities,
            },
        )?;
        return Ok(Outcome::done());
    }
    let mut csv = csv::Writer::from_writer(out);
    let id_name = args
        .id_column
        .clone()
        .or_else(|| file.encoding.as_ref().and_then(|e| e.id_column.clone()));
    let mut header: Vec<String> = ids.as_ref().and(id_name).into_iter().collect();
    match (args.proba, &classes) {
        (true, Some(_)) => header.extend(column_names),
        _ => header.push("prediction".to_owned()),
    }
    csv.write_record(&header)?;
    for (i, prediction) in predictions.iter().enumerate() {
        let mut row: Vec<String> = ids.as_ref().map(|ids| ids[i].clone()).into_iter().collect();
        match (args.proba, &probabilities) {
            (true, Some(p)) => row.extend(p[i].iter().map(f64::to_string)),
            _ => row.push(label_of(*prediction)),
        }
        csv.write_record(&row)?;
    }
    csv.flush()?;
    Ok(Outcome::done())
}
