//! Line charts as SVG or PNG files, through plotters.
//!
//! Every figure of the command goes through [`save`]: one or more [`Chart`]s in a grid,
//! each with a title, axis labels, a legend, and linear or logarithmic axes. PNG text is
//! drawn with DejaVu Sans, embedded in the binary, so it renders on a machine without fonts.

use anyhow::{anyhow, bail, Context, Result};
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

/// The colors of successive series (Tableau 10, with black for its gray, which is kept for
/// reference lines and unnamed series): distinct, and readable on white.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(0, 0, 0),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The color of reference lines (a minimizer, a chosen value).
pub(crate) const GRAY: RGBColor = RGBColor(110, 110, 110);

/// The color of series number `i`.
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Line,
    Dashed,
    LineWithMarkers,
    Crosses,
}

/// One named set of points.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
    pub color: RGBColor,
    /// Whether the series has an entry in the legend.
    pub legend: bool,
}

impl Series {
    pub(crate) fn new(
        name: impl Into<String>,
        points: Vec<(f64, f64)>,
        style: Style,
        color: RGBColor,
    ) -> Self {
        Series {
            name: name.into(),
            points,
            style,
            color,
            legend: true,
        }
    }
}

/// One set of axes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_log: bool,
    pub y_log: bool,
    /// The visible range; by default that of the data (points outside are not drawn).
    pub x_range: Option<Range<f64>>,
    pub y_range: Option<Range<f64>>,
    pub series: Vec<Series>,
    /// A vertical line at this x, with its legend entry (a chosen value).
    pub marker: Option<(f64, String)>,
}

/// The corners a legend can take, in order of preference.
const CORNERS: [Corner; 4] = [
    Corner::UpperRight,
    Corner::UpperLeft,
    Corner::LowerLeft,
    Corner::LowerRight,
];

/// A corner of the plotting area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corner {
    UpperRight,
    UpperLeft,
    LowerLeft,
    LowerRight,
}

impl Corner {
    /// Whether the corner is on the right, and at the top.
    fn sides(self) -> (bool, bool) {
        match self {
            Corner::UpperRight => (true, true),
            Corner::UpperLeft => (false, true),
            Corner::LowerLeft => (false, false),
            Corner::LowerRight => (true, false),
        }
    }

    fn position(self) -> SeriesLabelPosition {
        match self {
            Corner::UpperRight => SeriesLabelPosition::UpperRight,
            Corner::UpperLeft => SeriesLabelPosition::UpperLeft,
            Corner::LowerLeft => SeriesLabelPosition::LowerLeft,
            Corner::LowerRight => SeriesLabelPosition::LowerRight,
        }
    }
}

/// Where a chart's legend goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Legend {
    /// In a corner of the plotting area where it hides no data.
    Corner(Corner),
    /// In a strip below the chart, when every corner would hide some data.
    Below,
}

/// How many samples along each segment of a line count as "data" for the legend's placement:
/// a steep line between two distant points passes under a box that holds neither point.
const SAMPLES_PER_SEGMENT: usize = 8;

/// The corner whose legend box hides no data, if there is one (the upper right first), or a
/// strip below the chart.
///
/// The box is estimated in fractions of the plotting area: 45% of its width, and a line of
/// about 4.5% of its height per legend entry. A series counts by its points and by samples
/// along the lines between them (unless it is drawn as markers alone).
fn legend_placement(spec: &Chart, x: &Range<f64>, y: &Range<f64>) -> Legend {
    let scale = |v: f64, range: &Range<f64>, log: bool| {
        let t = |v: f64| if log { v.log10() } else { v };
        (t(v) - t(range.start)) / (t(range.end) - t(range.start))
    };
    let entries = (spec.series.iter().filter(|s| s.legend).count()
        + usize::from(spec.marker.is_some())) as f64;
    let (width, height) = (0.45, 0.04 + 0.045 * entries);
    // Every series as positions in [0, 1]², its lines sampled.
    let positions: Vec<(f64, f64)> = spec
        .series
        .iter()
        .flat_map(|series| {
            let points: Vec<(f64, f64)> = series
                .points
                .iter()
                .map(|&(px, py)| (scale(px, x, spec.x_log), scale(py, y, spec.y_log)))
                .filter(|(fx, fy)| fx.is_finite() && fy.is_finite())
                .collect();
            let lines = series.style != Style::Crosses;
            let mut sampled = points.clone();
            if lines {
                for pair in points.windows(2) {
                    let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
                    for k in 1..SAMPLES_PER_SEGMENT {
                        let t = k as f64 / SAMPLES_PER_SEGMENT as f64;
                        sampled.push((x0 + t * (x1 - x0), y0 + t * (y1 - y0)));
                    }
                }
            }
            sampled
        })
        .filter(|&(fx, fy)| (0.0..=1.0).contains(&fx) && (0.0..=1.0).contains(&fy))
        .collect();
    let hides = |corner: &Corner| -> bool {
        let (right, top) = corner.sides();
        positions.iter().any(|&(fx, fy)| {
            let in_x = if right {
                fx >= 1.0 - width
            } else {
                fx <= width
            };
            let in_y = if top {
                fy >= 1.0 - height
            } else {
                fy <= height
            };
            in_x && in_y
        })
    };
    match CORNERS.into_iter().find(|corner| !hides(corner)) {
        Some(corner) => Legend::Corner(corner),
        None => Legend::Below,
    }
}

