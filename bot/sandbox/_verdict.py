"""Turn what a job left behind (report, signals, flags) into a SandboxResult."""

from __future__ import annotations

import base64
import binascii
import json
import signal
from dataclasses import dataclass
from typing import Any

from .limits import SandboxLimits
from .types import SandboxResult, SandboxStatus


@dataclass(frozen=True)
class Observed:
    """Everything the host saw of one job."""

    stdout: bytes
    stderr: bytes
    report: bytes
    wall_ms: float
    wall_seconds: float
    stopped_for: str | None  # "timeout" or "output_limit" when the host killed the job
    oom_killed: bool = False


def parse_report(raw: bytes) -> dict[str, Any] | None:
    """The init's JSON report, or None if there is none (the job's sandbox died)."""
    try:
        report = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return report if isinstance(report, dict) else None


def _outputs(report: dict[str, Any]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    raw = report.get("outputs")
    if isinstance(raw, dict):
        for name, encoded in raw.items():
            try:
                found[str(name)] = base64.b64decode(str(encoded), validate=True)
            except (binascii.Error, ValueError):
                continue
    return found


# How CPython and torch's CPU allocator say "out of memory" (RLIMIT_DATA, not the cgroup).
_MEMORY_MARKERS = (b"MemoryError", b"DefaultCPUAllocator: can't allocate memory")


def _ran_out_of_memory(stderr: bytes) -> bool:
    """Whether the job's last words were an out-of-memory error. Only the message depends
    on it: the job could print anything, and its score never depends on its status."""
    lines = stderr[-4096:].strip().splitlines()
    return bool(lines) and any(marker in lines[-1] for marker in _MEMORY_MARKERS)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _classify(
    seen: Observed, report: dict[str, Any] | None, limits: SandboxLimits
) -> tuple[SandboxStatus, str]:
    if seen.stopped_for == "timeout":
        return "timeout", f"wall-clock limit of {seen.wall_seconds:g} s exceeded"
    if seen.stopped_for == "output_limit":
        return "output_limit", f"output exceeded {limits.output_bytes} bytes; job stopped"
    if report is None:
        return "killed", "the job's sandbox ended before it reported"
    exit_code, sig = report.get("exit_code"), report.get("signal")
    if sig == signal.SIGXCPU:
        return "timeout", f"CPU time limit of {limits.cpu_seconds} s exceeded"
    if seen.oom_killed or (exit_code == 1 and _ran_out_of_memory(seen.stderr)):
        return "memory", f"memory limit of {limits.memory_mb} MB exceeded"
    if isinstance(sig, int):
        return "killed", f"killed by {_signal_name(sig)}"
    if exit_code != 0:
        return "error", f"exited with code {exit_code}"
    return "ok", ""


def build_result(seen: Observed, limits: SandboxLimits) -> SandboxResult:
    """Decode output (invalid UTF-8 replaced) and pick the status."""
    report = parse_report(seen.report)
    status, message = _classify(seen, report, limits)
    exit_code = report.get("exit_code") if report else None
    sig = report.get("signal") if report else None
    if seen.stopped_for is not None:
        sig = signal.SIGKILL
    if report and report.get("outputs_truncated"):
        message = (message + "; " if message else "") + "some output files were dropped (caps)"
    return SandboxResult(
        status=status,
        exit_code=exit_code if isinstance(exit_code, int) else None,
        signal=sig if isinstance(sig, int) else None,
        stdout=seen.stdout.decode("utf-8", "replace"),
        stderr=seen.stderr.decode("utf-8", "replace"),
        wall_ms=seen.wall_ms,
        outputs=_outputs(report) if report else {},
        message=message,
    )


def refused(message: str) -> SandboxResult:
    """A result for a job that was not run at all."""
    return SandboxResult("refused", None, None, "", "", 0.0, {}, message)
