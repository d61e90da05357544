"""`studybot bench load`: many members answering quiz questions and submitting code at once,
on PostgreSQL, with real `studybot worker` processes grading in the real sandbox.

The bench process is the chat side: it drives `App.handle` with console invocations (the
path every adapter takes) and delivers the outbox with a Dispatcher whose console sender
only counts. Phases, all on a fresh database that is dropped at the end:

1. start the workers (concurrency 1 each) and warm them: one slow job each, sent together,
   so that every worker pays its sandbox cold start before anything is timed;
2. every member starts a personal quiz (timed apart from the answers);
3. the load: answers and submissions at steady arrival rates over `--seconds`;
4. wait for every accepted submission's result, then count what was lost or doubled;
5. scaling: a burst of submissions graded by all the workers, then (after stopping all but
   one with SIGTERM) the same burst graded by one; the ratio of the two rates.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import random
import re
import signal
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module for every command: load the bot lazily
    from bot.app import App
    from bot.delivery import Dispatcher
    from bot.settings import Settings
    from handlers.types import Reply
    from models.tables import OutboxMessage

log = logging.getLogger(__name__)

DEFAULT_SERVER = os.environ.get(
    "STUDYBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
PLATFORM, WORKSPACE, CHANNEL = "console", "local", "console"
EXERCISE = "softmax"
SOFTMAX = """import torch

def softmax(X):
    e = torch.exp(X - X.max(dim=1, keepdim=True).values)
    return e / e.sum(dim=1, keepdim=True)
"""
# Busy for about a second in the sandbox: a worker grading it can't take the other warm-up
# job, so each worker gets one (concurrency 1).
WARM_UP_CODE = "for _ in range(15_000_000):\n    pass\n" + SOFTMAX
DELIVERY_POLL_SECONDS = 0.2  # how often the bench's dispatcher looks for results
# Submissions waiting at once in a scaling burst: under the handler's MAX_QUEUE (50).
BURST_WINDOW = 40
START_CONCURRENCY = 16  # quiz starts in flight at once (the set-up phase, not the load)
_SUBMISSION_ID = re.compile(r"Grading submission #(\d+)")


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    benches: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    parser = benches.add_parser(
        "load",
        help="PostgreSQL: members answering quizzes and submitting code, graded by workers",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER,
        help="a PostgreSQL database to connect to; the bench creates (and drops) its own "
        "database on that server (default: %(default)s)",
    )
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--answers", type=int, default=1000, help="quiz answers in the load")
    parser.add_argument("--submissions", type=int, default=200, help="submissions in the load")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load lasts")
    parser.add_argument("--workers", type=int, default=2, help="`studybot worker` processes")
    parser.add_argument(
        "--burst",
        type=int,
        default=200,
        help="submissions per scaling burst (all workers, then one); 0 skips it",
    )
    parser.add_argument(
        "--drain-seconds", type=float, default=300.0, help="how long to wait for results"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the answers' choices")
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="skip the gc.freeze() the bot does once it is up (bot.app.freeze_heap): shows "
        "what the collector's full passes add to the latency tail",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.members < 1 or args.workers < 1 or args.seconds <= 0:
        print("studybot: --members, --workers and --seconds must be positive", file=sys.stderr)
        return 2
    options = Options(
        server_url=args.database_url,
        members=args.members,
        answers=args.answers,
        submissions=args.submissions,
        seconds=args.seconds,
        workers=args.workers,
        burst=args.burst,
        drain_seconds=args.drain_seconds,
        seed=args.seed,
        gc_freeze=args.gc_freeze,
    )
    result = asyncio.run(bench(args.settings, options))
    print(_summary(result), file=sys.stderr)
    print(json.dumps(result))
    ok = result["lost"] == 0 and result["duplicates"] == 0 and result["worker_exit_codes_ok"]
    return 0 if ok else 1


@dataclass(frozen=True)
class Options:
    server_url: str
    members: int = 500
    answers: int = 1000
    submissions: int = 200
    seconds: float = 60.0
    workers: int = 2
    burst: int = 100
    drain_seconds: float = 300.0
    seed: int = 1
    gc_freeze: bool = True


# -- the chat side's instruments ----------------------------------------------------------


class CountingSender:
    """The console's sender, reduced to counting: when each outbox key was delivered."""

    def __init__(self) -> None:
        self.deliveries: dict[str, list[float]] = defaultdict(list)
        self.passed: set[str] = set()
        self.changed = asyncio.Event()

    async def send(self, message: OutboxMessage, reply: Reply, *, direct: bool) -> str | None:
        self.deliveries[message.key].append(time.time())
        if message.key.startswith("result:") and (reply.title or "").startswith("✅"):
            self.passed.add(message.key)
        self.changed.set()
        return f"bench:{message.id}"

    def delivered(self, submission_id: int) -> float | None:
        times = self.deliveries.get(f"result:{submission_id}")
        return times[0] if times else None


