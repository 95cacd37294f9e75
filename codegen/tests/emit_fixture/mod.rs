//! A hand-built IR that exercises every part of emission: closed and open enums, records (one
//! with a sensitive field), every scalar type, constraints of every kind, defaults of every
//! kind, a keyword field name, `requires_user_id`, and version steps with every migration form.
//!
//! Its emitted code is the `emit__fixture` snapshot, which must also compile warning-free
//! (`#![deny(warnings)]`, `missing_docs`, clippy `-D warnings`) in a crate that `include!`s it
//! inside a module and provides the functions the fixture names:
//! `crate::migrations::request_score(&RequestCreatedV1) -> f64` and
//! `crate::migrations::profile_created_v1_to_v2(ProfileCreatedV1) -> ProfileCreatedV2`.
//!
//! Long on purpose: one IR with every form of the schema language, so one snapshot and one
//! compiled crate show all of emission; split, the forms would no longer meet in one catalogue.

use std::collections::BTreeMap;

use event_codegen::ir::{
    Catalogue, Compatibility, Constraints, Conversion, DefaultValue, EnumDef, EnumValue, EventDef,
    Field, FieldMigration, FieldSource, FieldType, Migration, NamedType, RecordDef, Span,
    TemplatePart, VersionDef,
};

/// A required field without constraints.
pub fn field(name: &str, ty: FieldType, description: &str) -> Field {
    Field {
        name: name.to_owned(),
        ty,
        description: description.to_owned(),
        optional: false,
        default: None,
        sensitive: false,
        constraints: Constraints::default(),
        renamed_from: None,
        span: Span::default(),
    }
}

/// An optional field.
pub fn optional(name: &str, ty: FieldType, description: &str) -> Field {
    Field {
        optional: true,
        ..field(name, ty, description)
    }
}

/// A field with a default.
pub fn defaulted(name: &str, ty: FieldType, default: DefaultValue, description: &str) -> Field {
    Field {
        default: Some(default),
        ..field(name, ty, description)
    }
}

fn list(ty: FieldType) -> FieldType {
    FieldType::List(Box::new(ty))
}

fn map(ty: FieldType) -> FieldType {
    FieldType::Map(Box::new(ty))
}

fn named_enum(name: &str) -> FieldType {
    FieldType::Enum(name.to_owned())
}

fn record(name: &str) -> FieldType {
    FieldType::Record(name.to_owned())
}

fn text(value: &str) -> DefaultValue {
    DefaultValue::String(value.to_owned())
}

pub fn enum_def(name: &str, description: &str, open: bool, values: &[(&str, &str)]) -> NamedType {
    NamedType::Enum(EnumDef {
        name: name.to_owned(),
        description: description.to_owned(),
        values: values
            .iter()
            .map(|(wire, description)| EnumValue {
                wire: (*wire).to_owned(),
                variant: event_codegen::ir::pascal_case(wire),
                description: (*description).to_owned(),
            })
            .collect(),
        open,
        span: Span::default(),
    })
}

pub fn version(
    number: u32,
    description: &str,
    fields: Vec<Field>,
    migration: Option<Migration>,
) -> VersionDef {
    VersionDef {
        number,
        description: description.to_owned(),
        fields,
        requires_user_id: None,
        migration,
        span: Span::default(),
    }
}

pub fn event(name: &str, description: &str, versions: Vec<VersionDef>) -> EventDef {
    EventDef {
        name: name.to_owned(),
        description: description.to_owned(),
        compatibility: None,
        versions,
        span: Span::default(),
    }
}

fn source(field: &str, source: FieldSource) -> FieldMigration {
    FieldMigration {
        field: field.to_owned(),
        source,
    }
}

fn copied(
    field: &str,
    from: &str,
    conversion: Conversion,
    from_optional: bool,
    to_optional: bool,
) -> FieldMigration {
    source(
        field,
        FieldSource::Field {
            from: from.to_owned(),
            conversion,
            from_optional,
            to_optional,
            default: None,
        },
    )
}

fn same(field: &str) -> FieldMigration {
    copied(field, field, Conversion::Identity, false, false)
}

