//! The chaos soak's short run (`src/bin/chaos-soak/`): about 60 s of faults over its three
//! scenarios (one `redis-server` with deduplication on and off, a Redis Cluster with it on),
//! then each settles. The soak prints its seed first; `CHAOS_SOAK_SEED=<seed>` replays a
//! failure's faults at the same offsets. The long run is `scripts/chaos-soak 30m`.

use std::process::Command;

#[test]
fn chaos_soak_short_run_holds_every_invariant() {
    let mut soak = Command::new(env!("CARGO_BIN_EXE_chaos-soak"));
    soak.args(["run", "--duration", "60s"]);
    let output = soak.output().expect("the chaos-soak binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The report is the test's output (shown with --nocapture, and on failure).
    #[allow(
        clippy::print_stdout,
        clippy::print_stderr,
        reason = "the soak's report"
    )]
    {
        println!("{stdout}");
        eprintln!("{stderr}");
    }
    assert!(
        output.status.success(),
        "the chaos soak failed ({}); its report is above",
        output.status
    );
    let reports = stdout.matches("verdict          PASS").count();
    assert_eq!(
        reports,
        2 * 3,
        "each of the three scenarios reported a pass twice"
    );
}
