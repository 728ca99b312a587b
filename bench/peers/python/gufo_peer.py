"""
Python peer for liftbridge-rx: drives gufo-liftbridge 0.2.0 for the
compression interop spec (spec/integration/gufo-interop.spec.ts) and for
benchmarks. Run with the venv made by scripts/testbed/gufo-peer.ts:

    <venv>/bin/python bench/peers/python/gufo_peer.py SUBCOMMAND --brokers host:port ...

Subcommands:
    publish     publish hex values, compressed by the client (auto_compress)
    read        read N messages from EARLIEST, one JSON line per message
    compress    hex of gufo's compressor output (reference bytes)
    decompress  hex of gufo's decompressor output
    version     gufo-liftbridge's version and default encoding header, as JSON
    bench-bulk  acked bulk publish throughput/latency, one JSON line
    bench-sub   catch-up subscribe throughput, one JSON line

Errors go to stderr with exit status 1.

Facts about gufo-liftbridge 0.2.0 this relies on (read from its source):
- LiftbridgeClient(brokers, compression_method=, compression_threshold=,
  encoding_header="X-Msg-Encoding"); get_publish_request(...,
  auto_compress=True) compresses values of at least compression_threshold
  bytes and sets the encoding header to the method name.
- publish_bulk(requests, wait=True) feeds a *synchronous* iterable into one
  PublishAsync stream and yields acks; it has no window option: what is in
  flight is bounded only by gRPC (each write awaits the core). With
  wait=False the iterable goes to gRPC as is, so an async iterator can bound
  it; bench-bulk uses that for --inflight W > 0.
- With wait=True, publish_bulk half-closes the stream only once every ack
  is in (an Event set by the ack loop, publish_async_ack_timeout = 10 s),
  and its ack iterator ends only when the server ends the stream: here that
  was sometimes ~5 s after the last ack (20K requests), sometimes at once.
  This peer stops reading, and timing, at the last ack it waits for.
- subscribe() removes the encoding header and decompresses transparently;
  it never ends by itself (no stop position), so readers stop after N.
"""

import argparse
import asyncio
import inspect
import json
import resource
import sys
import time
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional

from gufo.liftbridge import __version__ as gufo_version
from gufo.liftbridge.client import LiftbridgeClient
from gufo.liftbridge.compressor import compress, decompress
from gufo.liftbridge.error import ErrorAlreadyExists
from gufo.liftbridge.types import AckPolicy, StartPosition

METHODS = ("zlib", "lzma")


def brokers_of(arg: str) -> List[str]:
    brokers = [b.strip() for b in arg.split(",") if b.strip()]
    if not brokers:
        msg = "--brokers needs host:port[,host:port]"
        raise ValueError(msg)
    return brokers


def values_of(arg: str) -> List[bytes]:
    # "" is one empty value; "aa,,bb" holds an empty value in the middle.
    return [bytes.fromhex(v) for v in arg.split(",")]


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentile(sorted_values: List[float], p: float) -> Optional[float]:
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, int(round(p * len(sorted_values) + 0.5)) - 1))
    return round(sorted_values[i], 3)


