"""The evaluator's contract: what a sandbox job is and what comes back.

These values cross the boundary between the grading code (outside) and the sandbox runtime;
nothing here imports torch, so the chat processes may use them too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

SandboxStatus = Literal["ok", "error", "timeout", "memory", "output_limit", "killed", "refused"]


@dataclass(frozen=True)
class SandboxJob:
    """One run of untrusted code.

    `files` are written into the job's private working directory before it starts; `entry`
    names the one among them that runs as `__main__`. Files the job writes into its output
    directory (`$STUDYBOT_OUT`, also `./out` relative to the working directory) come back in
    `SandboxResult.outputs`, size-capped.

    `stdin` is written to the job's stdin at once. `stdin_after_output`, when set, is written
    after it only once the job's stdout and stderr have both reached EOF (every process of the
    job has closed them), and stdin is closed after it; until then stdin stays open. A job can
    therefore learn these bytes only when nothing it does any more can reach its output.
    """

    files: Mapping[str, bytes]
    entry: str
    args: tuple[str, ...] = ()
    stdin: bytes = b""
    stdin_after_output: bytes | None = None
    seed: int = 0
    wall_seconds: float | None = None  # None: the evaluator's configured limit


@dataclass(frozen=True)
class SandboxResult:
    status: SandboxStatus
    exit_code: int | None
    signal: int | None
    stdout: str
    stderr: str
    wall_ms: float
    outputs: Mapping[str, bytes] = field(default_factory=dict)
    message: str = ""  # human-readable reason for refused/timeout/memory/... statuses


class Executor(Protocol):
    """Runs sandbox jobs. The bubblewrap evaluator is the real one."""

    async def run(self, job: SandboxJob) -> SandboxResult: ...
