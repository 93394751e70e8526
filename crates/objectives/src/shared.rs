//! Rows shared among processes: one model fitted by several processes, each holding a
//! contiguous share of the rows, with results identical to a fit of all the rows in one
//! process.
//!
//! Every sum a linear model's loss takes over rows is a sum of per-chunk partial sums (chunks
//! of a fixed number of rows) added in chunk order; that is what makes the result the same for
//! any number of threads. With the rows shared, the chunks are the same chunks of the whole
//! data set, as long as every share begins at a multiple of [`ROW_BLOCK`] rows, and the sum
//! is carried along the processes in the order of their rows ([`RowShare::fold`]): process
//! `r` receives the running sum of the chunks before its own, adds its chunks in order, and
//! passes the sum on; the last process sends the total to all. The additions are those of
//! the single-process fit, in the same order, so the result is the same to the bit for any
//! number of processes (tested with 1 to 4 processes against the fit in one process).
//!
//! The transport is a [`RowGroup`]: MPI in `descent`'s command line (`--features mpi`),
//! threads of one process in tests ([`ThreadGroup`]).
//!
//! Cost per sum of `m` values over `P` processes: `P − 1` messages of `m` values along the
//! chain, each after the sender's own chunk additions, then one broadcast of `m` values. For
//! the gradient of a linear model `m = p + 2`; for its Hessian `m ≈ (p + 1)²`.

use crate::ObjectiveError;
use std::fmt;
use std::ops::Range;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

/// Rows per block of a share: every share but the last holds a whole number of blocks, so
/// that the chunks of every pass over rows (4096 rows for the value, gradient and Hessian,
/// 8192 for the column statistics) are those of the whole data set.
pub const ROW_BLOCK: usize = 8192;

/// At most this many segments per [`RowShare::sum_chunks`] (fewer for narrow sums).
const SEGMENTS: usize = 16;

/// At least this many values per segment of [`RowShare::sum_chunks`]: a message's latency is
/// worth a few hundred additions.
const SEGMENT_VALUES: usize = 256;

/// The processes that share a data set's rows, by rank: rank 0 holds the first rows, rank
/// `size() − 1` the last.
///
/// Implementations move vectors of `f64` between processes. Every process makes the same
/// calls in the same order, so messages between two processes arrive in the order sent.
/// A failure of the transport itself (a process that died) should end every process, as
/// MPI's default error handler does, rather than leave the others waiting.
pub trait RowGroup: Send + Sync + fmt::Debug {
    /// This process's rank, `0 ≤ rank < size`.
    fn rank(&self) -> usize;
    /// The number of processes.
    fn size(&self) -> usize;
    /// Sends `values` to process `to`.
    fn send(&self, to: usize, values: &[f64]);
    /// Receives the next vector process `from` sent to this one (waits for it).
    fn receive(&self, from: usize) -> Vec<f64>;
    /// `values` of process `root`, on every process (`values` is ignored on the others).
    fn broadcast(&self, root: usize, values: Vec<f64>) -> Vec<f64>;
}

/// This process's share of a data set's rows: the group, where the share begins in the whole
/// data set, and how many rows the whole data set has.
#[derive(Clone)]
pub struct RowShare {
    group: Arc<dyn RowGroup>,
    first_row: usize,
    total_rows: usize,
}

impl fmt::Debug for RowShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowShare")
            .field("rank", &self.rank())
            .field("size", &self.size())
            .field("first_row", &self.first_row)
            .field("total_rows", &self.total_rows)
            .finish()
    }
}

