"""Hostile jobs that try to reach outside: files, secrets, network, kernel, other jobs."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import json
import os
import platform
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.sandbox import Evaluator

from .conftest import FAKE_SECRETS, PROJECT_DIR, run_code

pytestmark = [pytest.mark.sandbox, pytest.mark.asyncio(loop_scope="module")]


async def test_the_job_runs_unprivileged_without_proc(serves_afterwards: Evaluator) -> None:
    code = (
        "import os\n"
        "try:\n"
        "    os.setuid(0)\n"
        "except OSError:\n"
        "    print('setuid refused')\n"
        "print(os.getuid(), os.getgid(), sorted(os.listdir('/proc')))\n"
    )
    result = await run_code(serves_afterwards, code)
    assert result.stdout == "setuid refused\n65534 65534 ['cpuinfo']\n"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_writes_outside_tmp_fail_and_change_nothing(serves_afterwards: Evaluator) -> None:
    torch_init = Path(sys.prefix, "lib", "python3.11", "site-packages", "torch", "__init__.py")
    targets = [
        "/x",
        "/etc/passwd",
        "/usr/lib/python3/dist-packages/evil.py",
        str(torch_init),
        str(PROJECT_DIR / "pyproject.toml"),
        str(PROJECT_DIR / "studybot.db"),
        "/dev/evil",
    ]
    before = _digest(torch_init)
    code = (
        "import errno, json, sys\n"
        "result = {}\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        open(path, 'a').write('pwned')\n"
        "        result[path] = 'WRITTEN'\n"
        "    except OSError as exc:\n"
        "        result[path] = errno.errorcode[exc.errno]\n"
        "print(json.dumps(result))\n"
    )
    result = await run_code(serves_afterwards, code, args=tuple(targets))
    outcome = json.loads(result.stdout)
    assert set(outcome) == set(targets)
    assert set(outcome.values()) <= {"EROFS", "ENOENT", "EACCES"}, outcome
    assert _digest(torch_init) == before


async def test_secrets_and_project_files_are_invisible(serves_afterwards: Evaluator) -> None:
    paths = [
        str(PROJECT_DIR / "pyproject.toml"),
        str(PROJECT_DIR / ".env"),
        str(PROJECT_DIR / "bot" / "settings.py"),
        str(PROJECT_DIR / "quizzes"),
        str(PROJECT_DIR / ".git"),
        "/etc/passwd",
        "/run/postgresql",
        "/var/lib",
        "/proc/1/environ",
        "/proc/self/environ",
    ]
    code = (
        "import glob, json, os, sys\n"
        "print(json.dumps({\n"
        "    'env': dict(os.environ),\n"
        "    'environ_files': glob.glob('/proc/*/environ'),\n"
        "    'visible': [p for p in sys.argv[1:] if os.path.exists(p)],\n"
        "}))\n"
    )
    result = await run_code(serves_afterwards, code, args=tuple(paths))
    seen = json.loads(result.stdout)
    assert seen["visible"] == []
    assert seen["environ_files"] == []
    assert not set(FAKE_SECRETS) & set(seen["env"])
    for secret in FAKE_SECRETS.values():
        assert secret not in result.stdout


async def test_no_network_to_local_services_or_the_internet(
    serves_afterwards: Evaluator,
) -> None:
    code = (
        "import json, socket, urllib.request\n"
        "outcome = {}\n"
        "for host, port in [('127.0.0.1', 5432), ('127.0.0.1', 6379), ('1.1.1.1', 443)]:\n"
        "    try:\n"
        "        socket.create_connection((host, port), timeout=2)\n"
        "        outcome[f'{host}:{port}'] = 'CONNECTED'\n"
        "    except OSError as exc:\n"
        "        outcome[f'{host}:{port}'] = type(exc).__name__\n"
        "try:\n"
        "    socket.getaddrinfo('example.com', 443)\n"
        "    outcome['dns'] = 'RESOLVED'\n"
        "except OSError as exc:\n"
        "    outcome['dns'] = type(exc).__name__\n"
        "try:\n"
        "    urllib.request.urlopen('http://example.com', timeout=2)\n"
        "    outcome['http'] = 'FETCHED'\n"
        "except OSError as exc:\n"
        "    outcome['http'] = type(exc).__name__\n"
        "print(json.dumps(outcome))\n"
    )
    result = await run_code(serves_afterwards, code)
    outcome = json.loads(result.stdout)
    assert len(outcome) == 5
    assert not {"CONNECTED", "RESOLVED", "FETCHED"} & set(outcome.values()), outcome


@pytest.fixture
def host_unix_sockets() -> Iterator[list[str]]:
    """A listening abstract socket and a filesystem socket of this (host) process."""
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind(f"\0studybot-test-{os.getpid()}")
    abstract.listen()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "host.sock")
        on_disk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        on_disk.bind(path)
        on_disk.listen()
        try:
            yield [f"@studybot-test-{os.getpid()}", path, "/var/run/postgresql/.s.PGSQL.5432"]
        finally:
            abstract.close()
            on_disk.close()


async def test_host_unix_sockets_are_unreachable(
    serves_afterwards: Evaluator, host_unix_sockets: list[str]
) -> None:
    code = (
        "import json, socket, sys\n"
        "outcome = {}\n"
        "for name in sys.argv[1:]:\n"
        "    address = '\\0' + name[1:] if name.startswith('@') else name\n"
        "    try:\n"
        "        socket.socket(socket.AF_UNIX).connect(address)\n"
        "        outcome[name] = 'CONNECTED'\n"
        "    except OSError as exc:\n"
        "        outcome[name] = type(exc).__name__\n"
        "print(json.dumps(outcome))\n"
    )
    result = await run_code(serves_afterwards, code, args=tuple(host_unix_sockets))
    outcome = json.loads(result.stdout)
    assert set(outcome) == set(host_unix_sockets)
    assert "CONNECTED" not in outcome.values(), outcome


KERNEL_PROBE = """
import ctypes, json, socket
libc = ctypes.CDLL(None, use_errno=True)
def errno_of(result):
    return 0 if result >= 0 else ctypes.get_errno()
