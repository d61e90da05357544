"""`studybot bench load` at a tiny scale: it runs end to end against PostgreSQL with a real
worker and sandbox, prints its JSON, and nothing is lost or doubled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.sandbox]

STUDYBOT = Path(sys.executable).with_name("studybot")


def test_a_small_load_loses_and_doubles_nothing(postgres_url: str, tmp_path: Path) -> None:
    # `postgres_url` skips the test without a server; the bench makes its own database there.
    command = [
        str(STUDYBOT),
        "bench",
        "load",
        "--database-url",
        postgres_url,
        *("--members", "20", "--answers", "20", "--submissions", "4"),
        *("--seconds", "3", "--workers", "1", "--burst", "4"),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["lost"] == 0
    assert report["duplicates"] == 0
    answers, submissions = report["answers"], report["submissions"]
    assert answers["accepted"] == 20
    assert (answers["lost"], answers["duplicates"]) == (0, 0)
    assert submissions["accepted"] == 4
    assert submissions["results_passed"] == 4  # a correct solution, graded in the sandbox
    assert (submissions["lost"], submissions["duplicates"]) == (0, 0)
    for key in (
        "answer_latency_p50_ms",
        "answer_latency_p99_ms",
        "submission_to_result_p50_ms",
        "submission_to_result_p99_ms",
        "worker_throughput_per_s",
    ):
        assert isinstance(report[key], float) and report[key] > 0, key
    assert report["scaling"]["1"]["accepted"] == 4
    assert report["throughput_ratio_2_vs_1"] is None  # one worker: nothing to compare
    assert report["worker_exit_codes"] == [0]
    assert report["worker_errors"] == 0
    assert "bench load:" in result.stderr  # the human line goes to stderr, JSON alone to stdout