/// One entry of a legend drawn below a chart: what it shows and how.
struct Entry<'a> {
    name: &'a str,
    color: RGBColor,
    style: Style,
}

/// The legend's entries: the series that have one, then the marker.
fn entries(spec: &Chart) -> Vec<Entry<'_>> {
    spec.series
        .iter()
        .filter(|s| s.legend && !s.points.is_empty())
        .map(|s| Entry {
            name: &s.name,
            color: s.color,
            style: s.style,
        })
        .chain(spec.marker.as_ref().map(|(_, name)| Entry {
            name,
            color: GRAY,
            style: Style::Dashed,
        }))
        .collect()
}

/// The font size of legend text, and the height of one legend line.
const LEGEND_FONT: u32 = 15;
const LEGEND_LINE: u32 = 22;

/// How a legend below a chart of width `width` lays out its entries: the number of columns
/// and rows, and the height of the strip.
fn legend_layout(entries: &[Entry<'_>], width: u32) -> (usize, usize, u32) {
    // DejaVu Sans at 15 px averages about 8.5 px a character; a sample line takes 40 px.
    let widest = entries
        .iter()
        .map(|e| e.name.chars().count() as u32 * 17 / 2 + 40)
        .max()
        .unwrap_or(0)
        .max(1);
    let columns = ((width.saturating_sub(40)) / (widest + 24)).clamp(1, 4) as usize;
    let rows = entries.len().div_ceil(columns);
    (columns, rows, rows as u32 * LEGEND_LINE + 14)
}

/// Draws `entries` in `area`, a strip below a chart, in `columns` columns.
fn draw_legend_below<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry<'_>],
    columns: usize,
) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    let (width, _) = area.dim_in_pixel();
    let column_width = (width as i32 - 80) / columns as i32;
    for (i, entry) in entries.iter().enumerate() {
        let (row, column) = ((i / columns) as i32, (i % columns) as i32);
        let (x, y) = (
            60 + column * column_width,
            8 + row * LEGEND_LINE as i32 + 10,
        );
        let line = entry.color.stroke_width(2);
        match entry.style {
            Style::Crosses => area.draw(&Cross::new((x + 11, y), 5, line))?,
            Style::Dashed => area.draw(&PathElement::new(
                vec![(x, y), (x + 8, y), (x + 14, y), (x + 22, y)],
                line,
            ))?,
            _ => area.draw(&PathElement::new(vec![(x, y), (x + 22, y)], line))?,
        }
        if entry.style == Style::LineWithMarkers {
            area.draw(&Circle::new((x + 11, y), 4, entry.color.filled()))?;
        }
        area.draw(&Text::new(
            entry.name.to_owned(),
            (x + 30, y - LEGEND_FONT as i32 / 2 - 1),
            ("sans-serif", LEGEND_FONT),
        ))?;
    }
    Ok(())
}

/// The charts of one file, laid out in a grid of `columns` columns.
#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub charts: Vec<Chart>,
    pub columns: usize,
    /// The size of each chart's panel, in pixels.
    pub panel: (u32, u32),
}

impl Figure {
    pub(crate) fn single(chart: Chart) -> Self {
        Figure {
            charts: vec![chart],
            columns: 1,
            panel: PANEL,
        }
    }
}

