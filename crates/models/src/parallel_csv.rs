//! The fast path of CSV reading: plain numeric files (no quoted fields) read in parallel.
//!
//! The file is mapped into memory (read-only), so neither pass copies it. A first pass cuts it
//! into 4 MiB chunks that end at a line break and counts each chunk's data rows. The matrix is
//! then allocated once at its exact size, and the chunks are parsed by rayon's threads straight
//! into their own rows. Each chunk's pages are let go of once it is read (`MADV_DONTNEED`), so
//! the process's resident memory holds the matrix and a few chunks, never the file; the matrix
//! never grows. (Reading the file into a buffer instead copied it twice, once per pass, from
//! the page cache: 0.3 s of a 2 s read of 1.2 GB at one thread.)
//!
//! A file that another process truncates while it is being read ends the process (`SIGBUS`,
//! as for any mapped file); one that is rewritten meanwhile may read as a mix of both.
//!
//! Files with a `"` anywhere after the header go to the general reader (the csv crate), which
//! handles quoting; so do lines longer than a chunk, and line breaks written as a carriage
//! return alone (old Mac files), which the csv crate reads as line breaks.

use crate::csv_field::{lone_carriage_return, narrow, parse_number, DataError};
use descent_objectives::Element;
use memmap2::{Advice, Mmap, UncheckedAdvice};
use ndarray::Array2;
use rayon::prelude::*;
use std::fs::File;
use std::path::Path;

/// Bytes per chunk (a chunk is cut back to its last line break).
const CHUNK_BYTES: usize = 4 << 20;

/// A run of whole lines of the file.
struct Chunk {
    /// Where it starts in the file.
    offset: usize,
    /// How many bytes.
    len: usize,
    /// How many data rows (non-blank lines) it holds.
    rows: usize,
    /// How many lines (blank or not) come before it, from the first data line.
    lines_before: u64,
}

/// What to read from each row.
pub(crate) struct Layout<'a> {
    pub path: &'a Path,
    pub header: &'a [String],
    /// The byte offset of the first data row, and its line number (1-based).
    pub start: u64,
    pub first_line: u64,
    /// The feature columns, in output order, and the target column.
    pub columns: &'a [usize],
    pub target: Option<usize>,
}

fn blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// The lines in `bytes` that are not blank, and all lines (a last line without a line
/// break counts).
fn count_lines(bytes: &[u8]) -> (usize, u64) {
    let (mut rows, mut lines, mut start) = (0, 0, 0);
    for end in memchr::memchr_iter(b'\n', bytes) {
        rows += usize::from(!blank(&bytes[start..end]));
        lines += 1;
        start = end + 1;
    }
    if start < bytes.len() {
        rows += usize::from(!blank(&bytes[start..]));
        lines += 1;
    }
    (rows, lines)
}

/// Lets go of the process's pages of `range` of the mapped file (the whole pages inside it):
/// its resident memory then holds only the chunks being read. Best effort (an error only
/// leaves the pages mapped).
fn release(map: &Mmap, range: std::ops::Range<usize>) {
    const PAGE: usize = 4096;
    let (start, end) = (range.start.next_multiple_of(PAGE), range.end / PAGE * PAGE);
    if start < end {
        // SAFETY: the map is a read-only shared mapping of a file, never written: dropping its
        // pages loses nothing, and a later read of them maps the file's pages again.
        let _ =
            unsafe { map.unchecked_advise_range(UncheckedAdvice::DontNeed, start, end - start) };
    }
}

/// Splits the data part of the mapped file (from `start`) into chunks and counts their rows;
/// `None` when the file needs the general reader (a quote, or a line longer than a chunk).
fn chunks(map: &Mmap, start: u64) -> Option<Vec<Chunk>> {
    let bytes: &[u8] = map;
    let mut chunks = Vec::new();
    let (mut offset, mut lines_before) = (usize::try_from(start).ok()?, 0);
    while offset < bytes.len() {
        let window = &bytes[offset..(offset + CHUNK_BYTES).min(bytes.len())];
        if memchr::memchr(b'"', window).is_some() || lone_carriage_return(window) {
            return None;
        }
        let len = if offset + window.len() == bytes.len() {
            window.len()
        } else {
            memchr::memrchr(b'\n', window)? + 1
        };
        let (rows, lines) = count_lines(&window[..len]);
        chunks.push(Chunk {
            offset,
            len,
            rows,
            lines_before,
        });
        release(map, offset..offset + len);
        offset += len;
        lines_before += lines;
    }
    Some(chunks)
}

