//! Micro-benchmarks of the per-event work of the runtime on the catalogue's `user.created`:
//! encode, validate, decode, and the upgrade v1 -> v2 on read.
//!
//! ```sh
//! cargo bench -p event-tests --bench wire
//! ```

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use event_runtime::{Envelope, Event};
use event_tests::events::{UserCreatedV1, UserCreatedV2};

fn v1() -> UserCreatedV1 {
    UserCreatedV1 {
        envelope: Envelope::new()
            .with_user_id(103)
            .with_source_service("users")
            .with_correlation_id("req-789"),
        telegram_id: 900_103,
        username: None,
        first_name: "Grace".to_owned(),
        last_name: Some("Hopper".to_owned()),
        phone_number: Some("+44 7700 900123".to_owned()),
        role: "executor".to_owned(),
        specializations: Some(vec!["plumbing".to_owned()]),
        is_verified: false,
    }
}

fn v2() -> UserCreatedV2 {
    let mut event = UserCreatedV2::from(v1());
    event.permissions = vec!["requests:read".to_owned()];
    event
}

fn wire(c: &mut Criterion) {
    let v1 = v1();
    let v2 = v2();
    let v1_json = event_runtime::encode(&v1).expect("encode");
    let v2_json = event_runtime::encode(&v2).expect("encode");

    let mut group = c.benchmark_group("user.created");
    group.bench_function("encode v2", |b| {
        b.iter(|| event_runtime::encode(black_box(&v2)))
    });
    group.bench_function("validate v2", |b| b.iter(|| black_box(&v2).validate()));
    group.bench_function("decode v2 (and validate)", |b| {
        b.iter(|| UserCreatedV2::decode_version(2, black_box(&v2_json)))
    });
    group.bench_function(
        "upgrade v1 -> v2 (decode v1, validate, migrate, validate)",
        |b| b.iter(|| UserCreatedV2::decode_version(1, black_box(&v1_json))),
    );
    group.bench_function("all: encode + validate v1, decode + upgrade to v2", |b| {
        b.iter(|| {
            let json = event_runtime::encode_validated(black_box(&v1)).expect("encode");
            UserCreatedV2::decode_version(1, &json)
        })
    });
    group.finish();
}

criterion_group!(benches, wire);
criterion_main!(benches);
