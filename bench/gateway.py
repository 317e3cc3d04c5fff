"""Figure 9: a query item through the channel gateway with the whole envelope, beside the same read without it, in the
same run (issue 9: "verified requests per second through the gateway beside the same item called without the
envelope").

The item is 68 参保险种 about the sandbox's `person` (tools/ybj_dev/sandbox.py seeds the sandbox on the bench platform
first, and a channel is admitted through P092 as `make run` admits its demo channel, with a quota above the bench's
rate). Through the gateway (9a) each request is the channel's envelope: business data SM4-CBC encrypted, signed
SM3withSM2, a fresh nonce; the gateway verifies the signature, stores the nonce in PostgreSQL, counts the channel's
minute, decrypts, checks 本人数据 with one read of the query service (GET /api/v1/persons?certno=), and answers with an
envelope it encrypts and signs with the platform's key. Without the envelope (9b) the same read is sent straight to
the query service with the token the gateway itself would send (the channel's identity, roles channel + oversight).

The load generator works like a channel would, but its own cryptography is kept off the clock: SM2 in gmssl is pure
Python and costs the client as much as the gateway, on the same two cores. So requests are sealed in rounds of
`ROUND` before the clock runs (each round is sent well inside the ±300 s timestamp window), the clock runs only while
a round is in flight, and every answer's signature is verified and decrypted after its round. The client's own
costs (seal, verify + decrypt, per request) are measured and reported beside the figure. The two paths take rounds in
turn, so that both meet the same machine: on a shared machine whatever else runs weighs on both alike.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from bench import sysmon
from bench.harness import Bench, BenchError, Progress, say
from bench.http import Client, HttpError
from bench.stats import Figure, latency_summary_ms
from ybj_channel.envelope import ENC_TYPE, EnvelopeError, open_sealed, seal
from ybj_dev import sandbox
from ybj_dev.demo import Seeder, Staff
from ybj_dev.demo_channel import demo_channel
from ybj_kernel.auth import issue_token

ITEM = 68
ROUND = 400  # requests sealed before each timed round
WARM_UP = 20  # untimed requests on each path first (connections, caches, the gateway's query token)
QUOTA = 100_000  # the bench channel's requests a minute (the registry's maximum): never the limit here
ERROR_BUDGET = 0.01
Request = tuple[str, str, Any, dict[str, str]]  # method, path, JSON body or None, headers


@dataclass
class Flow:
    """What the clients saw on one path: latencies, answers (to check after the clock), time on the clock, errors."""

    latencies: list[float] = field(default_factory=list)
    answers: list[bytes] = field(default_factory=list)
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    first_error: str = ""

    def fail(self, key: str, text: str) -> None:
        """Count one failed request; too many abort the figure."""
        self.errors[key] = self.errors.get(key, 0) + 1
        self.first_error = self.first_error or f"{key}: {text[:300]}"
        failed = sum(self.errors.values())
        if failed > 20 and failed > ERROR_BUDGET * (failed + len(self.latencies)):
            raise BenchError(f"{failed} requests failed, first: {self.first_error}")

    @property
    def rate(self) -> float:
        """Successful requests a second on the clock."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0


@dataclass
class CpuTotals:
    """CPU and wall time summed over the rounds (the clock's time only)."""

    wall: float = 0.0
    busy: int = 0
    total: int = 0
    groups: dict[str, float] = field(default_factory=dict)

    def add(self, before: sysmon.CpuSnapshot, after: sysmon.CpuSnapshot) -> None:
        """Add one round's CPU."""
        self.wall += after.at - before.at
        self.busy += after.busy - before.busy
        self.total += after.total - before.total
        for name, used in after.groups.items():
            self.groups[name] = self.groups.get(name, 0.0) + max(used - before.groups.get(name, used), 0.0)

    def share(self) -> dict[str, float]:
        """Percent of a core per group over the rounds (sysmon.CpuSampler.share's shape)."""
        start = sysmon.CpuSnapshot(0.0, 0, 0, dict.fromkeys(self.groups, 0.0))
        return sysmon.CpuSampler.share(start, sysmon.CpuSnapshot(self.wall, self.busy, self.total, self.groups))


