"""Prints `events bench --json` and `peers.py --json` of one sitting as one table."""

import json
import sys


def number(value, unit):
    if value is None:
        return "-"
    if unit == "events/s":
        return f"{value:,.0f} /s"
    if unit == "ms":
        return f"{value:.3f} ms"
    return f"{value:.1f} {unit}"


def main() -> None:
    events = json.load(open(sys.argv[1]))
    peers = json.load(open(sys.argv[2]))
    by_scenario = {row["scenario"]: row for row in peers["results"]}
    print(
        f"user.created v{events['event_version']} ({events['event_data_bytes']} bytes of event_data), "
        f"Redis {events['redis_version']}, {events['cores']} cores; Python {peers['python']}"
    )
    header = ["scenario", "runtime", "raw redis-rs", "runtime / raw", "redis-py + pydantic", "FastStream"]
    rows = [header]
    for row in events["results"]:
        peer = by_scenario.get(row["scenario"], {})
        ratio = row.get("ratio")
        if ratio is None:
            shown = "-"
        elif row["unit"] == "ms":
            shown = f"{ratio:.2f}x"
        else:
            shown = f"{ratio * 100:.0f}%"
        rows.append(
            [
                row["scenario"],
                number(row["runtime"], row["unit"]),
                number(row.get("raw"), row["unit"]),
                shown,
                number(peer.get("redis_py"), row["unit"]),
                number(peer.get("faststream"), row["unit"]),
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        print("  ".join(cells).rstrip())


if __name__ == "__main__":
    main()
