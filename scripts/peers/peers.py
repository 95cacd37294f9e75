"""The Python peers of `events bench`: the same event (user.created v2), the same scenarios,
measured with the tools a Python service of the original system would use.

- redis-py + pydantic: redis-py's asyncio client with the hiredis parser; every event built
  and checked by a pydantic model (`model_dump_json` to publish, `model_validate_json` to
  consume); consuming is the batch loop `XREADGROUP COUNT 500` + one `XACK` per batch.
- FastStream: its Redis broker with a pydantic-typed stream subscriber (consumer group) and
  `broker.publish`, with its defaults.

Run through scripts/peers/run, which runs `events bench` against the same Redis first and
prints one table. Alone: `python3 scripts/peers/peers.py --redis-url redis://... [--json]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import redis.asyncio as aioredis
from faststream.redis import RedisBroker, StreamSub
from pydantic import BaseModel

STREAM = "peers:user.created"


class UserCreatedV2(BaseModel):
    """user.created v2, envelope and payload, as the catalogue defines it."""

    event_id: str
    event_type: str = "user.created"
    version: str = "v2"
    timestamp: datetime
    source_service: str = "peers"
    correlation_id: Optional[str] = None
    user_id: Optional[int] = None
    metadata: Optional[Dict[str, Any]] = None
    telegram_id: int
    username: Optional[str] = None
    first_name: str
    last_name: Optional[str] = None
    full_name: str
    phone_number: Optional[str] = None
    role: str
    specializations: Optional[List[str]] = None
    is_verified: bool = False
    permissions: List[str] = []


def sample(n: int) -> UserCreatedV2:
    """The event `events bench` sends, built and validated by pydantic."""
    user = n % 1_000_000_000 + 1
    return UserCreatedV2(
        event_id=str(uuid.uuid4()),
        timestamp=datetime.now(timezone.utc),
        correlation_id=f"bench-{n}",
        user_id=user,
        telegram_id=500_000_000 + user,
        first_name="John",
        last_name="Doe",
        full_name="John Doe",
        phone_number="+44 7700 900123",
        role="executor",
        specializations=["plumbing"],
        permissions=["requests:read"],
    )


def entry(event: UserCreatedV2) -> Dict[str, str]:
    """The stream entry the runtime writes (fields and order)."""
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "version": event.version,
        "timestamp": event.timestamp.isoformat(),
        "event_data": event.model_dump_json(),
    }


def percentile(sorted_ms: List[float], p: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, int(round(p / 100 * len(sorted_ms))) - 1))
    return sorted_ms[index]


async def fill(client: aioredis.Redis, count: int) -> None:
    """Writes `count` entries, pipelined (not timed)."""
    await client.delete(STREAM)
    for start in range(0, count, 1000):
        pipe = client.pipeline(transaction=False)
        for n in range(start, min(count, start + 1000)):
            pipe.xadd(STREAM, entry(sample(n)))
        await pipe.execute()


async def redis_py_publish(url: str, count: int) -> float:
    client = aioredis.from_url(url)
    await client.delete(STREAM)
    started = time.perf_counter()
    for n in range(count):
        await client.xadd(STREAM, entry(sample(n)))
    rate = count / (time.perf_counter() - started)
    await client.delete(STREAM)
    await client.aclose()
    return rate


async def redis_py_consume(url: str, count: int) -> float:
    client = aioredis.from_url(url)
    await fill(client, count)
    await client.xgroup_create(STREAM, "peers", id="0")
    started = time.perf_counter()
    done = 0
    while done < count:
        reply = await client.xreadgroup("peers", "c1", {STREAM: ">"}, count=500, block=100)
        for _stream, entries in reply:
            ids = []
            for entry_id, fields in entries:
                UserCreatedV2.model_validate_json(fields[b"event_data"])
                ids.append(entry_id)
            if ids:
                await client.xack(STREAM, "peers", *ids)
                done += len(ids)
    rate = count / (time.perf_counter() - started)
    await client.delete(STREAM)
    await client.aclose()
    return rate


async def paced(rate: int, total: int, send) -> None:
    """Calls `send(n)` `total` times at `rate` per second."""
    started = time.perf_counter()
    for n in range(total):
        due = started + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await send(n)


def latency_ms(event: UserCreatedV2) -> float:
    return (datetime.now(timezone.utc) - event.timestamp).total_seconds() * 1000


async def redis_py_latency(url: str, rate: int, seconds: int) -> List[float]:
    total = rate * seconds
    writer = aioredis.from_url(url)
    reader = aioredis.from_url(url)
    await writer.delete(STREAM)
    await writer.xgroup_create(STREAM, "peers", id="$", mkstream=True)
    samples: List[float] = []

    async def consume() -> None:
        while len(samples) < total:
            reply = await reader.xreadgroup("peers", "c1", {STREAM: ">"}, count=500, block=100)
            for _stream, entries in reply:
                ids = []
                for entry_id, fields in entries:
                    event = UserCreatedV2.model_validate_json(fields[b"event_data"])
                    samples.append(latency_ms(event))
                    ids.append(entry_id)
                if ids:
                    await reader.xack(STREAM, "peers", *ids)

    consumer = asyncio.create_task(consume())

    async def send(n: int) -> None:
        await writer.xadd(STREAM, entry(sample(n)))

    await paced(rate, total, send)
    await asyncio.wait_for(consumer, 30)
    await writer.delete(STREAM)
    await writer.aclose()
    await reader.aclose()
    return sorted(samples)


async def faststream_publish(url: str, count: int) -> float:
    broker = RedisBroker(url, logger=None)
    async with broker:
        await broker.start()
        client = aioredis.from_url(url)
        await client.delete(STREAM)
        started = time.perf_counter()
        for n in range(count):
            await broker.publish(sample(n), stream=STREAM)
        rate = count / (time.perf_counter() - started)
        await client.delete(STREAM)
        await client.aclose()
    return rate


async def faststream_consume(url: str, count: int) -> float:
    client = aioredis.from_url(url)
    await fill(client, count)
    broker = RedisBroker(url, logger=None)
    handled = 0
    done = asyncio.Event()

    @broker.subscriber(stream=StreamSub(STREAM, group="peers", consumer="c1", last_id="0"))
    async def handle(body: dict) -> None:
        nonlocal handled
        UserCreatedV2.model_validate_json(body["event_data"])
        handled += 1
        if handled >= count:
            done.set()

    async with broker:
        started = time.perf_counter()
        await broker.start()
        await asyncio.wait_for(done.wait(), 600)
        rate = count / (time.perf_counter() - started)
    await client.delete(STREAM)
    await client.aclose()
    return rate


async def faststream_latency(url: str, rate: int, seconds: int) -> List[float]:
    total = rate * seconds
    client = aioredis.from_url(url)
    await client.delete(STREAM)
    await client.xgroup_create(STREAM, "peers", id="$", mkstream=True)
    broker = RedisBroker(url, logger=None)
    samples: List[float] = []
    done = asyncio.Event()

    @broker.subscriber(stream=StreamSub(STREAM, group="peers", consumer="c1"))
    async def handle(event: UserCreatedV2) -> None:
        samples.append(latency_ms(event))
        if len(samples) >= total:
            done.set()

    async with broker:
        await broker.start()

        async def send(n: int) -> None:
            await broker.publish(sample(n), stream=STREAM)

        await paced(rate, total, send)
        await asyncio.wait_for(done.wait(), 30)
    await client.delete(STREAM)
    await client.aclose()
    return sorted(samples)


async def run(args: argparse.Namespace) -> Dict[str, Any]:
    url = args.redis_url
    rows: List[Dict[str, Any]] = []

    def add(scenario: str, unit: str, redis_py: Optional[float], faststream: Optional[float]) -> None:
        rows.append({"scenario": scenario, "unit": unit, "redis_py": redis_py, "faststream": faststream})
        print(f"peers: {scenario}: redis-py {redis_py}, FastStream {faststream}", file=sys.stderr)

    add(
        "publish, one awaited call at a time",
        "events/s",
        await redis_py_publish(url, args.sequential),
        await faststream_publish(url, args.sequential),
    )
    add(
        "consume, 1 consumer",
        "events/s",
        await redis_py_consume(url, args.consumed),
        await faststream_consume(url, args.faststream_consumed),
    )
    for rate in (1000, 10000):
        ours = await redis_py_latency(url, rate, args.latency_seconds)
        theirs = await faststream_latency(url, rate, args.latency_seconds) if rate <= 1000 else None
        for p, label in ((50, "p50"), (99, "p99"), (99.9, "p99.9")):
            add(
                f"end-to-end {label} at {rate}/s",
                "ms",
                percentile(ours, p),
                percentile(theirs, p) if theirs else None,
            )
    info = await aioredis.from_url(url).info("server")
    return {
        "python": sys.version.split()[0],
        "redis_version": info.get("redis_version"),
        "results": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--sequential", type=int, default=5000, help="events published one by one")
    parser.add_argument("--consumed", type=int, default=200_000, help="events consumed (redis-py)")
    parser.add_argument(
        "--faststream-consumed", type=int, default=20_000, help="events consumed (FastStream)"
    )
    parser.add_argument("--latency-seconds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for row in report["results"]:
        print(f"{row['scenario']:<40} {row['redis_py']!s:>14} {row['faststream']!s:>14} {row['unit']}")


if __name__ == "__main__":
    main()