def emit(obj: Dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def ensure_stream(client: LiftbridgeClient, stream: str) -> None:
    try:
        await client.create_stream(stream, wait_for_stream=True)
    except ErrorAlreadyExists:
        await client.wait_for_stream(stream)


async def await_acks(client: LiftbridgeClient, requests: Any, expected: int, *, wait: bool,
                     on_ack: Any = None) -> None:
    """Runs publish_bulk until `expected` acks arrived, then ends the call."""
    if expected == 0:
        return
    got = 0
    acks = client.publish_bulk(requests, wait=wait)
    try:
        async for ack in acks:
            if on_ack is not None:
                on_ack(ack)
            got += 1
            if got >= expected:
                break
    finally:
        # Ends the generator (and with it the gRPC call) now, not at exit.
        await acks.aclose()  # type: ignore[attr-defined]
    if got < expected:
        msg = f"publish_bulk ended after {got} of {expected} acks"
        raise RuntimeError(msg)


# ---------------------------------------------------------------- commands


async def cmd_publish(args: argparse.Namespace) -> None:
    values = values_of(args.values_hex)
    async with LiftbridgeClient(
        brokers_of(args.brokers),
        compression_method=args.compression,
        compression_threshold=args.threshold,
    ) as client:
        if args.create:
            await ensure_stream(client, args.stream)
        requests = [
            client.get_publish_request(
                v, stream=args.stream, partition=0, ack_policy=AckPolicy.LEADER,
                correlation_id=f"gufo-{i}", auto_compress=True,
            )
            for i, v in enumerate(values)
        ]
        await await_acks(client, requests, len(requests), wait=True)


async def read_messages(args: argparse.Namespace, on_message: Any) -> None:
    """Reads args.count messages from EARLIEST; a timeout says how far it got."""
    seen = 0

    async def read() -> None:
        nonlocal seen
        async with LiftbridgeClient(brokers_of(args.brokers)) as client:
            sub = client.subscribe(
                args.stream, partition=0, start_position=StartPosition.EARLIEST
            )
            try:
                if args.count > 0:
                    async for msg in sub:
                        on_message(msg)
                        seen += 1
                        if seen >= args.count:
                            break
            finally:
                await sub.aclose()  # type: ignore[attr-defined]

    try:
        await asyncio.wait_for(read(), args.timeout)
    except asyncio.TimeoutError:
        msg = f"timed out after {args.timeout:g} s with {seen} of {args.count} messages"
        raise RuntimeError(msg) from None


async def cmd_read(args: argparse.Namespace) -> None:
    def show(msg: Any) -> None:
        emit({
            "offset": int(msg.offset),
            "value_hex": bytes(msg.value).hex(),
            "headers": {str(k): bytes(v).hex() for k, v in dict(msg.headers).items()},
        })

    await read_messages(args, show)


def cmd_compress(args: argparse.Namespace) -> None:
    sys.stdout.write(compress(bytes.fromhex(args.hex), args.method).hex() + "\n")


def cmd_decompress(args: argparse.Namespace) -> None:
    sys.stdout.write(decompress(bytes.fromhex(args.hex), args.method).hex() + "\n")


def cmd_version(args: argparse.Namespace) -> None:
    params = inspect.signature(LiftbridgeClient.__init__).parameters
    emit({
        "gufoLiftbridge": gufo_version,
        "encodingHeader": params["encoding_header"].default,
    })


def result(workload: str, count: int, size: int, seconds: float, cpu: float,
           latencies: Optional[List[float]], extra: Dict[str, Any]) -> Dict[str, Any]:
    lat = sorted(latencies) if latencies else []
    return {
        "client": "gufo",
        "workload": workload,
        "messages": count,
        "bytes": count * size,
        "seconds": round(seconds, 4),
        "msgsPerSec": round(count / seconds, 1) if seconds > 0 else None,
        "mbPerSec": round(count * size / seconds / 1e6, 3) if seconds > 0 else None,
        "latencyP50Ms": percentile(lat, 0.50),
        "latencyP99Ms": percentile(lat, 0.99),
        "cpuSeconds": round(cpu, 3),
        "peakRssMb": peak_rss_mb(),
        **extra,
    }


async def cmd_bench_bulk(args: argparse.Namespace) -> None:
    count, size, window, warmup = args.count, args.size, args.inflight, args.warmup
    payload_pool = [bytes([i % 256]) * size for i in range(64)]
    async with LiftbridgeClient(brokers_of(args.brokers)) as client:
        if args.create:
            await ensure_stream(client, args.stream)

        def make(n: int, prefix: str) -> List[Any]:
            # Pre-generated requests: the run measures sending, not building.
            return [
                client.get_publish_request(
                    payload_pool[i % len(payload_pool)], stream=args.stream, partition=0,
                    ack_policy=AckPolicy.LEADER, correlation_id=f"{prefix}{i}",
                )
                for i in range(n)
            ]

        async def run(requests: List[Any], latencies: Optional[List[float]]) -> None:
            sent: Dict[str, float] = {}

            def on_ack(ack: Any) -> None:
                t = sent.pop(ack.correlationId, None)
                if latencies is not None and t is not None:
                    latencies.append((time.perf_counter() - t) * 1000.0)

            if window <= 0:
                # gufo's own way: one synchronous iterable, wait=True.
                def feed() -> Iterator[Any]:
                    for r in requests:
                        sent[r.correlationId] = time.perf_counter()
                        yield r

                await await_acks(client, feed(), len(requests), wait=True, on_ack=on_ack)
                return
            # Sliding window of `window` unacked requests: gufo's publish_bulk
            # has no such option, so an async iterator (wait=False) holds
            # back the next request until an ack frees a slot.
            slots = asyncio.Semaphore(window)

            async def afeed() -> AsyncIterator[Any]:
                for r in requests:
                    await slots.acquire()
                    sent[r.correlationId] = time.perf_counter()
                    yield r

            def on_ack_windowed(ack: Any) -> None:
                on_ack(ack)
                slots.release()

            await await_acks(client, afeed(), len(requests), wait=False, on_ack=on_ack_windowed)

        warm = make(warmup, "w")
        measured = make(count, "m")
        if warm:
            await run(warm, None)
        latencies: List[float] = []
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        await run(measured, latencies)
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    mode = f"sliding window {window}" if window > 0 else "publish_bulk(wait=True), gRPC-bounded"
    emit(result("pub-bulk", count, size, seconds, cpu, latencies,
                {"inflight": window, "warmup": warmup, "mode": mode}))


async def cmd_bench_sub(args: argparse.Namespace) -> None:
    state = {"bytes": 0}

    def count_bytes(msg: Any) -> None:
        state["bytes"] += len(msg.value)

    cpu0, t0 = cpu_seconds(), time.perf_counter()
    await read_messages(args, count_bytes)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    out = result("sub", args.count, 0, seconds, cpu, None, {})
    out["bytes"] = state["bytes"]
    out["mbPerSec"] = round(state["bytes"] / seconds / 1e6, 3) if seconds > 0 else None
    emit(out)


# ------------------------------------------------------------------- main


class Parser(argparse.ArgumentParser):
    """Usage errors exit 1 like every other failure (argparse's own is 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(1)


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="gufo_peer", description="gufo-liftbridge peer")
    sub = p.add_subparsers(dest="command", required=True)

    def with_brokers(name: str, help_text: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_text)
        sp.add_argument("--brokers", required=True, help="host:port[,host:port]")
        return sp

    sp = with_brokers("publish", "publish values compressed by gufo")
    sp.add_argument("--stream", required=True)
    sp.add_argument("--values-hex", required=True, help="h1,h2,... (hex; empty = empty value)")
    sp.add_argument("--compression", choices=METHODS, default=None)
    sp.add_argument("--threshold", type=int, default=0)
    sp.add_argument("--create", action="store_true", help="create the stream if missing")
    sp.set_defaults(run=cmd_publish)

    sp = with_brokers("read", "read N messages from EARLIEST as JSON lines")
    sp.add_argument("--stream", required=True)
    sp.add_argument("--count", type=int, required=True)
    sp.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    sp.set_defaults(run=cmd_read)

    for name, fn in (("compress", cmd_compress), ("decompress", cmd_decompress)):
        sp = sub.add_parser(name, help=f"{name} with gufo's compressor module")
        sp.add_argument("--brokers", default=None, help="ignored (no server needed)")
        sp.add_argument("--method", choices=METHODS, required=True)
        sp.add_argument("--hex", required=True)
        sp.set_defaults(run=fn)

    sp = sub.add_parser("version", help="gufo-liftbridge version and defaults, as JSON")
    sp.add_argument("--brokers", default=None, help="ignored (no server needed)")
    sp.set_defaults(run=cmd_version)

    sp = with_brokers("bench-bulk", "acked bulk publish benchmark")
    sp.add_argument("--stream", required=True)
    sp.add_argument("--count", type=int, required=True)
    sp.add_argument("--size", type=int, default=256)
    sp.add_argument("--inflight", type=int, default=256,
                    help="unacked requests at most; 0: gufo's publish_bulk(wait=True) as is")
    sp.add_argument("--warmup", type=int, default=0)
    sp.add_argument("--create", action="store_true", help="create the stream if missing")
    sp.set_defaults(run=cmd_bench_bulk)

    sp = with_brokers("bench-sub", "catch-up subscribe benchmark")
    sp.add_argument("--stream", required=True)
    sp.add_argument("--count", type=int, required=True)
    sp.add_argument("--timeout", type=float, default=300.0, help="seconds (default 300)")
    sp.set_defaults(run=cmd_bench_sub)
    return p


def main() -> int:
    args = parser().parse_args()
    try:
        if asyncio.iscoroutinefunction(args.run):
            asyncio.run(args.run(args))
        else:
            args.run(args)
    except asyncio.TimeoutError:
        sys.stderr.write(f"gufo_peer {args.command}: timed out\n")
        return 1
    except Exception as e:  # noqa: BLE001 - every failure is reported the same way
        sys.stderr.write(f"gufo_peer {args.command}: {type(e).__name__}: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
