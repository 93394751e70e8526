//! The feature matrix a linear model's loss borrows: `f64`, or `f32` for half the memory and
//! half the bandwidth, with every product and sum taken in `f64`.

use crate::{ObjectiveError, RowMoments};
use ndarray::{Array2, ArrayView2, CowArray, Ix2};
use std::borrow::Cow;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for f32 {}
}

/// A type a feature matrix can be stored as: `f64` or `f32`.
///
/// The kernels read stored values and widen them to `f64` (exactly: every `f32` is an `f64`)
/// before any arithmetic, so an `f32` matrix gives the same results, to the bit, as an `f64`
/// matrix holding the same values. What `f32` storage changes is the data: a value rounded to
/// `f32` (24 bits, about 7 significant digits) is a slightly different value, and the fit is
/// that of the rounded data (the project's README gives the objective gaps this makes).
pub trait Element:
    Copy + Into<f64> + Send + Sync + std::fmt::Debug + 'static + bytemuck::Pod + sealed::Sealed
{
    /// The type's name, as `--dtype` spells it: `"f64"` or `"f32"`.
    const NAME: &'static str;

    /// `v` in this type, rounded to nearest (`f64` to `f32`: a value beyond `f32`'s range,
    /// about ±3.4·10³⁸, becomes infinite, which callers that store data must reject).
    fn from_f64(v: f64) -> Self;

    /// A matrix of this type as [`Features`] (what `Features::from` does with it).
    fn features(x: ArrayView2<'_, Self>) -> Features<'_>;
}

impl Element for f64 {
    const NAME: &'static str = "f64";
    fn from_f64(v: f64) -> Self {
        v
    }
    fn features(x: ArrayView2<'_, Self>) -> Features<'_> {
        Features::F64(x)
    }
}

impl Element for f32 {
    const NAME: &'static str = "f32";
    #[allow(
        clippy::cast_possible_truncation,
        reason = "rounding to f32 is what storing as f32 means"
    )]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn features(x: ArrayView2<'_, Self>) -> Features<'_> {
        if x.is_standard_layout() {
            Features::F32(CowArray::from(x))
        } else {
            Features::F32(CowArray::from(x.as_standard_layout().into_owned()))
        }
    }
}

/// A borrowed feature matrix `X` (one row per sample), stored as `f64` or as `f32`.
///
/// The losses take anything that converts into this: `&Array2<f64>`, `ArrayView2<f64>`, and the
/// same for `f32`. An `f64` matrix is always borrowed. An `f32` matrix is borrowed when it is
/// row-major and contiguous (what a CSV reader or numpy's default layout gives); any other
/// `f32` layout is copied once into row-major order, since the `f32` path has only the
/// row-major kernels (an `f64` matrix of another layout goes through BLAS instead).
///
/// ```
/// use descent_objectives::{Features, Gradient, LogLoss};
/// use ndarray::array;
///
/// let x64 = array![[0.5, -1.25], [2.0, 0.75], [-1.5, 1.0]];
/// let x32 = x64.mapv(|v| v as f32);
/// let y = array![0.0, 1.0, 1.0];
/// let w = array![0.3, -0.2, 0.1];
/// // These values are exact in f32: the two losses agree to the bit.
/// let (v64, g64) = LogLoss::new(&x64, &y)?.value_and_gradient(&w);
/// let (v32, g32) = LogLoss::new(&x32, &y)?.value_and_gradient(&w);
/// assert_eq!((v64, g64), (v32, g32));
/// assert_eq!(Features::from(&x32).dtype(), "f32");
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone)]
pub enum Features<'a> {
    /// Stored as `f64`, borrowed in any layout.
    F64(ArrayView2<'a, f64>),
    /// Stored as `f32`: borrowed when row-major, else a row-major copy.
    F32(CowArray<'a, f32, Ix2>),
}

impl Features<'_> {
    /// `N`, the number of rows (samples).
    pub fn nrows(&self) -> usize {
        match self {
            Features::F64(x) => x.nrows(),
            Features::F32(x) => x.nrows(),
        }
    }

    /// `p`, the number of columns (features).
    pub fn ncols(&self) -> usize {
        match self {
            Features::F64(x) => x.ncols(),
            Features::F32(x) => x.ncols(),
        }
    }

    /// `(N, p)`.
    pub fn dim(&self) -> (usize, usize) {
        (self.nrows(), self.ncols())
    }

    /// The stored type's name: `"f64"` or `"f32"`.
    pub fn dtype(&self) -> &'static str {
        match self {
            Features::F64(_) => f64::NAME,
            Features::F32(_) => f32::NAME,
        }
    }

    /// The bytes of one stored value: 8 for `f64`, 4 for `f32`.
    pub fn value_bytes(&self) -> usize {
        match self {
            Features::F64(_) => std::mem::size_of::<f64>(),
            Features::F32(_) => std::mem::size_of::<f32>(),
        }
    }

    /// The matrix in `f64`: the borrowed view itself when stored as `f64`, a widened copy when
    /// stored as `f32` (for the few computations that need BLAS on `f64`, such as a
    /// closed-form least-squares solve, which copy their data anyway).
    pub fn to_f64(&self) -> CowArray<'_, f64, Ix2> {
        match self {
            Features::F64(x) => CowArray::from(x.view()),
            Features::F32(x) => CowArray::from(x.mapv(f64::from)),
        }
    }

    /// Row `i` in `f64` (a copy of one row).
    ///
    /// # Panics
    /// `i` out of bounds, as indexing does.
    pub fn row_f64(&self, i: usize) -> ndarray::Array1<f64> {
        match self {
            Features::F64(x) => x.row(i).to_owned(),
            Features::F32(x) => x.row(i).mapv(f64::from),
        }
    }

    /// A view of the same matrix (borrowing this one).
    pub fn view(&self) -> Features<'_> {
        match self {
            Features::F64(x) => Features::F64(x.view()),
            Features::F32(x) => Features::F32(CowArray::from(x.view())),
        }
    }
}

