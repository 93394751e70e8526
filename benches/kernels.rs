//! Throughput of the objective kernels against a plain streaming read of the same bytes.
//!
//! `cargo bench --bench kernels` measures, at 200 000 × 50 and 1 000 000 × 20 (standard
//! normal features, labels drawn from a logistic model with weights N(0, 1)/√p):
//! - `stream`: summing an array as large as `X` (the memory-bandwidth baseline);
//! - `log_loss/value_and_gradient`, `log_loss/gradient`, `log_loss/hessian`,
//!   `mse/value_and_gradient`: one evaluation at a fixed point;
//! - `fit/newton`, `fit/lbfgs`: a whole logistic-regression fit (C = 1, tol 1e-6).
//!
//! The summary also times the log loss's value+gradient with sample weights (`weighted …`),
//! whose cost over the unweighted pass is the weights' own stream.
//!
//! Criterion reports each as GiB/s of `X` read (`thrpt`). After the criterion runs, a summary
//! prints each kernel's throughput as a fraction of the streaming read measured in the same
//! run (median of 15 timings each), which is the figure to compare across machines.
//! `cargo bench --bench kernels -- summary` runs the summary alone (the filter matches no
//! criterion benchmark). The summary also measures the same kernels on `X` stored as `f32`
//! (`f32 …` rows, against a streaming read of the `f32` matrix, and their time against the
//! `f64` pass's: half the bytes should take about half the time).

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use descent::models::{LogisticRegression, Solver};
use descent::objectives::{
    Gradient, Hessian, LogLoss, MeanSquaredError, MultinomialLogLoss, Objective,
};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Instant;

/// The shapes measured: (rows, features).
const SHAPES: [(usize, usize); 2] = [(200_000, 50), (1_000_000, 20)];

/// A seeded logistic problem: `X ~ N(0, 1)`, `w ~ N(0, 1)/√p`, `y ~ Bernoulli(σ(Xw))`.
fn problem(n: usize, p: usize) -> (Array2<f64>, Array1<f64>, Array1<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let x = Array2::from_shape_simple_fn((n, p), || rng.sample::<f64, _>(StandardNormal));
    let w = Array1::from_shape_simple_fn(p, || {
        rng.sample::<f64, _>(StandardNormal) / (p as f64).sqrt()
    });
    let z = x.dot(&w);
    let y = z.mapv(|z| f64::from(rng.random::<f64>() < 1.0 / (1.0 + (-z).exp())));
    (x, y, z)
}

/// The sum of every element: one streaming read of `x`, with eight running sums per thread
/// (so that the adds keep up with memory) and rayon's threads over 32 768-element chunks. It
/// is the bandwidth baseline; a kernel cannot read `X` faster than this.
fn stream<T: Copy + Into<f64> + Sync>(x: &Array2<T>) -> f64 {
    let Some(values) = x.as_slice() else {
        return x.iter().map(|&v| v.into()).sum();
    };
    values
        .par_chunks(1 << 15)
        .map(|chunk| {
            let mut sums = [0.0; 8];
            for block in chunk.chunks_exact(8) {
                for k in 0..8 {
                    sums[k] += block[k].into();
                }
            }
            sums.iter().sum::<f64>()
        })
        .sum()
}

/// A point near the optimum's scale, the same for every kernel.
fn point(p: usize) -> Array1<f64> {
    Array1::from_shape_fn(p + 1, |j| 0.1 * ((j as f64) * 0.37).sin())
}

fn kernels(c: &mut Criterion) {
    for &(n, p) in &SHAPES {
        let (x, y, z) = problem(n, p);
        let bytes = (n * p * std::mem::size_of::<f64>()) as u64;
        let loss = LogLoss::new(&x, &y).expect("finite data");
        let mse = MeanSquaredError::new(&x, &z).expect("finite data");
        let at = point(p);
        let shape = format!("{n}x{p}");
        let mut group = c.benchmark_group("kernels");
        group.throughput(Throughput::Bytes(bytes));
        group.sample_size(20);
        group.bench_function(BenchmarkId::new("stream", &shape), |b| {
            b.iter(|| black_box(stream(&x)))
        });
        group.bench_function(
            BenchmarkId::new("log_loss/value_and_gradient", &shape),
            |b| b.iter(|| black_box(loss.value_and_gradient(&at))),
        );
        group.bench_function(BenchmarkId::new("log_loss/value", &shape), |b| {
            b.iter(|| black_box(loss.value(&at)))
        });
        group.bench_function(BenchmarkId::new("log_loss/gradient", &shape), |b| {
            b.iter(|| black_box(loss.gradient(&at)))
        });
        group.bench_function(BenchmarkId::new("log_loss/hessian", &shape), |b| {
            b.iter(|| black_box(loss.hessian(&at)))
        });
        group.bench_function(BenchmarkId::new("mse/value_and_gradient", &shape), |b| {
            b.iter(|| black_box(mse.value_and_gradient(&at)))
        });
        group.finish();

        let mut fits = c.benchmark_group("fit");
        fits.sample_size(10);
        for (name, solver) in [("newton", Solver::Newton), ("lbfgs", Solver::Lbfgs)] {
            let model = LogisticRegression::new()
                .solver(solver)
                .tol(1e-6)
                .max_iter(1000)
                .record_history(false);
            fits.bench_function(BenchmarkId::new(name, &shape), |b| {
                b.iter(|| black_box(model.fit(x.view(), y.view()).expect("fits")))
            });
        }
        fits.finish();
    }
}

