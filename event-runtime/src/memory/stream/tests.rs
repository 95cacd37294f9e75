//! The stream rules, one command at a time, with the time as an argument.

use super::*;

fn id(ms: u64, seq: u64) -> EntryId {
    EntryId { ms, seq }
}

fn fields(n: u32) -> Fields {
    vec![("n".to_owned(), n.to_string().into_bytes())]
}

fn ids(entries: &[StreamEntry]) -> Vec<&str> {
    entries.iter().map(|entry| entry.id.as_str()).collect()
}

/// A stream with entries `10-0`, `10-1`, `11-0`, ... and a group `g` at the start.
fn stream(count: u32) -> Stream {
    let mut stream = Stream::default();
    for n in 0..count {
        stream.append(fields(n), 10 + u64::from(n / 2));
    }
    assert!(stream.create_group("g", GroupStart::After(EntryId::ZERO)));
    stream
}

const MS: Duration = Duration::from_millis(1);

#[test]
fn groups_start_at_the_backlog_or_the_end_and_exist_once() {
    let mut stream = stream(3);
    assert!(!stream.create_group("g", GroupStart::End), "BUSYGROUP");
    assert!(stream.create_group("late", GroupStart::End));
    let now = Instant::now();
    assert_eq!(stream.read_group("late", "c", 10, now).expect("read"), []);
    assert_eq!(
        ids(&stream.read_group("g", "c", 2, now).expect("read")),
        ["10-0", "10-1"]
    );
    assert_eq!(
        ids(&stream.read_group("g", "c", 10, now).expect("read")),
        ["11-0"]
    );
    assert_eq!(stream.read_group("nope", "c", 1, now), Err(NoGroup));
}

#[test]
fn pending_entries_count_deliveries_and_idle_time() {
    let mut stream = stream(4);
    let start = Instant::now();
    stream.read_group("g", "a", 2, start).expect("read");
    stream.read_group("g", "b", 2, start).expect("read");
    assert_eq!(stream.pending_count("g", None), Ok(4));
    assert_eq!(stream.pending_count("g", Some("a")), Ok(2));
    assert_eq!(
        stream.has_idle_pending("g", 5 * MS, start + 4 * MS),
        Ok(false)
    );
    assert_eq!(
        stream.has_idle_pending("g", 5 * MS, start + 5 * MS),
        Ok(true)
    );

    // XCLAIM: not idle long enough -> nothing; then taken over with one more delivery.
    let wanted = [(id(10, 0), 5 * MS)];
    assert_eq!(
        stream.claim("g", "b", &wanted, start + MS, false),
        Ok(vec![])
    );
    let taken = stream
        .claim("g", "b", &wanted, start + 5 * MS, false)
        .expect("claim");
    assert_eq!(ids(&taken), ["10-0"]);
    assert_eq!(stream.pending_count("g", Some("b")), Ok(3));
    let counts = stream
        .deliveries("g", &[id(10, 0), id(10, 1), id(99, 0)])
        .expect("xpending");
    assert_eq!(counts.get("10-0"), Some(&2));
    assert_eq!(counts.get("10-1"), Some(&1));
    assert_eq!(counts.len(), 2, "ids not pending are not reported");

    // JUSTID resets the idle time without counting a delivery.
    stream
        .claim(
            "g",
            "a",
            &[(id(10, 1), Duration::ZERO)],
            start + 9 * MS,
            true,
        )
        .expect("touch");
    assert_eq!(
        stream.deliveries("g", &[id(10, 1)]).expect("xpending")["10-1"],
        1
    );
    assert_eq!(
        stream.has_idle_pending("g", 5 * MS, start + 10 * MS),
        Ok(true)
    );

    // XACK counts only what was pending.
    assert_eq!(stream.ack("g", &[id(10, 0), id(10, 0), id(99, 0)]), Ok(1));
    assert_eq!(stream.pending_count("g", None), Ok(3));
    assert_eq!(stream.ack("nope", &[id(10, 0)]), Err(NoGroup));
}

