//! OpenBLAS's own thread count, for its own operations (LAPACK solves, large products).
//!
//! The one-pass and Gram kernels do not call BLAS (they split rows over rayon's threads and do
//! their own arithmetic), so the two pools never compete inside a kernel.

use std::os::raw::c_int;
use std::sync::{Mutex, MutexGuard, PoisonError};

extern "C" {
    fn openblas_get_num_threads() -> c_int;
    fn openblas_set_num_threads(threads: c_int);
}

/// OpenBLAS's thread count (for its own operations: LAPACK solves, large products).
pub fn blas_threads() -> usize {
    // SAFETY: a plain getter of OpenBLAS's global setting, with no arguments.
    let threads = unsafe { openblas_get_num_threads() };
    usize::try_from(threads).unwrap_or(1).max(1)
}

/// Sets OpenBLAS's thread count (for its own operations: LAPACK solves, large products).
/// `descent fit --threads N` sets both this and rayon's pool to `N`. While some thread runs
/// [`with_one_blas_thread`], the count is set when the last such thread is done.
pub fn set_blas_threads(threads: usize) {
    let mut state = one_thread_state();
    if state.users > 0 {
        state.restore = threads;
    } else {
        set_openblas_threads(threads);
    }
}

fn set_openblas_threads(threads: usize) {
    let threads = c_int::try_from(threads.max(1)).unwrap_or(c_int::MAX);
    // SAFETY: sets OpenBLAS's global thread count; any positive count is valid.
    unsafe { openblas_set_num_threads(threads) };
}

/// How many threads are inside [`with_one_blas_thread`], and the count to give OpenBLAS back
/// when the last of them is done.
struct OneThread {
    users: usize,
    restore: usize,
}

static ONE_THREAD: Mutex<OneThread> = Mutex::new(OneThread {
    users: 0,
    restore: 1,
});

fn one_thread_state() -> MutexGuard<'static, OneThread> {
    // The state is two counts, consistent after any panic: a poisoned lock is still usable.
    ONE_THREAD.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Leaves [`with_one_blas_thread`] (on return or on a panic).
struct Leave;

impl Drop for Leave {
    fn drop(&mut self) {
        let mut state = one_thread_state();
        state.users -= 1;
        if state.users == 0 {
            set_openblas_threads(state.restore);
        }
    }
}

/// Runs `f` with OpenBLAS on one thread, then gives it back its thread count: for the small
/// LAPACK operations (a covariance's inverse, a matrix's eigenvalues) and the blocked products
/// whose threaded paths add in another order than the serial ones even for a 10 × 10 matrix,
/// so that what they compute does not depend on the number of threads (or on the number of
/// processes of a fit under MPI, whose ranks may each run OpenBLAS on fewer threads).
///
/// The thread count is global to the process, so the calls count themselves: the first to
/// enter sets one thread and the last to leave restores the count. Threads that run this at
/// the same time (tests, the ranks of a simulated MPI run) all get one thread; a thread that
/// calls OpenBLAS outside it meanwhile runs on one thread too (the same results, more slowly).
pub fn with_one_blas_thread<R>(f: impl FnOnce() -> R) -> R {
    {
        let mut state = one_thread_state();
        if state.users == 0 {
            state.restore = blas_threads();
            set_openblas_threads(1);
        }
        state.users += 1;
    }
    let _leave = Leave;
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_inside_at_the_same_time_all_get_one_and_the_last_restores() {
        set_blas_threads(2);
        let restored = blas_threads();
        let barrier = std::sync::Barrier::new(4);
        std::thread::scope(|scope| {
            for i in 0..4 {
                let barrier = &barrier;
                scope.spawn(move || {
                    for round in 0..50 {
                        with_one_blas_thread(|| {
                            assert_eq!(blas_threads(), 1, "thread {i}, round {round}");
                            if round == 0 {
                                // All four inside at once: none may restore the count.
                                barrier.wait();
                                assert_eq!(blas_threads(), 1, "thread {i}, together");
                                barrier.wait();
                            }
                        });
                    }
                });
            }
        });
        assert_eq!(blas_threads(), restored);
        // A count set while inside takes effect on leaving (instead of the count on entering).
        with_one_blas_thread(|| {
            set_blas_threads(1);
            assert_eq!(blas_threads(), 1);
        });
        assert_eq!(blas_threads(), 1);
        set_blas_threads(restored);
    }
}