fn widen(from: FieldType, to: FieldType) -> Conversion {
    Conversion::Widen { from, to }
}

fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(old, new)| ((*old).to_owned(), (*new).to_owned()))
        .collect()
}

/// The whole fixture catalogue.
pub fn catalogue() -> Catalogue {
    let types = [
        enum_def(
            "Urgency",
            "How urgent a request is.",
            false,
            &[
                ("low", "Can wait for the next planned visit."),
                ("medium", ""),
                ("high", "Within a day."),
                ("critical", "Danger to people or property."),
            ],
        ),
        enum_def(
            "Priority",
            "Priority of work or of a notification. Open: new priorities may appear before every consumer knows them.",
            true,
            &[
                ("low", ""),
                ("normal", "The usual."),
                ("high", ""),
                ("emergency", "Drop everything."),
            ],
        ),
        enum_def(
            "Severity",
            "How bad something is.",
            true,
            &[("minor", ""), ("major", ""), ("fatal", "")],
        ),
        enum_def(
            "Channel",
            "How a message reaches a person.",
            false,
            &[
                ("telegram", "The Telegram bot."),
                ("email", ""),
                ("sms", ""),
            ],
        ),
        NamedType::Record(RecordDef {
            name: "Contact".to_owned(),
            description: "How to reach a person.".to_owned(),
            fields: vec![
                Field {
                    sensitive: true,
                    constraints: Constraints {
                        pattern: Some(r"\+\d{7,15}".to_owned()),
                        ..Constraints::default()
                    },
                    ..field("phone", FieldType::String, "Phone number in E.164 form.")
                },
                Field {
                    constraints: Constraints {
                        max_length: Some(254),
                        ..Constraints::default()
                    },
                    ..optional("email", FieldType::String, "E-mail address, when known.")
                },
                defaulted(
                    "preferred",
                    named_enum("Channel"),
                    DefaultValue::Enum("telegram".to_owned()),
                    "Channel to try first.",
                ),
                defaulted(
                    "verified",
                    FieldType::Bool,
                    DefaultValue::Bool(false),
                    "The phone number was confirmed.",
                ),
            ],
            span: Span::default(),
        }),
        NamedType::Record(RecordDef {
            name: "GeoPoint".to_owned(),
            description: "A point on the map.".to_owned(),
            fields: vec![
                Field {
                    constraints: Constraints {
                        min: Some(-90.0),
                        max: Some(90.0),
                        ..Constraints::default()
                    },
                    ..field("lat", FieldType::Float64, "Latitude in degrees.")
                },
                Field {
                    constraints: Constraints {
                        min: Some(-180.0),
                        max: Some(180.0),
                        ..Constraints::default()
                    },
                    ..field("lon", FieldType::Float64, "Longitude in degrees.")
                },
            ],
            span: Span::default(),
        }),
    ];
    let events = [
        profile_created(),
        request_created(),
        notification_sent(),
        system_ping(),
    ];
    Catalogue {
        name: "emit-fixture".to_owned(),
        version: semver::Version::new(1, 2, 3),
        compatibility: Compatibility::Backward,
        files: Vec::new(),
        types: types
            .into_iter()
            .map(|named| (named.name().to_owned(), named))
            .collect::<BTreeMap<_, _>>(),
        events: events
            .into_iter()
            .map(|event| (event.name.clone(), event))
            .collect(),
        version_span: Span::default(),
        waivers: Vec::new(),
    }
}

