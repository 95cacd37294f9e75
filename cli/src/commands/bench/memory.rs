//! The bench process's peak resident memory (`VmHWM` of
//! `/proc/self/status`; none where there is no `/proc`).

/// `VmHWM` of this process, in MiB.
pub(super) fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Resets `VmHWM` to the current resident size (`5` to `/proc/self/clear_refs`, Linux 4.0 and
/// later), so that the next [`peak_mib`] is the peak of what follows.
pub(super) fn reset_peak() -> std::io::Result<()> {
    std::fs::write("/proc/self/clear_refs", "5")
}
