//! The results: one [`Row`] per figure (the best of a scenario's runs), the whole [`Report`]
//! for `--json`, and the human table.

use serde::Serialize;

use crate::table::Table;

/// One line of the results.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// What was measured.
    pub scenario: String,
    /// `events/s`, `ms` or `MiB`.
    pub unit: &'static str,
    /// The runtime's figure.
    pub runtime: f64,
    /// The raw redis-rs figure, when there is one.
    pub raw: Option<f64>,
    /// `runtime / raw`.
    pub ratio: Option<f64>,
}

/// The whole report (`--json`).
#[derive(Debug, Serialize)]
pub struct Report {
    pub event_type: &'static str,
    pub event_version: u32,
    pub event_data_bytes: usize,
    pub redis: String,
    pub redis_version: String,
    pub cores: usize,
    pub results: Vec<Row>,
}

/// A row, with its ratio.
pub(super) fn row(
    scenario: impl Into<String>,
    unit: &'static str,
    runtime: f64,
    raw: Option<f64>,
) -> Row {
    Row {
        scenario: scenario.into(),
        unit,
        runtime,
        ratio: raw.filter(|raw| *raw > 0.0).map(|raw| runtime / raw),
        raw,
    }
}

/// The best of several runs of one scenario: the highest throughput on each side.
pub(super) fn best(runs: Vec<Row>) -> Row {
    let mut runs = runs.into_iter();
    let Some(mut best) = runs.next() else {
        return row("no run", "events/s", 0.0, None);
    };
    for run in runs {
        best.runtime = best.runtime.max(run.runtime);
        best.raw = match (best.raw, run.raw) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    row(best.scenario, best.unit, best.runtime, best.raw)
}

/// The human table.
pub fn render(report: &Report) -> String {
    let mut text = format!(
        "events bench: {} v{} ({} bytes of event_data), Redis {} at {}, {} cores\n\n",
        report.event_type,
        report.event_version,
        report.event_data_bytes,
        report.redis_version,
        report.redis,
        report.cores
    );
    let mut table = Table::new(&["scenario", "runtime", "raw redis-rs", "runtime / raw"]);
    let figure = |value: f64, unit: &str| match unit {
        "events/s" => format!("{} /s", thousands(value)),
        "ms" => format!("{value:.3} ms"),
        _ => format!("{value:.1} {unit}"),
    };
    for row in &report.results {
        table.row(vec![
            row.scenario.clone(),
            figure(row.runtime, row.unit),
            row.raw
                .map_or_else(|| "-".to_owned(), |raw| figure(raw, row.unit)),
            row.ratio.map_or_else(
                || "-".to_owned(),
                |ratio| {
                    if row.unit == "events/s" {
                        format!("{:.0}%", ratio * 100.0)
                    } else {
                        format!("{ratio:.2}x")
                    }
                },
            ),
        ]);
    }
    text.push_str(&table.render());
    text
}

fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
