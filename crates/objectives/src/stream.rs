//! Rows read from their source pass by pass: a data set that is never held in memory, not
//! even as a data cache, because each pass reads it again (a CSV file parsed chunk by chunk,
//! a Parquet file decoded row group by row group).
//!
//! A [`RowSource`] hands its rows over in blocks, in row order. A [`StreamedLoss`] evaluates
//! the log loss or the mean squared error of all the rows by one pass over the source per
//! evaluation: each block is evaluated by the in-memory kernels and its chunks' partial sums
//! carry on from the blocks before it, exactly as the shares of rows shared among processes
//! carry on from the processes before them ([`RowShare`]): the blocks are the shares of one
//! process, taken one after another. The chunks are those of the whole data set (every block
//! but the last holds a whole number of [`ROW_BLOCK`] rows) and their sums are added in row
//! order, so values, gradients and Hessians are those of the in-memory loss of all the rows,
//! **to the bit**, for any block size and any number of threads.
//!
//! Memory: one block of rows (and what the source needs to read it). Time: one read of the
//! source per evaluation, so a solver that needs few passes (Newton, L-BFGS) is the one to
//! use; a data cache read through a memory map is cheaper per pass when the disk can hold it.

use crate::linear::{DataSummary, Design};
use crate::{
    ColumnStatistics, Features, Gradient, Hessian, LinearModelLoss, LogLoss, MeanSquaredError,
    Objective, ObjectiveError, RowGroup, RowShare, ROW_BLOCK,
};
use ndarray::{Array1, Array2, ArrayView1, CowArray, Ix1};
use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A block of a stream's rows: where it begins in the whole data set, its features (one row
/// per sample, contiguous in row-major order) and its targets.
#[derive(Debug, Clone)]
pub struct RowBlock<'a> {
    /// The index in the whole data set of the block's first row.
    pub first_row: usize,
    /// The block's features.
    pub x: Features<'a>,
    /// The block's targets, one per row.
    pub y: ArrayView1<'a, f64>,
}