impl<'a, T: Element> From<ArrayView2<'a, T>> for Features<'a> {
    fn from(x: ArrayView2<'a, T>) -> Self {
        T::features(x)
    }
}

impl<'a, T: Element> From<&'a Array2<T>> for Features<'a> {
    fn from(x: &'a Array2<T>) -> Self {
        T::features(x.view())
    }
}

impl<'a, 'b> From<&'b Features<'a>> for Features<'b> {
    fn from(x: &'b Features<'a>) -> Self {
        x.view()
    }
}

/// Runs `$body` with `$rows` bound to `X`'s values in row-major order, as a slice of the
/// stored type (`&[f64]` or `&[f32]`: the body is compiled for each), in a function that
/// returns an `Option`: `None` when `X` is not contiguous.
macro_rules! with_rows {
    ($x:expr, $rows:ident => $body:expr) => {
        match $x {
            $crate::Features::F64(x) => {
                let $rows = x.as_slice()?;
                $body
            }
            $crate::Features::F32(x) => {
                let $rows = x.as_slice()?;
                $body
            }
        }
    };
}
pub(crate) use with_rows;

/// A categorical feature stored as level codes, not as a one-hot matrix: row `i` is at level
/// `codes[i]`, which contributes the coefficient `w[codes[i]]` to its linear predictor
/// (`zᵢ += w_{codes[i]}`), the same as a column of indicators per level would, at one read
/// of one `u32` per row. A row whose code is [`Categorical::NONE`] contributes nothing: the
/// reference level of a drop-first encoding (scikit-learn's `OneHotEncoder(drop="first")`,
/// statsmodels' treatment coding), or a level unseen at fitting time.
///
/// ```
/// use descent_objectives::Categorical;
/// // Three rows at levels 1, (reference), 0 of a column with two coefficients.
/// let colour = Categorical::new(vec![1, Categorical::NONE, 0], 2)?;
/// assert_eq!(colour.levels(), 2);
/// assert_eq!(colour.codes(), &[1, u32::MAX, 0]);
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Categorical<'a> {
    codes: Cow<'a, [u32]>,
    levels: usize,
}

impl<'a> Categorical<'a> {
    /// The code of a row that takes no coefficient (the reference level, or an unseen one).
    pub const NONE: u32 = u32::MAX;

    /// A column of `codes`, each below `levels` or [`NONE`](Categorical::NONE).
    ///
    /// # Errors
    /// A code that is neither (the error names column 0: the column does not know its place
    /// in a design).
    pub fn new(codes: impl Into<Cow<'a, [u32]>>, levels: usize) -> Result<Self, ObjectiveError> {
        let codes = codes.into();
        if let Some(row) = codes
            .iter()
            .position(|&c| c != Self::NONE && c as usize >= levels)
        {
            return Err(ObjectiveError::InvalidLevelCode {
                column: 0,
                row,
                code: codes[row],
                levels,
            });
        }
        Ok(Categorical { codes, levels })
    }

    /// The code of each row.
    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The number of levels that have a coefficient.
    pub fn levels(&self) -> usize {
        self.levels
    }

    /// How many rows are at each level.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.levels];
        for &c in self.codes.iter() {
            if let Some(n) = counts.get_mut(c as usize) {
                *n += 1;
            }
        }
        counts
    }

    /// A view of the same column (borrowing this one).
    pub fn view(&self) -> Categorical<'_> {
        Categorical {
            codes: Cow::Borrowed(&self.codes),
            levels: self.levels,
        }
    }
}

