"""The example systemd units run commands that exist, and the processes that grade get the
cgroup delegation the sandbox's limits need."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from bot.cli import build_parser

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
SERVICES = sorted(UNITS.glob("*.service"))


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read(path)
    return parser


def subcommands() -> set[str]:
    parser = build_parser()
    [commands] = [a for a in parser._actions if a.dest == "command"]
    return set(commands.choices or ())


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_each_unit_runs_an_existing_studybot_command(path: Path) -> None:
    service = unit(path)["Service"]
    for key in ("ExecStart", "ExecStartPre"):
        if key in service:
            program, command, *_ = service[key].split()
            assert program.endswith("/.venv/bin/studybot")
            assert command in subcommands(), f"{path.name}: {command}"
    assert service["EnvironmentFile"] == "/etc/studybot/env"


def test_the_processes_that_grade_have_their_cgroup_delegated() -> None:
    for name in ("studybot-worker@.service", "studybot-run.service"):
        service = unit(UNITS / name)["Service"]
        assert service.get("Delegate") == "yes", name
        assert "RestrictNamespaces" not in service and "PrivateUsers" not in service


def test_the_target_starts_web_discord_and_workers_and_nothing_missing() -> None:
    wants = unit(UNITS / "studybot.target")["Unit"]["Wants"].split()
    for wanted in wants:
        template = wanted.split("@")[0] + "@.service" if "@" in wanted else wanted
        assert (UNITS / template).exists(), wanted
    assert "studybot-discord.service" in wants  # exactly one gateway connection
