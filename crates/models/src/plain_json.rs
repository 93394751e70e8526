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
