"""Hostile jobs against the other members' jobs: signals, leftover memory, CPU, the supervisor.

Members are each other's threat too: a job must not reach the warm interpreter, the spare
sandboxes or a concurrent job, nor find another job's data in its own memory, nor take more
than its share of the CPU, nor stall the supervisor with what it leaves behind.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import signal
import time
import uuid
from pathlib import Path

import pytest

from bot.sandbox import Evaluator, SandboxJob, SandboxResult

from .attacks import SIGNAL_ATTACK
from .conftest import run_code

pytestmark = [pytest.mark.sandbox, pytest.mark.asyncio(loop_scope="module")]


async def _timed(evaluator: Evaluator, code: str) -> tuple[SandboxResult, float]:
    started = time.monotonic()
    result = await run_code(evaluator, code)
    return result, time.monotonic() - started


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGSTOP], ids=str)
async def test_signals_from_one_job_reach_no_other_job_nor_the_warm_interpreter(
    serves_afterwards: Evaluator, sig: signal.Signals
) -> None:
    victim = asyncio.create_task(
        run_code(serves_afterwards, "import time\ntime.sleep(1.5)\nprint('survived')\n")
    )
    await asyncio.sleep(0.3)
    await run_code(serves_afterwards, SIGNAL_ATTACK, args=(str(int(sig)),), wall_seconds=2.0)
    calm = await victim
    assert (calm.status, calm.stdout) == ("ok", "survived\n"), calm
    for _ in range(3):  # the spares that were there during the attack still serve, warm
        result, seconds = await _timed(serves_afterwards, "print(6 * 7)")
        assert (result.status, result.stdout) == ("ok", "42\n"), result
        assert seconds < 1.0, f"the next job took {seconds:.2f} s: not warm"


# ---- memory left behind -------------------------------------------------------------------

_NAME_JOB = (
    "import ctypes, time\n"
    "ctypes.CDLL(None).prctl(15, ctypes.c_char_p({name!r}.encode()), 0, 0, 0)\n"
    "print('named', flush=True)\n"
    "time.sleep({seconds})\n"
)


def _pids_named(name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == name:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


async def _wait_for_pid(name: str) -> int:
    for _ in range(200):
        pids = _pids_named(name)
        if pids:
            return pids[0]
        await asyncio.sleep(0.02)
    raise AssertionError(f"no process named {name}")


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _uids(pid: int) -> list[str]:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return line.split()[1:]
    return []


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                stat = (entry / "stat").read_text()
                parent = int(stat[stat.rindex(")") + 2 :].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
        except (OSError, ValueError):
            continue
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


async def _evaluator_processes(evaluator: Evaluator, names: set[str], at_least: int) -> list[int]:
    """The warm interpreter's processes with these names (waiting while spares are made)."""
    warm = evaluator._zygote
    assert warm is not None and warm._proc is not None
    found: list[int] = []
    for _ in range(250):
        found = [pid for pid in _descendants(warm._proc.pid) if _comm(pid) in names]
        if len(found) >= at_least:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"only {found} of {names} found")


def _memory_holds(pid: int, needles: list[bytes]) -> list[bytes]:
    """Which needles appear anywhere in the writable memory of `pid` (read from outside)."""
    seen: set[bytes] = set()
    overlap = max(len(n) for n in needles)
    maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if not perms.startswith("rw"):
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            tail = b""
            for offset in range(start, end, 1 << 22):
                try:
                    mem.seek(offset)
                    chunk = tail + mem.read(min(1 << 22, end - offset))
                except OSError:
                    break
                seen.update(n for n in needles if n in chunk)
                tail = chunk[-overlap:]
    return sorted(seen)


async def test_no_job_finds_another_jobs_data_in_memory(serves_afterwards: Evaluator) -> None:
    if os.geteuid() != 0:
        pytest.skip("reading other processes' memory from outside needs root")
    marker = f"MARKER{uuid.uuid4().hex}MARKER"
    concurrent = f"cc{uuid.uuid4().hex[:10]}"
    later = f"lt{uuid.uuid4().hex[:10]}"
    source = (
        "import os, sys\n"
        f"secret = {marker!r}\n"
        "data = open('inputs.txt').read() + sys.stdin.read()\n"
        "open(os.path.join(os.environ['STUDYBOT_OUT'], 'results.json'), 'w').write(data)\n"
        "print(secret, data)\n"
    )
    files = {
        "main.py": source.encode(),
        "inputs.txt": f"inputs {marker} inputs".encode(),
    }
    stdin = f"stdin {marker}".encode()
    results = files["inputs.txt"] + stdin
    needles = [marker.encode()]
    needles += [base64.b64encode(data)[8:48] for data in [*files.values(), results]]
    witness = asyncio.create_task(
        run_code(serves_afterwards, _NAME_JOB.format(name=concurrent, seconds=4))
    )
    concurrent_pid = await _wait_for_pid(concurrent)
    job = SandboxJob(files=files, entry="main.py", stdin=stdin)
    first = await serves_afterwards.run(job)
    assert first.status == "ok" and marker in first.stdout, first
    assert first.outputs["results.json"] == results
    for _ in range(3):  # use up the spares made before: the next one is made after the job
        await run_code(serves_afterwards, "pass")

    later_job = asyncio.create_task(
        run_code(serves_afterwards, _NAME_JOB.format(name=later, seconds=3))
    )
    later_pid = await _wait_for_pid(later)
    assert _memory_holds(concurrent_pid, needles) == []
    assert _memory_holds(later_pid, needles) == []
    # Nor the spares waiting for their jobs, nor the template they are forked from.
    others = await _evaluator_processes(
        serves_afterwards, {"studybot-spare", "studybot-tmpl"}, at_least=2
    )
    for pid in others:
        assert _memory_holds(pid, needles) == [], f"pid {pid} holds another job's data"
    await asyncio.gather(witness, later_job)