/// The size of a chart's panel: readable at 880 pixels, the width of a README.
pub(crate) const PANEL: (u32, u32) = (880, 560);

/// Writes `figure` to `path`, as SVG or PNG by its extension, through a temporary file in
/// the same directory: a drawing that fails leaves any file already at `path` untouched.
pub(crate) fn save(path: &Path, figure: &Figure) -> Result<()> {
    check_path(path)?;
    register_font()?;
    let columns = figure.columns.max(1);
    let rows = figure.charts.len().div_ceil(columns).max(1);
    let size = (
        figure.panel.0 * u32::try_from(columns)?,
        figure.panel.1 * u32::try_from(rows)?,
    );
    crate::files::write_through_temporary(path, |temporary| {
        let result = if is_png(path) {
            draw(
                BitMapBackend::new(temporary, size).into_drawing_area(),
                figure,
                rows,
            )
        } else {
            draw(
                SVGBackend::new(temporary, size).into_drawing_area(),
                figure,
                rows,
            )
        };
        result.with_context(|| format!("drawing the plot {}", path.display()))
    })
}

/// Checks, before any work is done, that `path` names an SVG or PNG file in a directory
/// that exists.
pub(crate) fn check_path(path: &Path) -> Result<()> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(extension.as_deref(), Some("svg" | "png")) {
        bail!(
            "--plot {}: the file name must end in .svg or .png",
            path.display()
        );
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            bail!(
                "--plot {}: no directory {}",
                path.display(),
                parent.display()
            );
        }
    }
    Ok(())
}

fn is_png(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
}

fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(anyhow!("the embedded font could not be loaded"))
    }
}

type DrawResult<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    figure: &Figure,
    rows: usize,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let inner = || -> DrawResult<()> {
        root.fill(&WHITE)?;
        let panels = root.split_evenly((rows, figure.columns.max(1)));
        for (chart, panel) in figure.charts.iter().zip(&panels) {
            draw_chart(panel, chart)?;
        }
        root.present()?;
        Ok(())
    };
    inner().map_err(|e| anyhow!("{e}"))
}

/// The smallest and largest of the finite `values`; `None` when there is none.
pub(crate) fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |range, v| match range {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

/// The range to show on one axis: the given one, or that of the data with 5% margins
/// (multiplicative on a log axis).
fn axis_range(
    given: Option<&Range<f64>>,
    values: impl Iterator<Item = f64>,
    log: bool,
) -> Range<f64> {
    if let Some(range) = given {
        return range.clone();
    }
    let Some((lo, hi)) = finite_range(values.filter(|v| !log || *v > 0.0)) else {
        return if log { 0.1..10.0 } else { 0.0..1.0 };
    };
    if log {
        let (lo, hi) = if hi / lo < 10.0 {
            (lo / 2.0, hi * 2.0)
        } else {
            (lo, hi)
        };
        let pad = (hi / lo).powf(0.04);
        lo / pad..hi * pad
    } else {
        let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
        lo - 0.05 * span..hi + 0.05 * span
    }
}

/// A power of ten as a tick label: `0.01`, `1`, `1000`, and `1e-6`, `1e5` beyond.
fn power_of_ten(exponent: i32) -> String {
    if (-3..=4).contains(&exponent) {
        crate::number::significant(10f64.powi(exponent), 1)
    } else {
        format!("1e{exponent}")
    }
}

/// How many decades a log axis over `range` spans (whole ones).
fn decades(range: &Range<f64>) -> usize {
    (range.end / range.start).log10().max(0.0).floor() as usize
}

/// A tick label on an axis over `range`. On a log axis that spans a decade or more, only the
/// powers of ten are labelled (each one), so no two labels read the same. Otherwise a label
/// has as many significant digits as it takes to tell ticks about a tenth of the range
/// apart, and no more: `2.5`, not `2.500000`, and not `2` twice on a narrow range.
fn tick(v: f64, range: &Range<f64>, log: bool) -> String {
    if log && decades(range) >= 1 {
        let exponent = v.log10().round();
        return if (v.log10() - exponent).abs() < 1e-9 {
            power_of_ten(exponent as i32)
        } else {
            String::new()
        };
    }
    let span = (range.end - range.start).abs();
    let largest = v.abs().max(range.start.abs()).max(range.end.abs());
    let digits = if span > 0.0 && largest > 0.0 {
        ((largest / (span / 20.0)).log10().ceil() as i64 + 1).clamp(2, 12) as usize
    } else {
        4
    };
    if v.abs() <= span * 1e-12 {
        "0".to_owned()
    } else {
        crate::number::significant(v, digits)
    }
}

fn draw_chart<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, spec: &Chart) -> DrawResult<()>
where
    DB::ErrorType: 'static,
{
    let xs = spec
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = spec
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1));
    let x = axis_range(spec.x_range.as_ref(), xs, spec.x_log);
    let y = axis_range(spec.y_range.as_ref(), ys, spec.y_log);
    let legend = legend_placement(spec, &x, &y);
    let area = if legend == Legend::Below {
        let entries = entries(spec);
        let (width, height) = area.dim_in_pixel();
        let (columns, _, strip) = legend_layout(&entries, width);
        let (chart, below) = area.split_vertically(height.saturating_sub(strip));
        draw_legend_below(&below, &entries, columns)?;
        chart
    } else {
        area.clone()
    };
    let mut builder = ChartBuilder::on(&area);
    builder
        .caption(&spec.title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(54)
        .y_label_area_size(84);
    match (spec.x_log, spec.y_log) {
        (false, false) => finish(
            builder.build_cartesian_2d(x.clone(), y.clone())?,
            spec,
            (&x, &y),
            legend,
        ),
        (true, false) => finish(
            builder.build_cartesian_2d(x.clone().log_scale(), y.clone())?,
            spec,
            (&x, &y),
            legend,
        ),
        (false, true) => finish(
            builder.build_cartesian_2d(x.clone(), y.clone().log_scale())?,
            spec,
            (&x, &y),
            legend,
        ),
        (true, true) => finish(
            builder.build_cartesian_2d(x.clone().log_scale(), y.clone().log_scale())?,
            spec,
            (&x, &y),
            legend,
        ),
    }
}

