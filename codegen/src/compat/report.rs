//! Renders a lint [`Report`]: text (`file:line:col: RULE_ID message` and a hint), JSON, GitHub
//! workflow annotations, or JUnit XML.

use std::fmt::Write as _;

use serde_json::json;

use crate::compat::lint::Report;
use crate::compat::{Finding, Location};
use crate::diagnostic::Severity;
use crate::rules::{Category, RULES, Rule};

/// Output formats of `events lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `file:line:col: RULE_ID message`, a hint, and a summary.
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions workflow commands (`::error file=...,line=...::...`).
    Github,
    /// JUnit XML: one test case per rule.
    Junit,
}

/// Renders a report; `against` names the baseline.
pub fn render(report: &Report, format: Format, against: &str) -> String {
    match format {
        Format::Text => text(report, against),
        Format::Json => json(report, against),
        Format::Github => github(report, against),
        Format::Junit => junit(report, against),
    }
}

fn counts(report: &Report) -> (usize, usize, usize) {
    let breaking = report.findings.iter().filter(|f| f.breaks()).count();
    let warnings = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning && f.waiver.is_none())
        .count();
    let waived = report.waived().count();
    (breaking, warnings, waived)
}

/// The last line of the text report.
pub fn summary(report: &Report, against: &str) -> String {
    let (breaking, warnings, waived) = counts(report);
    let mut line = format!(
        "events lint: {breaking} breaking, {warnings} warning{}, {waived} waived (against {against})",
        if warnings == 1 { "" } else { "s" }
    );
    if let (Some(from), Some(to), Some(bump)) = (
        &report.baseline_version,
        &report.version,
        report.required_bump,
    ) {
        let _ = write!(
            line,
            "; catalogue {from} -> {to}, changes need: {}",
            bump.as_str()
        );
    }
    line
}

fn text(report: &Report, against: &str) -> String {
    let mut out = String::new();
    let line = |out: &mut String, finding: &Finding| {
        let warning = if finding.severity == Severity::Warning {
            "warning: "
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{}: {} {warning}{}",
            finding.location, finding.rule, finding.message
        );
        let _ = writeln!(out, "  = help: {}", finding.hint);
    };
    for finding in report.findings.iter().filter(|f| f.waiver.is_none()) {
        line(&mut out, finding);
    }
    let waived: Vec<&Finding> = report.waived().collect();
    if !waived.is_empty() {
        let _ = writeln!(out, "waived ({}):", waived.len());
        for finding in waived {
            let _ = writeln!(
                out,
                "{}: {} {}",
                finding.location, finding.rule, finding.message
            );
            if let Some(waiver) = &finding.waiver {
                let _ = writeln!(out, "  = waived at {}: {}", waiver.location, waiver.reason);
            }
        }
    }
    out.push_str(&summary(report, against));
    out.push('\n');
    out
}

fn location_json(location: &Location) -> serde_json::Value {
    json!({ "file": location.file, "line": location.line, "column": location.column })
}

fn json(report: &Report, against: &str) -> String {
    let (breaking, warnings, waived) = counts(report);
    let findings: Vec<_> = report
        .findings
        .iter()
        .map(|finding| {
            json!({
                "rule": finding.rule,
                "severity": match finding.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "file": finding.location.file,
                "line": finding.location.line,
                "column": finding.location.column,
                "message": finding.message,
                "hint": finding.hint,
                "event": finding.event,
                "version": finding.version.map(|number| format!("v{number}")),
                "field": finding.field,
                "waived": finding.waiver.as_ref().map(|waiver| json!({
                    "reason": waiver.reason,
                    "at": location_json(&waiver.location),
                })),
            })
        })
        .collect();
    let document = json!({
        "against": against,
        "failed": report.failed(),
        "baseline_version": report.baseline_version,
        "version": report.version,
        "required_bump": report.required_bump.map(|bump| bump.as_str()),
        "summary": { "breaking": breaking, "warnings": warnings, "waived": waived },
        "findings": findings,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn github(report: &Report, against: &str) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let (command, title, body) = match (&finding.waiver, finding.severity) {
            (Some(waiver), _) => (
                "notice",
                format!("{} (waived)", finding.rule),
                format!("{}\nwaived: {}", finding.message, waiver.reason),
            ),
            (None, Severity::Error) => (
                "error",
                finding.rule.to_owned(),
                format!("{}\nhelp: {}", finding.message, finding.hint),
            ),
            (None, Severity::Warning) => (
                "warning",
                finding.rule.to_owned(),
                format!("{}\nhelp: {}", finding.message, finding.hint),
            ),
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            escape_property(&finding.location.file),
            finding.location.line,
            finding.location.column,
            escape_property(&title),
            escape_data(&body)
        );
    }
    out.push_str(&summary(report, against));
    out.push('\n');
    out
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn junit(report: &Report, against: &str) -> String {
    let (breaking, _, _) = counts(report);
    // The rules that ran: the fleet's against a fleet, the others against a baseline, and
    // any rule with a finding (schemas that do not compile).
    let rules: Vec<&Rule> = RULES
        .iter()
        .filter(|rule| {
            (rule.category == Category::Fleet) == report.fleet
                || report.findings.iter().any(|f| f.rule == rule.id)
        })
        .collect();
    let failed_rules = rules
        .iter()
        .filter(|rule| {
            report
                .findings
                .iter()
                .any(|f| f.rule == rule.id && f.breaks())
        })
        .count();
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"events lint\" tests=\"{}\" failures=\"{failed_rules}\">",
        rules.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"events lint against {}\" tests=\"{}\" failures=\"{failed_rules}\" errors=\"0\" skipped=\"0\">",
        xml(against),
        rules.len()
    );
    for rule in rules {
        let findings: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule == rule.id)
            .collect();
        let _ = write!(
            out,
            "    <testcase classname=\"events.lint\" name=\"{}\"",
            rule.id
        );
        if findings.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let broken: Vec<&&Finding> = findings.iter().filter(|f| f.breaks()).collect();
        if let Some(first) = broken.first() {
            let mut body = String::new();
            for finding in &broken {
                let _ = writeln!(
                    body,
                    "{}: {}\n  help: {}",
                    finding.location, finding.message, finding.hint
                );
            }
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                rule.id,
                xml(&format!("{}: {}", first.location, first.message)),
                xml(&body)
            );
        }
        let others: Vec<&&Finding> = findings.iter().filter(|f| !f.breaks()).collect();
        if !others.is_empty() {
            let mut body = String::new();
            for finding in others {
                match &finding.waiver {
                    Some(waiver) => {
                        let _ = writeln!(
                            body,
                            "waived: {}: {} ({})",
                            finding.location, finding.message, waiver.reason
                        );
                    }
                    None => {
                        let _ =
                            writeln!(body, "warning: {}: {}", finding.location, finding.message);
                    }
                }
            }
            let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&body));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    let _ = breaking;
    out
}
