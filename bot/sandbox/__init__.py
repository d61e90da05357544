"""The sandboxed code evaluator: bubblewrap + seccomp + rlimits/cgroups, warm or cold.

Importing this package is cheap (the CLI imports it for every command): `Evaluator` and its
asyncio machinery load on first use, and only the sandboxed interpreter ever imports torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .limits import SandboxLimits
from .types import Executor, SandboxJob, SandboxResult, SandboxStatus

if TYPE_CHECKING:
    from ._evaluator import Evaluator

__all__ = ["Evaluator", "Executor", "SandboxJob", "SandboxLimits", "SandboxResult", "SandboxStatus"]


def __getattr__(name: str) -> Any:
    if name == "Evaluator":
        from ._evaluator import Evaluator

        return Evaluator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