/// A data set read pass by pass, in blocks of rows, in row order.
///
/// Every pass must hand over the same rows: blocks of [`block_rows`](RowSource::block_rows)
/// rows (the last may be shorter), the first beginning at row 0 and each where the one before
/// it ended, [`rows`](RowSource::rows) rows in all. A [`StreamedLoss`] checks this on every
/// pass and fails rather than sum a data set that changed.
///
/// ```
/// use descent_objectives::{RowBlock, RowSource};
/// use ndarray::{s, Array1, Array2};
/// use std::ops::ControlFlow;
///
/// /// An in-memory matrix handed over in blocks (a file reader would parse each block).
/// struct Blocks { x: Array2<f64>, y: Array1<f64>, block_rows: usize }
///
/// impl RowSource for Blocks {
///     type Error = std::convert::Infallible;
///     fn rows(&self) -> usize { self.x.nrows() }
///     fn columns(&self) -> usize { self.x.ncols() }
///     fn block_rows(&self) -> usize { self.block_rows }
///     fn pass(
///         &self,
///         visit: &mut dyn FnMut(RowBlock<'_>) -> ControlFlow<()>,
///     ) -> Result<(), Self::Error> {
///         for first_row in (0..self.rows()).step_by(self.block_rows) {
///             let rows = first_row..(first_row + self.block_rows).min(self.rows());
///             let block = RowBlock {
///                 first_row,
///                 x: self.x.slice(s![rows.clone(), ..]).into(),
///                 y: self.y.slice(s![rows]),
///             };
///             if visit(block).is_break() {
///                 break;
///             }
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait RowSource {
    /// Why a pass could not read the rows (the file's error, say).
    type Error: std::error::Error + Send + Sync + 'static;

    /// The number of rows of the whole data set (at least one).
    fn rows(&self) -> usize;

    /// The number of features.
    fn columns(&self) -> usize;

    /// The rows of every block but the last: a positive multiple of [`ROW_BLOCK`].
    fn block_rows(&self) -> usize;

    /// One pass: hands every block to `visit`, in row order, and stops early when `visit`
    /// breaks.
    ///
    /// # Errors
    /// The source's, when it cannot read its rows.
    fn pass(
        &self,
        visit: &mut dyn FnMut(RowBlock<'_>) -> ControlFlow<()>,
    ) -> Result<(), Self::Error>;
}

/// Why a streamed loss could not be evaluated: its source failed to read the rows, or the
/// rows are not valid data for the loss.
#[derive(Debug, thiserror::Error)]
pub enum StreamError<E> {
    /// The source could not read its rows.
    #[error(transparent)]
    Source(E),
    /// The rows are not valid for the loss (rows counted in the whole data set), or the
    /// source handed over blocks that do not fit together.
    #[error(transparent)]
    Objective(#[from] ObjectiveError),
}

thread_local! {
    /// Whether this thread is in a pass over a stream: the kernels then count no pass of
    /// their own for each block (the stream counts one for all of them).
    static IN_STREAM: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is in a pass over a stream.
pub(crate) fn in_stream() -> bool {
    IN_STREAM.get()
}

/// Marks this thread as in a pass over a stream until dropped.
struct Streaming(bool);

impl Streaming {
    fn enter() -> Self {
        Streaming(IN_STREAM.replace(true))
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        IN_STREAM.set(self.0);
    }
}

/// Vectors sent from one block of a pass to the next, in the order they were sent.
#[derive(Debug, Default)]
struct Carried(Mutex<VecDeque<Vec<f64>>>);

impl Carried {
    fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Vec<f64>>> {
        lock(&self.0)
    }
}

/// A block of a pass as a process of a [`RowGroup`]: rank `k` of the `size` blocks. The
/// blocks run one after another in this thread, so what a block sends to the next waits in a
/// queue (`to_next`, the next block's `from_before`), and a block cannot see the blocks after
/// it: a broadcast gives each block the state of the rows so far, which is the whole data
/// set's at the last block (the one whose results a [`StreamedLoss`] returns).
#[derive(Debug)]
struct BlockOfPass {
    from_before: Arc<Carried>,
    to_next: Arc<Carried>,
    rank: usize,
    size: usize,
}

impl RowGroup for BlockOfPass {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn send(&self, _to: usize, values: &[f64]) {
        self.to_next.queue().push_back(values.to_vec());
    }
    fn receive(&self, _from: usize) -> Vec<f64> {
        // Every block makes the same calls in the same order (the same code on the same
        // parameters), so what the block before it sent is there, in order.
        self.from_before.queue().pop_front().unwrap_or_default()
    }
    fn broadcast(&self, _root: usize, values: Vec<f64>) -> Vec<f64> {
        values
    }
}

/// The loss a [`StreamedLoss`] sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Log,
    Squared,
}

/// One block's loss.
enum BlockLoss<'b> {
    Log(LogLoss<'b>),
    Squared(MeanSquaredError<'b>),
}

impl BlockLoss<'_> {
    fn value(&self, params: &Array1<f64>) -> f64 {
        match self {
            BlockLoss::Log(l) => l.value(params),
            BlockLoss::Squared(l) => l.value(params),
        }
    }
    fn value_and_gradient(&self, params: &Array1<f64>) -> (f64, Array1<f64>) {
        match self {
            BlockLoss::Log(l) => l.value_and_gradient(params),
            BlockLoss::Squared(l) => l.value_and_gradient(params),
        }
    }
    fn hessian(&self, params: &Array1<f64>) -> Array2<f64> {
        match self {
            BlockLoss::Log(l) => l.hessian(params),
            BlockLoss::Squared(l) => l.hessian(params),
        }
    }
}

/// The log loss or the mean squared error of every row of a [`RowSource`], evaluated by one
/// pass over the source per evaluation: the values,
/// gradients and Hessians of [`LogLoss`] and [`MeanSquaredError`] on all the rows in memory,
/// to the bit, with one block of rows in memory at a time.
///
/// Each block is evaluated by the in-memory kernels, and its chunks' partial sums carry on
/// from the blocks before it, exactly as the shares of rows shared among processes carry on
/// from the processes before them ([`RowShare`]): the blocks are the shares of one process,
/// taken one after another. The chunks are those of the whole data set (every block but the
/// last holds a whole number of [`ROW_BLOCK`] rows) and are added in row order, so the
/// results do not depend on the block size or the number of threads. Memory: one block of
/// rows (and what the source needs to read it). Time: one read of the source per
/// evaluation, so a solver that needs few passes (Newton, L-BFGS) is the one to use. Once a
/// Hessian has been asked for, each value-and-gradient pass forms the Hessian at the same
/// point too, and the next [`hessian`](Hessian::hessian) at that point needs no pass: a
/// Newton iteration reads the source once.
///
/// Construction makes the checking pass of the in-memory losses over the stream (finiteness,
/// labels, column statistics), so a bad value is reported with its row in the whole data set.
///
/// An evaluation cannot return an error: should the source fail during a later pass (its
/// file removed, say), the evaluation returns NaN and the error is kept for
/// [`take_error`](StreamedLoss::take_error), which the caller of a solver should ask after
/// the solver returns (the solvers stop at a NaN).
///
/// ```
/// use descent_objectives::{Gradient, LogLoss, RowBlock, RowSource, StreamedLoss};
/// use ndarray::{s, Array1, Array2};
/// use std::ops::ControlFlow;
///
/// struct Blocks { x: Array2<f64>, y: Array1<f64> }
/// impl RowSource for Blocks {
///     type Error = std::convert::Infallible;
///     fn rows(&self) -> usize { self.x.nrows() }
///     fn columns(&self) -> usize { self.x.ncols() }
///     fn block_rows(&self) -> usize { 8192 }
///     fn pass(&self, visit: &mut dyn FnMut(RowBlock<'_>) -> ControlFlow<()>) -> Result<(), Self::Error> {
///         for first_row in (0..self.rows()).step_by(8192) {
///             let rows = first_row..(first_row + 8192).min(self.rows());
///             let block = RowBlock { first_row, x: self.x.slice(s![rows.clone(), ..]).into(), y: self.y.slice(s![rows]) };
///             if visit(block).is_break() { break; }
///         }
///         Ok(())
///     }
/// }
///
/// let n = 20_000;
/// let x = Array2::from_shape_fn((n, 3), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
/// let y = Array1::from_shape_fn(n, |i| (i % 3 == 0) as u8 as f64);
/// let w = ndarray::array![0.1, -0.2, 0.05, 0.3];
/// let whole = LogLoss::new(&x, &y)?.value_and_gradient(&w);
/// let source = Blocks { x: x.clone(), y: y.clone() };
/// let streamed = StreamedLoss::log_loss(&source)?;
/// assert_eq!(streamed.value_and_gradient(&w), whole);
/// assert!(streamed.take_error().is_none());
/// # Ok::<(), descent_objectives::StreamError<std::convert::Infallible>>(())
/// ```
pub struct StreamedLoss<'s, S: RowSource> {
    source: &'s S,
    kind: Kind,
    /// The log loss's classes `[negative, positive]` when the source's targets are labels to
    /// map to 0 and 1 (`None`: the targets are 0 and 1).
    classes: Option<[f64; 2]>,
    fit_intercept: bool,
    /// What the checking pass learned of every row: column statistics, target moments.
    summary: Option<DataSummary>,
    /// The first error of a pass after construction.
    error: Mutex<Option<StreamError<S::Error>>>,
    /// Whether a Hessian has been asked for: from then on, a value-and-gradient pass forms
    /// the Hessian at the same point too (Newton asks for it next), so that a Newton
    /// iteration reads the source once, not twice.
    wants_hessian: AtomicBool,
    /// The Hessian the last value-and-gradient pass formed, and its point.
    hessian_ahead: Mutex<Option<(Array1<f64>, Array2<f64>)>>,
}

impl<S: RowSource> fmt::Debug for StreamedLoss<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamedLoss")
            .field("kind", &self.kind)
            .field("rows", &self.source.rows())
            .field("columns", &self.source.columns())
            .field("block_rows", &self.source.block_rows())
            .field("fit_intercept", &self.fit_intercept)
            .finish_non_exhaustive()
    }
}