outcome = {
    "unshare": errno_of(libc.unshare(0x10000000)),
    "mount": errno_of(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
    "ptrace": errno_of(libc.ptrace(16, 1, 0, 0)),
    "keyctl": errno_of(libc.syscall(250, 0, 0, 0, 0)),
    "bpf": errno_of(libc.syscall(321, 0, 0, 0)),
    "io_uring_setup": errno_of(libc.syscall(425, 1, 0)),
    "userfaultfd": errno_of(libc.syscall(323, 0)),
    "perf_event_open": errno_of(libc.syscall(298, 0, 0, -1, -1, 0)),
    "clone3": errno_of(libc.syscall(435, 0, 0)),
    "tiocsti": errno_of(libc.ioctl(0, 0x5412, ctypes.c_char_p(b"x"))),
}
for name, family in [("vsock", 40), ("inet", socket.AF_INET), ("netlink", socket.AF_NETLINK)]:
    try:
        socket.socket(family, socket.SOCK_DGRAM if name == "netlink" else socket.SOCK_STREAM)
        outcome[name] = 0
    except OSError as exc:
        outcome[name] = exc.errno
print(json.dumps(outcome))
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="syscall numbers are x86_64")
async def test_kernel_attack_surface_is_refused(serves_afterwards: Evaluator) -> None:
    result = await run_code(serves_afterwards, KERNEL_PROBE)
    outcome = json.loads(result.stdout)
    eperm = ("unshare", "mount", "ptrace", "keyctl", "bpf", "userfaultfd", "perf_event_open")
    assert {name: outcome[name] for name in eperm} == dict.fromkeys(eperm, errno.EPERM)
    assert outcome["tiocsti"] == errno.EPERM  # not ENOTTY: seccomp answered first
    assert (outcome["io_uring_setup"], outcome["clone3"]) == (errno.ENOSYS, errno.ENOSYS)
    assert {outcome["vsock"], outcome["inet"], outcome["netlink"]} == {errno.EAFNOSUPPORT}


