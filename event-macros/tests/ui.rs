//! Compile-fail tests of `#[derive(Event)]`: one file per class of error under
//! `tests/ui/<category>/`, with the expected compiler output beside it in a `.stderr` file.
//!
//! After changing a message, regenerate with `TRYBUILD=overwrite cargo test -p event-macros
//! --test ui` and read every changed `.stderr` before committing it.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*/*.rs");
}
