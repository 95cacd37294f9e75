//! Inline waivers of compatibility findings: `waivers: [{ rule, reason, event?, field? }]` on
//! the catalogue section, an event or a version.

use event_names::did_you_mean;

use crate::ast::{SchemaFile, WaiverAst};
use crate::diagnostic::Diagnostic;
use crate::ir::{Waiver, WaiverScope};
use crate::rules;

/// Reads every waiver of the parsed files. A waiver without a reason, or naming an unknown or
/// unwaivable rule, is an error.
pub fn waivers(asts: &[SchemaFile], diagnostics: &mut Vec<Diagnostic>) -> Vec<Waiver> {
    let mut out = Vec::new();
    for file in asts {
        if let Some(section) = &file.catalogue {
            for ast in &section.waivers {
                let event = ast.event.as_ref().map(|event| event.value.clone());
                out.extend(waiver(ast, WaiverScope::Catalogue { event }, diagnostics));
            }
        }
        for event in &file.events {
            let name = &event.name.value;
            for ast in &event.waivers {
                out.extend(waiver(ast, WaiverScope::Event(name.clone()), diagnostics));
            }
            for version in event.versions.iter().flat_map(|versions| &versions.value) {
                let Some(number) = version
                    .key
                    .value
                    .strip_prefix('v')
                    .and_then(|digits| digits.parse::<u32>().ok())
                else {
                    continue;
                };
                for ast in &version.waivers {
                    let scope = WaiverScope::Version(name.clone(), number);
                    out.extend(waiver(ast, scope, diagnostics));
                }
            }
        }
    }
    out
}

fn waiver(
    ast: &WaiverAst,
    scope: WaiverScope,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Waiver> {
    let mut ok = true;
    if let (Some(event), false) = (&ast.event, matches!(scope, WaiverScope::Catalogue { .. })) {
        ok = false;
        diagnostics.push(
            Diagnostic::error(
                event.span,
                "`event` applies only to waivers in the catalogue section",
            )
            .with_code(rules::WAIVER_INVALID)
            .with_label("the waiver already belongs to this event")
            .with_hint("remove `event:`; a waiver on an event or version applies to it"),
        );
    }
    let rule = match &ast.rule {
        None => {
            diagnostics.push(
                Diagnostic::error(ast.span, "waiver without `rule`")
                    .with_code(rules::WAIVER_INVALID)
                    .with_label("which finding does it accept?")
                    .with_hint("name the rule id of the finding, e.g. `rule: FIELD_REMOVED` (see docs/lint-rules.md)"),
            );
            return None;
        }
        Some(rule) => rule,
    };
    match rules::find(&rule.value) {
        None => {
            let hint = match did_you_mean(&rule.value, rules::RULES.iter().map(|rule| rule.id)) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "rule ids are listed in docs/lint-rules.md".to_owned(),
            };
            diagnostics.push(
                Diagnostic::error(rule.span, format!("unknown lint rule `{}`", rule.value))
                    .with_code(rules::WAIVER_INVALID)
                    .with_label("unknown rule")
                    .with_hint(hint),
            );
            ok = false;
        }
        Some(found) if !found.waivable => {
            diagnostics.push(
                Diagnostic::error(rule.span, format!("`{}` cannot be waived", rule.value))
                    .with_code(rules::WAIVER_INVALID)
                    .with_label("not waivable")
                    .with_hint("the schemas do not compile with this problem; fix it instead"),
            );
            ok = false;
        }
        Some(_) => {}
    }
    let reason = match &ast.reason {
        Some(reason) if !reason.value.is_empty() => reason.value.clone(),
        other => {
            let span = other.as_ref().map_or(rule.span, |reason| reason.span);
            diagnostics.push(
                Diagnostic::error(span, format!("waiver of `{}` has no reason", rule.value))
                    .with_code(rules::WAIVER_INVALID)
                    .with_label("reason missing")
                    .with_hint("add `reason: ...` saying why the change is acceptable and who agreed; it is shown in every lint report"),
            );
            return None;
        }
    };
    ok.then(|| Waiver {
        rule: rule.value.clone(),
        reason,
        scope,
        field: ast.field.as_ref().map(|field| field.value.clone()),
        span: rule.span,
    })
}