async def _round(base_url: str, requests: Sequence[Request], concurrency: int, path: Flow) -> None:
    """Send one round with `concurrency` clients on keep-alive connections, recording each answer."""
    queue = iter(requests)
    async with Client(base_url) as client:

        async def worker() -> None:
            for method, url, body, headers in queue:
                t0 = time.perf_counter()
                try:
                    status, answer = await client.request(method, url, body, headers)
                except HttpError as exc:
                    path.fail("connection", str(exc))
                    continue
                if status != 200:
                    path.fail(f"HTTP {status}", answer.decode(errors="replace"))
                    continue
                path.latencies.append(time.perf_counter() - t0)
                path.answers.append(answer)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        path.seconds += time.perf_counter() - started


@dataclass
class Side:
    """One of the two paths: where it sends, how a request is made and an answer checked, and what it measured."""

    base_url: str
    make: Callable[[], Request]
    check: Callable[[bytes], None]
    flow: Flow = field(default_factory=Flow)
    cpu: CpuTotals = field(default_factory=CpuTotals)
    client_cpu: dict[str, float] = field(default_factory=lambda: {"make": 0.0, "check": 0.0})

    def client_ms_per_request(self) -> dict[str, float]:
        """The load generator's CPU ms a request, off the clock: making the request, checking the answer."""
        done = max(len(self.flow.latencies), 1)
        return {k: round(1000 * v / done, 3) for k, v in self.client_cpu.items()}


def _interleaved(bench: Bench, sides: Sequence[Side], total: int, concurrency: int, label: str) -> None:
    """`total` requests on each side, in rounds taken in turn (so that both sides see the same machine, whatever else
    runs on it): each round made (untimed), sent (timed, CPU sampled), its answers checked (untimed)."""
    sampler = bench.sampler()
    progress = Progress(label, total * len(sides))
    sent = 0
    while sent < total:
        size = min(ROUND, total - sent)
        for side in sides:
            t = time.process_time()
            requests = [side.make() for _ in range(size)]
            side.client_cpu["make"] += time.process_time() - t
            answered = len(side.flow.answers)
            before = sampler.snapshot()
            asyncio.run(_round(side.base_url, requests, concurrency, side.flow))
            side.cpu.add(before, sampler.snapshot())
            t = time.process_time()
            for answer in side.flow.answers[answered:]:
                side.check(answer)
            side.client_cpu["check"] += time.process_time() - t
            del side.flow.answers[answered:]  # checked: keep memory flat
            progress.advance(size)
        sent += size
    progress.close()


def _admit_channel(bench: Bench) -> dict[str, Any]:
    """A channel admitted through P092 on the bench platform (the demo channel's application, the bench's quota)."""
    with tempfile.TemporaryDirectory() as folder, httpx.Client(base_url=bench.platform.url(), timeout=30) as http:
        key_file = demo_channel(Seeder(http, Staff(bench.run_dir / "keys")), Path(folder), quota_per_minute=QUOTA)
        keys: dict[str, Any] = json.loads(key_file.read_text(encoding="utf-8"))
    return keys


def figure_gateway(bench: Bench, requests: int, concurrency: int) -> list[Figure]:
    """Figure 9: item 68 through the gateway (envelope) and the same read straight to the query service."""
    say("figure 9: seeding the sandbox and admitting a channel")
    facts = sandbox.seed(bench.platform.url(), bench.token)
    keys = _admit_channel(bench)
    person = facts.people["person"]
    business = {"psn_cert_type": "01", "certno": person["certno"], "psn_name": person["psn_name"]}
    app_id, sm4 = str(keys["app_id"]), bytes.fromhex(keys["sm4_key"])
    private, public, platform_key = str(keys["private_key"]), str(keys["public_key"]), str(keys["platform_public_key"])
    item_path = f"/channel/v1/items/{ITEM}"

    def sealed() -> Request:
        return ("POST", item_path, seal(app_id, business, private, public, sm4, item_no=ITEM), {})

    def opened(answer: bytes) -> None:
        envelope = orjson.loads(answer)
        try:
            got = open_sealed(envelope, platform_key, sm4 if envelope.get("encType") == ENC_TYPE else None)
        except EnvelopeError as exc:
            raise BenchError(f"an answer of the gateway did not verify: {exc}") from exc
        if got.get("psn_name") != person["psn_name"]:
            raise BenchError(f"the gateway answered about someone else: {got}")

    private_pem = (bench.run_dir / "keys" / "jwt-private.pem").read_bytes()
    token = issue_token(private_pem, f"channel:{app_id}", ["channel", "oversight"], "520100")  # as the gateway's
    direct_path = f"/api/v1/persons?certno={quote(person['certno'])}"
    direct_request: Request = ("GET", direct_path, None, {"Authorization": f"Bearer {token}"})

    def read(answer: bytes) -> None:
        if orjson.loads(answer).get("state", {}).get("psn_name") != person["psn_name"]:
            raise BenchError("the query service answered about someone else")

    gateway_url, query_url = bench.platform.url("gateway"), bench.platform.url()
    warm = [Side(gateway_url, sealed, opened), Side(query_url, lambda: direct_request, read)]
    _interleaved(bench, warm, WARM_UP, concurrency, "warm-up")
    gateway, direct = Side(gateway_url, sealed, opened), Side(query_url, lambda: direct_request, read)
    say(
        f"  {requests:,} calls of item {ITEM} through {gateway_url} and as many reads straight to "
        f"{query_url}/api/v1/persons?certno=…, in alternating rounds of {ROUND}, {concurrency} clients"
    )
    _interleaved(bench, [gateway, direct], requests, concurrency, "item 68")
    return _figures(requests, concurrency, gateway, direct)


