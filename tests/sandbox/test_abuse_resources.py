"""Hostile jobs that attack resources: CPU, memory, processes, output, disk, crashes.

Each test runs the real sandbox with lowered limits; afterwards the shared evaluator must
still serve an ordinary job (the `serves_afterwards` fixture checks it).
"""

from __future__ import annotations

import asyncio
import signal
import uuid

import pytest

from bot.sandbox import Evaluator

from .conftest import TEST_LIMITS, processes_with, run_code

pytestmark = [pytest.mark.sandbox, pytest.mark.asyncio(loop_scope="module")]


async def test_an_infinite_loop_is_stopped_by_the_cpu_limit(serves_afterwards: Evaluator) -> None:
    result = await run_code(serves_afterwards, "while True:\n    pass\n")
    assert result.status == "timeout"
    assert "CPU" in result.message


async def test_a_long_sleep_is_stopped_by_the_wall_clock(serves_afterwards: Evaluator) -> None:
    code = "import time\nprint('sleeping', flush=True)\ntime.sleep(10**6)\n"
    result = await run_code(serves_afterwards, code, wall_seconds=1.0)
    assert result.status == "timeout"
    assert result.stdout == "sleeping\n"
    assert "wall-clock" in result.message


async def test_a_job_stopped_at_the_wall_clock_keeps_the_files_it_wrote(
    serves_afterwards: Evaluator,
) -> None:
    code = (
        "import os, time\n"
        "open(os.path.join(os.environ['STUDYBOT_OUT'], 'results.json'), 'w').write('[1, 2]')\n"
        "time.sleep(10**6)\n"
    )
    result = await run_code(serves_afterwards, code, wall_seconds=1.0)
    assert result.status == "timeout"
    assert dict(result.outputs) == {"results.json": b"[1, 2]"}


@pytest.mark.parametrize(
    "code",
    [
        "x = ' ' * 10**10",
        "import torch\nx = torch.empty(10**11)",
        "chunks = []\nwhile True:\n    chunks.append(bytearray(10**6))",
    ],
    ids=["huge-string", "huge-tensor", "growing-list"],
)
async def test_a_memory_bomb_ends_with_a_memory_status(
    serves_afterwards: Evaluator, code: str
) -> None:
    result = await run_code(serves_afterwards, code)
    assert result.status == "memory", result
    assert f"{TEST_LIMITS.memory_mb} MB" in result.message


async def test_a_fork_bomb_cannot_take_the_job_down_with_it(
    serves_afterwards: Evaluator,
) -> None:
    code = (
        "import os\n"
        "forks = 0\n"
        "try:\n"
        "    while True:\n"
        "        os.fork()\n"
        "        forks += 1\n"
        "except OSError as exc:\n"
        "    print('refused', exc.errno, flush=True)\n"
        "    os._exit(3)\n"
    )
    result = await run_code(serves_afterwards, code)
    assert result.status == "error"
    assert result.exit_code == 3
    assert "refused 11" in result.stdout  # EAGAIN: the process limit holds


async def test_a_pool_of_256_workers_is_refused(serves_afterwards: Evaluator) -> None:
    code = "import multiprocessing\nwith multiprocessing.Pool(256) as pool:\n    print('pool')\n"
    result = await run_code(serves_afterwards, code, wall_seconds=4.0)
    assert result.status in ("error", "timeout")
    assert "pool\n" not in result.stdout


async def test_background_processes_and_double_forks_die_with_the_job(
    serves_afterwards: Evaluator,
) -> None:
    marker = f"studybot-leak-{uuid.uuid4().hex}"
    sleeper = f"[sys.executable, '-c', 'import time; time.sleep(3600)', {marker!r}]"
    code = (
        "import os, subprocess, sys, time\n"
        f"subprocess.Popen({sleeper}, start_new_session=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, {sleeper})\n"
        "    os._exit(0)\n"
        "time.sleep(0.5)\n"
        "print('left two sleepers behind')\n"
    )
    result = await run_code(serves_afterwards, code)
    assert result.status == "ok", result
    assert processes_with(marker) == []


@pytest.mark.parametrize(
    "code",
    [
        "while True:\n    print('a' * 1000)",
        "import sys\nsys.stdout.write('x' * 50_000_000)",
        "import sys\nwhile True:\n    sys.stderr.write('e' * 4096)",
    ],
    ids=["many-lines", "one-huge-line", "stderr"],
)
async def test_an_output_flood_is_cut_at_the_cap(serves_afterwards: Evaluator, code: str) -> None:
    result = await run_code(serves_afterwards, code)
    assert result.status == "output_limit"
    assert len(result.stdout.encode()) <= TEST_LIMITS.output_bytes
    assert len(result.stderr.encode()) <= TEST_LIMITS.output_bytes