impl<'s, S: RowSource> StreamedLoss<'s, S> {
    /// The log loss ([`LogLoss`]) of the source's rows, whose targets must be 0 or 1, with an
    /// intercept; one checking pass over the source.
    ///
    /// # Errors
    /// The source's error; as [`LogLoss::new`], with rows counted in the whole data set; a
    /// source whose blocks do not fit together (see [`RowSource`]).
    pub fn log_loss(source: &'s S) -> Result<Self, StreamError<S::Error>> {
        Self::checked(source, Kind::Log, None)
    }

    /// The log loss of the source's rows whose targets are the labels `classes`
    /// (`[negative, positive]`): each target equal to `classes[1]` is 1 in the loss, each
    /// equal to `classes[0]` is 0 (a block's targets are mapped as it is read). One checking
    /// pass over the source.
    ///
    /// # Errors
    /// As [`log_loss`](Self::log_loss); a target that is neither class is refused as a
    /// non-binary label at its row.
    pub fn log_loss_of_classes(
        source: &'s S,
        classes: [f64; 2],
    ) -> Result<Self, StreamError<S::Error>> {
        Self::checked(source, Kind::Log, Some(classes))
    }

    /// The mean squared error ([`MeanSquaredError`]) of the source's rows, with an intercept;
    /// one checking pass over the source.
    ///
    /// # Errors
    /// As [`log_loss`](Self::log_loss), but any finite target is valid.
    pub fn squared_error(source: &'s S) -> Result<Self, StreamError<S::Error>> {
        Self::checked(source, Kind::Squared, None)
    }