/// Every scalar type, every constraint and every kind of default; v2 by a migration function.
fn profile_created() -> EventDef {
    let constrained = |field: Field, constraints: Constraints| Field {
        constraints,
        ..field
    };
    let v1_fields = vec![
        constrained(
            field("name", FieldType::String, "Display name."),
            Constraints {
                min_length: Some(1),
                max_length: Some(64),
                non_empty: true,
                ..Constraints::default()
            },
        ),
        field("active", FieldType::Bool, "The profile can be used."),
        constrained(
            field("age", FieldType::Int32, "Age in years."),
            Constraints {
                min: Some(0.0),
                max: Some(150.0),
                ..Constraints::default()
            },
        ),
        constrained(
            field("telegram_id", FieldType::Int64, "Telegram account id."),
            Constraints {
                min: Some(1.0),
                ..Constraints::default()
            },
        ),
        constrained(
            field(
                "balance",
                FieldType::Float64,
                "Account balance, approximate.",
            ),
            Constraints {
                min: Some(0.0),
                ..Constraints::default()
            },
        ),
        field("score", FieldType::Float64, "Any finite number."),
        field("id", FieldType::Uuid, "Id of the profile."),
        optional("born", FieldType::Date, "Date of birth, when given."),
        field(
            "registered_at",
            FieldType::DateTime,
            "When the profile was created.",
        ),
        optional(
            "last_seen",
            FieldType::DateTime,
            "When the person was last active.",
        ),
        field("credit", FieldType::Decimal, "Credit limit, exact."),
        constrained(
            field(
                "profile",
                FieldType::Json,
                "Free-form settings of the client app.",
            ),
            Constraints {
                non_empty: true,
                ..Constraints::default()
            },
        ),
        constrained(
            field("labels", map(FieldType::Int64), "Counters by label."),
            Constraints {
                max_items: Some(10),
                ..Constraints::default()
            },
        ),
        constrained(
            field(
                "contacts",
                list(record("Contact")),
                "Ways to reach the person, best first.",
            ),
            Constraints {
                non_empty: true,
                max_items: Some(5),
                ..Constraints::default()
            },
        ),
        optional(
            "home",
            record("Contact"),
            "Contact at home, when different.",
        ),
        field("readings", list(FieldType::Float64), "Meter readings."),
        optional("weights", map(FieldType::Float64), "Weights by skill."),
        field(
            "route",
            list(list(record("GeoPoint"))),
            "Legs of the usual route, each a list of points.",
        ),
        field("places", map(record("GeoPoint")), "Named places."),
        Field {
            sensitive: true,
            constraints: Constraints {
                min_length: Some(8),
                ..Constraints::default()
            },
            ..field("password_hash", FieldType::String, "Hash of the password.")
        },
        Field {
            sensitive: true,
            ..optional("pin", FieldType::Int32, "PIN code of the door, if any.")
        },
        defaulted(
            "timezone",
            FieldType::String,
            text("UTC"),
            "IANA time zone.",
        ),
        defaulted(
            "nickname",
            FieldType::String,
            text(""),
            "Nickname; empty when none.",
        ),
        defaulted(
            "level",
            FieldType::Int32,
            DefaultValue::Int(3),
            "Experience level.",
        ),
        defaulted(
            "offset",
            FieldType::Int64,
            DefaultValue::Int(-5),
            "Clock offset in seconds.",
        ),
        defaulted(
            "ratio",
            FieldType::Float64,
            DefaultValue::Float(0.5),
            "Share of work taken.",
        ),
        defaulted(
            "threshold",
            FieldType::Float64,
            DefaultValue::Float(-1.0),
            "Alert threshold.",
        ),
        defaulted(
            "visits",
            FieldType::Int64,
            DefaultValue::Int(0),
            "Number of visits.",
        ),
        defaulted(
            "created_on",
            FieldType::Date,
            text("2024-01-01"),
            "Day the profile was planned.",
        ),
        defaulted(
            "started_at",
            FieldType::DateTime,
            text("2024-01-01T00:00:00Z"),
            "When work started.",
        ),
        defaulted(
            "ref_id",
            FieldType::Uuid,
            text("67e55044-10b1-426f-9247-bb680e5fe0c8"),
            "Reference id.",
        ),
        defaulted("amount", FieldType::Decimal, text("0.00"), "Amount owed."),
        defaulted(
            "extra",
            FieldType::Json,
            DefaultValue::EmptyMap,
            "Anything else.",
        ),
        defaulted(
            "counts",
            map(FieldType::Int64),
            DefaultValue::EmptyMap,
            "Counts by kind.",
        ),
        defaulted(
            "skills",
            list(FieldType::String),
            DefaultValue::List(Vec::new()),
            "Skills.",
        ),
        defaulted(
            "roles",
            list(FieldType::String),
            DefaultValue::List(vec![text("resident"), text("guest")]),
            "Roles of the person.",
        ),
        defaulted(
            "priority",
            named_enum("Priority"),
            DefaultValue::Enum("normal".to_owned()),
            "Priority of the person's requests.",
        ),
        defaulted(
            "is_verified",
            FieldType::Bool,
            DefaultValue::Bool(true),
            "Documents were checked.",
        ),
        Field {
            default: Some(DefaultValue::Int(7)),
            ..optional(
                "retries",
                FieldType::Int32,
                "Retries allowed; null means unlimited.",
            )
        },
    ];
    let mut v2_fields = v1_fields.clone();
    v2_fields.push(field(
        "full_name",
        FieldType::String,
        "First and last name.",
    ));
    event(
        "profile.created",
        "A profile was created. Carries every scalar type of the schema language.",
        vec![
            version(1, "First version.", v1_fields, None),
            version(
                2,
                "Adds `full_name`.",
                v2_fields,
                Some(Migration::Function {
                    path: "crate::migrations::profile_created_v1_to_v2".to_owned(),
                    span: Span::default(),
                }),
            ),
        ],
    )
}