@dataclass
class Tally:
    """What the members were told, as the bench saw it."""

    answer_ms: list[float] = field(default_factory=list)
    start_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    answers_accepted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    answers_unreadable: int = 0
    answers_other: list[str] = field(default_factory=list)
    accepted: dict[int, float] = field(default_factory=dict)  # submission id → when (epoch s)
    refused: int = 0  # the queue was full (MAX_QUEUE): the member is told to retry
    rejected: list[str] = field(default_factory=list)  # any other refusal (a bug here)
    late_offers: int = 0  # events the generator offered more than 100 ms behind schedule


class Members:
    """One console member each; their open question card, their commands in order."""

    def __init__(self, app: App, prefix: str, count: int) -> None:
        self.app = app
        self.names = [f"{prefix}{i:04d}" for i in range(count)]
        self.cards: dict[str, Reply] = {}
        self.locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def say(self, name: str, text: str) -> tuple[list[Reply], float]:
        from handlers.types import Invocation

        invocation = Invocation(
            platform=PLATFORM,
            workspace_id=WORKSPACE,
            channel_id=CHANNEL,
            user_id=name,
            user_name=name,
            text=text,
        )
        began = time.perf_counter()
        replies = await self.app.handle(invocation)
        return replies, (time.perf_counter() - began) * 1000


def _question_card(replies: list[Reply]) -> Reply | None:
    for reply in replies:
        if (reply.title or "").startswith("Quiz · question"):
            return reply
    return None


def _answer_text(card: Reply, rng: random.Random) -> str:
    """What a member would answer through the question's controls: a button, ticked boxes
    (or a menu) and Submit, or a number typed into the answer form (within its range)."""
    if card.choices:
        return rng.choice(card.choices).command
    if card.picker is not None:
        picked = rng.sample(card.picker.options, rng.randint(1, len(card.picker.options)))
        return card.picker.command.replace("{picked}", " ".join(o.value for o in picked))
    box = card.answer_box
    value = rng.choice(["0.5", "1/3", "0.25"])
    if box is None:
        return f"answer {value}"
    if box.low is not None and box.high is not None:  # a number the form accepts
        value = f"{box.low + (box.high - box.low) * rng.random():.4g}"
    return box.command_for(value)


# -- phases ---------------------------------------------------------------------------------


async def start_quizzes(members: Members, tally: Tally, questions: int) -> None:
    gate = asyncio.Semaphore(START_CONCURRENCY)

    async def one(index: int, name: str) -> None:
        topic = ("probability", "optimization")[index % 2]
        async with gate:
            replies, ms = await members.say(name, f"quiz {topic} {questions}")
        tally.start_ms.append(ms)
        card = _question_card(replies)
        if card is None:
            raise RuntimeError(f"{name} could not start a quiz: {replies[0].text[:200]}")
        members.cards[name] = card

    await asyncio.gather(*(one(i, n) for i, n in enumerate(members.names)))


async def answer(members: Members, tally: Tally, name: str, rng: random.Random) -> None:
    async with members.locks[name]:  # one member's answers in order, like a person
        card = members.cards.get(name)
        if card is None:
            tally.answers_other.append("no open question")
            return
        replies, ms = await members.say(name, _answer_text(card, rng))
    tally.answer_ms.append(ms)
    head = replies[0].text if replies else ""
    if head.startswith(("✅", "❌", "⏰")):
        tally.answers_accepted[name] += 1
    elif "still open" in head:
        tally.answers_unreadable += 1
    else:
        tally.answers_other.append(head[:200])
    members.cards[name] = _question_card(replies) or card


async def submit(members: Members, tally: Tally, name: str, code: str = SOFTMAX) -> None:
    replies, ms = await members.say(name, f"submit {EXERCISE}\n```python\n{code}```")
    tally.submit_ms.append(ms)
    text = replies[0].text if replies else ""
    found = _SUBMISSION_ID.search(text)
    if found is not None:
        tally.accepted[int(found[1])] = time.time()
    elif "graders are busy" in text:
        tally.refused += 1
    else:
        tally.rejected.append(text[:200])


