"""`studybot bench sandbox`: latency, throughput and memory of the sandbox on this machine."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from typing import Any

from ._evaluator import Evaluator
from .limits import SandboxLimits
from .types import SandboxJob

TINY_TORCH_JOB = SandboxJob(
    files={
        "main.py": b"import torch\n"
        b"x = torch.randn(8, 8)\n"
        b"print(float(torch.softmax(x @ x.T, dim=-1).sum()))\n"
    },
    entry="main.py",
)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def _timed(evaluator: Evaluator) -> float:
    started = time.monotonic()
    result = await evaluator.run(TINY_TORCH_JOB)
    if result.status != "ok":
        raise RuntimeError(f"benchmark job failed: {result}")
    return (time.monotonic() - started) * 1000


async def run_bench(samples: int = 40, cold_samples: int = 2) -> dict[str, Any]:
    """Measure warm p50/p95, cold latency, throughput at `cores` jobs at once, warm RSS."""
    warm = Evaluator(SandboxLimits(mode="warm"))
    await warm.start()
    try:
        if warm.refusal is not None:
            return {"error": warm.refusal}
        for _ in range(3):
            await _timed(warm)
        latencies = [await _timed(warm) for _ in range(samples)]
        started = time.monotonic()
        await asyncio.gather(*(_timed(warm) for _ in range(samples)))
        jobs_per_s = samples / (time.monotonic() - started)
        rss = float(warm.warm_info.get("rss_mb", 0.0))
    finally:
        await warm.close()
    cold = Evaluator(SandboxLimits(mode="cold"))
    await cold.start()
    try:
        cold_ms = statistics.median([await _timed(cold) for _ in range(cold_samples)])
    finally:
        await cold.close()
    return {
        "warm_p50_ms": round(statistics.median(latencies), 1),
        "warm_p95_ms": round(_percentile(latencies, 0.95), 1),
        "cold_ms": round(cold_ms, 1),
        "jobs_per_s": round(jobs_per_s, 1),
        "warm_rss_mb": round(rss, 1),
        "cores": os.cpu_count(),
        "samples": samples,
    }