/// Every field-level migration form.
fn request_created() -> EventDef {
    let request_number = Field {
        constraints: Constraints {
            pattern: Some(r"\d{6}-\d{3}".to_owned()),
            ..Constraints::default()
        },
        ..field(
            "request_number",
            FieldType::String,
            "Number of the request: `YYMMDD-NNN`.",
        )
    };
    let v1 = version(
        1,
        "The request as the original service published it.",
        vec![
            request_number.clone(),
            field(
                "first_name",
                FieldType::String,
                "First name of the person filing the request.",
            ),
            optional("last_name", FieldType::String, "Last name, when given."),
            field(
                "urgency",
                named_enum("Urgency"),
                "How urgent the request is.",
            ),
            Field {
                constraints: Constraints {
                    min: Some(1.0),
                    max: Some(10080.0),
                    ..Constraints::default()
                },
                ..optional(
                    "estimated_duration",
                    FieldType::Int32,
                    "Estimated duration in minutes.",
                )
            },
            field(
                "priority_score",
                FieldType::Int64,
                "Score used to sort requests.",
            ),
            Field {
                constraints: Constraints {
                    min: Some(1.0),
                    max: Some(5.0),
                    ..Constraints::default()
                },
                ..field("rating", FieldType::Int32, "Rating of the requester.")
            },
            optional("photos", list(FieldType::String), "Photo URLs."),
            field("type", FieldType::String, "Kind of work."),
            field("notes", FieldType::String, "Notes of the requester."),
            field("location", record("GeoPoint"), "Where the work is."),
            Field {
                sensitive: true,
                ..field("door_code", FieldType::String, "Code of the front door.")
            },
        ],
        None,
    );
    let v2_fields = vec![
        request_number,
        field(
            "display_name",
            FieldType::String,
            "First and last name, for messages.",
        ),
        field(
            "first_name",
            FieldType::String,
            "First name of the person filing the request.",
        ),
        optional("last_name", FieldType::String, "Last name, when given."),
        field("priority", named_enum("Priority"), "Priority of the work."),
        optional(
            "estimated_duration",
            FieldType::Int64,
            "Estimated duration in minutes.",
        ),
        field(
            "priority_score",
            FieldType::Float64,
            "Score used to sort requests.",
        ),
        Field {
            renamed_from: Some("rating".to_owned()),
            constraints: Constraints {
                min: Some(1.0),
                max: Some(5.0),
                ..Constraints::default()
            },
            ..field(
                "stars",
                FieldType::Int64,
                "Rating of the requester, in stars.",
            )
        },
        defaulted(
            "photos",
            list(FieldType::String),
            DefaultValue::List(Vec::new()),
            "Photo URLs.",
        ),
        field("type", FieldType::String, "Kind of work."),
        optional("notes", FieldType::String, "Notes of the requester."),
        defaulted(
            "channel",
            named_enum("Channel"),
            DefaultValue::Enum("telegram".to_owned()),
            "Channel for updates.",
        ),
        defaulted(
            "tags",
            list(FieldType::String),
            DefaultValue::List(vec![text("new")]),
            "Tags for triage.",
        ),
        optional(
            "assignee_id",
            FieldType::Int64,
            "Executor assigned, once there is one.",
        ),
        field(
            "score",
            FieldType::Float64,
            "Score computed from the whole request.",
        ),
        field("location", record("GeoPoint"), "Where the work is."),
        field(
            "reference",
            FieldType::String,
            "Number to quote in messages; the request number at first.",
        ),
        defaulted(
            "duration_minutes",
            FieldType::Int32,
            DefaultValue::Int(60),
            "Planned duration.",
        ),
        field(
            "headline",
            FieldType::String,
            "Kind of work and notes, for lists.",
        ),
    ];
    let migration = Migration::Fields(vec![
        same("request_number"),
        source(
            "display_name",
            FieldSource::Template(vec![
                TemplatePart::Field {
                    name: "first_name".to_owned(),
                    optional: false,
                },
                TemplatePart::Text(" ".to_owned()),
                TemplatePart::Field {
                    name: "last_name".to_owned(),
                    optional: true,
                },
            ]),
        ),
        same("first_name"),
        copied("last_name", "last_name", Conversion::Identity, true, true),
        copied(
            "priority",
            "urgency",
            Conversion::EnumMap {
                from_enum: "Urgency".to_owned(),
                to_enum: "Priority".to_owned(),
                pairs: pairs(&[
                    ("Low", "Low"),
                    ("Medium", "Normal"),
                    ("High", "High"),
                    ("Critical", "Emergency"),
                ]),
                unknown_to: None,
            },
            false,
            false,
        ),
        copied(
            "estimated_duration",
            "estimated_duration",
            widen(FieldType::Int32, FieldType::Int64),
            true,
            true,
        ),
        copied(
            "priority_score",
            "priority_score",
            widen(FieldType::Int64, FieldType::Float64),
            false,
            false,
        ),
        copied(
            "stars",
            "rating",
            widen(FieldType::Int32, FieldType::Int64),
            false,
            false,
        ),
        source(
            "photos",
            FieldSource::Field {
                from: "photos".to_owned(),
                conversion: Conversion::Identity,
                from_optional: true,
                to_optional: false,
                default: Some(DefaultValue::List(Vec::new())),
            },
        ),
        same("type"),
        copied("notes", "notes", Conversion::Identity, false, true),
        source(
            "channel",
            FieldSource::Default(DefaultValue::Enum("telegram".to_owned())),
        ),
        source(
            "tags",
            FieldSource::Default(DefaultValue::List(vec![text("new")])),
        ),
        source("assignee_id", FieldSource::Absent),
        source(
            "score",
            FieldSource::Function("crate::migrations::request_score".to_owned()),
        ),
        same("location"),
        copied(
            "reference",
            "request_number",
            Conversion::Identity,
            false,
            false,
        ),
        source(
            "duration_minutes",
            FieldSource::Field {
                from: "estimated_duration".to_owned(),
                conversion: Conversion::Identity,
                from_optional: true,
                to_optional: false,
                default: Some(DefaultValue::Int(60)),
            },
        ),
        source(
            "headline",
            FieldSource::Template(vec![
                TemplatePart::Field {
                    name: "type".to_owned(),
                    optional: false,
                },
                TemplatePart::Text(": ".to_owned()),
                TemplatePart::Field {
                    name: "notes".to_owned(),
                    optional: false,
                },
            ]),
        ),
    ]);
    let mut v2 = version(
        2,
        "Priorities instead of urgency, a display name and tags.",
        v2_fields,
        Some(migration),
    );
    v2.requires_user_id = Some("The user who filed the request.".to_owned());
    event(
        "request.created",
        "A resident filed a maintenance request.",
        vec![v1, v2],
    )
}