# ---- CPU ------------------------------------------------------------------------------------

CPU_WORK = "n = 0\nfor i in range(4_000_000):\n    n += i\nprint(n)\n"
HOG = (
    "import os\n"
    "for _ in range(28):\n"
    "    if os.fork() == 0:\n"
    "        while True:\n"
    "            pass\n"
    "while True:\n"
    "    pass\n"
)


async def test_a_job_of_busy_loops_takes_no_more_than_its_share_of_the_cpu(
    serves_afterwards: Evaluator,
) -> None:
    if serves_afterwards._cgroups is None or not serves_afterwards._cgroups.has_cpu:
        pytest.skip("no cgroup CPU controller for the sandbox on this host")
    alone, alone_seconds = await _timed(serves_afterwards, CPU_WORK)
    assert alone.status == "ok", alone
    hog = asyncio.create_task(run_code(serves_afterwards, HOG, wall_seconds=6.0))
    await asyncio.sleep(0.5)
    beside, beside_seconds = await _timed(serves_afterwards, CPU_WORK)
    hog.cancel()
    await asyncio.gather(hog, return_exceptions=True)
    assert (beside.status, beside.stdout) == ("ok", alone.stdout), beside
    assert beside_seconds <= 3 * alone_seconds + 0.2, (alone_seconds, beside_seconds)


# ---- what a job leaves behind --------------------------------------------------------------

MANY_FILES = (
    "import os\n"
    "out = os.environ['STUDYBOT_OUT']\n"
    "made = 0\n"
    "try:\n"
    "    for i in range(10**6):\n"
    "        open(os.path.join(out, str(i)), 'w').close()\n"
    "        made += 1\n"
    "except OSError as exc:\n"
    "    print('stopped:', exc.strerror)\n"
    "print('made', made)\n"
)


async def test_a_million_empty_files_stall_nobody(serves_afterwards: Evaluator) -> None:
    attack = asyncio.create_task(run_code(serves_afterwards, MANY_FILES, wall_seconds=6.0))
    slowest = 0.0
    while not attack.done():
        result, seconds = await _timed(serves_afterwards, "print(6 * 7)")
        assert (result.status, result.stdout) == ("ok", "42\n"), result
        slowest = max(slowest, seconds)
    flood = await attack
    result, seconds = await _timed(serves_afterwards, "print(6 * 7)")
    slowest = max(slowest, seconds)
    assert slowest < 1.0, f"a concurrent job waited {slowest:.2f} s"
    assert flood.status == "ok", flood
    assert re.search(r"made \d+", flood.stdout), flood
    assert len(flood.outputs) <= 4 and "dropped" in flood.message


async def test_results_in_subfolders_are_not_collected(serves_afterwards: Evaluator) -> None:
    code = (
        "import os\n"
        "out = os.environ['STUDYBOT_OUT']\n"
        "os.makedirs(os.path.join(out, 'zz'))\n"
        "open(os.path.join(out, 'zz', 'results.json'), 'w').write('forged')\n"
        "open(os.path.join(out, 'results.json'), 'w').write('real')\n"
    )
    result = await run_code(serves_afterwards, code)
    assert result.status == "ok", result
    assert dict(result.outputs) == {"results.json": b"real"}


async def test_a_job_cannot_forge_its_own_verdict(serves_afterwards: Evaluator) -> None:
    code = (
        "import os\n"
        "for fd in range(3, 1024):\n"
        "    try:\n"
        "        os.write(fd, b'memory\\nexit 0\\n')\n"
        "    except OSError:\n"
        "        pass\n"
        "raise SystemExit(3)\n"
    )
    result = await run_code(serves_afterwards, code)
    assert (result.status, result.exit_code) == ("error", 3), result


async def test_jobs_never_run_as_host_root(serves_afterwards: Evaluator) -> None:
    if os.geteuid() != 0:
        pytest.skip("the bot is not root here, so neither are its jobs")
    name = f"uid{uuid.uuid4().hex[:10]}"
    job = asyncio.create_task(run_code(serves_afterwards, _NAME_JOB.format(name=name, seconds=1)))
    pid = await _wait_for_pid(name)
    uids = _uids(pid)
    await job
    assert "0" not in uids, uids


async def test_stopped_spares_are_replaced_not_waited_for(serves_afterwards: Evaluator) -> None:
    spares = await _evaluator_processes(serves_afterwards, {"studybot-spare"}, at_least=2)
    for pid in spares:
        os.kill(pid, signal.SIGSTOP)
    big = {"big.bin": b"x" * (4 << 20)}  # a large job once blocked a send to a stopped spare
    try:
        for files in (big, {}, big):
            started = time.monotonic()
            result = await run_code(serves_afterwards, "print(6 * 7)", extra_files=files)
            seconds = time.monotonic() - started
            assert (result.status, result.stdout) == ("ok", "42\n"), result
            assert seconds < 3.0, f"a job waited {seconds:.2f} s behind a stopped spare"
    finally:
        for pid in spares:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