async def test_invalid_utf8_output_is_decoded_with_replacement(
    serves_afterwards: Evaluator,
) -> None:
    code = "import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')\nprint(chr(0xDC80))\n"
    result = await run_code(serves_afterwards, code)
    assert result.status == "ok"
    assert result.stdout == "ok \ufffd\ufffd end\n\\udc80\n"


async def test_filling_tmp_stops_at_its_size(serves_afterwards: Evaluator) -> None:
    code = (
        "import errno\n"
        "try:\n"
        "    for i in range(1000):\n"
        "        with open(f'/tmp/fill{i}', 'wb') as f:\n"
        "            f.write(b'x' * (2 * 1024 * 1024))\n"
        "except OSError as exc:\n"
        "    print(errno.errorcode[exc.errno], i)\n"
    )
    result = await run_code(serves_afterwards, code)
    assert result.status == "ok"
    name, files = result.stdout.split()
    assert name == "ENOSPC"
    assert int(files) <= TEST_LIMITS.tmp_size_mb // 2


async def test_a_huge_sparse_file_is_refused(serves_afterwards: Evaluator) -> None:
    code = (
        "import errno\n"
        "try:\n"
        "    with open('/tmp/sparse', 'wb') as f:\n"
        "        f.truncate(2**40)\n"
        "except OSError as exc:\n"
        "    print(errno.errorcode[exc.errno])\n"
    )
    result = await run_code(serves_afterwards, code)
    assert (result.status, result.stdout) == ("ok", "EFBIG\n")


async def test_many_small_files_and_deep_directories_are_collected_within_caps(
    serves_afterwards: Evaluator,
) -> None:
    code = (
        "import os\n"
        "out = os.environ['STUDYBOT_OUT']\n"
        "for i in range(2000):\n"
        "    try:\n"
        "        open(os.path.join(out, f'f{i:04}.txt'), 'w').write('x')\n"
        "    except OSError:\n"
        "        break\n"
        "path = out\n"
        "for depth in range(1000):\n"
        "    path = os.path.join(path, 'd')\n"
        "    try:\n"
        "        os.mkdir(path)\n"
        "    except OSError:\n"
        "        break\n"
        "print('made', i, depth)\n"
    )
    result = await run_code(serves_afterwards, code)
    assert result.status == "ok", result
    assert len(result.outputs) == TEST_LIMITS.outputs_max_files
    assert "dropped" in result.message


@pytest.mark.parametrize(
    ("code", "signal_number"),
    [
        ("import ctypes\nctypes.string_at(0)", signal.SIGSEGV),
        ("import os\nos.abort()", signal.SIGABRT),
        ("import faulthandler\nfaulthandler._sigsegv()", signal.SIGSEGV),
    ],
    ids=["null-pointer", "abort", "faulthandler-sigsegv"],
)
async def test_a_crash_is_reported_with_its_signal(
    serves_afterwards: Evaluator, code: str, signal_number: int
) -> None:
    result = await run_code(serves_afterwards, code)
    assert (result.status, result.signal) == ("killed", signal_number)
    assert signal.Signals(signal_number).name in result.message


async def test_unbounded_recursion_ends_at_the_memory_limit(serves_afterwards: Evaluator) -> None:
    # CPython 3.11 keeps Python frames on the heap, so a raised recursion limit eats memory.
    code = "import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return f(n + 1)\nf(0)\n"
    result = await run_code(serves_afterwards, code)
    assert result.status == "memory", result


async def test_ordinary_deep_recursion_is_a_python_error(serves_afterwards: Evaluator) -> None:
    result = await run_code(serves_afterwards, "def f(n):\n    return f(n + 1)\nf(0)\n")
    assert (result.status, result.exit_code) == ("error", 1)
    assert "RecursionError" in result.stderr


async def test_input_without_stdin_gets_eof_instead_of_hanging(
    serves_afterwards: Evaluator,
) -> None:
    result = await run_code(serves_afterwards, "print(input())\n")
    assert result.status == "error"
    assert "EOFError" in result.stderr


async def test_input_reads_the_jobs_stdin(serves_afterwards: Evaluator) -> None:
    result = await run_code(serves_afterwards, "print(input()[::-1])\n", stdin=b"olleh\n")
    assert (result.status, result.stdout) == ("ok", "hello\n")


async def test_concurrent_jobs_each_get_their_own_result(serves_afterwards: Evaluator) -> None:
    results = await asyncio.gather(
        *(run_code(serves_afterwards, f"print({n} * {n})") for n in range(6))
    )
    assert [r.stdout for r in results] == [f"{n * n}\n" for n in range(6)]