/// Enum maps between open and closed enums, lists of enums, templates over non-strings.
fn notification_sent() -> EventDef {
    let v1 = version(
        1,
        "First version.",
        vec![
            field(
                "level",
                named_enum("Priority"),
                "Priority of the notification.",
            ),
            optional("mood", named_enum("Priority"), "Priority the sender felt."),
            field(
                "history",
                list(named_enum("Priority")),
                "Earlier priorities.",
            ),
            field("sent_at", FieldType::DateTime, "When it was sent."),
            field("attempts", FieldType::Int32, "Delivery attempts."),
            Field {
                sensitive: true,
                ..optional("body", FieldType::String, "The message text.")
            },
            Field {
                sensitive: true,
                ..field("secrets", map(FieldType::Float64), "Secret numbers.")
            },
        ],
        None,
    );
    let mut v1 = v1;
    v1.requires_user_id = Some("The recipient.".to_owned());
    let v2 = version(
        2,
        "Urgency and severity instead of priorities.",
        vec![
            field(
                "urgency",
                named_enum("Urgency"),
                "Urgency of the notification.",
            ),
            optional(
                "severity",
                named_enum("Severity"),
                "Severity the sender felt.",
            ),
            field(
                "history",
                list(named_enum("Severity")),
                "Earlier severities.",
            ),
            field("sent_at", FieldType::DateTime, "When it was sent."),
            field(
                "level_text",
                FieldType::String,
                "The old priority, as text.",
            ),
            optional("summary", FieldType::String, "One line about the sending."),
            field("attempts", FieldType::Float64, "Delivery attempts."),
            Field {
                sensitive: true,
                ..optional("body", FieldType::String, "The message text.")
            },
        ],
        Some(Migration::Fields(vec![
            copied(
                "urgency",
                "level",
                Conversion::EnumMap {
                    from_enum: "Priority".to_owned(),
                    to_enum: "Urgency".to_owned(),
                    pairs: pairs(&[
                        ("Low", "Low"),
                        ("Normal", "Medium"),
                        ("High", "High"),
                        ("Emergency", "Critical"),
                    ]),
                    unknown_to: Some("Medium".to_owned()),
                },
                false,
                false,
            ),
            copied(
                "severity",
                "mood",
                Conversion::EnumMap {
                    from_enum: "Priority".to_owned(),
                    to_enum: "Severity".to_owned(),
                    pairs: pairs(&[
                        ("Low", "Minor"),
                        ("Normal", "Minor"),
                        ("High", "Major"),
                        ("Emergency", "Fatal"),
                    ]),
                    unknown_to: None,
                },
                true,
                true,
            ),
            copied(
                "history",
                "history",
                Conversion::EnumMap {
                    from_enum: "Priority".to_owned(),
                    to_enum: "Severity".to_owned(),
                    pairs: pairs(&[
                        ("Low", "Minor"),
                        ("Normal", "Minor"),
                        ("High", "Major"),
                        ("Emergency", "Fatal"),
                    ]),
                    unknown_to: None,
                },
                false,
                false,
            ),
            same("sent_at"),
            source(
                "level_text",
                FieldSource::Template(vec![TemplatePart::Field {
                    name: "level".to_owned(),
                    optional: false,
                }]),
            ),
            source(
                "summary",
                FieldSource::Template(vec![
                    TemplatePart::Text("{sent} at ".to_owned()),
                    TemplatePart::Field {
                        name: "sent_at".to_owned(),
                        optional: false,
                    },
                    TemplatePart::Text(" (".to_owned()),
                    TemplatePart::Field {
                        name: "mood".to_owned(),
                        optional: true,
                    },
                    TemplatePart::Text(", try ".to_owned()),
                    TemplatePart::Field {
                        name: "attempts".to_owned(),
                        optional: false,
                    },
                    TemplatePart::Text(")".to_owned()),
                ]),
            ),
            copied(
                "attempts",
                "attempts",
                widen(FieldType::Int32, FieldType::Float64),
                false,
                false,
            ),
            copied("body", "body", Conversion::Identity, true, true),
        ])),
    );
    event(
        "notification.sent",
        "A notification went out.",
        vec![v1, v2],
    )
}

/// An event with no payload at all.
fn system_ping() -> EventDef {
    event(
        "system.ping",
        "A liveness signal.",
        vec![version(1, "Nothing but the envelope.", Vec::new(), None)],
    )
}
