//! The expiry chart: active commitments ending per year, as an SVG bar chart drawn on the server
//! (`templates/chart.html`), with the same numbers as a table for screen readers.

/// Drawing area, in SVG user units (the picture scales to its container).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

pub struct Bar {
    pub year: i32,
    pub count: i64,
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    /// Where the year label goes, when this bar has one (every fifth year).
    pub label_x: Option<String>,
}

pub struct Tick {
    pub y: String,
    pub label: String,
}

/// A bar chart of (year, count), ready for the template.
pub struct ExpiryChart {
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    pub total: i64,
    pub first_year: i32,
    pub last_year: i32,
    pub view_box: String,
    pub axis_y: String,
    pub axis_x1: String,
    pub axis_x2: String,
    pub label_y: String,
}

fn unit(value: f64) -> String {
    format!("{value:.1}")
}

/// A round top for the axis: 1, 2 or 5 times a power of ten, at least `max`.
fn nice_ceiling(max: i64) -> i64 {
    if max <= 0 {
        return 1;
    }
    let mut step = 1_i64;
    loop {
        for factor in [1, 2, 5] {
            if step.saturating_mul(factor) >= max {
                return step.saturating_mul(factor);
            }
        }
        step = step.saturating_mul(10);
    }
}

impl ExpiryChart {
    pub fn new(per_year: &[(i32, i64)]) -> Self {
        let max = per_year.iter().map(|(_, c)| *c).max().unwrap_or(0);
        let top = nice_ceiling(max);
        let plot_w = WIDTH - LEFT - RIGHT;
        let plot_h = HEIGHT - TOP - BOTTOM;
        let slot = plot_w / per_year.len().max(1) as f64;
        let bar_w = (slot * 0.72).max(1.0);
        let bars = per_year
            .iter()
            .enumerate()
            .map(|(i, (year, count))| {
                let h = plot_h * (*count as f64) / (top as f64);
                // A year with commitments shows at least a sliver.
                let h = if *count > 0 { h.max(1.5) } else { 0.0 };
                let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
                Bar {
                    year: *year,
                    count: *count,
                    x: unit(x),
                    y: unit(TOP + plot_h - h),
                    width: unit(bar_w),
                    height: unit(h),
                    label_x: (i % 5 == 0).then(|| unit(x + bar_w / 2.0)),
                }
            })
            .collect();
        let middle = (top % 2 == 0).then_some(top / 2);
        let ticks = [Some(0), middle, Some(top)]
            .into_iter()
            .flatten()
            .map(|value| Tick {
                y: unit(TOP + plot_h - plot_h * value as f64 / top as f64 + 4.0),
                label: value.to_string(),
            })
            .collect();
        Self {
            bars,
            ticks,
            total: per_year.iter().map(|(_, c)| c).sum(),
            first_year: per_year.first().map_or(0, |(y, _)| *y),
            last_year: per_year.last().map_or(0, |(y, _)| *y),
            view_box: format!("0 0 {WIDTH} {HEIGHT}"),
            axis_y: unit(TOP + plot_h),
            axis_x1: unit(LEFT),
            axis_x2: unit(WIDTH - RIGHT),
            label_y: unit(HEIGHT - 8.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(3), 5);
        assert_eq!(nice_ceiling(17), 20);
        assert_eq!(nice_ceiling(2_430), 5_000);
        assert_eq!(nice_ceiling(100), 100);
    }

    #[test]
    fn the_tallest_year_fills_the_chart_in_proportion_and_empty_years_are_flat() {
        let years: Vec<(i32, i64)> = (2026..2056)
            .map(|y| (y, if y == 2031 { 100 } else { 0 }))
            .collect();
        let chart = ExpiryChart::new(&years);
        assert_eq!(chart.bars.len(), 30);
        assert_eq!(chart.total, 100);
        let tallest = &chart.bars[5];
        assert_eq!(tallest.year, 2031);
        assert_eq!(tallest.height, unit(HEIGHT - TOP - BOTTOM));
        assert_eq!(chart.bars[0].height, "0.0");
        assert!(chart.bars[0].label_x.is_some() && chart.bars[1].label_x.is_none());
    }
}