    /// Whether the last parameter is an intercept `b` (default: true).
    #[must_use]
    pub fn fit_intercept(mut self, fit_intercept: bool) -> Self {
        self.fit_intercept = fit_intercept;
        self
    }

    /// The mean of the loss's targets over every row (of labels 0 and 1: the share of 1s),
    /// from the checking pass; `None` when the data's sums overflow.
    pub fn target_mean(&self) -> Option<f64> {
        self.summary.as_ref().map(|s| s.targets.mean)
    }

    /// The error of the first pass that failed since construction (or since the last call),
    /// when one did: the evaluations of that pass returned NaN.
    pub fn take_error(&self) -> Option<StreamError<S::Error>> {
        lock(&self.error).take()
    }

    fn checked(
        source: &'s S,
        kind: Kind,
        classes: Option<[f64; 2]>,
    ) -> Result<Self, StreamError<S::Error>> {
        if source.rows() == 0 {
            return Err(ObjectiveError::EmptyData("the stream has no rows").into());
        }
        if source.columns() == 0 {
            return Err(ObjectiveError::EmptyData("the stream has no columns").into());
        }
        let block_rows = source.block_rows();
        if block_rows == 0 || !block_rows.is_multiple_of(ROW_BLOCK) {
            return Err(ObjectiveError::StreamLayout {
                block: 0,
                expected: "blocks of a positive multiple of 8192 rows",
                found: block_rows,
            }
            .into());
        }
        let summary = each_block(source, |block, share| {
            let y = targets(block.y, classes, block.first_row)?;
            let y = y.view();
            // At the last block, the summary of every row.
            let summary = match kind {
                Kind::Log => LogLoss::new_shared(block.x.view(), y, &share)?
                    .design()
                    .summary()
                    .cloned(),
                Kind::Squared => MeanSquaredError::new_shared(block.x.view(), y, &share)?
                    .design()
                    .summary()
                    .cloned(),
            };
            Ok(summary)
        })?;
        Ok(StreamedLoss {
            source,
            kind,
            classes,
            fit_intercept: true,
            summary: summary.flatten(),
            error: Mutex::new(None),
            wants_hessian: AtomicBool::new(false),
            hessian_ahead: Mutex::new(None),
        })
    }

