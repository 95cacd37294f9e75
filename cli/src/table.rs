//! Output helpers of the operator commands: aligned tables for people, progress on stderr,
//! times given on the command line.

use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A table printed with aligned columns; numbers are right-aligned.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Self {
            headers: headers.iter().map(|header| (*header).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text, one line per row, a header line first.
    pub fn render(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (index, cell) in row.iter().enumerate().take(columns) {
                widths[index] = widths[index].max(cell.chars().count());
            }
        }
        let numeric: Vec<bool> = (0..columns)
            .map(|index| {
                !self.rows.is_empty()
                    && self.rows.iter().all(|row| {
                        row.get(index).is_none_or(|cell| {
                            cell == "-"
                                || cell
                                    .trim_end_matches(['%', 's', 'x', '/'])
                                    .replace([',', '.'], "")
                                    .parse::<f64>()
                                    .is_ok()
                        })
                    })
            })
            .collect();
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String, header: bool| {
            let mut text = String::new();
            for (index, width) in widths.iter().enumerate() {
                let cell = cells.get(index).map_or("", String::as_str);
                let pad = width.saturating_sub(cell.chars().count());
                if index > 0 {
                    text.push_str("  ");
                }
                if numeric[index] && !header {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    if index + 1 < widths.len() {
                        text.push_str(&" ".repeat(pad));
                    }
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&self.headers, &mut out, true);
        for row in &self.rows {
            line(row, &mut out, false);
        }
        out
    }
}

/// Writes text to stdout.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// Writes a value to stdout as pretty JSON (`--json` of the commands that print reports).
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    print(&format!("{}\n", serde_json::to_string_pretty(value)?))
}

/// Progress of a long operation on stderr (indicatif): a bar with a count, rate and time left
/// when the total is known ([`Progress::counting`]), a spinner with a message otherwise
/// ([`Progress::new`]). Drawn only when stderr is a terminal, so piped or logged output stays
/// clean; [`Progress::done`] clears it and always prints the final line.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A spinner whose text is set with [`Progress::update`].
    pub fn new() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Self { bar }
    }

    /// A bar over `total` items of `what` (`"events"`, `"dead letters"`), advanced with
    /// [`Progress::advance`].
    pub fn counting(total: u64, what: &str) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let template = format!(
            "{{msg}} [{{bar:30}}] {{human_pos}}/{{human_len}} {what} ({{per_sec}}, {{eta}} left)"
        );
        bar.set_style(
            ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Self { bar }
    }

    /// Sets the text shown next to the spinner or bar.
    pub fn update(&self, message: &str) {
        self.bar.set_message(message.to_owned());
    }

    /// Advances the bar by `count` items.
    pub fn advance(&self, count: u64) {
        self.bar.inc(count);
    }

    /// Runs `write` with the progress line hidden, for output printed while it is shown.
    pub fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        self.bar.suspend(write)
    }

    /// Clears the progress and prints `message` on stderr (on a terminal or not).
    pub fn done(&self, message: &str) {
        self.bar.finish_and_clear();
        let _ = writeln!(std::io::stderr().lock(), "{message}");
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        // An operation that ends in an error leaves no half-drawn line behind.
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}

/// A time on the command line: RFC 3339 (`2025-09-26T10:30:00Z`), a naive UTC timestamp, a
/// date (`2025-09-26`, midnight UTC), milliseconds since the epoch, `now`, or a time before now
/// (`-90s`, `-15m`, `-2h`, `-7d`).
pub fn parse_time(text: &str) -> anyhow::Result<DateTime<Utc>> {
    let text = text.trim();
    if text == "now" {
        return Ok(Utc::now());
    }
    if let Some(ago) = text.strip_prefix('-') {
        let (number, unit) = ago.split_at(ago.len().saturating_sub(1));
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => 0,
        };
        if let (Ok(number), true) = (number.parse::<i64>(), seconds > 0) {
            return Ok(Utc::now() - chrono::Duration::seconds(number * seconds));
        }
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(time) = text
            .parse::<i64>()
            .ok()
            .and_then(DateTime::<Utc>::from_timestamp_millis)
        {
            return Ok(time);
        }
    }
    if let Some(time) = event_runtime::wire::parse_timestamp(text) {
        return Ok(time);
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        if let Some(midnight) = date.and_hms_opt(0, 0, 0) {
            return Ok(midnight.and_utc());
        }
    }
    anyhow::bail!(
        "`{text}` is not a time; write RFC 3339 (`2025-09-26T10:30:00Z`), a date, milliseconds since the epoch, `now`, or `-15m`"
    )
}

/// A duration for people: `850 ms`, `12.3 s`, `4.0 min`, `2.5 h`, `3.0 d`.
pub fn human_duration(ms: u64) -> String {
    let ms_f = ms as f64;
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms_f / 1000.0)
    } else if ms < 3_600_000 {
        format!("{:.1} min", ms_f / 60_000.0)
    } else if ms < 86_400_000 {
        format!("{:.1} h", ms_f / 3_600_000.0)
    } else {
        format!("{:.1} d", ms_f / 86_400_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let mut table = Table::new(&["stream", "length"]);
        table.row(vec!["events:user.created".into(), "7".into()]);
        table.row(vec!["events:a".into(), "1200".into()]);
        assert_eq!(
            table.render(),
            "stream               length\nevents:user.created       7\nevents:a               1200\n"
        );
    }

    #[test]
    fn progress_is_drawn_only_on_a_terminal() {
        use std::io::IsTerminal;
        let terminal = std::io::stderr().is_terminal();
        for progress in [Progress::new(), Progress::counting(10, "events")] {
            assert_eq!(progress.bar.is_hidden(), !terminal);
            progress.advance(3);
            progress.done("finished");
            assert!(progress.bar.is_finished());
        }
    }

    #[test]
    fn times_parse_in_every_accepted_form() {
        let expected = DateTime::<Utc>::from_timestamp_millis(1_758_882_600_000).expect("time");
        for text in [
            "2025-09-26T10:30:00Z",
            "2025-09-26T10:30:00",
            "2025-09-26T12:30:00+02:00",
            "1758882600000",
        ] {
            assert_eq!(parse_time(text).expect(text), expected, "{text}");
        }
        assert!(parse_time("2025-09-26").is_ok());
        assert!(parse_time("-15m").expect("relative") < Utc::now());
        assert!(parse_time("yesterday").is_err());
    }
}