impl RowShare {
    /// The share of rows `rows_for(rank, size, total_rows)` ([`RowShare::rows_for`]) for this
    /// process of `group`, and that range of rows: what each process should read.
    ///
    /// ```
    /// use descent_objectives::{RowShare, ThreadGroup};
    /// use std::sync::Arc;
    /// let group = ThreadGroup::new(2).remove(1);
    /// let (share, rows) = RowShare::even(Arc::new(group), 20_000)?;
    /// assert_eq!(rows, 8192..20_000);
    /// assert_eq!(share.first_row(), 8192);
    /// # Ok::<(), descent_objectives::ObjectiveError>(())
    /// ```
    ///
    /// # Errors
    /// `total_rows` of zero.
    pub fn even(
        group: Arc<dyn RowGroup>,
        total_rows: usize,
    ) -> Result<(RowShare, Range<usize>), ObjectiveError> {
        let rows = Self::rows_for(group.rank(), group.size(), total_rows);
        Ok((RowShare::new(group, rows.start, total_rows)?, rows))
    }

    /// The rows process `rank` of `size` takes of `total_rows`: whole blocks of [`ROW_BLOCK`]
    /// rows, as evenly as they go (the first processes take one block more), the last
    /// process the rows after the last whole block too. A process can get no rows.
    ///
    /// ```
    /// use descent_objectives::RowShare;
    /// // 200 000 rows are 24 whole blocks and 3 392 rows.
    /// assert_eq!(RowShare::rows_for(0, 2, 200_000), 0..98_304);
    /// assert_eq!(RowShare::rows_for(1, 2, 200_000), 98_304..200_000);
    /// // 10 000 rows are one block and 1 808 rows: the last process takes the rows after it.
    /// assert_eq!(RowShare::rows_for(0, 4, 10_000), 0..8192);
    /// assert_eq!(RowShare::rows_for(1, 4, 10_000), 8192..8192);
    /// assert_eq!(RowShare::rows_for(3, 4, 10_000), 8192..10_000);
    /// ```
    pub fn rows_for(rank: usize, size: usize, total_rows: usize) -> Range<usize> {
        let size = size.max(1);
        let blocks = total_rows / ROW_BLOCK;
        let (each, extra) = (blocks / size, blocks % size);
        let start_block = |r: usize| r * each + r.min(extra);
        let start = (start_block(rank) * ROW_BLOCK).min(total_rows);
        let end = if rank + 1 >= size {
            total_rows
        } else {
            (start_block(rank + 1) * ROW_BLOCK).min(total_rows)
        };
        start..end.max(start)
    }

