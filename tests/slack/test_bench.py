"""`studybot bench slack` runs end to end (numbers are printed, not asserted)."""

from __future__ import annotations

import argparse
import json

import pytest

from bot.platforms.slack_app import bench
from bot.settings import Settings


@pytest.mark.slow  # a few seconds: it starts a load-generating process
def test_the_bench_registers_and_reports_json(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    benches = parser.add_subparsers()
    bench.register(None, benches)
    args = parser.parse_args(["slack", "--requests", "10"])
    args.settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert args.func(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"requests", "ack_p50_ms", "ack_p99_ms", "errors"}
    assert result["requests"] == 10 and result["errors"] == 0
