"""Sandbox policy and plumbing that need no bubblewrap: validation, verdicts, CLI, opt-ins."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox import Evaluator, SandboxJob, SandboxLimits
from bot.sandbox._cgroups import TAG_PREFIX, _sweep_stale
from bot.sandbox._verdict import Observed, build_result
from bot.sandbox.cli import bench_command, register, run_command

from .conftest import PROJECT_DIR


def _job(*names: str) -> SandboxJob:
    return SandboxJob(files={name: b"print(1)" for name in names}, entry=names[0])


@pytest.mark.parametrize(
    "job",
    [
        _job("/etc/passwd"),
        _job("../escape.py"),
        _job("a/../../b.py"),
        _job("nul\0.py"),
        _job("main.py", "dir//x.py"),
        SandboxJob(files={"main.py": b""}, entry="missing.py"),
        SandboxJob(files={"main.py": b""}, entry="main.py", args=("a\0b",)),
    ],
    ids=["absolute", "dotdot", "nested-dotdot", "nul", "empty-part", "no-entry", "nul-arg"],
)
async def test_malformed_jobs_are_refused_before_any_sandbox_starts(job: SandboxJob) -> None:
    result = await Evaluator(SandboxLimits()).run(job)  # never started: nothing to clean up
    assert result.status == "refused"
    assert result.message


async def test_a_host_without_bubblewrap_gets_a_refusal_that_says_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    async with Evaluator(SandboxLimits()) as evaluator:
        result = await evaluator.run(_job("main.py"))
    assert result.status == "refused"
    assert "apt-get install bubblewrap" in result.message
    assert "unprivileged_userns_clone" in result.message


async def test_the_unsafe_opt_in_runs_without_a_sandbox_and_says_so() -> None:
    limits = SandboxLimits(unsafe_no_sandbox=True, wall_seconds=5)
    async with Evaluator(limits) as evaluator:
        result = await evaluator.run(
            SandboxJob(files={"main.py": b"print(input())"}, entry="main.py", stdin=b"x\n")
        )
    assert (result.status, result.stdout) == ("ok", "x\n")
    assert "UNSAFE" in result.message


def _seen(
    report: dict[str, object] | None, stopped_for: str | None = None, stderr: bytes = b"\xff"
) -> Observed:
    raw = json.dumps(report).encode() if report is not None else b""
    return Observed(b"out", stderr, raw, 12.0, 15.0, stopped_for)


@pytest.mark.parametrize(
    ("seen", "status"),
    [
        (_seen({"exit_code": 0, "signal": None}), "ok"),
        (_seen({"exit_code": 2, "signal": None}), "error"),
        (_seen({"exit_code": None, "signal": int(signal.SIGXCPU)}), "timeout"),
        (_seen({"exit_code": 1, "signal": None}, stderr=b"\xff\nMemoryError\n"), "memory"),
        (_seen({"exit_code": 1, "signal": None, "kind": "memory"}), "error"),
        (_seen({"exit_code": None, "signal": int(signal.SIGSEGV)}), "killed"),
        (_seen(None), "killed"),
        (_seen({"exit_code": 0}, stopped_for="timeout"), "timeout"),
        (_seen({"exit_code": 0}, stopped_for="output_limit"), "output_limit"),
    ],
)
def test_verdicts_follow_how_the_job_ended(seen: Observed, status: str) -> None:
    result = build_result(seen, SandboxLimits())
    assert result.status == status
    assert result.stderr.startswith("\ufffd")


def test_limits_are_frozen_data_with_the_documented_fields() -> None:
    names = {field.name for field in dataclasses.fields(SandboxLimits)}
    assert {
        "cpu_seconds",
        "wall_seconds",
        "memory_mb",
        "processes",
        "open_files",
        "file_size_mb",
        "tmp_size_mb",
        "output_bytes",
        "outputs_max_files",
        "outputs_max_bytes",
        "unsafe_no_sandbox",
    } <= names
    with pytest.raises(dataclasses.FrozenInstanceError):
        SandboxLimits().memory_mb = 1  # type: ignore[misc]
    assert SandboxLimits().unsafe_no_sandbox is False


def test_register_adds_sandbox_run_and_bench_sandbox() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    bench = commands.add_parser("bench").add_subparsers(dest="bench_command")
    register(commands, bench)
    run = parser.parse_args(["sandbox", "run", "job.py", "a", "--seed", "3"])
    assert (run.func, run.file, run.args, run.seed) == (run_command, "job.py", ["a"], 3)
    assert parser.parse_args(["bench", "sandbox"]).func is bench_command


def test_importing_the_cli_stays_light() -> None:
    code = "import sys, bot.sandbox.cli; print(sorted({'torch', 'asyncio'} & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    assert done.stdout == "[]\n"


def test_cgroups_left_by_dead_evaluators_are_swept(tmp_path: Path) -> None:
    dead = tmp_path / f"{TAG_PREFIX}999999999-abc"
    (dead / "job-7").mkdir(parents=True)
    alive = tmp_path / f"{TAG_PREFIX}{os.getpid()}-def"
    alive.mkdir()
    _sweep_stale(tmp_path, TAG_PREFIX)
    assert (dead.exists(), alive.exists()) == (False, True)


def test_cpu_share_and_inode_cap_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    monkeypatch.setenv("STUDYBOT_SANDBOX__CPU_CORES", "0.5")
    monkeypatch.setenv("STUDYBOT_SANDBOX__TMP_INODES", "512")
    limits = Settings().sandbox.to_limits()
    assert (limits.cpu_cores, limits.tmp_inodes) == (0.5, 512)
    assert (SandboxLimits().cpu_cores, SandboxLimits().tmp_inodes) == (1.0, 4096)


@pytest.mark.parametrize("version", [1, 2])
def test_each_job_gets_a_cpu_quota_of_its_share(tmp_path: Path, version: int) -> None:
    from bot.sandbox._cgroups import CgroupManager

    parents = tuple(
        tmp_path / name for name in ("memory", "pids", "cpu")[: 3 if version == 1 else 1]
    )
    for parent in parents:
        parent.mkdir()
    job = CgroupManager(parents, version, has_cpu=True).create("job-1", 256, 32, cpu_cores=1.5)
    if version == 2:
        assert (job.dirs[0] / "cpu.max").read_text() == "150000 100000"
    else:
        assert (job.dirs[2] / "cpu.cfs_quota_us").read_text() == "150000"
        assert (job.dirs[2] / "cpu.cfs_period_us").read_text() == "100000"
    uncapped = CgroupManager(parents, version, has_cpu=True).create("job-2", 256, 32)
    assert not any(
        (d / "cpu.max").exists() or (d / "cpu.cfs_quota_us").exists() for d in uncapped.dirs
    )