    /// A share that begins at row `first_row` of a data set of `total_rows` rows.
    ///
    /// # Errors
    /// `total_rows` of zero, `first_row` beyond it, or `first_row` not a multiple of
    /// [`ROW_BLOCK`].
    pub fn new(
        group: Arc<dyn RowGroup>,
        first_row: usize,
        total_rows: usize,
    ) -> Result<RowShare, ObjectiveError> {
        if total_rows == 0 {
            return Err(ObjectiveError::EmptyData("the shared data set has no rows"));
        }
        if first_row > total_rows || !first_row.is_multiple_of(ROW_BLOCK) {
            return Err(ObjectiveError::RowLayout {
                rank: group.rank(),
                expected: "a first row that is a multiple of 8192 and within the data set",
                found: first_row,
            });
        }
        Ok(RowShare {
            group,
            first_row,
            total_rows,
        })
    }

    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.group.rank()
    }

    /// The number of processes.
    pub fn size(&self) -> usize {
        self.group.size()
    }

    /// The index in the whole data set of this share's first row.
    pub fn first_row(&self) -> usize {
        self.first_row
    }

    /// The number of rows of the whole data set.
    pub fn total_rows(&self) -> usize {
        self.total_rows
    }

    /// A fold in the order of the rows: `local` gets the state of the processes before this
    /// one (`None` on rank 0) and returns the state after its own rows; every process gets
    /// the state after the last. The state travels as a vector of `f64`.
    ///
    /// ```
    /// use descent_objectives::{RowShare, ThreadGroup};
    /// use std::sync::Arc;
    /// let totals = std::thread::scope(|s| {
    ///     let runs: Vec<_> = ThreadGroup::new(3)
    ///         .into_iter()
    ///         .map(|g| s.spawn(move || {
    ///             let (share, _) = RowShare::even(Arc::new(g), 100).unwrap();
    ///             let mine = share.rank() as f64 + 1.0;
    ///             share.fold(|before| vec![before.map_or(0.0, |b| b[0]) * 10.0 + mine])
    ///         }))
    ///         .collect();
    ///     runs.into_iter().map(|r| r.join().unwrap()).collect::<Vec<_>>()
    /// });
    /// assert_eq!(totals, vec![vec![123.0]; 3]);
    /// ```
    pub fn fold(&self, local: impl FnOnce(Option<Vec<f64>>) -> Vec<f64>) -> Vec<f64> {
        let (rank, size) = (self.rank(), self.size());
        let before = (rank > 0).then(|| self.group.receive(rank - 1));
        let after = local(before);
        if rank + 1 < size {
            self.group.send(rank + 1, &after);
        }
        self.group.broadcast(size - 1, after)
    }

    /// The sums, slot by slot, of every process's chunks of `width` slots (`partials`: this
    /// process's, in row order), added in the order of the rows: `((c₀ + c₁) + c₂) + …` over
    /// the chunks of all the processes, from zeros, the additions one process makes adding
    /// all the chunks in order; on every process.
    ///
    /// Each slot's sum is independent of the others', so the slots travel in segments, as a
    /// pipeline: process `r` adds its chunks to segment `s` and passes it on while process
    /// `r + 1` adds to segment `s − 1`. Wide sums (a Hessian's) then take about
    /// `(P + S − 1)/S` times one process's additions along `P` processes and `S` segments,
    /// rather than `P` times, with every addition the same as without segments.
    pub fn sum_chunks(&self, partials: &[f64], width: usize) -> Vec<f64> {
        let (rank, size) = (self.rank(), self.size());
        let mut sums = vec![0.0; width];
        let segment = width.div_ceil(SEGMENTS).max(SEGMENT_VALUES).max(1);
        for start in (0..width).step_by(segment) {
            let end = (start + segment).min(width);
            let sum = &mut sums[start..end];
            if rank > 0 {
                let before = self.group.receive(rank - 1);
                if before.len() == sum.len() {
                    sum.copy_from_slice(&before);
                }
            }
            for part in partials.chunks_exact(width) {
                for (s, v) in sum.iter_mut().zip(&part[start..end]) {
                    *s += v;
                }
            }
            if rank + 1 < size {
                self.group.send(rank + 1, sum);
            }
        }
        self.group.broadcast(size - 1, sums)
    }

    /// Each process's `values`, in rank order, on every process.
    pub fn gather(&self, values: &[f64]) -> Vec<Vec<f64>> {
        let all = self.fold(|before| {
            let mut all = before.unwrap_or_default();
            all.push(values.len() as f64);
            all.extend_from_slice(values);
            all
        });
        let mut parts = Vec::with_capacity(self.size());
        let mut rest = &all[..];
        while let Some((&len, tail)) = rest.split_first() {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a length this process wrote as f64"
            )]
            let (part, tail) = tail.split_at((len as usize).min(tail.len()));
            parts.push(part.to_vec());
            rest = tail;
        }
        parts
    }

    /// Whether `holds` is true on every process.
    pub fn all(&self, holds: bool) -> bool {
        self.fold(|before| {
            let so_far = before.is_none_or(|b| b.first() == Some(&1.0));
            vec![f64::from(u8::from(so_far && holds))]
        })
        .first()
            == Some(&1.0)
    }

    /// The first rank at which `failed` is true, on every process (`None` when none failed).
    pub fn first_failure(&self, failed: bool) -> Option<usize> {
        let rank = self.rank() as f64;
        let first = self.fold(|before| match before {
            Some(b) if b.first().is_some_and(|&r| r >= 0.0) => b,
            _ => vec![if failed { rank } else { -1.0 }],
        });
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a rank written as f64"
        )]
        first.first().filter(|&&r| r >= 0.0).map(|&r| r as usize)
    }
}

