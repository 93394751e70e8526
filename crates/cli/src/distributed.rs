//! `descent fit` under MPI (`cargo build --features mpi`; `mpirun -np N descent fit …`): each
//! process reads its share of the file's rows, the processes fit one model together
//! ([`RowShare`]: every sum over rows is carried along the ranks in row order, so the fit is
//! the single-process fit to the bit), and rank 0 prints and saves it.
//!
//! A failure on any rank (a file it cannot read, a bad value in its rows) ends every rank with
//! the same one-line error, the failing rank's own, printed once by rank 0.

use anyhow::{bail, Result};
use descent_objectives::{ObjectiveError, RowGroup, RowShare};
use mpi::collective::CommunicatorCollectives;
use mpi::datatype::{Equivalence, PartitionMut};
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::{Destination, Root, Source};
use std::sync::{Arc, Mutex, OnceLock};

/// Whether this process was started by an MPI launcher (`mpirun`, `srun` with PMI), from the
/// variables they set.
pub(crate) fn launched() -> bool {
    [
        "OMPI_COMM_WORLD_SIZE",
        "PMI_SIZE",
        "PMIX_RANK",
        "MPI_LOCALNRANKS",
    ]
    .iter()
    .any(|name| std::env::var_os(name).is_some())
}

/// The MPI environment, kept until `main` returns (dropping it finalizes MPI).
pub(crate) struct Session {
    _universe: mpi::environment::Universe,
}

static WORLD: OnceLock<Arc<MpiGroup>> = OnceLock::new();

/// Initializes MPI when launched by an MPI launcher (`None` otherwise, or when MPI was
/// initialized already).
pub(crate) fn start() -> Option<Session> {
    if !launched() {
        return None;
    }
    let (universe, _) = mpi::initialize_with_threading(mpi::Threading::Serialized)?;
    let world = universe.world();
    let _ = WORLD.set(Arc::new(MpiGroup {
        rank: usize::try_from(world.rank()).unwrap_or(0),
        size: usize::try_from(world.size()).unwrap_or(1),
        world: Mutex::new(Comm(world)),
        spent: Mutex::new((std::time::Duration::ZERO, 0)),
    }));
    Some(Session {
        _universe: universe,
    })
}

/// The processes of this MPI job, when there is one.
pub(crate) fn world() -> Option<Arc<MpiGroup>> {
    WORLD.get().cloned()
}

/// Whether this process is one that prints: rank 0, or any process outside MPI.
pub(crate) fn prints() -> bool {
    world().is_none_or(|w| w.rank == 0)
}

/// `MPI_COMM_WORLD`, to be used by one thread at a time.
struct Comm(SimpleCommunicator);

// SAFETY: MPI was initialized with MPI_THREAD_SERIALIZED, under which any thread may make MPI
// calls as long as no two make them at once; every use goes through `MpiGroup::world`'s lock.
unsafe impl Send for Comm {}

/// MPI's world communicator as a [`RowGroup`].
#[derive(Debug)]
pub(crate) struct MpiGroup {
    rank: usize,
    size: usize,
    world: Mutex<Comm>,
    /// Wall-clock time spent in MPI calls, waiting included, and their count.
    spent: Mutex<(std::time::Duration, usize)>,
}

impl std::fmt::Debug for Comm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MPI_COMM_WORLD")
    }
}

impl MpiGroup {
    fn with<R>(&self, f: impl FnOnce(&SimpleCommunicator) -> R) -> R {
        let world = self
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let started = std::time::Instant::now();
        let result = f(&world.0);
        let mut spent = self
            .spent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        spent.0 += started.elapsed();
        spent.1 += 1;
        result
    }

    /// The wall-clock seconds this process has spent in MPI calls (waiting for the other
    /// processes included), and how many calls it made.
    pub(crate) fn spent(&self) -> (f64, usize) {
        let spent = self
            .spent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (spent.0.as_secs_f64(), spent.1)
    }

    fn rank_i32(rank: usize) -> i32 {
        i32::try_from(rank).unwrap_or(i32::MAX)
    }

    /// One byte string from rank `root`, on every process.
    fn broadcast_bytes(&self, root: usize, bytes: Vec<u8>) -> Vec<u8> {
        self.with(|world| broadcast_vec(world, root, bytes))
    }

    /// Every process's `local` outcome, agreed: `Ok` on every process when every process
    /// succeeded, otherwise on every process the error of the first rank that failed on its
    /// own (before the first that failed because another did), as "rank r of N: why".
    pub(crate) fn agree<T>(&self, local: Result<T>) -> Result<T> {
        // 2: failed on its own; 1: failed because another rank did; 0: succeeded.
        let code: u8 = match &local {
            Ok(_) => 0,
            Err(e) if is_peer_failure(e) => 1,
            Err(_) => 2,
        };
        let mut codes = vec![0u8; self.size];
        self.with(|world| world.all_gather_into(&code, &mut codes[..]));
        let first = |c: u8| codes.iter().position(|&k| k == c);
        let Some(failed) = first(2).or_else(|| first(1)) else {
            return local;
        };
        let message = match &local {
            Err(e) if self.rank == failed => crate::one_line(e),
            _ => String::new(),
        };
        let message = self.broadcast_bytes(failed, message.into_bytes());
        let message = String::from_utf8_lossy(&message);
        // Every rank failing on its own (an error of the whole data, such as its labels) is
        // the job's error, not one rank's.
        if codes.iter().all(|&c| c == 2) {
            bail!("{message}");
        }
        bail!("rank {failed} of {}: {message}", self.size)
    }