    /// `evaluate` on every block's loss, in one pass; the last block's result, which is that
    /// of all the rows. `None` (the error kept) when the pass failed.
    fn evaluate<R>(&self, evaluate: impl Fn(&BlockLoss<'_>) -> R) -> Option<R> {
        let outcome = each_block(self.source, |block, share| {
            let y = targets(block.y, self.classes, block.first_row)?;
            let design = Design::streamed_block(
                block.x.view(),
                self.summary.clone(),
                share,
                self.fit_intercept,
            );
            Ok(evaluate(&self.block_loss(design, y.view())))
        });
        match outcome {
            Ok(result) => result,
            Err(e) => {
                lock(&self.error).get_or_insert(e);
                None
            }
        }
    }

    /// `evaluate` on a loss of no rows that has the stream's summary, when the value (and
    /// gradient) at `params` come from the summary alone, as they do in memory where every
    /// coefficient is zero (the start of a fit): then no pass is needed. `None` otherwise.
    fn without_pass<R>(
        &self,
        params: &Array1<f64>,
        evaluate: impl Fn(&BlockLoss<'_>) -> R,
    ) -> Option<R> {
        let no_rows = Array2::<f64>::zeros((0, self.source.columns()));
        let no_targets = Array1::<f64>::zeros(0);
        let alone = BlockOfPass {
            from_before: Arc::default(),
            to_next: Arc::default(),
            rank: 0,
            size: 1,
        };
        let share = RowShare::new(Arc::new(alone), 0, self.source.rows()).ok()?;
        let design = Design::streamed_block(
            Features::from(no_rows.view()),
            self.summary.clone(),
            share,
            self.fit_intercept,
        );
        if !design.evaluates_without_pass(params) {
            return None;
        }
        Some(evaluate(&self.block_loss(design, no_targets.view())))
    }

    /// The loss of a block's design and targets.
    fn block_loss<'b>(&self, design: Design<'b>, y: ArrayView1<'b, f64>) -> BlockLoss<'b> {
        match self.kind {
            Kind::Log => BlockLoss::Log(LogLoss::from_design(design, y)),
            Kind::Squared => BlockLoss::Squared(MeanSquaredError::from_design(design, y)),
        }
    }

    fn n_params(&self) -> usize {
        self.source.columns() + usize::from(self.fit_intercept)
    }
}

/// A block's targets as the loss takes them: as they are, or with `classes` mapped to 0 and 1
/// (any other value refused, at its row in the whole data set).
fn targets(
    y: ArrayView1<'_, f64>,
    classes: Option<[f64; 2]>,
    first_row: usize,
) -> Result<CowArray<'_, f64, Ix1>, ObjectiveError> {
    let Some([negative, positive]) = classes else {
        return Ok(y.into());
    };
    let mut mapped = Vec::with_capacity(y.len());
    for (i, &v) in y.iter().enumerate() {
        mapped.push(if v == positive {
            1.0
        } else if v == negative {
            0.0
        } else {
            let row = first_row + i;
            return Err(if v.is_finite() {
                ObjectiveError::NonBinaryLabel { row, value: v }
            } else {
                ObjectiveError::NonFiniteTarget { row, value: v }
            });
        });
    }
    Ok(Array1::from(mapped).into())
}

/// Runs `on_block` on every block of one pass over `source`, each with its share of the rows
/// (a [`BlockOfPass`]), and returns the last block's result: the whole data set's. Counts the
/// pass once ([`data_read`](crate::data_read)).
fn each_block<S: RowSource, R>(
    source: &S,
    mut on_block: impl FnMut(RowBlock<'_>, RowShare) -> Result<R, ObjectiveError>,
) -> Result<Option<R>, StreamError<S::Error>> {
    let (rows, block_rows) = (source.rows(), source.block_rows().max(1));
    let size = rows.div_ceil(block_rows).max(1);
    let mut carried = Arc::new(Carried::default());
    let (mut rank, mut last, mut failure, mut bytes) = (0, None, None, 0);
    let streaming = Streaming::enter();
    let read = source.pass(&mut |block: RowBlock<'_>| {
        let layout = |expected, found| ObjectiveError::StreamLayout {
            block: rank,
            expected,
            found,
        };
        let n = block.x.nrows();
        let fits = if rank >= size {
            Err(layout("no block after the last row", block.first_row))
        } else if block.first_row != rank * block_rows {
            Err(layout(
                "its first row where the block before it ended",
                block.first_row,
            ))
        } else if n != block_rows.min(rows - block.first_row) {
            Err(layout(
                "block_rows rows (fewer in the last block only, to the last row)",
                n,
            ))
        } else if block.x.ncols() != source.columns() {
            Err(layout("as many columns as the source has", block.x.ncols()))
        } else {
            Ok(())
        };
        bytes += n * block.x.ncols() * block.x.value_bytes();
        let to_next = Arc::new(Carried::default());
        let group = BlockOfPass {
            from_before: std::mem::replace(&mut carried, Arc::clone(&to_next)),
            to_next,
            rank,
            size,
        };
        let outcome = fits
            .and_then(|()| RowShare::new(Arc::new(group), block.first_row, rows))
            .and_then(|share| on_block(block, share));
        rank += 1;
        match outcome {
            Ok(result) => {
                last = Some(result);
                ControlFlow::Continue(())
            }
            Err(e) => {
                failure = Some(e);
                ControlFlow::Break(())
            }
        }
    });
    drop(streaming);
    read.map_err(StreamError::Source)?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    if rank != size {
        return Err(ObjectiveError::StreamLayout {
            block: rank,
            expected: "as many blocks as the source's rows fill",
            found: rank,
        }
        .into());
    }
    crate::linear::count_pass_of(bytes);
    Ok(last)
}

impl<S: RowSource> Objective for StreamedLoss<'_, S> {
    type Param = Array1<f64>;

    fn value(&self, params: &Array1<f64>) -> f64 {
        self.without_pass(params, |loss| loss.value(params))
            .or_else(|| self.evaluate(|loss| loss.value(params)))
            .unwrap_or(f64::NAN)
    }

    fn dimension(&self) -> Option<usize> {
        Some(self.n_params())
    }
}

