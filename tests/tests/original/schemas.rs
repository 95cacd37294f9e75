//! The schemas: every v1 field of an original type has the contract's name, type and
//! optionality, and no check the original lacked.

use super::*;

#[test]
fn the_table_holds_the_16_original_types_and_the_catalogue_the_6_others() {
    let table = Table::load();
    let catalogue = support::catalogue();
    let original: BTreeSet<&str> = table.events.iter().map(|c| c.event_type.as_str()).collect();
    assert_eq!(original.len(), 16);
    let ours: BTreeSet<&str> = catalogue.events.keys().map(String::as_str).collect();
    let not_original: Vec<&str> = ours.difference(&original).copied().collect();
    assert_eq!(
        not_original,
        [
            "assignment.completed",
            "notification.failed",
            "request.cancelled",
            "shift.assigned",
            "shift.updated",
            "user.deleted"
        ]
    );
    assert!(original.is_subset(&ours), "a contract without a schema");
    assert_eq!(
        table.stream_entry_fields,
        ["event_id", "event_data", "timestamp"]
    );
    let upgraded: Vec<&str> = original
        .iter()
        .copied()
        .filter(|name| catalogue.events[*name].versions.len() > 1)
        .collect();
    assert_eq!(
        upgraded, UPGRADED,
        "extend `upgraded_values` for a new version"
    );
}

/// Whether a schema type reads exactly the values of a Python type.
fn same_type(py: &Py, ty: &FieldType, catalogue: &Catalogue) -> bool {
    match (py, ty) {
        (Py::Int, FieldType::Int64)
        | (Py::Float, FieldType::Float64)
        | (Py::Str, FieldType::String)
        | (Py::Bool, FieldType::Bool)
        | (Py::DateTime, FieldType::DateTime)
        | (Py::Dict, FieldType::Json) => true,
        // A `str` whose comment lists values: an open enum keeps every other string.
        (Py::Str, FieldType::Enum(name)) => {
            matches!(catalogue.types.get(name), Some(NamedType::Enum(def)) if def.open)
        }
        (Py::List(a), FieldType::List(b)) => same_type(a, b, catalogue),
        _ => false,
    }
}

fn check_field(
    contract: &contract::ContractField,
    field: &Field,
    catalogue: &Catalogue,
) -> Vec<String> {
    let mut problems = Vec::new();
    let name = &field.name;
    let (py, optional) = match contract.ty() {
        Py::Optional(inner) => (*inner, true),
        other => (other, false),
    };
    if !same_type(&py, &field.ty, catalogue) {
        problems.push(format!(
            "`{name}` is `{}` for Python `{}`",
            field.ty.schema_name(),
            contract.python
        ));
    }
    if field.optional != optional {
        problems.push(format!(
            "`{name}`: optional is {}, the contract says `{}`",
            field.optional, contract.python
        ));
    }
    let required = !field.optional && field.default.is_none();
    if required != contract.required {
        problems.push(format!(
            "`{name}`: required is {required}, the contract says {}",
            contract.required
        ));
    }
    if !contract.required && !optional {
        // `bool = False`
        let expected = match &contract.default {
            Value::Bool(value) => Some(DefaultValue::Bool(*value)),
            _ => None,
        };
        if field.default != expected {
            problems.push(format!(
                "`{name}`: default {:?}, the contract's is {}",
                field.default, contract.default
            ));
        }
    }
    if !field.constraints.is_empty() {
        problems.push(format!(
            "`{name}` has checks the original never made: {:?}",
            field.constraints
        ));
    }
    if let FieldType::Enum(enum_name) = &field.ty {
        if let Some(NamedType::Enum(def)) = catalogue.types.get(enum_name) {
            for listed in contract.listed_values() {
                if !def.values.iter().any(|value| value.wire == listed) {
                    problems.push(format!(
                        "`{name}`: `{enum_name}` lacks `{listed}`, which the contract lists"
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn v1_of_each_original_type_is_its_contract() {
    let table = Table::load();
    let catalogue = support::catalogue();
    let mut problems = Vec::new();
    for contract in &table.events {
        let name = &contract.event_type;
        let v1 = &catalogue.events[name].versions[0];
        let mut seen = BTreeSet::new();
        for wanted in &contract.fields {
            seen.insert(wanted.name.as_str());
            if wanted.name == "user_id" {
                // The user events redefine the envelope's `user_id` as a required `int`.
                if v1.requires_user_id.is_none() || wanted.python != "int" || !wanted.required {
                    problems.push(format!(
                        "{name} v1: `user_id` must be the required envelope user_id"
                    ));
                }
                continue;
            }
            match v1.fields.iter().find(|field| field.name == wanted.name) {
                Some(field) => problems.extend(
                    check_field(wanted, field, &catalogue)
                        .into_iter()
                        .map(|problem| format!("{name} v1: {problem}")),
                ),
                None => problems.push(format!("{name} v1 lacks `{}`", wanted.name)),
            }
        }
        if v1.requires_user_id.is_some() && !seen.contains("user_id") {
            problems.push(format!(
                "{name} v1 requires an envelope user_id the original never sends"
            ));
        }
        for field in &v1.fields {
            if !seen.contains(field.name.as_str()) {
                problems.push(format!(
                    "{name} v1 has `{}`, which the original never sends",
                    field.name
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
