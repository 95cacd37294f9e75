//! The catalogue of `schemas/`, compiled by `build.rs` the way a service compiles its own, and
//! the end-to-end tests of the whole system (in `tests/`).
#![deny(warnings)]
#![deny(missing_docs)]

/// Every event of the catalogue: generated from `schemas/` by `event-codegen`.
pub mod events {
    include!(concat!(env!("OUT_DIR"), "/events.rs"));
}

/// `rolling/older/`: a catalogue as a consumer not yet redeployed was built with it (v1 of
/// each type).
pub mod rolling_older {
    include!(concat!(env!("OUT_DIR"), "/rolling_older.rs"));
}

/// `rolling/newer/`: the same catalogue a release later (v2 of each type).
pub mod rolling_newer {
    include!(concat!(env!("OUT_DIR"), "/rolling_newer.rs"));
}

/// The code generator's edge-case fixture (`codegen/tests/snapshots/emit__fixture.snap`),
/// compiled here so that a reviewed snapshot can never be broken code.
pub mod emit_fixture {
    include!(concat!(env!("OUT_DIR"), "/emit_fixture.rs"));
}

/// Migration functions the fixture names.
pub mod migrations {
    use crate::emit_fixture::{ProfileCreatedV1, ProfileCreatedV2, RequestCreatedV1};

    /// Score of a v1 request.
    pub fn request_score(previous: &RequestCreatedV1) -> f64 {
        f64::from(previous.rating) * 10.0 + f64::from(previous.estimated_duration.unwrap_or(0))
    }

    /// v1 -> v2 of `profile.created`.
    pub fn profile_created_v1_to_v2(previous: ProfileCreatedV1) -> ProfileCreatedV2 {
        let ProfileCreatedV1 {
            envelope,
            name,
            active,
            age,
            telegram_id,
            balance,
            score,
            id,
            born,
            registered_at,
            last_seen,
            credit,
            profile,
            labels,
            contacts,
            home,
            readings,
            weights,
            route,
            places,
            password_hash,
            pin,
            timezone,
            nickname,
            level,
            offset,
            ratio,
            threshold,
            visits,
            created_on,
            started_at,
            ref_id,
            amount,
            extra,
            counts,
            skills,
            roles,
            priority,
            is_verified,
            retries,
        } = previous;
        ProfileCreatedV2 {
            full_name: name.clone(),
            envelope,
            name,
            active,
            age,
            telegram_id,
            balance,
            score,
            id,
            born,
            registered_at,
            last_seen,
            credit,
            profile,
            labels,
            contacts,
            home,
            readings,
            weights,
            route,
            places,
            password_hash,
            pin,
            timezone,
            nickname,
            level,
            offset,
            ratio,
            threshold,
            visits,
            created_on,
            started_at,
            ref_id,
            amount,
            extra,
            counts,
            skills,
            roles,
            priority,
            is_verified,
            retries,
        }
    }
}