async def test_threads_and_subprocesses_still_work(serves_afterwards: Evaluator) -> None:
    code = (
        "import subprocess, sys, threading\n"
        "box = []\n"
        "t = threading.Thread(target=box.append, args=(1,))\n"
        "t.start(); t.join()\n"
        "out = subprocess.run([sys.executable, '-c', 'print(2)'], capture_output=True)\n"
        "print(box[0] + int(out.stdout))\n"
    )
    result = await run_code(serves_afterwards, code)
    assert (result.status, result.stdout) == ("ok", "3\n"), result


async def test_kill_minus_one_only_hits_the_job_itself(serves_afterwards: Evaluator) -> None:
    bystander = run_code(serves_afterwards, "import time\ntime.sleep(1.0)\nprint('survived')\n")
    attack = (
        "import os, time\n"
        "time.sleep(0.3)\n"
        "try:\n"
        "    os.kill(-1, 9)\n"
        "except ProcessLookupError:\n"
        "    print('nobody else to kill')\n"
    )
    calm, wild = await asyncio.gather(bystander, run_code(serves_afterwards, attack))
    assert (calm.status, calm.stdout) == ("ok", "survived\n")
    assert (wild.status, wild.stdout) == ("ok", "nobody else to kill\n")


LEAK_PROBE = """
import os, random
import numpy, torch
print(torch.rand(2).tolist(), random.random(), numpy.random.rand())
print(os.path.exists('/tmp/leak'), os.path.exists('/dev/shm/leak'))
print((torch.ones(1) + torch.ones(1)).item())
open('/tmp/leak', 'w').write('x')
open('/dev/shm/leak', 'w').write('x')
torch.Tensor.__add__ = lambda self, other: 42
random.seed(12345)
torch.manual_seed(12345)
"""


async def test_no_state_leaks_from_one_job_to_the_next(serves_afterwards: Evaluator) -> None:
    first = await run_code(serves_afterwards, LEAK_PROBE, seed=7)
    second = await run_code(serves_afterwards, LEAK_PROBE, seed=7)
    other_seed = await run_code(serves_afterwards, LEAK_PROBE, seed=8)
    assert first.status == "ok", first
    assert first.stdout == second.stdout
    draws, files, addition = first.stdout.splitlines()
    assert (files, addition) == ("False False", "2.0")
    assert other_seed.stdout.splitlines()[0] != draws


async def test_files_args_and_outputs_round_trip(serves_afterwards: Evaluator) -> None:
    code = (
        "import os, sys\n"
        "import numpy as np\n"
        "from helpers.util import double\n"
        "out = os.environ['STUDYBOT_OUT']\n"
        "values = [double(int(a)) for a in sys.argv[1:]]\n"
        "np.save(os.path.join(out, 'result.npy'), np.array(values))\n"
        "os.symlink('/etc/passwd', os.path.join(out, 'link'))\n"
        "print(sys.argv, os.getcwd() == os.path.dirname(out))\n"
    )
    result = await run_code(
        serves_afterwards,
        code,
        args=("2", "5"),
        extra_files={"helpers/util.py": b"def double(x):\n    return 2 * x\n"},
    )
    assert result.status == "ok", result
    assert result.stdout == "['main.py', '2', '5'] True\n"
    assert set(result.outputs) == {"result.npy"}
    with tempfile.TemporaryFile() as f:
        f.write(result.outputs["result.npy"])
        f.seek(0)
        assert np.load(f, allow_pickle=False).tolist() == [4, 10]