/// The processes of a [`RowGroup`] as threads of one process, connected by channels: for
/// tests of shared rows without MPI, and to check a program's use of [`RowShare`] before it
/// runs under MPI. [`ThreadGroup::new`] makes all the ranks; give one to each thread.
#[derive(Debug)]
pub struct ThreadGroup {
    rank: usize,
    to: Vec<Sender<Vec<f64>>>,
    from: Vec<Mutex<Receiver<Vec<f64>>>>,
}

impl ThreadGroup {
    /// The `size` ranks of a new group, rank 0 first.
    pub fn new(size: usize) -> Vec<ThreadGroup> {
        let size = size.max(1);
        // channels[a][b] carries messages from rank a to rank b.
        let mut senders: Vec<Vec<Sender<Vec<f64>>>> = Vec::with_capacity(size);
        let mut receivers: Vec<Vec<Receiver<Vec<f64>>>> = (0..size).map(|_| Vec::new()).collect();
        for _ in 0..size {
            let mut row = Vec::with_capacity(size);
            for inbox in receivers.iter_mut() {
                let (tx, rx) = channel();
                row.push(tx);
                inbox.push(rx);
            }
            senders.push(row);
        }
        senders
            .into_iter()
            .zip(receivers)
            .enumerate()
            .map(|(rank, (to, from))| ThreadGroup {
                rank,
                to,
                from: from.into_iter().map(Mutex::new).collect(),
            })
            .collect()
    }
}

impl RowGroup for ThreadGroup {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.to.len()
    }

    fn send(&self, to: usize, values: &[f64]) {
        // A receiver that is gone belongs to a thread that has ended; it asks for nothing more.
        let _ = self.to[to].send(values.to_vec());
    }

    fn receive(&self, from: usize) -> Vec<f64> {
        let inbox = self.from[from]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A sender that is gone ended before sending: nothing will come. An empty vector
        // makes the caller's next check fail instead of waiting forever.
        inbox.recv().unwrap_or_default()
    }

    fn broadcast(&self, root: usize, values: Vec<f64>) -> Vec<f64> {
        if self.rank == root {
            for to in (0..self.size()).filter(|&r| r != root) {
                self.send(to, &values);
            }
            values
        } else {
            self.receive(root)
        }
    }
}

/// The sums, slot by slot, of chunks of `width` slots (`partials`: this process's, in row
/// order), added in order from zero: the chunks of this process alone (`share` `None`), or
/// those of every process sharing the rows, to the same bits ([`RowShare::sum_chunks`], which
/// every process must then call).
///
/// ```
/// use descent_objectives::sum_in_row_order;
/// // Two chunks of two slots: [1, 2] and [3, 4].
/// assert_eq!(sum_in_row_order(&[1.0, 2.0, 3.0, 4.0], 2, None), vec![4.0, 6.0]);
/// ```
pub fn sum_in_row_order(partials: &[f64], width: usize, share: Option<&RowShare>) -> Vec<f64> {
    if let Some(share) = share {
        return share.sum_chunks(partials, width);
    }
    let mut sums = vec![0.0; width];
    for part in partials.chunks_exact(width.max(1)) {
        for (sum, v) in sums.iter_mut().zip(part) {
            *sum += v;
        }
    }
    sums
}

