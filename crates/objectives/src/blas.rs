//! OpenBLAS's own thread count, for its own operations (LAPACK solves, large products).
//!
//! The one-pass and Gram kernels do not call BLAS (they split rows over rayon's threads and do
//! their own arithmetic), so the two pools never compete inside a kernel.

use std::os::raw::c_int;

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
/// `descent fit --threads N` sets both this and rayon's pool to `N`.
pub fn set_blas_threads(threads: usize) {
    let threads = c_int::try_from(threads.max(1)).unwrap_or(c_int::MAX);
    // SAFETY: sets OpenBLAS's global thread count; any positive count is valid.
    unsafe { openblas_set_num_threads(threads) };
}

/// Runs `f` with OpenBLAS on one thread, then gives it back its thread count: for the small
/// LAPACK operations (a covariance's inverse, a matrix's eigenvalues) whose threaded paths
/// add in another order than the serial ones even for a 10 × 10 matrix, so that what they
/// compute does not depend on the number of threads (or on the number of processes of a fit
/// under MPI, whose ranks may each run OpenBLAS on fewer threads). Not for use while another
/// thread calls OpenBLAS: the thread count is global.
pub fn with_one_blas_thread<R>(f: impl FnOnce() -> R) -> R {
    let threads = blas_threads();
    set_blas_threads(1);
    let result = f();
    set_blas_threads(threads);
    result
}