impl<S: RowSource> Gradient for StreamedLoss<'_, S> {
    fn gradient(&self, params: &Array1<f64>) -> Array1<f64> {
        self.value_and_gradient(params).1
    }

    fn value_and_gradient(&self, params: &Array1<f64>) -> (f64, Array1<f64>) {
        let failed = || (f64::NAN, Array1::from_elem(params.len(), f64::NAN));
        if let Some(at_zero) = self.without_pass(params, |loss| loss.value_and_gradient(params)) {
            return at_zero;
        }
        if !self.wants_hessian.load(Ordering::Relaxed) {
            return self
                .evaluate(|loss| loss.value_and_gradient(params))
                .unwrap_or_else(failed);
        }
        // Each block's sums are the same whichever else the pass computes, so the Hessian
        // formed here is the one a pass of its own would give, to the bit.
        match self.evaluate(|loss| (loss.value_and_gradient(params), loss.hessian(params))) {
            Some((value_and_gradient, hessian)) => {
                *lock(&self.hessian_ahead) = Some((params.clone(), hessian));
                value_and_gradient
            }
            None => failed(),
        }
    }
}

impl<S: RowSource> Hessian for StreamedLoss<'_, S> {
    fn hessian(&self, params: &Array1<f64>) -> Array2<f64> {
        self.wants_hessian.store(true, Ordering::Relaxed);
        if let Some((at, hessian)) = lock(&self.hessian_ahead).take() {
            if at == params {
                return hessian;
            }
        }
        self.evaluate(|loss| loss.hessian(params))
            .unwrap_or_else(|| {
                let k = params.len();
                Array2::from_elem((k, k), f64::NAN)
            })
    }
}