#[test]
fn autoclaim_walks_a_cursor_and_reports_deleted_entries() {
    let mut stream = stream(6);
    let start = Instant::now();
    stream.read_group("g", "dead", 6, start).expect("read");
    stream.trim_to_len(4); // 10-0 and 10-1 are gone, still pending
    let later = start + 10 * MS;

    let first = stream
        .autoclaim("g", "alive", 5 * MS, EntryId::ZERO, 3, later)
        .expect("autoclaim");
    assert_eq!(first.deleted, ["10-0", "10-1"]);
    assert_eq!(ids(&first.entries), ["11-0"]);
    assert_eq!(first.next, id(11, 1), "the cursor is the next pending id");

    let second = stream
        .autoclaim("g", "alive", 5 * MS, first.next, 3, later)
        .expect("autoclaim");
    assert_eq!(ids(&second.entries), ["11-1", "12-0", "12-1"]);
    assert_eq!(second.next, EntryId::ZERO, "the pass is complete");
    assert_eq!(stream.pending_count("g", Some("alive")), Ok(4));
    assert_eq!(
        stream.deliveries("g", &[id(12, 1)]).expect("xpending")["12-1"],
        2
    );

    // Just claimed: not idle, nothing taken; a short attempt budget stops the walk.
    let again = stream
        .autoclaim("g", "other", 5 * MS, EntryId::ZERO, 1, later + MS)
        .expect("autoclaim");
    assert_eq!(again.entries, []);
    assert_eq!(
        again.next,
        EntryId::ZERO,
        "4 pending entries walked within 10 attempts"
    );
}

#[test]
fn xdel_and_claims_drop_dead_pending_entries() {
    let mut stream = stream(2);
    let start = Instant::now();
    stream.read_group("g", "a", 2, start).expect("read");
    assert_eq!(stream.delete(&[id(10, 0), id(50, 0)]), 1);
    let taken = stream
        .claim("g", "b", &[(id(10, 0), Duration::ZERO)], start, false)
        .expect("claim");
    assert_eq!(taken, []);
    assert_eq!(
        stream.pending_count("g", None),
        Ok(1),
        "XCLAIM dropped 10-0"
    );
}

#[test]
fn lag_is_exact_until_deletions_make_it_unknown() {
    let mut stream = stream(5);
    let now = Instant::now();
    assert_eq!(stream.lag("g"), Ok(Some(5)));
    stream.read_group("g", "c", 2, now).expect("read");
    assert_eq!(stream.lag("g"), Ok(Some(3)));
    stream.append(fields(5), 20);
    assert_eq!(stream.lag("g"), Ok(Some(4)));
    stream.create_group("new", GroupStart::End);
    assert_eq!(stream.lag("new"), Ok(Some(0)));

    // Trimming keeps the lag known; a deletion in the unread range makes it unknown.
    stream.trim_to_len(5);
    assert_eq!(stream.lag("g"), Ok(Some(4)));
    stream.delete(&[id(12, 0)]);
    assert_eq!(stream.lag("g"), Ok(None));
    stream.read_group("g", "c", 10, now).expect("read");
    assert_eq!(stream.lag("g"), Ok(Some(0)), "read to the end: known again");
    assert_eq!(Stream::default().lag("g"), Err(NoGroup));
}

#[test]
fn trimming_by_id_and_ranges_are_inclusive() {
    let mut stream = stream(6);
    assert_eq!(
        ids(&stream.range(id(11, 0), id(11, u64::MAX), 10)),
        ["11-0", "11-1"]
    );
    assert_eq!(
        ids(&stream.range(EntryId::ZERO, EntryId::MAX, 2)),
        ["10-0", "10-1"]
    );
    assert_eq!(stream.trim_before(id(11, 1)), 3);
    assert_eq!(
        ids(&stream.range(EntryId::ZERO, EntryId::MAX, 10)),
        ["11-1", "12-0", "12-1"]
    );
}