    /// Every process's `local` values, concatenated in rank order, on rank 0 (`None` on the
    /// others, and on every process when a share is beyond MPI's counts, 2³¹ − 1 values).
    pub(crate) fn gather_to_root(&self, local: &[f64]) -> Option<Vec<f64>> {
        let count = i32::try_from(local.len()).unwrap_or(-1);
        let mut counts = vec![0i32; self.size];
        self.with(|world| world.all_gather_into(&count, &mut counts[..]));
        if counts.iter().any(|&c| c < 0) {
            return None;
        }
        self.with(|world| {
            let root = world.process_at_rank(0);
            if self.rank != 0 {
                root.gather_varcount_into(local);
                return None;
            }
            let displacements: Vec<i32> = counts
                .iter()
                .scan(0i32, |at, &c| {
                    let start = *at;
                    *at = at.saturating_add(c);
                    Some(start)
                })
                .collect();
            let total = counts
                .iter()
                .map(|&c| usize::try_from(c).unwrap_or(0))
                .sum();
            let mut all = vec![0.0; total];
            let mut partition = PartitionMut::new(&mut all[..], &counts[..], &displacements[..]);
            root.gather_varcount_into_root(local, &mut partition);
            Some(all)
        })
    }

    /// Fails unless every process holds the same `values`, bit for bit (the fitted
    /// parameters: processes on different CPUs could round a factorization differently).
    pub(crate) fn check_same(self: &Arc<Self>, values: &[f64]) -> Result<()> {
        let all = self.gather_all(values)?;
        let same = |v: &Vec<f64>| {
            v.len() == values.len()
                && v.iter()
                    .zip(values)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
        };
        if !all.iter().all(same) {
            bail!(
                "the ranks ended with different coefficients (different CPUs or libraries round differently): run every rank on the same kind of machine and build"
            );
        }
        Ok(())
    }

    /// Every process's `values`, in rank order, on every process.
    pub(crate) fn gather_all(self: &Arc<Self>, values: &[f64]) -> Result<Vec<Vec<f64>>> {
        Ok(RowShare::new(Arc::new(self.handle()), 0, 1)?.gather(values))
    }

    /// A [`RowGroup`] handle on this group.
    pub(crate) fn handle(self: &Arc<Self>) -> Handle {
        Handle(Arc::clone(self))
    }

    pub(crate) fn rank(&self) -> usize {
        self.rank
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }
}

/// The files of `--data` under MPI: the path itself when it names a file, otherwise the files
/// its pattern matches (`part-*.csv`), in the order of their names; their rows, one file
/// after another, are the data set.
pub(crate) fn data_files(data: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    if data.exists() {
        return Ok(vec![data.to_owned()]);
    }
    let pattern = data.to_string_lossy();
    if !pattern.contains(['*', '?', '[']) {
        // Not a pattern: the reader says what is wrong with the path.
        return Ok(vec![data.to_owned()]);
    }
    let mut files = Vec::new();
    for entry in glob::glob(&pattern)? {
        files.push(entry?);
    }
    files.sort();
    if files.is_empty() {
        bail!("no file matches {pattern}");
    }
    Ok(files)
}

/// Whether `e` is a process's report that another process failed.
fn is_peer_failure(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<ObjectiveError>(),
            Some(ObjectiveError::PeerFailed { .. })
        ) || matches!(
            cause.downcast_ref::<descent_models::ModelError>(),
            Some(descent_models::ModelError::Objective(
                ObjectiveError::PeerFailed { .. }
            ))
        )
    })
}

/// The world group, shared, as the models take it.
#[derive(Debug, Clone)]
pub(crate) struct Handle(Arc<MpiGroup>);

impl RowGroup for Handle {
    fn rank(&self) -> usize {
        self.0.rank
    }

    fn size(&self) -> usize {
        self.0.size
    }

    fn send(&self, to: usize, values: &[f64]) {
        self.0
            .with(|world| world.process_at_rank(MpiGroup::rank_i32(to)).send(values));
    }

    fn receive(&self, from: usize) -> Vec<f64> {
        self.0.with(|world| {
            world
                .process_at_rank(MpiGroup::rank_i32(from))
                .receive_vec::<f64>()
                .0
        })
    }

    fn broadcast(&self, root: usize, values: Vec<f64>) -> Vec<f64> {
        self.0.with(|world| broadcast_vec(world, root, values))
    }
}

/// `values` of rank `root` (its length first), on every process.
fn broadcast_vec<T: Equivalence + Default + Clone>(
    world: &SimpleCommunicator,
    root: usize,
    values: Vec<T>,
) -> Vec<T> {
    let root = world.process_at_rank(MpiGroup::rank_i32(root));
    let mut len = values.len() as u64;
    root.broadcast_into(&mut len);
    let mut buf = values;
    buf.resize(usize::try_from(len).unwrap_or(0), T::default());
    root.broadcast_into(&mut buf[..]);
    buf
}