Event = Callable[[], Coroutine[Any, Any, None]]


async def offer(events: list[tuple[float, Event]], tally: Tally) -> float:
    """Start each event at its time (seconds from now) without waiting for earlier ones;
    return how long offering took."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    tasks: list[asyncio.Task[None]] = []
    for at, event in sorted(events, key=lambda e: e[0]):
        delay = began + at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.1:
            tally.late_offers += 1
        tasks.append(asyncio.create_task(event()))
    offered = loop.time() - began
    await asyncio.gather(*tasks)
    return offered


async def wait_for_results(sender: CountingSender, ids: list[int], within: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while any(sender.delivered(i) is None for i in ids):
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        sender.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sender.changed.wait(), min(remaining, 1.0))
    return True


async def burst(
    app: App, sender: CountingSender, label: str, count: int, within: float, workers: Workers
) -> dict[str, Any]:
    """`count` submissions from new members, keeping the queue full (refilled to
    BURST_WINDOW whenever half of it is graded) so the workers never wait; graded per
    second, from the first accepted to the last result row written by a worker."""
    members = Members(app, f"{label}-", count)
    tally = Tally()
    cpu = CpuMeter([p.pid for p in workers.processes if p.returncode is None])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    sent = 0
    drained = True
    while True:
        waiting = sum(1 for i in tally.accepted if sender.delivered(i) is None)
        if sent < count and waiting <= BURST_WINDOW // 2:
            batch = members.names[sent : sent + BURST_WINDOW - waiting]
            sent += len(batch)
            await asyncio.gather(*(submit(members, tally, n) for n in batch))
            continue
        if sent >= count and waiting == 0:
            break
        if loop.time() > deadline:
            drained = False
            break
        sender.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sender.changed.wait(), 1.0)
    created = await _result_rows(app, sorted(tally.accepted))
    first = min(tally.accepted.values(), default=0.0)
    last = max(created.values(), default=first)
    seconds = max(last - first, 1e-9)
    return {
        "submitted": count,
        "accepted": len(tally.accepted),
        "refused": tally.refused + len(tally.rejected),
        "drained": drained,
        "seconds": round(seconds, 2),
        "graded_per_s": round(len(created) / seconds, 2) if created else 0.0,
        # a ratio below the worker count with the machine near 100 % busy means the
        # cores, shared with PostgreSQL and this process, are what limits it
        "cpu": {k: v for k, v in cpu.read().items() if k.endswith("_pct")},
    }


class CpuMeter:
    """CPU use over a phase: the whole machine's, this process's and the workers' (with
    their sandboxes), so a noisy neighbour on a shared machine shows in the numbers."""

    def __init__(self, worker_pids: list[int]) -> None:
        self.worker_pids = worker_pids
        self.began = time.perf_counter()
        self.machine = _machine_busy()
        self.own = time.process_time()
        self.workers = _tree_cpu(worker_pids)
        self.load = os.getloadavg()[0]

    def read(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.began
        busy, total = _machine_busy()
        workers = _tree_cpu(self.worker_pids) - self.workers
        cores = os.cpu_count() or 1
        return {
            "cores": cores,
            "load_1m_before": round(self.load, 2),
            "load_1m_after": round(os.getloadavg()[0], 2),
            # busy share of all cores during the load (100 = every core busy)
            "busy_pct": round(100 * (busy - self.machine[0]) / max(total - self.machine[1], 1), 1),
            # of one core
            "bench_process_cpu_pct": round(100 * (time.process_time() - self.own) / wall, 1),
            "workers_cpu_pct": round(100 * workers / wall, 1),  # with their sandboxes
        }


def _machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies over all cores since boot, from /proc/stat (Linux)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def _tree_cpu(roots: list[int]) -> float:
    """Seconds of CPU of processes `roots` and all their descendants alive now (sandboxes
    included; exited ones count in their parent's children time once reaped). Linux only."""
    stats: dict[int, tuple[int, float]] = {}  # pid → (parent pid, CPU seconds)
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        # After "pid (comm)": state ppid ... utime stime cutime cstime are fields 2 and 12-15.
        stats[int(entry.name)] = (int(fields[1]), sum(int(v) for v in fields[11:15]) / tick)
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, _) in stats.items():
        children[parent].append(pid)
    total, todo = 0.0, [pid for pid in roots if pid in stats]
    while todo:
        pid = todo.pop()
        total += stats[pid][1]
        todo.extend(children[pid])
    return total


