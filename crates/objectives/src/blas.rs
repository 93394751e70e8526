//! OpenBLAS's own threads, which must not run while rayon's do.
//!
//! The Hessian kernel splits the rows over rayon's threads and calls BLAS's `dsyrk` on small
//! blocks inside each. If OpenBLAS also starts threads for those calls, the two pools compete
//! for the same cores: when the value-and-gradient kernel still called `dgemv` that way, it
//! ran at 9 GB/s on two cores, and at 18 GB/s with OpenBLAS held to one thread
//! (`cargo bench --bench kernels`). So while a parallel kernel that calls BLAS runs, OpenBLAS
//! is held to one thread, and its setting is restored after.

use std::os::raw::c_int;
use std::sync::Mutex;

extern "C" {
    fn openblas_get_num_threads() -> c_int;
    fn openblas_set_num_threads(threads: c_int);
}

/// How many parallel kernels are running, and OpenBLAS's thread count before the first.
static HELD: Mutex<(usize, c_int)> = Mutex::new((0, 1));

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
    let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    if held.0 > 0 {
        // A parallel kernel is running: apply the setting when the last one ends.
        held.1 = threads;
    } else {
        // SAFETY: sets OpenBLAS's global thread count; any positive count is valid.
        unsafe { openblas_set_num_threads(threads) };
    }
}

/// Holds OpenBLAS to one thread while it lives.
pub(crate) struct SerialBlas;

impl SerialBlas {
    pub(crate) fn hold() -> Self {
        let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
        if held.0 == 0 {
            // SAFETY: as in `blas_threads` and `set_blas_threads`.
            unsafe {
                held.1 = openblas_get_num_threads();
                openblas_set_num_threads(1);
            }
        }
        held.0 += 1;
        SerialBlas
    }
}

impl Drop for SerialBlas {
    fn drop(&mut self) {
        let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
        held.0 -= 1;
        if held.0 == 0 {
            // SAFETY: restores the count saved by the first `hold`.
            unsafe { openblas_set_num_threads(held.1.max(1)) };
        }
    }
}