/// Splits a series into the runs of consecutive points inside the visible ranges, so that
/// nothing is drawn outside the axes (a diverging run leaves the chart instead of
/// stretching it).
fn visible_runs(points: &[(f64, f64)], x: &Range<f64>, y: &Range<f64>) -> Vec<Vec<(f64, f64)>> {
    let inside = |&(px, py): &(f64, f64)| x.contains(&px) && y.contains(&py);
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for point in points {
        if inside(point) {
            run.push(*point);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

fn finish<'a, DB, X, Y>(
    mut chart: ChartContext<'a, DB, Cartesian2d<X, Y>>,
    spec: &Chart,
    (x, y): (&Range<f64>, &Range<f64>),
    legend: Legend,
) -> DrawResult<()>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    // A log axis asks for a label in every decade (plotters otherwise skips decades once
    // there are more than ten).
    let labels = |range: &Range<f64>, log: bool| {
        if log {
            (decades(range) + 1).clamp(10, 40)
        } else {
            10
        }
    };
    chart
        .configure_mesh()
        .x_desc(&spec.x_label)
        .y_desc(&spec.y_label)
        .x_labels(labels(x, spec.x_log))
        .y_labels(labels(y, spec.y_log))
        .x_label_formatter(&|v| tick(*v, x, spec.x_log))
        .y_label_formatter(&|v| tick(*v, y, spec.y_log))
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        // Log axes get a fine line per unit of each decade; those would crowd the chart.
        .light_line_style(if spec.x_log || spec.y_log {
            WHITE
        } else {
            RGBColor(238, 238, 238)
        })
        .draw()?;
    let mut any_legend = false;
    let inside = legend != Legend::Below;
    for series in &spec.series {
        let color = series.color;
        let runs = visible_runs(&series.points, x, y);
        let mut labelled = false;
        for run in &runs {
            let label = inside && series.legend && !labelled;
            let markers_only = series.style == Style::Crosses;
            match series.style {
                Style::LineWithMarkers => {
                    chart.draw_series(run.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
                }
                Style::Crosses => {
                    let drawn = chart.draw_series(
                        run.iter().map(|&p| Cross::new(p, 5, color.stroke_width(2))),
                    )?;
                    if label {
                        drawn.label(&series.name).legend(move |(lx, ly)| {
                            Cross::new((lx + 11, ly), 5, color.stroke_width(2))
                        });
                    }
                }
                Style::Line | Style::Dashed => {}
            }
            if !markers_only {
                let line = color.stroke_width(2);
                let drawn = if series.style == Style::Dashed {
                    chart.draw_series(DashedLineSeries::new(run.clone(), 8, 5, line))?
                } else {
                    chart.draw_series(LineSeries::new(run.clone(), line))?
                };
                if label {
                    drawn.label(&series.name).legend(move |(lx, ly)| {
                        PathElement::new(vec![(lx, ly), (lx + 22, ly)], line)
                    });
                }
            }
            labelled |= label;
            any_legend |= label;
        }
    }
    if let Some((at, label)) = &spec.marker {
        if x.contains(at) {
            let line = GRAY.stroke_width(2);
            let drawn = chart.draw_series(DashedLineSeries::new(
                vec![(*at, y.start), (*at, y.end)],
                6,
                4,
                line,
            ))?;
            if inside {
                drawn
                    .label(label)
                    .legend(move |(lx, ly)| PathElement::new(vec![(lx, ly), (lx + 22, ly)], line));
                any_legend = true;
            }
        }
    }
    if let (true, Legend::Corner(corner)) = (any_legend, legend) {
        chart
            .configure_series_labels()
            .position(corner.position())
            .label_font(("sans-serif", 15))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_short_and_distinct() {
        let unit = 0.0..10.0;
        assert_eq!(tick(0.0, &unit, false), "0");
        assert_eq!(tick(2.5, &unit, false), "2.5");
        assert_eq!(tick(10.0, &unit, false), "10");
        // A narrow range keeps the digits that tell its ticks apart.
        let narrow = 2.0..2.00001;
        assert_ne!(
            tick(2.000002, &narrow, false),
            tick(2.000004, &narrow, false)
        );
        // Log axes label each power of ten, and nothing between.
        let wide = 1e-16..1.0;
        assert_eq!(tick(1e-6, &wide, true), "1e-6");
        assert_eq!(tick(0.01, &wide, true), "0.01");
        assert_eq!(tick(2e-6, &wide, true), "");
        assert_eq!(tick(2.5e7, &(1e7..1e8), false), "2.5e7");
    }

    #[test]
    fn finite_range_skips_what_is_not_finite() {
        assert_eq!(finite_range([]), None);
        assert_eq!(finite_range([f64::NAN, f64::INFINITY]), None);
        assert_eq!(finite_range([3.0, f64::NAN, -1.0, 2.0]), Some((-1.0, 3.0)));
    }

    #[test]
    fn ranges_cover_the_data_with_margins() {
        let r = axis_range(None, [1.0, 3.0].into_iter(), false);
        assert!(r.start < 1.0 && r.end > 3.0);
        let r = axis_range(None, [1e-10, 1.0, 0.0, f64::NAN].into_iter(), true);
        assert!(r.start < 1e-10 && r.start > 0.0 && r.end > 1.0);
        assert_eq!(
            axis_range(Some(&(0.0..2.0)), [5.0].into_iter(), false),
            0.0..2.0
        );
    }

    #[test]
    fn legends_go_where_they_hide_nothing_or_below() {
        let chart = |points: Vec<(f64, f64)>| Chart {
            series: vec![Series::new("s", points, Style::Line, color(0))],
            ..Chart::default()
        };
        let (x, y) = (0.0..1.0, 0.0..1.0);
        // A line along the bottom leaves the upper right free.
        let low = chart(vec![(0.0, 0.05), (1.0, 0.05)]);
        assert_eq!(
            legend_placement(&low, &x, &y),
            Legend::Corner(Corner::UpperRight)
        );
        // A steep line whose two points are outside the upper-right box still crosses it.
        let steep = chart(vec![(0.9, 0.0), (1.0, 2.0)]);
        assert_ne!(
            legend_placement(&steep, &x, &y),
            Legend::Corner(Corner::UpperRight)
        );
        // Data in every corner: the legend goes below.
        let everywhere = chart(vec![(0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (1.0, 0.0)]);
        assert_eq!(legend_placement(&everywhere, &x, &y), Legend::Below);
    }

    #[test]
    fn runs_leave_out_points_outside_the_axes() {
        let points = [(0.0, 0.0), (1.0, 1.0), (2.0, 100.0), (3.0, 1.0)];
        let runs = visible_runs(&points, &(0.0..10.0), &(-1.0..2.0));
        assert_eq!(runs, vec![vec![(0.0, 0.0), (1.0, 1.0)], vec![(3.0, 1.0)]]);
    }
}