def _figures(requests: int, concurrency: int, gateway: Side, direct_side: Side) -> list[Figure]:
    enveloped, direct = gateway.flow, direct_side.flow
    cpu_a, cpu_b = gateway.cpu.share(), direct_side.cpu.share()
    client_a, client_b = gateway.client_ms_per_request(), direct_side.client_ms_per_request()
    rate_a, rate_b = enveloped.rate, direct.rate
    lat_a, lat_b = latency_summary_ms(enveloped.latencies), latency_summary_ms(direct.latencies)
    ratio = rate_a / rate_b if rate_b else float("nan")
    say(
        f"  gateway {rate_a:,.0f}/s (p50 {lat_a['p50_ms']} / p99 {lat_a['p99_ms']} ms), "
        f"direct {rate_b:,.0f}/s (p50 {lat_b['p50_ms']} / p99 {lat_b['p99_ms']} ms), ratio {ratio:.2f}"
    )
    detail = {
        "item": ITEM,
        "requests": requests,
        "concurrency": concurrency,
        "through_gateway": {
            "requests_per_s": round(rate_a, 1),
            "seconds_on_clock": round(enveloped.seconds, 2),
            "latency": lat_a,
            "errors": enveloped.errors,
            "first_error": enveloped.first_error,
            "cpu_during_rounds": cpu_a,
            "cpu_ms_per_request": sysmon.cpu_ms_per_unit(cpu_a, rate_a),
            "client_cpu_ms_off_the_clock": {
                "seal_per_request": client_a["make"],
                "verify_and_decrypt_answer_per_request": client_a["check"],
            },
        },
        "direct_to_query_service": {
            "requests_per_s": round(rate_b, 1),
            "seconds_on_clock": round(direct.seconds, 2),
            "latency": lat_b,
            "errors": direct.errors,
            "first_error": direct.first_error,
            "cpu_during_rounds": cpu_b,
            "cpu_ms_per_request": sysmon.cpu_ms_per_unit(cpu_b, rate_b),
            "client_cpu_ms_off_the_clock": {"parse_answer_per_request": client_b["check"]},
        },
    }
    return [
        Figure(
            "9a",
            f"item {ITEM} through the gateway, full envelope ({concurrency} clients)",
            round(rate_a, 1),
            "requests/s",
            f"{rate_a:,.0f}/s",
            "none (ratio to the read without it)",
            None,
            limit=round(rate_b, 1),
            limit_name="the same read, no envelope",
            ratio=round(ratio, 3),
            detail=detail,
        ),
        Figure(
            "9b",
            f"item {ITEM} latency: gateway / straight to the query service",
            lat_a["p99_ms"],
            "ms p99",
            f"p50 {lat_a['p50_ms']:.1f} / p99 {lat_a['p99_ms']:.1f} ms · p50 {lat_b['p50_ms']:.1f} / "
            f"p99 {lat_b['p99_ms']:.1f} ms",
            "none",
            None,
            detail={"see": "9a"},
        ),
    ]