/// Reads the data rows `pick(n)` of the file's `n` (0-based, in file order), with `n` and
/// the rows read, or `None` when the file needs the general reader. Every line is counted,
/// but only the lines in the window are parsed: what a process sharing the rows of a file
/// with others reads.
pub(crate) fn read_window<T: Element>(
    layout: &Layout<'_>,
    pick: impl FnOnce(usize) -> std::ops::Range<usize>,
) -> Option<Result<crate::data::Window<T>, DataError>> {
    let (map, chunks) = match opened(layout)? {
        Ok(opened) => opened,
        Err(e) => return Some(Err(e)),
    };
    let total: usize = chunks.iter().map(|c| c.rows).sum();
    if total == 0 {
        return Some(Err(DataError::NoRows {
            path: layout.path.to_owned(),
        }));
    }
    let window = pick(total);
    let window = window.start.min(total)..window.end.min(total).max(window.start.min(total));
    let rows = window.len();
    let k = layout.columns.len();
    let mut x = vec![T::from_f64(0.0); rows * k];
    let mut y = vec![0.0; if layout.target.is_some() { rows } else { 0 }];
    // Each chunk's rows in the window (counted from the chunk's first), with their rows of
    // `x` and `y`.
    let mut parts = Vec::with_capacity(chunks.len());
    let (mut x_rest, mut y_rest) = (x.as_mut_slice(), y.as_mut_slice());
    let mut first = 0;
    for chunk in &chunks {
        let (start, end) = (first, first + chunk.rows);
        first = end;
        let (from, to) = (start.max(window.start), end.min(window.end));
        if from >= to {
            continue;
        }
        let (xs, x_tail) = x_rest.split_at_mut((to - from) * k);
        let y_len = if layout.target.is_some() {
            to - from
        } else {
            0
        };
        let (ys, y_tail) = y_rest.split_at_mut(y_len);
        parts.push((chunk, from - start..to - start, xs, ys));
        (x_rest, y_rest) = (x_tail, y_tail);
    }
    if let Err(error) = parse_parts(layout, &map, parts) {
        return Some(Err(error));
    }
    let x = Array2::from_shape_vec((rows, k), x).map_err(|_| DataError::NoRows {
        path: layout.path.to_owned(),
    });
    Some(x.map(|x| ((x, y), total, window)))
}