/// The value behind `mutex`, poisoned or not (what it holds is whole either way).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl<S: RowSource> LinearModelLoss for StreamedLoss<'_, S> {
    fn n_samples(&self) -> usize {
        self.source.rows()
    }
    fn n_features(&self) -> usize {
        self.source.columns()
    }
    fn fit_intercept(&self) -> bool {
        self.fit_intercept
    }
    fn column_statistics(&self) -> Option<&ColumnStatistics> {
        self.summary.as_ref().map(|s| &s.stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, s};
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug, thiserror::Error)]
    #[error("the source failed on pass {0}")]
    struct Failed(usize);

    /// An in-memory matrix handed over in blocks; fails on pass `fail_on` (counting from 0).
    struct Blocks<T> {
        x: Array2<T>,
        y: Array1<f64>,
        block_rows: usize,
        fail_on: Option<usize>,
        passes: AtomicUsize,
        /// Hand over the blocks cut at other rows than `block_rows` says.
        cut: Option<usize>,
    }

    impl<T> Blocks<T> {
        fn new(x: Array2<T>, y: Array1<f64>, block_rows: usize) -> Self {
            Blocks {
                x,
                y,
                block_rows,
                fail_on: None,
                passes: AtomicUsize::new(0),
                cut: None,
            }
        }
    }

    impl<T: crate::Element> RowSource for Blocks<T> {
        type Error = Failed;
        fn rows(&self) -> usize {
            self.x.nrows()
        }
        fn columns(&self) -> usize {
            self.x.ncols()
        }
        fn block_rows(&self) -> usize {
            self.block_rows
        }
        fn pass(
            &self,
            visit: &mut dyn FnMut(RowBlock<'_>) -> ControlFlow<()>,
        ) -> Result<(), Failed> {
            let pass = self.passes.fetch_add(1, Ordering::Relaxed);
            let step = self.cut.unwrap_or(self.block_rows);
            for first_row in (0..self.rows()).step_by(step) {
                if self.fail_on == Some(pass) && first_row > 0 {
                    return Err(Failed(pass));
                }
                let rows = first_row..(first_row + step).min(self.rows());
                let block = RowBlock {
                    first_row,
                    x: T::features(self.x.slice(s![rows.clone(), ..])),
                    y: self.y.slice(s![rows]),
                };
                if visit(block).is_break() {
                    break;
                }
            }
            Ok(())
        }
    }

    /// A seeded problem of `n` rows and `p` columns with binary labels.
    fn problem(n: usize, p: usize) -> (Array2<f64>, Array1<f64>) {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let x = Array2::from_shape_fn((n, p), |_| next() * 4.0 - 2.0);
        let y = Array1::from_shape_fn(n, |i| f64::from(u8::from(x[[i, 0]] + next() > 0.7)));
        (x, y)
    }

    fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool")
            .install(f)
    }

    #[test]
    fn streamed_losses_are_the_in_memory_losses_to_the_bit() {
        let (x, y) = problem(45_000, 7);
        let points = [
            Array1::zeros(8),
            Array1::from_shape_fn(8, |j| 0.3 - 0.1 * j as f64),
        ];
        for threads in [1, 2] {
            for block_rows in [8192, 16_384, 65_536] {
                in_pool(threads, || {
                    let source = Blocks::new(x.clone(), y.clone(), block_rows);
                    let (log, mse) = (
                        LogLoss::new(&x, &y).unwrap(),
                        MeanSquaredError::new(&x, &y).unwrap(),
                    );
                    let streamed_log = StreamedLoss::log_loss(&source).unwrap();
                    let streamed_mse = StreamedLoss::squared_error(&source).unwrap();
                    for w in &points {
                        assert_eq!(streamed_log.value(w), log.value(w));
                        assert_eq!(
                            streamed_log.value_and_gradient(w),
                            log.value_and_gradient(w)
                        );
                        assert_eq!(streamed_log.hessian(w), log.hessian(w));
                        assert_eq!(
                            streamed_mse.value_and_gradient(w),
                            mse.value_and_gradient(w)
                        );
                        assert_eq!(streamed_mse.hessian(w), mse.hessian(w));
                    }
                    assert_eq!(
                        streamed_log.column_statistics().unwrap().mean,
                        log.column_statistics().unwrap().mean
                    );
                    // Without an intercept too.
                    let (streamed, whole) = (
                        StreamedLoss::log_loss(&source)
                            .unwrap()
                            .fit_intercept(false),
                        LogLoss::new(&x, &y).unwrap().fit_intercept(false),
                    );
                    let w = points[1].slice(s![..7]).to_owned();
                    assert_eq!(
                        streamed.value_and_gradient(&w),
                        whole.value_and_gradient(&w)
                    );
                    assert!(streamed_log.take_error().is_none());
                });
            }
        }
    }

    #[test]
    fn labels_mapped_to_0_and_1_give_the_loss_of_the_mapped_labels() {
        let (x, y) = problem(20_000, 4);
        let labels = y.mapv(|v| if v == 1.0 { 7.0 } else { -3.0 });
        let source = Blocks::new(x.clone(), labels.clone(), 8192);
        let w = array![0.1, -0.2, 0.05, 0.3, 0.0];
        let streamed = StreamedLoss::log_loss_of_classes(&source, [-3.0, 7.0]).unwrap();
        let whole = LogLoss::new(&x, &y).unwrap();
        assert_eq!(
            streamed.value_and_gradient(&w),
            whole.value_and_gradient(&w)
        );
        assert_eq!(streamed.hessian(&w), whole.hessian(&w));
        let mut other = labels;
        other[12_345] = 1.0;
        let source = Blocks::new(x, other, 8192);
        assert!(matches!(
            StreamedLoss::log_loss_of_classes(&source, [-3.0, 7.0]),
            Err(StreamError::Objective(ObjectiveError::NonBinaryLabel {
                row: 12_345,
                ..
            }))
        ));
    }

    #[test]
    fn once_a_hessian_is_asked_for_a_newton_iteration_is_one_pass() {
        let (x, y) = problem(20_000, 4);
        let source = Blocks::new(x.clone(), y.clone(), 8192);
        let whole = LogLoss::new(&x, &y).unwrap();
        let loss = StreamedLoss::log_loss(&source).unwrap();
        let passes = || source.passes.load(Ordering::Relaxed);
        let w = array![0.1, -0.2, 0.05, 0.3, 0.0];
        let v = array![0.2, -0.1, 0.0, 0.3, 0.1];
        // At zero coefficients the summary of the checking pass gives the value and the
        // gradient, as in memory: no pass.
        let zero = Array1::from_elem(5, 0.0);
        let at_zero = Array1::from_shape_fn(5, |j| if j == 4 { 0.7 } else { 0.0 });
        let before = passes();
        for point in [&zero, &at_zero] {
            assert_eq!(loss.value(point), whole.value(point));
            assert_eq!(
                loss.value_and_gradient(point),
                whole.value_and_gradient(point)
            );
        }
        assert_eq!(passes(), before);
        assert_eq!(loss.value_and_gradient(&w), whole.value_and_gradient(&w));
        assert_eq!(loss.hessian(&w), whole.hessian(&w));
        assert_eq!(passes() - before, 2);
        // From now on the gradient's pass forms the Hessian too.
        assert_eq!(loss.value_and_gradient(&v), whole.value_and_gradient(&v));
        assert_eq!(loss.hessian(&v), whole.hessian(&v));
        assert_eq!(passes() - before, 3);
        // A Hessian at another point than the last gradient's takes a pass of its own.
        assert_eq!(loss.hessian(&w), whole.hessian(&w));
        assert_eq!(passes() - before, 4);
    }

    #[test]
    fn f32_blocks_are_the_in_memory_f32_loss() {
        let (x, y) = problem(20_000, 5);
        let x32 = x.mapv(|v| v as f32);
        let source = Blocks::new(x32.clone(), y.clone(), 8192);
        let w = Array1::from_shape_fn(6, |j| 0.2 - 0.05 * j as f64);
        let whole = LogLoss::new(&x32, &y).unwrap();
        let streamed = StreamedLoss::log_loss(&source).unwrap();
        assert_eq!(
            streamed.value_and_gradient(&w),
            whole.value_and_gradient(&w)
        );
        assert_eq!(streamed.hessian(&w), whole.hessian(&w));
    }

    #[test]
    fn a_pass_counts_once_with_every_block_read() {
        let (x, y) = problem(30_000, 4);
        let source = Blocks::new(x, y, 8192);
        let loss = StreamedLoss::log_loss(&source).unwrap();
        let w = array![0.1, 0.2, -0.1, 0.0, 0.05];
        // Other tests' threads count too: look at this thread's one evaluation from a
        // quiet moment, by the bytes, which only grow by whole passes.
        let before = crate::data_read();
        loss.value_and_gradient(&w);
        let read = crate::data_read().since(before);
        assert!(read.passes >= 1);
        assert!(read.bytes >= 30_000 * 4 * 8);
    }

    #[test]
    fn bad_rows_are_reported_where_they_are_in_the_whole_data_set() {
        let (mut x, mut y) = problem(30_000, 3);
        x[[20_001, 2]] = f64::NAN;
        let source = Blocks::new(x.clone(), y.clone(), 8192);
        match StreamedLoss::log_loss(&source) {
            Err(StreamError::Objective(ObjectiveError::NonFiniteFeature {
                row, column, ..
            })) => {
                assert_eq!((row, column), (20_001, 2));
            }
            other => panic!("{other:?}"),
        }
        x[[20_001, 2]] = 0.0;
        y[17_000] = 2.0;
        let source = Blocks::new(x.clone(), y.clone(), 8192);
        match StreamedLoss::log_loss(&source) {
            Err(StreamError::Objective(ObjectiveError::NonBinaryLabel { row, value })) => {
                assert_eq!((row, value), (17_000, 2.0));
            }
            other => panic!("{other:?}"),
        }
        // Any finite target is a squared error's.
        assert!(StreamedLoss::squared_error(&source).is_ok());
        y[29_999] = f64::INFINITY;
        let source = Blocks::new(x, y, 8192);
        match StreamedLoss::squared_error(&source) {
            Err(StreamError::Objective(ObjectiveError::NonFiniteTarget { row, .. })) => {
                assert_eq!(row, 29_999);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_source_that_fails_later_gives_nan_and_keeps_its_error() {
        let (x, y) = problem(20_000, 3);
        let mut source = Blocks::new(x, y, 8192);
        source.fail_on = Some(2);
        let loss = StreamedLoss::log_loss(&source).unwrap(); // pass 0
        let w = array![0.1, 0.2, -0.1, 0.0];
        assert!(loss.value(&w).is_finite()); // pass 1
        let (value, gradient) = loss.value_and_gradient(&w); // pass 2 fails
        assert!(value.is_nan() && gradient.iter().all(|g| g.is_nan()));
        assert!(matches!(
            loss.take_error(),
            Some(StreamError::Source(Failed(2)))
        ));
        assert!(loss.take_error().is_none());
        assert!(loss.hessian(&w).iter().all(|h| h.is_finite())); // pass 3
    }

    #[test]
    fn blocks_that_do_not_fit_together_are_refused() {
        let (x, y) = problem(20_000, 3);
        let mut source = Blocks::new(x.clone(), y.clone(), 8192);
        source.cut = Some(4096);
        assert!(matches!(
            StreamedLoss::log_loss(&source),
            Err(StreamError::Objective(ObjectiveError::StreamLayout {
                block: 0,
                ..
            }))
        ));
        let source = Blocks::new(x.clone(), y.clone(), 1000);
        assert!(matches!(
            StreamedLoss::log_loss(&source),
            Err(StreamError::Objective(ObjectiveError::StreamLayout {
                found: 1000,
                ..
            }))
        ));
        let mut source = Blocks::new(x, y, 8192);
        source.cut = Some(16_384);
        assert!(matches!(
            StreamedLoss::log_loss(&source),
            Err(StreamError::Objective(ObjectiveError::StreamLayout { .. }))
        ));
    }
}