/// Runs `work` on every rank of a new [`ThreadGroup`] of `size`, one thread each, and
/// returns their results in rank order (test helper).
#[cfg(test)]
pub(crate) fn on_ranks<T: Send>(
    size: usize,
    work: impl Fn(Arc<dyn RowGroup>) -> T + Sync,
) -> Vec<T> {
    std::thread::scope(|s| {
        let work = &work;
        let runs: Vec<_> = ThreadGroup::new(size)
            .into_iter()
            .map(|g| s.spawn(move || work(Arc::new(g))))
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("a rank's thread panicked"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Gradient, Hessian, LinearModelLoss, LogLoss, MeanSquaredError, ObjectiveError};
    use ndarray::{s, Array1, Array2};

    /// A seeded problem of `n` rows and `p` columns with binary labels, and a point.
    fn problem(n: usize, p: usize) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let x = Array2::from_shape_fn((n, p), |_| 4.0 * next() - 2.0 + 100.0);
        let y = Array1::from_shape_fn(n, |_| f64::from(u8::from(next() < 0.4)));
        let w = Array1::from_shape_fn(p + 1, |j| 0.01 * (j as f64 - 3.0));
        (x, y, w)
    }

    type Evaluation = (f64, Array1<f64>, Array2<f64>, Vec<f64>);

    fn evaluate(
        loss: &(impl Hessian<Param = Array1<f64>> + LinearModelLoss),
        w: &Array1<f64>,
    ) -> Evaluation {
        let (v, g) = loss.value_and_gradient(w);
        let stats = loss.column_statistics().expect("a summary");
        let mut summary = stats.mean.to_vec();
        summary.extend(stats.std.iter());
        summary.push(loss.n_samples() as f64);
        // The first evaluation at zero comes from the summary: it must agree as well.
        let zero = Array1::zeros(w.len());
        summary.push(loss.value(&zero));
        (v, g, loss.hessian(w), summary)
    }

    #[test]
    fn shared_rows_give_the_bits_of_all_rows_in_one_process() {
        // 3.6 blocks of 8192 rows: with 4 processes the last gets the partial block, and with
        // more processes than blocks some get none.
        let n = 3 * ROW_BLOCK + 5000;
        // 11 columns: the Hessian's sums travel in one segment; 20: in three (24² slots).
        for p in [11, 20] {
            shared_rows_agree(n, p);
        }
    }

    fn shared_rows_agree(n: usize, p: usize) {
        let (x, y, w) = problem(n, p);
        let x32 = x.mapv(|v| v as f32);
        let whole_log = evaluate(&LogLoss::new(&x, &y).unwrap(), &w);
        let whole_mse = evaluate(&MeanSquaredError::new(&x, &y).unwrap(), &w);
        let whole_f32 = evaluate(&LogLoss::new(&x32, &y).unwrap(), &w);
        for size in [1, 2, 3, 4, 6] {
            let results = on_ranks(size, |group| {
                let (share, rows) = RowShare::even(group, n).unwrap();
                let (xs, ys) = (x.slice(s![rows.clone(), ..]), y.slice(s![rows.clone()]));
                let log = evaluate(&LogLoss::new_shared(xs, ys, &share).unwrap(), &w);
                let mse = evaluate(&MeanSquaredError::new_shared(xs, ys, &share).unwrap(), &w);
                let x32s = x32.slice(s![rows, ..]);
                let f32 = evaluate(&LogLoss::new_shared(x32s, ys, &share).unwrap(), &w);
                (log, mse, f32)
            });
            for (rank, (log, mse, f32)) in results.into_iter().enumerate() {
                assert_eq!(log, whole_log, "log loss, rank {rank} of {size}");
                assert_eq!(mse, whole_mse, "squared error, rank {rank} of {size}");
                assert_eq!(f32, whole_f32, "f32 log loss, rank {rank} of {size}");
            }
        }
    }

    #[test]
    fn a_bad_value_in_one_share_is_an_error_on_every_process() {
        let n = 2 * ROW_BLOCK + 100;
        let (mut x, mut y, _) = problem(n, 4);
        x[[ROW_BLOCK + 7, 2]] = f64::NAN;
        let errors = on_ranks(3, |group| {
            let (share, rows) = RowShare::even(group, n).unwrap();
            LogLoss::new_shared(x.slice(s![rows.clone(), ..]), y.slice(s![rows]), &share).err()
        });
        for e in errors {
            assert!(
                matches!(e, Some(ObjectiveError::NonFiniteFeature { row, column: 2, .. }) if row == ROW_BLOCK + 7),
                "{e:?}"
            );
        }
        x[[ROW_BLOCK + 7, 2]] = 0.5;
        y[2 * ROW_BLOCK + 3] = 2.0;
        let errors = on_ranks(3, |group| {
            let (share, rows) = RowShare::even(group, n).unwrap();
            LogLoss::new_shared(x.slice(s![rows.clone(), ..]), y.slice(s![rows]), &share).err()
        });
        assert!(
            matches!(errors[0], Some(ObjectiveError::PeerFailed { rank: 2 })),
            "{errors:?}"
        );
        assert!(
            matches!(errors[1], Some(ObjectiveError::PeerFailed { rank: 2 })),
            "{errors:?}"
        );
        assert!(
            matches!(errors[2], Some(ObjectiveError::NonBinaryLabel { row, .. }) if row == 2 * ROW_BLOCK + 3),
            "{errors:?}"
        );
    }

    #[test]
    fn shares_that_do_not_fit_together_are_refused_by_every_process() {
        let n = 2 * ROW_BLOCK;
        let (x, y, _) = problem(n, 3);
        // Rank 1 says it begins at row 0: the shares overlap.
        let errors = on_ranks(2, |group| {
            let share = RowShare::new(group, 0, n).unwrap();
            let rows = if share.rank() == 0 {
                0..ROW_BLOCK
            } else {
                ROW_BLOCK..n
            };
            MeanSquaredError::new_shared(x.slice(s![rows.clone(), ..]), y.slice(s![rows]), &share)
                .err()
        });
        assert!(
            matches!(errors[0], Some(ObjectiveError::PeerFailed { rank: 1 })),
            "{errors:?}"
        );
        assert!(
            matches!(errors[1], Some(ObjectiveError::RowLayout { rank: 1, .. })),
            "{errors:?}"
        );
        // Columns that differ between shares.
        let errors = on_ranks(2, |group| {
            let (share, rows) = RowShare::even(group, n).unwrap();
            let columns = if share.rank() == 0 { 3 } else { 2 };
            MeanSquaredError::new_shared(
                x.slice(s![rows.clone(), ..columns]),
                y.slice(s![rows]),
                &share,
            )
            .err()
        });
        assert!(
            matches!(
                errors[1],
                Some(ObjectiveError::ShapeMismatch {
                    expected: 3,
                    found: 2,
                    ..
                })
            ),
            "{errors:?}"
        );
        assert!(
            matches!(errors[0], Some(ObjectiveError::PeerFailed { rank: 1 })),
            "{errors:?}"
        );
    }

    #[test]
    fn weighted_shared_rows_give_the_bits_of_all_rows_and_agree_on_bad_weights() {
        let n = 2 * ROW_BLOCK + 777;
        let (x, y, w) = problem(n, 6);
        let mut weights = Array1::from_shape_fn(n, |i| ((i * 37) % 11) as f64 / 3.0);
        let whole = {
            let loss = LogLoss::new(&x, &y)
                .unwrap()
                .sample_weight(&weights)
                .unwrap();
            let (v, g) = loss.value_and_gradient(&w);
            (v, g, loss.hessian(&w))
        };
        for size in [1, 2, 3] {
            for got in on_ranks(size, |group| {
                let (share, rows) = RowShare::even(group, n).unwrap();
                let (xs, ys) = (x.slice(s![rows.clone(), ..]), y.slice(s![rows.clone()]));
                let loss = LogLoss::new_shared(xs, ys, &share)
                    .unwrap()
                    .sample_weight(weights.slice(s![rows]))
                    .unwrap();
                let (v, g) = loss.value_and_gradient(&w);
                (v, g, loss.hessian(&w))
            }) {
                assert_eq!(got, whole, "{size} processes");
            }
        }
        // A negative weight in the second share: its error there, its rank elsewhere.
        weights[ROW_BLOCK + 3] = -1.0;
        let errors = on_ranks(2, |group| {
            let (share, rows) = RowShare::even(group, n).unwrap();
            let (xs, ys) = (x.slice(s![rows.clone(), ..]), y.slice(s![rows.clone()]));
            LogLoss::new_shared(xs, ys, &share)
                .unwrap()
                .sample_weight(weights.slice(s![rows]))
                .err()
        });
        assert!(
            matches!(errors[0], Some(ObjectiveError::PeerFailed { rank: 1 })),
            "{errors:?}"
        );
        assert!(
            matches!(errors[1], Some(ObjectiveError::InvalidSampleWeight { row, .. }) if row == ROW_BLOCK + 3),
            "{errors:?}"
        );
    }

    /// What a proximal Newton fit asks of a loss besides its passes: the duality gap, a
    /// Hessian block on a working set, and the L1 threshold.
    fn sparse_parts<L>(loss: &L, w: &Array1<f64>) -> (Option<f64>, Array2<f64>)
    where
        L: crate::Smooth + crate::HessianBlock + LinearModelLoss,
    {
        let p = loss.n_features();
        let penalty = crate::ElasticNet::new(0.01, 0.002, p).unwrap();
        let last = w.len() - 1;
        (
            loss.duality_gap(w, &penalty),
            loss.hessian_block(w, &[1, 3, last]),
        )
    }

    #[test]
    fn duality_gaps_and_hessian_blocks_on_shared_rows_have_the_bits_of_all_rows() {
        let n = 2 * ROW_BLOCK + 777;
        let (x, y, w) = problem(n, 6);
        let weights = Array1::from_shape_fn(n, |i| ((i * 37) % 11) as f64 / 3.0);
        for (weighted, intercept) in [(false, true), (true, true), (false, false)] {
            let w = if intercept {
                w.clone()
            } else {
                w.slice(s![..6]).to_owned()
            };
            let whole_log = {
                let mut loss = LogLoss::new(&x, &y).unwrap().fit_intercept(intercept);
                if weighted {
                    loss = loss.sample_weight(&weights).unwrap();
                }
                (sparse_parts(&loss, &w), loss.l1_threshold())
            };
            let whole_mse = {
                let mut loss = MeanSquaredError::new(&x, &y)
                    .unwrap()
                    .fit_intercept(intercept);
                if weighted {
                    loss = loss.sample_weight(&weights).unwrap();
                }
                (sparse_parts(&loss, &w), loss.l1_threshold())
            };
            assert!(whole_log.0 .0.is_some() && whole_mse.0 .0.is_some());
            for size in [1, 2, 3] {
                for (log, mse) in on_ranks(size, |group| {
                    let (share, rows) = RowShare::even(group, n).unwrap();
                    let (xs, ys) = (x.slice(s![rows.clone(), ..]), y.slice(s![rows.clone()]));
                    let ws = weights.slice(s![rows]);
                    let mut log = LogLoss::new_shared(xs, ys, &share)
                        .unwrap()
                        .fit_intercept(intercept);
                    let mut mse = MeanSquaredError::new_shared(xs, ys, &share)
                        .unwrap()
                        .fit_intercept(intercept);
                    if weighted {
                        log = log.sample_weight(ws).unwrap();
                        mse = mse.sample_weight(ws).unwrap();
                    }
                    (
                        (sparse_parts(&log, &w), log.l1_threshold()),
                        (sparse_parts(&mse, &w), mse.l1_threshold()),
                    )
                }) {
                    let case =
                        format!("{size} processes, weighted {weighted}, intercept {intercept}");
                    assert_eq!(log, whole_log, "log loss, {case}");
                    assert_eq!(mse, whole_mse, "squared error, {case}");
                }
            }
        }
    }

    #[test]
    fn folds_and_gathers_run_in_rank_order() {
        let out = on_ranks(4, |group| {
            let (share, _) = RowShare::even(group, 10).unwrap();
            let r = share.rank() as f64;
            let gathered = share.gather(&vec![r; share.rank()]);
            (
                gathered,
                share.all(share.rank() != 2),
                share.first_failure(share.rank() >= 1),
            )
        });
        for (gathered, all, first) in out {
            assert_eq!(
                gathered,
                vec![vec![], vec![1.0], vec![2.0, 2.0], vec![3.0; 3]]
            );
            assert!(!all);
            assert_eq!(first, Some(1));
        }
    }
}
