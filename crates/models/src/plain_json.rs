//! Serde adapters that write vectors as plain JSON arrays (`[1.0, 2.0]`) rather than
//! ndarray's `{"v": 1, "dim": [2], "data": [1.0, 2.0]}`, so that model files are easy to read
//! and to produce from other tools.

/// An `Array1<f64>` as a JSON array of numbers.
pub(crate) mod vector {
    use ndarray::Array1;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &Array1<f64>, s: S) -> Result<S::Ok, S::Error> {
        v.as_slice()
            .map_or_else(|| v.to_vec(), <[f64]>::to_vec)
            .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Array1<f64>, D::Error> {
        Vec::<f64>::deserialize(d).map(Array1::from)
    }
}

/// An `Array2<f64>` as a JSON array of its rows (`[[1.0, 2.0], [3.0, 4.0]]`).
pub(crate) mod matrix {
    use ndarray::Array2;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(m: &Array2<f64>, s: S) -> Result<S::Ok, S::Error> {
        let rows: Vec<Vec<f64>> = m.rows().into_iter().map(|r| r.to_vec()).collect();
        rows.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Array2<f64>, D::Error> {
        let rows = Vec::<Vec<f64>>::deserialize(d)?;
        let columns = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != columns) {
            return Err(D::Error::custom("the rows of a matrix differ in length"));
        }
        let n = rows.len();
        Array2::from_shape_vec((n, columns), rows.into_iter().flatten().collect())
            .map_err(D::Error::custom)
    }
}

/// A solver report whose points are `Array1<f64>`, with each point as a JSON array.
pub(crate) mod report {
    use descent_solvers::Report;
    use ndarray::Array1;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        r: &Report<Array1<f64>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        r.clone().map_points(|x| x.to_vec()).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Report<Array1<f64>>, D::Error> {
        Report::<Vec<f64>>::deserialize(d).map(|r| r.map_points(Array1::from))
    }
}
