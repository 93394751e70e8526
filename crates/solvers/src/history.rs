//! The per-iteration records of a run, kept within a fixed memory budget.

use crate::Record;

/// The most coordinates the history of one run holds in all (2²² values, 32 MiB): a run in
/// many dimensions keeps fewer records.
const HISTORY_VALUES: usize = 1 << 22;
/// The fewest records a history keeps room for, however many dimensions.
const MIN_RECORDS: usize = 16;

/// Records of a run: every iteration while they fit, then every second, fourth, … iteration.
///
/// When the records reach their capacity, every other one is dropped and the stride between
/// kept iterations doubles, so a run of any length keeps an evenly thinned record of its
/// whole course: the start, iterations at multiples of the stride, and always the last one.
/// The capacity is `limit` records, and fewer in many dimensions, so that the points held
/// stay within [`HISTORY_VALUES`] coordinates.
#[derive(Debug)]
pub(crate) struct History<P> {
    records: Vec<Record<P>>,
    /// The last record, when its iteration is not a multiple of the stride.
    pending: Option<Record<P>>,
    stride: usize,
    capacity: usize,
    enabled: bool,
}

impl<P> History<P> {
    /// A history of at most `limit` records of points with `dim` coordinates each, or one that
    /// keeps nothing when `enabled` is false.
    pub(crate) fn new(enabled: bool, limit: usize, dim: usize) -> Self {
        let capacity = limit
            .min((HISTORY_VALUES / dim.max(1)).max(MIN_RECORDS))
            .max(2);
        History {
            records: Vec::new(),
            pending: None,
            stride: 1,
            capacity,
            enabled,
        }
    }

    /// Adds the record of the latest iteration (iterations come in increasing order).
    pub(crate) fn push(&mut self, record: Record<P>) {
        if !self.enabled {
            return;
        }
        if !record.iteration.is_multiple_of(self.stride) {
            self.pending = Some(record);
            return;
        }
        self.pending = None;
        self.records.push(record);
        if self.records.len() > self.capacity {
            self.stride *= 2;
            let stride = self.stride;
            let last = self.records.pop();
            self.records.retain(|r| r.iteration.is_multiple_of(stride));
            if let Some(last) = last {
                if last.iteration.is_multiple_of(stride) {
                    self.records.push(last);
                } else {
                    self.pending = Some(last);
                }
            }
        }
    }

    /// The records, the last iteration included.
    pub(crate) fn finish(mut self) -> Vec<Record<P>> {
        self.records.extend(self.pending.take());
        self.records
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Step;
    use std::time::Duration;

    fn record(iteration: usize) -> Record<f64> {
        Record {
            iteration,
            x: iteration as f64,
            value: 0.0,
            gradient_norm: None,
            step_length: 0.0,
            step: Step::Start,
            elapsed: Duration::ZERO,
        }
    }

    fn iterations_kept(limit: usize, last: usize) -> Vec<usize> {
        let mut history = History::new(true, limit, 1);
        for i in 0..=last {
            history.push(record(i));
        }
        history.finish().iter().map(|r| r.iteration).collect()
    }

    #[test]
    fn short_runs_keep_every_iteration() {
        assert_eq!(iterations_kept(100, 5), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn long_runs_are_thinned_evenly_and_keep_their_ends() {
        for last in [16, 17, 100, 1001, 1_000_000] {
            let kept = iterations_kept(16, last);
            assert!(kept.len() <= 17, "{last}: {} records", kept.len());
            assert_eq!(kept[0], 0);
            assert_eq!(*kept.last().unwrap(), last);
            // Evenly spaced but for the last: one stride apart.
            let stride = kept[1] - kept[0];
            assert!(stride.is_power_of_two());
            for pair in kept[..kept.len() - 1].windows(2) {
                assert_eq!(pair[1] - pair[0], stride, "{last}: {kept:?}");
            }
        }
    }

    #[test]
    fn many_dimensions_keep_fewer_records_and_disabled_keeps_none() {
        let history = History::<f64>::new(true, 10_000, 1_000_000);
        assert_eq!(history.capacity, MIN_RECORDS);
        let mut off = History::new(false, 10, 1);
        off.push(record(0));
        assert!(off.finish().is_empty());
    }
}