/// The median of `runs` timings of `f`, in seconds.
fn median_seconds<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    black_box(f());
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            black_box(f());
            started.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

/// Prints each kernel's GB/s next to the streaming read's, measured in this run.
fn bandwidth_summary() {
    println!("\nthroughput of X (GB/s, median of 15) and fraction of a streaming read, same run:");
    println!(
        "{:<8} {:<12} {:<32} {:>8} {:>8} {:>9}",
        "threads", "shape", "kernel", "GB/s", "stream", "ms"
    );
    let most = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut counts = vec![1];
    if most > 1 {
        counts.push(most);
    }
    for threads in counts {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        pool.install(|| shapes_summary(threads));
    }
}

fn shapes_summary(threads: usize) {
    for &(n, p) in &SHAPES {
        let (x, y, z) = problem(n, p);
        let shape = format!("{n}x{p}");
        let wide = stored_summary(threads, &shape, "", &x, &y, &z);
        // The same values stored as f32: half the bytes.
        let narrow = stored_summary(threads, &shape, "f32 ", &x.mapv(|v| v as f32), &y, &z);
        println!(
            "{threads:<8} {shape:<12} f32 v+g time / f64 v+g time: {:.2}",
            narrow / wide
        );
    }
}

/// Prints the kernels' rows for `x` stored as `T` (names prefixed by `prefix`), against a
/// streaming read of the same matrix, and returns the log loss's value+gradient time.
fn stored_summary<T>(
    threads: usize,
    shape: &str,
    prefix: &str,
    x: &Array2<T>,
    y: &Array1<f64>,
    z: &Array1<f64>,
) -> f64
where
    T: descent::objectives::Element,
{
    let gb = std::mem::size_of_val(x.as_slice().expect("row-major")) as f64 / 1e9;
    let loss = LogLoss::new(x, y).expect("finite data");
    let mse = MeanSquaredError::new(x, z).expect("finite data");
    let at = point(x.ncols());
    let base = gb
        / median_seconds(15, || {
            black_box(stream(x));
        });
    let report = |name: &str, seconds: f64| {
        let rate = gb / seconds;
        println!(
            "{threads:<8} {shape:<12} {:<32} {rate:>8.2} {:>7.0}% {:>9.2}",
            format!("{prefix}{name}"),
            100.0 * rate / base,
            1e3 * seconds
        );
    };
    report("stream", gb / base);
    let pass = median_seconds(15, || black_box(loss.value_and_gradient(&at)));
    report("log_loss/value_and_gradient", pass);
    // Sample weights: one more stream of 8 bytes a row, one product per row.
    let s = Array1::from_shape_fn(x.nrows(), |i| 0.5 + (i % 3) as f64);
    let weighted = LogLoss::new(x, y)
        .and_then(|l| l.sample_weight(&s))
        .expect("valid weights");
    report(
        "weighted log_loss/value_and_grad",
        median_seconds(15, || black_box(weighted.value_and_gradient(&at))),
    );
    report(
        "log_loss/value",
        median_seconds(15, || {
            black_box(loss.value(&at));
        }),
    );
    report(
        "log_loss/hessian",
        median_seconds(15, || black_box(loss.hessian(&at))),
    );
    report(
        "mse/value_and_gradient",
        median_seconds(15, || black_box(mse.value_and_gradient(&at))),
    );
    // Ten classes (the labels cycle), at a point with every coefficient non-zero.
    let classes = 10;
    let labels: Vec<u32> = (0..x.nrows()).map(|i| (i % classes) as u32).collect();
    let multinomial = MultinomialLogLoss::new(x, labels, classes).expect("finite data");
    let at = Array1::from_shape_fn(classes * (x.ncols() + 1), |i| ((i % 7) as f64 - 3.0) / 10.0);
    report(
        "multinomial K=10/value_and_grad",
        median_seconds(15, || black_box(multinomial.value_and_gradient(&at))),
    );
    pass
}

criterion_group!(benches, kernels);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    bandwidth_summary();
}