# -- workers ----------------------------------------------------------------------------------


class Workers:
    """`studybot worker` child processes with their logs in files."""

    def __init__(self, database_url: str, folder: Path) -> None:
        self.database_url = database_url
        self.folder = folder
        self.processes: list[asyncio.subprocess.Process] = []
        self.exit_codes: list[int | None] = []

    async def start(self, count: int) -> None:
        env = {
            **os.environ,
            "STUDYBOT_DATABASE_URL": self.database_url,
            "STUDYBOT_GRADING__CONCURRENCY": "1",  # scaling by processes, on a 2-core machine
            "STUDYBOT_LOG_LEVEL": "INFO",  # each graded job is a log line: counted per worker
        }
        for index in range(len(self.processes), len(self.processes) + count):
            log_file = (self.folder / f"worker-{index}.log").open("wb")
            with log_file:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot.cli",
                    "worker",
                    env=env,
                    cwd=self.folder,  # no stray .env
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=log_file,
                )
            self.processes.append(process)

    async def wait_registered(self, app: App, count: int, within: float = 120.0) -> None:
        from sqlalchemy import text

        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            async with app.engine.connect() as connection:
                registered = await connection.scalar(
                    text("SELECT count(*) FROM procrastinate_workers")
                )
            if registered == count:
                return
            if any(p.returncode is not None for p in self.processes):
                raise RuntimeError(f"a worker exited early; see {self.folder}")
            if loop.time() > deadline:
                raise RuntimeError(f"{registered} of {count} workers registered in {within} s")
            await asyncio.sleep(0.2)

    async def stop(self, keep: int = 0) -> None:
        """SIGTERM every worker after the first `keep`; they finish the job in hand."""
        for process in self.processes[keep:]:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes[keep:]:
            try:
                code = await asyncio.wait_for(process.wait(), 60)
            except TimeoutError:
                process.kill()
                code = await process.wait()
            self.exit_codes.append(code)
        del self.processes[keep:]

    def graded_per_worker(self) -> list[int]:
        return [
            p.read_text(errors="replace").count("bot.worker: graded submission")
            for p in sorted(self.folder.glob("worker-*.log"))
        ]

    def errors(self) -> int:
        return sum(
            p.read_text(errors="replace").count("Traceback")
            for p in self.folder.glob("worker-*.log")
        )


# -- the run ----------------------------------------------------------------------------------


async def bench(base: Settings, options: Options) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="studybot-bench-") as tmp:
        async with fresh_database(options.server_url) as url:
            return await _bench(base, options, url, Path(tmp))


