//! The SVG chart of whole-process times: one group of bars per program,
//! one bar per runtime, on a logarithmic time axis (interpreters and
//! compilers differ by orders of magnitude).

use anyhow::{Result, bail};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::report::{Kind, Phase, Results, format_seconds};

/// Each runtime's bar colour, the same in every report.
fn colour(runtime: &str) -> RGBColor {
    match runtime {
        "wisp-interp" => RGBColor(31, 119, 180),
        "wisp-cranelift" => RGBColor(148, 103, 189),
        "wasmtime" => RGBColor(255, 127, 14),
        "wasmer" => RGBColor(44, 160, 44),
        "wasmi" => RGBColor(214, 39, 40),
        _ => RGBColor(127, 127, 127),
    }
}

/// The chart of `kind`'s medians as an SVG document.
pub fn svg(results: &Results, kind: Kind, title: &str) -> Result<String> {
    let programs = results.programs(kind);
    let runtimes = &results.runtimes;
    let mut bars = Vec::new();
    for (p, program) in programs.iter().enumerate() {
        for (r, runtime) in runtimes.iter().enumerate() {
            let summary =
                results.get(kind, program, runtime, Phase::Total).and_then(|s| s.summary());
            if let Some(s) = summary {
                bars.push((p, r, s.median));
            }
        }
    }
    if bars.is_empty() {
        bail!("nothing was timed, so there is nothing to chart");
    }
    let fastest = bars.iter().map(|b| b.2).fold(f64::INFINITY, f64::min);
    let slowest = bars.iter().map(|b| b.2).fold(0.0, f64::max);
    // Room on the right for the legend.
    let (lo, hi) = (fastest / 2.0, slowest * 8.0);

    let n = programs.len();
    let group_height = 8 * runtimes.len().max(1) as u32 + 10;
    let height = 110 + group_height * n as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, height)).into_drawing_area();
        root.fill(&WHITE)?;
        // Program 0 at the top: row i is drawn at y = n - 1 - i.
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(150)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..n as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("median wall-clock time per process (log scale)")
            .x_label_style(("sans-serif", 12))
            .axis_desc_style(("sans-serif", 13))
            .x_label_formatter(&|v| format_seconds(*v))
            .y_labels(0)
            .draw()?;
        // The program names, right-aligned against the axis, one per group.
        let name_style =
            ("sans-serif", 13).into_font().color(&BLACK).pos(Pos::new(HPos::Right, VPos::Center));
        for (i, program) in programs.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(lo, (n - 1 - i) as f64 + 0.5));
            root.draw(&Text::new(program.to_string(), (x - 6, y), name_style.clone()))?;
        }
        let slot = 0.8 / runtimes.len().max(1) as f64;
        for (r, runtime) in runtimes.iter().enumerate() {
            let colour = colour(runtime);
            let rects = bars.iter().filter(|b| b.1 == r).map(|&(p, _, median)| {
                let top = (n - 1 - p) as f64 + 0.9 - slot * r as f64;
                Rectangle::new([(lo, top - slot), (median, top)], colour.filled())
            });
            chart.draw_series(rects)?.label(runtime.as_str()).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
            });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
    }
    Ok(svg)
}