/// The file of `layout`, mapped, and its chunks; `None` when it needs the general reader (a
/// pipe, a quote, or a line longer than a chunk).
fn opened(layout: &Layout<'_>) -> Option<Result<(Mmap, Vec<Chunk>), DataError>> {
    let io = |source| DataError::Io {
        path: layout.path.to_owned(),
        source,
    };
    // A pipe (`<(…)`) cannot be mapped, nor opened again from its start (opening it again
    // would wait for a writer that may be gone): the general reader, already past the header,
    // reads it on. Asked of the path, without opening it.
    if !std::fs::metadata(layout.path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let map = File::open(layout.path).and_then(|file| {
        // SAFETY: a read-only map of a regular file; what happens if another process truncates
        // or rewrites it meanwhile is said in the module's documentation.
        unsafe { Mmap::map(&file) }
    });
    let map = match map {
        Ok(map) => map,
        Err(e) => return Some(Err(io(e))),
    };
    let _ = map.advise(Advice::Sequential);
    let chunks = chunks(&map, layout.start)?;
    Some(Ok((map, chunks)))
}

/// Parses each part (a chunk, its rows to read counted from its first, and their rows of `x`
/// and `y`) on rayon's threads; the first error in file order.
#[allow(clippy::type_complexity, reason = "the parts' four borrowed pieces")]
fn parse_parts<T: Element>(
    layout: &Layout<'_>,
    map: &Mmap,
    parts: Vec<(&Chunk, std::ops::Range<usize>, &mut [T], &mut [f64])>,
) -> Result<(), DataError> {
    let outcomes: Vec<Result<(), DataError>> = parts
        .into_par_iter()
        .map(|(chunk, within, xs, ys)| parse_chunk(layout, map, chunk, within, xs, ys))
        .collect();
    outcomes.into_iter().collect()
}

/// Chunks per block of [`for_each_block`]: 64 MiB of the file, parsed by rayon's threads.
const BLOCK_CHUNKS: usize = 16;

/// Parses every data row in file order, a block of [`BLOCK_CHUNKS`] chunks at a time (its
/// chunks in parallel), handing each block's rows of `x` (the layout's columns, row-major) and
/// their targets to `block`; returns the number of rows, or `None` when the file needs the
/// general reader. Memory: one block, not the file: what converting a file into a data cache
/// ([`DataCache`](crate::cache::DataCache)) needs.
pub(crate) fn for_each_block<T: Element>(
    layout: &Layout<'_>,
    block: impl FnMut(&[T], &[f64]) -> Result<(), DataError>,
) -> Option<Result<usize, DataError>> {
    blocks_of::<T>(layout, BLOCK_CHUNKS, block)
}

/// [`for_each_block`] in blocks of `per_block` chunks.
fn blocks_of<T: Element>(
    layout: &Layout<'_>,
    per_block: usize,
    mut block: impl FnMut(&[T], &[f64]) -> Result<(), DataError>,
) -> Option<Result<usize, DataError>> {
    let (map, chunks) = match opened(layout)? {
        Ok(opened) => opened,
        Err(e) => return Some(Err(e)),
    };
    let k = layout.columns.len();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let mut total = 0;
    for group in chunks.chunks(per_block.max(1)) {
        let rows: usize = group.iter().map(|c| c.rows).sum();
        x.clear();
        x.resize(rows * k, T::from_f64(0.0));
        y.clear();
        y.resize(if layout.target.is_some() { rows } else { 0 }, 0.0);
        let mut parts = Vec::with_capacity(group.len());
        let (mut x_rest, mut y_rest) = (x.as_mut_slice(), y.as_mut_slice());
        for chunk in group {
            let (xs, x_tail) = x_rest.split_at_mut(chunk.rows * k);
            let y_len = if layout.target.is_some() {
                chunk.rows
            } else {
                0
            };
            let (ys, y_tail) = y_rest.split_at_mut(y_len);
            parts.push((chunk, 0..chunk.rows, xs, ys));
            (x_rest, y_rest) = (x_tail, y_tail);
        }
        if let Err(e) = parse_parts(layout, &map, parts).and_then(|()| block(&x, &y)) {
            return Some(Err(e));
        }
        total += rows;
    }
    if total == 0 {
        return Some(Err(DataError::NoRows {
            path: layout.path.to_owned(),
        }));
    }
    Some(Ok(total))
}

/// Parses the data rows `within` (counted from the chunk's first) of `chunk` into `xs`, `ys`,
/// then lets go of the chunk's pages.
fn parse_chunk<T: Element>(
    layout: &Layout<'_>,
    map: &Mmap,
    chunk: &Chunk,
    within: std::ops::Range<usize>,
    xs: &mut [T],
    ys: &mut [f64],
) -> Result<(), DataError> {
    // In the map: the chunks were cut from it.
    let range = chunk.offset..chunk.offset + chunk.len;
    let parsed = parse_lines(
        layout,
        chunk,
        map.get(range.clone()).unwrap_or(&[]),
        within,
        xs,
        ys,
    );
    release(map, range);
    parsed
}

thread_local! {
    /// Each thread's index of a chunk's separators, reused from chunk to chunk.
    static SEPARATORS: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Parses the data rows `within` of a chunk's `bytes` into `xs` and `ys`.
///
/// The fast path: the chunk's commas and line feeds are indexed first
/// ([`separators`](crate::plain_decimal::separators)), then each line with as many fields as
/// the header and every field a finite number written without surrounding spaces is parsed
/// field by field from the index ([`parse_fields`](crate::plain_decimal::parse_fields)). Any
/// other line (spaces, a missing value, text, a non-finite number, a ragged line) takes the
/// general path, which trims, finds the fields and says what is wrong. Both give the same
/// numbers (correctly rounded parsers).
fn parse_lines<T: Element>(
    layout: &Layout<'_>,
    chunk: &Chunk,
    bytes: &[u8],
    within: std::ops::Range<usize>,
    xs: &mut [T],
    ys: &mut [f64],
) -> Result<(), DataError> {
    SEPARATORS.with_borrow_mut(|separators| {
        crate::plain_decimal::separators(bytes, separators);
        let width = layout.header.len();
        let k = layout.columns.len();
        let mut values = vec![0.0; width];
        let mut fields = Vec::with_capacity(width);
        let (mut row, mut data_row) = (0, 0);
        // The index in `separators` of the next line's first separator, and where it starts.
        let (mut next, mut start) = (0, 0);
        let mut i = 0;
        while start < bytes.len() {
            let first = next;
            while next < separators.len() && bytes[separators[next]] != b'\n' {
                next += 1;
            }
            let end = separators.get(next).copied().unwrap_or(bytes.len());
            let commas = &separators[first..next];
            let line_start = start;
            (next, start, i) = (next + 1, end + 1, i + 1);
            let line = &bytes[line_start..end];
            if blank(line) {
                continue;
            }
            data_row += 1;
            if data_row <= within.start {
                continue;
            }
            if data_row > within.end {
                break;
            }
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let number = || layout.first_line + chunk.lines_before + (i - 1) as u64;
            let line_end = line_start + line.len();
            if crate::plain_decimal::parse_fields(bytes, line_start, commas, line_end, &mut values)
            {
                let out = &mut xs[row * k..(row + 1) * k];
                for (slot, &c) in out.iter_mut().zip(layout.columns) {
                    *slot = narrow(values[c], layout.path, layout.header, number, c)?;
                }
                if let Some(t) = layout.target {
                    ys[row] = values[t];
                }
            } else {
                general_line(
                    layout,
                    line,
                    &mut fields,
                    number(),
                    &mut xs[row * k..(row + 1) * k],
                    ys.get_mut(row),
                )?;
            }
            row += 1;
        }
        Ok(())
    })
}

/// A line that is not plain numbers: its fields found (into `fields`, reused from line to
/// line) and parsed one by one, each error said with the line's `number` and the column.
fn general_line<'a, T: Element>(
    layout: &Layout<'_>,
    line: &'a [u8],
    fields: &mut Vec<&'a [u8]>,
    number: u64,
    out: &mut [T],
    target: Option<&mut f64>,
) -> Result<(), DataError> {
    let width = layout.header.len();
    fields.clear();
    let mut start = 0;
    for end in memchr::memchr_iter(b',', line) {
        fields.push(&line[start..end]);
        start = end + 1;
    }
    fields.push(&line[start..]);
    if fields.len() != width {
        return Err(DataError::Ragged {
            path: layout.path.to_owned(),
            line: number,
            expected: width,
            found: fields.len(),
        });
    }
    for (slot, &c) in out.iter_mut().zip(layout.columns) {
        let value = parse_number(layout.path, layout.header, fields[c], number, c)?;
        *slot = narrow(value, layout.path, layout.header, || number, c)?;
    }
    if let (Some(t), Some(target)) = (layout.target, target) {
        *target = parse_number(layout.path, layout.header, fields[t], number, t)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;

    #[test]
    fn blocks_of_chunks_hand_on_every_row_in_file_order() {
        // About 6 MiB: two chunks of 4 MiB, one a block; a blank line and a line of the
        // general path (spaces) inside.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let mut text = String::from("a,b,c,y\n");
        for i in 0..250_000 {
            let line = if i == 70_000 {
                format!(" {}.5 , -1e-3,{},{}\n\n", i, i % 7, i % 2)
            } else {
                format!("{}.25,{},{}e-2,{}\n", i, 3 * i, i % 11, i % 2)
            };
            text.push_str(&line);
        }
        std::fs::write(&path, text).unwrap();
        let whole = Dataset::<f64>::read(&path, None, &[]).unwrap();
        let header: Vec<String> = ["a", "b", "c", "y"].map(String::from).to_vec();
        let layout = Layout {
            path: &path,
            header: &header,
            start: 8,
            first_line: 2,
            columns: &[0, 1, 2],
            target: Some(3),
        };
        let (mut x, mut y, mut blocks) = (Vec::new(), Vec::new(), 0);
        let rows = blocks_of::<f64>(&layout, 1, |xs, ys| {
            x.extend_from_slice(xs);
            y.extend_from_slice(ys);
            blocks += 1;
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(rows, 250_000);
        assert!(blocks >= 2, "{blocks} blocks");
        assert_eq!(x, whole.x.as_slice().unwrap());
        assert_eq!(y, whole.y.as_slice().unwrap());
    }
}