async def _bench(base: Settings, o: Options, url: str, folder: Path) -> dict[str, Any]:
    from bot.app import App, freeze_heap
    from bot.delivery import Dispatcher

    settings = base.model_copy(update={"database_url": url, "workers": 0})
    app = await App.create(settings)
    await app.bind_channel(PLATFORM, WORKSPACE, CHANNEL)
    sender = CountingSender()
    dispatcher = Dispatcher(app.services, {PLATFORM: sender})
    workers = Workers(url, folder)
    stop_delivery = asyncio.Event()
    delivery = asyncio.create_task(_deliver(dispatcher, stop_delivery))
    try:
        began = time.perf_counter()
        await workers.start(o.workers)
        await workers.wait_registered(app, o.workers)
        started_s = time.perf_counter() - began

        # Warm-up: one slow job per worker, all at once (each worker holds one).
        began = time.perf_counter()
        warm = Members(app, "warm-", o.workers)
        warm_tally = Tally()
        await asyncio.gather(*(submit(warm, warm_tally, n, WARM_UP_CODE) for n in warm.names))
        if not await wait_for_results(sender, sorted(warm_tally.accepted), 180):
            raise RuntimeError("the warm-up submissions were not graded within 180 s")
        warm_s = time.perf_counter() - began
        warm_spread = workers.graded_per_worker()

        # Every member opens a quiz with a question more than they will answer.
        members = Members(app, "member-", o.members)
        tally = Tally()
        per_member = math.ceil(o.answers / o.members)
        began = time.perf_counter()
        await start_quizzes(members, tally, min(20, per_member + 1))
        starts_s = time.perf_counter() - began
        if o.gc_freeze:  # as the bot does once it is up
            freeze_heap()

        # The load: steady arrivals of answers and submissions, interleaved.
        rng = random.Random(o.seed)
        names = members.names
        events: list[tuple[float, Event]] = []
        for i in range(o.answers):
            name = names[i % len(names)]
            events.append((i * o.seconds / o.answers, partial(answer, members, tally, name, rng)))
        for j in range(o.submissions):
            # Spread over the members (distinct ones while there are enough).
            name = names[(j * 7 + 3) % len(names)]
            events.append((j * o.seconds / o.submissions, partial(submit, members, tally, name)))
        cpu = CpuMeter([p.pid for p in workers.processes])
        offered_s = await offer(events, tally)
        load_done = time.time()
        machine = cpu.read()

        ids = sorted(tally.accepted)
        drained = await wait_for_results(sender, ids, o.drain_seconds)
        drain_s = time.time() - load_done
        await asyncio.sleep(2 * DELIVERY_POLL_SECONDS)  # a second delivery would show by now
        created = await _result_rows(app, ids)
        stored = await _answers_stored(app, names)

        # Scaling: the same burst, graded by every worker, then by one.
        scaling: dict[str, Any] = {}
        if o.burst > 0:
            timeout = o.drain_seconds
            scaling[str(o.workers)] = await burst(
                app, sender, f"burst{o.workers}", o.burst, timeout, workers
            )
            if o.workers > 1:
                await workers.stop(keep=1)
                scaling["1"] = await burst(app, sender, "burst1", o.burst, timeout, workers)
        graded_per_worker = workers.graded_per_worker()
        await workers.stop()
        worker_errors = workers.errors()
    finally:
        stop_delivery.set()
        await delivery
        await workers.stop()
        await app.close()

    # -- the tally --------------------------------------------------------------------------
    answers_accepted = sum(tally.answers_accepted.values())
    answers_lost = sum(
        max(0, n - stored.get(name, 0)) for name, n in tally.answers_accepted.items()
    )
    answers_doubled = sum(
        max(0, stored.get(name, 0) - tally.answers_accepted.get(name, 0)) for name in names
    )
    missing = [i for i in ids if sender.delivered(i) is None]
    doubled = sum(len(times) - 1 for times in sender.deliveries.values() if len(times) > 1)
    to_delivery = [
        (delivered - tally.accepted[i]) * 1000
        for i in ids
        if (delivered := sender.delivered(i)) is not None
    ]
    to_row = [(created[i] - tally.accepted[i]) * 1000 for i in ids if i in created]
    first_accepted = min(tally.accepted.values(), default=0.0)
    last_result = max((created[i] for i in ids if i in created), default=first_accepted)
    window = max(last_result - first_accepted, 1e-9)
    single = scaling.get("1", {}).get("graded_per_s")
    several = scaling.get(str(o.workers), {}).get("graded_per_s")
    return {
        "bench": "load",
        "database": "postgresql",
        "members": o.members,
        "seconds": o.seconds,
        "workers": o.workers,
        "worker_concurrency": 1,
        "exercise": EXERCISE,
        "gc_freeze": o.gc_freeze,
        "answers": {
            "offered": o.answers,
            "accepted": answers_accepted,
            "unreadable": tally.answers_unreadable,
            "other": len(tally.answers_other),
            "other_sample": tally.answers_other[:3],
            "lost": answers_lost,
            "duplicates": answers_doubled,
            "latency_p50_ms": _pct(tally.answer_ms, 50),
            "latency_p99_ms": _pct(tally.answer_ms, 99),
            "latency_max_ms": _pct(tally.answer_ms, 100),
        },
        "submissions": {
            "offered": o.submissions,
            "accepted": len(ids),
            "refused_queue_full": tally.refused,
            "rejected": len(tally.rejected),
            "rejected_sample": tally.rejected[:3],
            "results_delivered": len(ids) - len(missing),
            "results_passed": sum(1 for i in ids if f"result:{i}" in sender.passed),
            "lost": len(missing),
            "duplicates": doubled,
            "reply_latency_p50_ms": _pct(tally.submit_ms, 50),
            "reply_latency_p99_ms": _pct(tally.submit_ms, 99),
            # accepted reply → the worker's outbox row / → delivered by the bench's dispatcher
            # (which polls every DELIVERY_POLL_SECONDS)
            "to_result_row_p50_ms": _pct(to_row, 50),
            "to_result_row_p99_ms": _pct(to_row, 99),
            "to_result_delivered_p50_ms": _pct(to_delivery, 50),
            "to_result_delivered_p99_ms": _pct(to_delivery, 99),
            "drained": drained,
            "drain_after_load_s": round(drain_s, 1),
        },
        "lost": answers_lost + len(missing),
        "duplicates": answers_doubled + doubled,
        "answer_latency_p50_ms": _pct(tally.answer_ms, 50),
        "answer_latency_p99_ms": _pct(tally.answer_ms, 99),
        "submission_to_result_p50_ms": _pct(to_delivery, 50),
        "submission_to_result_p99_ms": _pct(to_delivery, 99),
        "worker_throughput_per_s": round(len(created) / window, 2) if created else 0.0,
        "scaling": scaling,
        "throughput_ratio_2_vs_1": (
            round(several / single, 2) if o.workers == 2 and single and several else None
        ),
        "quiz_start_latency_p50_ms": _pct(tally.start_ms, 50),
        "quiz_start_latency_p99_ms": _pct(tally.start_ms, 99),
        "phases_s": {
            "workers_start": round(started_s, 1),
            "warm_up": round(warm_s, 1),
            "quiz_starts": round(starts_s, 1),
            "offering": round(offered_s, 1),
        },
        "late_offers": tally.late_offers,
        "cpu_during_load": machine,
        "warm_up_jobs_per_worker": warm_spread,
        "graded_per_worker": graded_per_worker,
        "worker_errors": worker_errors,
        "worker_exit_codes": workers.exit_codes,
        "worker_exit_codes_ok": all(code == 0 for code in workers.exit_codes),
    }