/// The design matrix of a linear model: a dense block of numeric features ([`Features`]),
/// then categorical columns ([`Categorical`]), each standing for its levels' indicator
/// columns without storing them. The coefficients follow the same order: the dense block's
/// `p`, then each categorical column's levels in turn.
///
/// Everything that takes a feature matrix takes this; a plain matrix converts into a design
/// without categorical columns.
///
/// ```
/// use descent_objectives::{Categorical, DesignMatrix, Gradient, LogLoss};
/// use ndarray::array;
/// let dense = array![[0.5], [1.5], [-1.0], [2.0]];
/// let design = DesignMatrix::new(&dense, vec![Categorical::new(vec![0, 1, Categorical::NONE, 1], 2)?])?;
/// assert_eq!(design.ncols(), 3);
/// let one_hot = array![[0.5, 1.0, 0.0], [1.5, 0.0, 1.0], [-1.0, 0.0, 0.0], [2.0, 0.0, 1.0]];
/// let y = array![0.0, 1.0, 0.0, 1.0];
/// let w = array![0.3, -0.2, 0.7, 0.1];
/// let (v1, g1) = LogLoss::new(design, &y)?.value_and_gradient(&w);
/// let (v2, g2) = LogLoss::new(&one_hot, &y)?.value_and_gradient(&w);
/// assert!((v1 - v2).abs() < 1e-15 && (&g1 - &g2).iter().all(|d| d.abs() < 1e-15));
/// # Ok::<(), descent_objectives::ObjectiveError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DesignMatrix<'a> {
    dense: Features<'a>,
    categorical: Vec<Categorical<'a>>,
    /// The dense block's moments with the targets, made elsewhere (a data cache's).
    moments: Option<&'a RowMoments>,
}

impl<'a> DesignMatrix<'a> {
    /// A dense block and categorical columns with one code per row of it (a dense block of
    /// no columns, `N × 0`, when every feature is categorical).
    ///
    /// # Errors
    /// A categorical column whose length differs from the dense block's row count.
    pub fn new(
        dense: impl Into<Features<'a>>,
        categorical: Vec<Categorical<'a>>,
    ) -> Result<Self, ObjectiveError> {
        let dense = dense.into();
        if let Some(c) = categorical.iter().find(|c| c.codes.len() != dense.nrows()) {
            return Err(ObjectiveError::ShapeMismatch {
                what: "a categorical column (one code per row of the dense features)",
                expected: dense.nrows(),
                found: c.codes.len(),
            });
        }
        Ok(DesignMatrix {
            dense,
            categorical,
            moments: None,
        })
    }

    /// The same design, carrying `moments` of its dense block's rows and the targets a loss
    /// will be built with (see [`RowMoments`]): a loss then takes its column statistics from
    /// them instead of a pass over `X`, when they check out against its rows and targets.
    #[must_use]
    pub fn with_moments(mut self, moments: &'a RowMoments) -> Self {
        self.moments = Some(moments);
        self
    }

    /// The moments the design carries ([`with_moments`](Self::with_moments)).
    pub fn moments(&self) -> Option<&'a RowMoments> {
        self.moments
    }

    /// The dense block.
    pub fn dense(&self) -> &Features<'a> {
        &self.dense
    }

    /// The categorical columns.
    pub fn categorical(&self) -> &[Categorical<'a>] {
        &self.categorical
    }

    /// `N`, the number of rows.
    pub fn nrows(&self) -> usize {
        self.dense.nrows()
    }

    /// The number of coefficients: the dense block's columns plus every categorical column's
    /// levels.
    pub fn ncols(&self) -> usize {
        self.dense.ncols() + self.categorical.iter().map(|c| c.levels).sum::<usize>()
    }

    /// A view of the same design (borrowing this one).
    pub fn view(&self) -> DesignMatrix<'_> {
        DesignMatrix {
            dense: self.dense.view(),
            categorical: self.categorical.iter().map(Categorical::view).collect(),
            moments: self.moments,
        }
    }

    /// The parts, moved out.
    pub fn into_parts(self) -> (Features<'a>, Vec<Categorical<'a>>) {
        (self.dense, self.categorical)
    }
}

impl<'a> From<Features<'a>> for DesignMatrix<'a> {
    fn from(dense: Features<'a>) -> Self {
        DesignMatrix {
            dense,
            categorical: Vec::new(),
            moments: None,
        }
    }
}

impl<'a, 'b> From<&'b Features<'a>> for DesignMatrix<'b> {
    fn from(dense: &'b Features<'a>) -> Self {
        dense.view().into()
    }
}

impl<'a, T: Element> From<ArrayView2<'a, T>> for DesignMatrix<'a> {
    fn from(x: ArrayView2<'a, T>) -> Self {
        Features::from(x).into()
    }
}

impl<'a, T: Element> From<&'a Array2<T>> for DesignMatrix<'a> {
    fn from(x: &'a Array2<T>) -> Self {
        Features::from(x).into()
    }
}

impl<'a, 'b> From<&'b DesignMatrix<'a>> for DesignMatrix<'b> {
    fn from(x: &'b DesignMatrix<'a>) -> Self {
        x.view()
    }
}
