"""The last step of a job: lock the process down, then run the submitted entry as __main__."""

from __future__ import annotations

import contextlib
import io
import os
import random
import resource
import sys
import traceback
import types
from typing import Any

from . import syscalls
from .seccomp import SeccompFilter

JOB_DIR = "/tmp/job"
OUT_DIR = "/tmp/job/out"
_MB = 1024 * 1024


def _set_limit(which: int, value: int) -> None:
    resource.setrlimit(which, (value, value))


def apply_rlimits(limits: dict[str, Any], data_base_bytes: int) -> None:
    """Per-process limits. RLIMIT_AS would break `import torch`, so memory uses RLIMIT_DATA
    offset by the warm interpreter's own data size (the job starts as a copy of it)."""
    cpu = int(limits["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))  # SIGXCPU, then SIGKILL
    _set_limit(resource.RLIMIT_FSIZE, int(limits["file_size_mb"]) * _MB)
    _set_limit(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    _set_limit(resource.RLIMIT_NPROC, int(limits["processes"]))
    _set_limit(resource.RLIMIT_CORE, 0)
    _set_limit(resource.RLIMIT_DATA, data_base_bytes + int(limits["memory_mb"]) * _MB)


def _reseed(seed: int, threads: int) -> None:
    """The job is a fork of one interpreter: without this every job draws the same numbers."""
    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        # The CPU generator directly: torch.manual_seed also imports and seeds every
        # accelerator backend, about 20 ms per job.
        torch.default_generator.manual_seed(seed)
        torch.set_num_threads(threads)


def _rebind_stdio() -> None:
    # The interpreter's sys.std* objects belong to the warm process; the job's are fds 0-2.
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(
        io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace"
    )
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1


def _run_main(path: str) -> None:
    # Like `python path`, but keeping sys.argv as given (runpy.run_path rewrites argv[0]).
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec")
    main = types.ModuleType("__main__")
    main.__file__ = path
    sys.modules["__main__"] = main
    exec(code, main.__dict__)


def run_job(request: dict[str, Any], seccomp: SeccompFilter) -> int:
    """Run the job in this (forked) process and return its exit code.

    The job holds no fd but its stdin, stdout and stderr: how it ended is what the supervisor
    sees of its exit, never something it says (a job could say anything).

    `request` holds the job (entry, args, seed) merged over the evaluator's config (limits,
    env, data_base_bytes). Everything before `seccomp.load()` is trusted setup.
    """
    limits = request["limits"]
    environment = dict(request["env"])
    environment.update(HOME="/tmp", TMPDIR="/tmp", STUDYBOT_OUT=OUT_DIR)
    os.environ.clear()
    os.environ.update(environment)
    os.chdir(JOB_DIR)
    apply_rlimits(limits, int(request["data_base_bytes"]))
    syscalls.drop_all_capabilities()
    seccomp.load()
    _reseed(int(request["seed"]), int(limits["torch_threads"]))
    _rebind_stdio()
    sys.argv = [str(request["entry"]), *request["args"]]
    sys.path[0:0] = [JOB_DIR]
    code = 0
    try:
        _run_main(os.path.join(JOB_DIR, str(request["entry"])))
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException as exc:
        # Hide this runner's and runpy's frames: the traceback starts at the job's code.
        tb = exc.__traceback__
        while tb is not None and not tb.tb_frame.f_code.co_filename.startswith(JOB_DIR):
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb or exc.__traceback__)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        # A closed or broken pipe must not change the verdict.
        with contextlib.suppress(BaseException):
            stream.flush()
    # Let go of the pipes now: the host has all the output while this copy of a 300 MB
    # interpreter is torn down.
    for fd in (0, 1, 2):
        with contextlib.suppress(OSError):
            os.close(fd)
    return code
