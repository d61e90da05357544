"""`studybot bench web` runs end to end and prints its JSON (numbers are not asserted here:
benchmarks are commands, not timed tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

STUDYBOT = Path(sys.executable).with_name("studybot")


def test_the_web_bench_prints_percentiles_for_both_pages_without_errors(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(STUDYBOT), "bench", "web", "--concurrency", "5", "--rounds", "1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=180,
        check=False,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report["pages"]) == {"/", "/verify/CODE"}
    for page in report["pages"].values():
        assert page["requests"] == 5 and page["errors"] == 0
        assert 0 < page["p50_ms"] <= page["p99_ms"] <= page["max_ms"]
    assert set(report["baseline"]) == {"/", "/verify/CODE"}
