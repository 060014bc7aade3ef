//! Charts as SVG, rendered on the server like the rest of the page. Each
//! chart is a picture of a table the page shows next to it: the SVG has a
//! text label for screen readers, the table has the figures.

use leptos::prelude::*;

/// One data series: its name (for the legend) and CSS class (its colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    pub name: &'static str,
    pub class: &'static str,
}

/// One bar (or column): a label and one value per series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub label: String,
    pub values: Vec<i64>,
}

const WIDTH: f64 = 720.0;

fn n(x: f64) -> String {
    format!("{x:.1}")
}

#[component]
pub fn Legend(series: &'static [Series]) -> impl IntoView {
    view! {
        <ul class="legend" aria-hidden="true">
            {series
                .iter()
                .map(|s| {
                    view! {
                        <li>
                            <span class=format!("swatch {}", s.class)></span>
                            {s.name}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Vertical stacked columns (e.g. decisions per day); with many columns only
/// every few labels are drawn.
#[component]
pub fn ColumnChart(label: String, series: &'static [Series], rows: Vec<Row>) -> impl IntoView {
    let (top, bottom, left) = (12.0, 28.0, 36.0);
    let height = 200.0;
    let plot_w = WIDTH - left - 8.0;
    let plot_h = height - top - bottom;
    let max = rows
        .iter()
        .map(|r| r.values.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = plot_w / rows.len().max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    let every = rows.len().div_ceil(10).max(1);
    let y = move |v: i64| top + plot_h - plot_h * v as f64 / max as f64;
    let columns = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let x = left + slot * i as f64 + (slot - bar) / 2.0;
            let mut base = 0;
            let parts = r
                .values
                .iter()
                .zip(series)
                .filter(|(v, _)| **v > 0)
                .map(|(v, s)| {
                    let (y0, y1) = (y(base), y(base + v));
                    base += v;
                    let (top, height) = (n(y1), n(y0 - y1));
                    view! { <rect class=s.class x=n(x) y=top width=n(bar) height=height></rect> }
                })
                .collect_view();
            let tick = (i % every == 0).then(|| {
                view! {
                    <text class="tick" x=n(x + bar / 2.0) y=n(height - 10.0) text-anchor="middle">
                        {r.label.clone()}
                    </text>
                }
            });
            view! { <g>{parts}{tick}</g> }
        })
        .collect_view();
    view! {
        <Legend series />
        <svg
            class="chart"
            viewBox=format!("0 0 {WIDTH} {height}")
            role="img"
            aria-label=label
            preserveAspectRatio="xMinYMin meet"
        >
            <line
                class="axis"
                x1=n(left)
                y1=n(top + plot_h)
                x2=n(WIDTH - 8.0)
                y2=n(top + plot_h)
            ></line>
            <text class="tick" x=n(left - 6.0) y=n(top + 4.0) text-anchor="end">
                {max}
            </text>
            <text class="tick" x=n(left - 6.0) y=n(top + plot_h) text-anchor="end">
                "0"
            </text>
            {columns}
        </svg>
    }
}

/// Horizontal bars, one row per label: stacked, or side by side (`grouped`)
/// when the series are not parts of a whole (e.g. p50 and p90).
#[component]
pub fn BarChart(
    label: String,
    series: &'static [Series],
    rows: Vec<Row>,
    #[prop(optional)] grouped: bool,
    /// How a bar's value is written beside it.
    #[prop(default = |v: i64| v.to_string())]
    value_label: fn(i64) -> String,
) -> impl IntoView {
    let (label_w, right) = (240.0, 90.0);
    let plot_w = WIDTH - label_w - right;
    let bar_h = 14.0;
    let row_h = if grouped {
        bar_h * series.len() as f64 + 10.0
    } else {
        bar_h + 10.0
    };
    let height = row_h * rows.len().max(1) as f64 + 4.0;
    let max = rows
        .iter()
        .map(|r| {
            if grouped {
                r.values.iter().copied().max().unwrap_or(0)
            } else {
                r.values.iter().sum()
            }
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let w = move |v: i64| plot_w * v as f64 / max as f64;
    let bars = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let top = 4.0 + row_h * i as f64;
            let mut x = label_w;
            let parts = r
                .values
                .iter()
                .zip(series)
                .enumerate()
                .map(|(j, (v, s))| {
                    let (bx, by) = if grouped {
                        (label_w, top + bar_h * j as f64)
                    } else {
                        (x, top)
                    };
                    x += w(*v);
                    let text = grouped.then(|| {
                        view! {
                            <text class="value" x=n(bx + w(*v) + 4.0) y=n(by + bar_h - 3.0)>
                                {value_label(*v)}
                            </text>
                        }
                    });
                    view! {
                        <rect class=s.class x=n(bx) y=n(by) width=n(w(*v)) height=n(bar_h)></rect>
                        {text}
                    }
                })
                .collect_view();
            let total = (!grouped).then(|| {
                let sum: i64 = r.values.iter().sum();
                view! {
                    <text class="value" x=n(x + 4.0) y=n(top + bar_h - 3.0)>
                        {value_label(sum)}
                    </text>
                }
            });
            view! {
                <g>
                    <text class="tick" x=n(label_w - 6.0) y=n(top + bar_h - 3.0) text-anchor="end">
                        {r.label}
                    </text>
                    {parts}
                    {total}
                </g>
            }
        })
        .collect_view();
    view! {
        <Legend series />
        <svg
            class="chart"
            viewBox=format!("0 0 {WIDTH} {height}")
            role="img"
            aria-label=label
            preserveAspectRatio="xMinYMin meet"
        >
            {bars}
        </svg>
    }
}
