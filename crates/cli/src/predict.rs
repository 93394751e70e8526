//! `descent predict`.

use crate::{args, Outcome};
use anyhow::{bail, Result};
use descent_models::data::{read_features, read_text_column};
use descent_models::{Model, ModelFile};
use ndarray::Array2;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct PredictArgs {
    /// A model file written by `descent fit --out`.
    #[arg(long)]
    model: PathBuf,
    /// The CSV file to predict on; it needs the model's feature columns (a target column, if
    /// present, is ignored).
    #[arg(long)]
    data: PathBuf,
    /// Print the probability of every class (logistic models only), one column per class.
    #[arg(long)]
    proba: bool,
    /// Decision threshold on P(positive class), strictly between 0 and 1 (logistic models
    /// only; default: the model's).
    #[arg(long, allow_hyphen_values = true, value_parser = args::fraction)]
    threshold: Option<f64>,
    /// A column of the data file to copy into the output, first, to identify each row.
    #[arg(long)]
    id_column: Option<String>,
    /// Print one JSON object instead of CSV.
    #[arg(long)]
    json: bool,
}

/// Puts features read for a saved model through the model's scaler, if it has one.
pub(crate) fn scale_features(file: &ModelFile, x: &mut Array2<f64>) -> Result<()> {
    if let Some(scaler) = &file.scaler {
        scaler.transform_in_place(x)?;
    }
    Ok(())
}

/// What `predict --json` prints.
#[derive(Debug, Serialize)]
struct Predictions {
    model: &'static str,
    rows: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    ids: Option<Vec<String>>,
    predictions: Vec<f64>,
    /// The classes, in the order of each row of `probabilities`.
    #[serde(skip_serializing_if = "Option::is_none")]
    classes: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    probabilities: Option<Vec<[f64; 2]>>,
}

pub(crate) fn run(args: &PredictArgs, out: &mut impl Write) -> Result<Outcome> {
    let file = ModelFile::load(&args.model)?;
    let mut x = read_features(&args.data, &file.feature_names)?;
    scale_features(&file, &mut x)?;
    let ids = match &args.id_column {
        Some(name) => {
            let ids = read_text_column(&args.data, name)?;
            if ids.len() != x.nrows() {
                bail!(
                    "--id-column {name}: {} values for {} rows",
                    ids.len(),
                    x.nrows()
                );
            }
            Some(ids)
        }
        None => None,
    };
    let kind = file.model.kind();
    let (predictions, classes, probabilities) = match file.model {
        Model::LogisticRegression(mut model) => {
            if let Some(t) = args.threshold {
                model = model.with_threshold(t)?;
            }
            let predictions = model.predict(x.view())?.to_vec();
            let both = model
                .predict_class_probabilities(x.view())?
                .rows()
                .into_iter()
                .map(|row| [row[0], row[1]])
                .collect();
            (predictions, Some(model.classes), Some(both))
        }
        Model::LinearRegression(model) => {
            if args.proba || args.threshold.is_some() {
                bail!(
                    "--proba and --threshold apply to logistic models; {} holds a linear regression",
                    args.model.display()
                );
            }
            (model.predict(x.view())?.to_vec(), None, None)
        }
    };
    if args.json {
        crate::output::write_json(
            out,
            &Predictions {
                model: kind,
                rows: predictions.len(),
                ids,
                predictions,
                classes,
                probabilities,
            },
        )?;
        return Ok(Outcome::done());
    }
    let mut csv = csv::Writer::from_writer(out);
    let mut header: Vec<String> = args.id_column.iter().cloned().collect();
    match (args.proba, classes) {
        (true, Some(classes)) => {
            header.extend(classes.iter().map(|c| format!("proba_{c}")));
        }
        _ => header.push("prediction".to_owned()),
    }
    csv.write_record(&header)?;
    for (i, prediction) in predictions.iter().enumerate() {
        let mut row: Vec<String> = ids.as_ref().map(|ids| ids[i].clone()).into_iter().collect();
        match (args.proba, &probabilities) {
            (true, Some(p)) => row.extend(p[i].iter().map(f64::to_string)),
            _ => row.push(prediction.to_string()),
        }
        csv.write_record(&row)?;
    }
    csv.flush()?;
    Ok(Outcome::done())
}