async def _deliver(dispatcher: Dispatcher, stop: asyncio.Event) -> None:
    """The bot process's delivery of worker-written results (as the console polls them)."""
    while not stop.is_set():
        try:
            await dispatcher.run_once(plan=False)
        except Exception:  # a failed sweep is retried by the next one, as in the bot
            log.warning("delivery sweep failed", exc_info=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), DELIVERY_POLL_SECONDS)
    await dispatcher.run_once(plan=False)


async def _result_rows(app: App, ids: list[int]) -> dict[int, float]:
    """When the workers wrote each submission's result message (epoch seconds)."""
    from sqlalchemy import select

    from models.tables import OutboxMessage

    keys = [f"result:{i}" for i in ids]
    async with app.services.sessions() as db:
        rows = await db.execute(
            select(OutboxMessage.key, OutboxMessage.created_at).where(OutboxMessage.key.in_(keys))
        )
        return {int(key.split(":", 1)[1]): created.timestamp() for key, created in rows.all()}


async def _answers_stored(app: App, names: list[str]) -> dict[str, int]:
    """Answered quiz attempts per member name, as the database has them."""
    from sqlalchemy import func, select

    from models.tables import Identity, QuizAttempt

    async with app.services.sessions() as db:
        rows = await db.execute(
            select(Identity.user_id, func.count(QuizAttempt.id))
            .join(QuizAttempt, QuizAttempt.member_id == Identity.member_id)
            .where(
                Identity.platform == PLATFORM,
                Identity.user_id.in_(names),
                QuizAttempt.answered_at.is_not(None),
            )
            .group_by(Identity.user_id)
        )
        return {name: int(count) for name, count in rows.all()}


@contextlib.asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """A new database on the server of `server_url`, dropped afterwards."""
    from sqlalchemy import make_url, text
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    server = make_url(server_url).set(drivername="postgresql+asyncpg")
    if not server_url.startswith(("postgresql", "postgres://")):
        raise SystemExit("studybot: bench load needs a postgresql+asyncpg:// URL")
    name = f"studybot_bench_{uuid.uuid4().hex[:12]}"

    async def admin(statement: str) -> None:
        # CREATE/DROP DATABASE can't run inside a transaction.
        engine = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    await admin(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pct(values: list[float], pct: float) -> float:
    """Nearest-rank percentile, in the unit given, to 0.1."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return round(ordered[index], 1)


def _summary(result: dict[str, Any]) -> str:
    answers, submissions = result["answers"], result["submissions"]
    return (
        f"bench load: {answers['accepted']} answers (p50 {result['answer_latency_p50_ms']} ms, "
        f"p99 {result['answer_latency_p99_ms']} ms), {submissions['accepted']} submissions "
        f"(result p50 {result['submission_to_result_p50_ms']} ms), lost {result['lost']}, "
        f"duplicates {result['duplicates']}, 2-vs-1 workers {result['throughput_ratio_2_vs_1']}"
    )
