"""Organizers' content folders (issue 22): `studybot content check`, `studybot run` refusing a
broken folder, reproducible seeds, the inputs-unchanged check, and hidden values never shown
in a diagnosis."""

from __future__ import annotations

import asyncio
import json
import math
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot import cli as bot_cli
from handlers.grading_reply import result_reply
from quizzes import content
from quizzes.exercises import catalog, cli
from quizzes.exercises.catalog import get_exercise, list_exercises
from quizzes.exercises.grader import grade, job_seed, judge, load_code, prepare
from quizzes.exercises.local_run import run_functions
from quizzes.questions import _loader
from tests.exercises.conftest import ForkServerExecutor, run_unchecked
from tests.exercises.content_folder import IN_PLACE_SOURCE, write_folder

SOFTMAX_YAML = Path(catalog.builtin_dir() / "softmax.yaml")


@pytest.fixture(autouse=True)
def fresh_catalogues() -> Iterator[None]:
    catalog.clear_cache()
    _loader._shipped_bank.cache_clear()
    yield
    catalog.clear_cache()
    _loader._shipped_bank.cache_clear()


@pytest.fixture
def no_sandbox(monkeypatch: pytest.MonkeyPatch, executor: ForkServerExecutor) -> None:
    """`content check` and `run` grade through the test executor instead of bubblewrap."""

    @asynccontextmanager
    async def fork_server(
        settings: Any = None, mode: str = "cold"
    ) -> AsyncIterator[ForkServerExecutor]:
        yield executor

    monkeypatch.setattr(cli, "open_executor", fork_server)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_folder(tmp_path_factory.mktemp("good"))


def broken(root: Path) -> Path:
    """A folder with a duplicate id, a model solution that fails, and a YAML error."""
    folder = write_folder(root)
    exercises = folder / "exercises"
    own = exercises / "leaky_relu.yaml"
    own.write_text(own.read_text().replace("X, alpha * X)\n", "X, X)\n"))
    (exercises / "softmax.yaml").write_text(SOFTMAX_YAML.read_text())
    (exercises / "softmax.py").write_text("")
    (exercises / "typo.yaml").write_text("id: typo\ntitle: [no closing bracket\nchapter: 5\n")
    return folder


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_folder_is_read_from_dot_env_like_every_setting(
    good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(content.ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert content.content_dir() is None
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN=xoxb-1\n{content.ENV}={good}\n")
    assert content.content_dir() == good
    assert "leaky_relu" in [e.id for e in list_exercises()]  # the catalogue reads it
    monkeypatch.setenv(content.ENV, "")  # the environment wins, as with the settings
    assert content.content_dir() is None


@pytest.mark.usefixtures("no_sandbox")
def test_a_folder_written_from_scratch_passes_content_check(
    good: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bot_cli.main(["content", "check", str(good)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"ok   exercise leaky_relu ({good / 'exercises' / 'leaky_relu.yaml'})")
    assert "solution scores full marks in the sandbox" in out[0]
    assert "1 mistake(s) lose points and are recognised" in out[0]
    assert "starter fails cleanly" in out[0]
    assert out[1].startswith("ok   questions activations")
    assert out[2] == "2 item(s) checked, 0 with problems."


@pytest.mark.usefixtures("no_sandbox")
def test_a_broken_folder_is_named_by_file_and_line_and_run_refuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = broken(tmp_path)
    exercises = folder / "exercises"
    assert bot_cli.main(["content", "check", str(folder)]) == 1
    problems = [line for line in capsys.readouterr().err.splitlines() if line.startswith("FAIL ")]
    own = exercises / "leaky_relu.yaml"
    expected = [
        f"FAIL {exercises / 'leaky_relu.yaml'}:{line_of(own, 'solution:')}: solution scores 0/4",
        f"FAIL {exercises / 'softmax.yaml'}:{line_of(exercises / 'softmax.yaml', 'id:')}: "
        f"exercise id 'softmax' is already defined in {SOFTMAX_YAML}",
        f"FAIL {exercises / 'typo.yaml'}:3: invalid YAML: while parsing a flow sequence (line 2)",
    ]
    assert len(problems) == 3
    for want in expected:
        assert any(line.startswith(want) for line in problems), (want, problems)

    monkeypatch.setenv(content.ENV, str(folder))
    # `run` checks in a child process (no torch in the chat process): it grades this folder's
    # own trusted code there without bubblewrap, as `no_sandbox` does here.
    monkeypatch.setenv("STUDYBOT_SANDBOX__UNSAFE_NO_SANDBOX", "true")
    assert bot_cli.main(["run"]) == 1
    refusal = capsys.readouterr().err
    assert refusal.startswith(f"studybot: the content folder {folder} has problems")
    for line in problems:
        assert line.removeprefix("FAIL ") in refusal, refusal


def test_a_grade_reports_its_seed_and_the_seed_reproduces_it(
    executor: ForkServerExecutor, good: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(content.ENV, str(good))
    noisy = (
        "import torch\n\ndef leaky_relu(X, alpha):\n"
        "    return torch.where(X > 0, X, alpha * X) + torch.rand(X.shape, dtype=X.dtype)\n"
    )

    async def twice() -> list[dict[str, Any]]:
        first = (await grade("leaky_relu", noisy, executor)).to_json()
        again = (await grade("leaky_relu", noisy, executor, seed=first["seed"])).to_json()
        other = (await grade("leaky_relu", noisy, executor, seed=first["seed"] + 1)).to_json()
        return [first, again, other]

    first, again, other = asyncio.run(twice())
    assert isinstance(first["seed"], int) and first["seed"] >= 0
    assert first == again
    # The visible example's inputs are fixed: only the job's seed (from the input seed) moves
    # the noise, so the same seed gives the same worst value and another seed another one.
    assert "got " in first["tests"][0]["message"]
    assert first["tests"][0]["message"] != other["tests"][0]["message"]
    # The job's seed is the same in another process: `studybot grade --seed N` elsewhere.
    there = subprocess.run(
        [sys.executable, "-c", "from quizzes.exercises.grader import job_seed; print(job_seed(5))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(there.stdout) == job_seed(5) != job_seed(6)


def test_modifying_an_input_is_a_named_failure_even_with_torch_equal_patched(
    executor: ForkServerExecutor, good: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(content.ENV, str(good))
    attack = (
        "import torch\n"
        "torch.equal = lambda *a, **k: True\n"
        "torch.Tensor.clone = lambda self, *a, **k: self\n" + IN_PLACE_SOURCE.split("\n", 1)[1]
    )
    plain = asyncio.run(grade("leaky_relu", IN_PLACE_SOURCE, executor, seed=4))
    # The source check refuses the patches; without it, the harness's own check still holds.
    patched = asyncio.run(run_unchecked(executor, "leaky_relu", attack, seed=4))
    for result in (plain, patched):
        assert result.score == 0, result
        visible = result.tests[0]
        assert visible.message == "modified its input: argument 1 was changed in place"
        assert [t.message for t in result.tests[1:]] == ["modified its input"] * 2


_NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+e[-+]?\d+")


def _hidden_numbers(prepared: Any) -> set[str]:
    """The hidden cases' inputs and expected outputs as a reply could spell them (5+
    characters)."""
    spelled: set[str] = set()
    for case, entry in zip(prepared.cases, prepared.entries, strict=True):
        if prepared.spec.test(case.name).visible:
            continue
        keys = {k for k in prepared.tensors if k.split(".", 1)[0] == f"c{entry['index']}"}
        tensors = [prepared.tensors[key] for key in keys]
        tensors += list(prepared.expected[entry["index"]].values())  # and the expected outputs
        for tensor in tensors:
            values = tensor.detach().double().flatten()[:200].tolist()
            for v in values:
                if not math.isfinite(v) or float(v).is_integer():
                    continue
                for text in (f"{v:.4f}", f"{v:.6g}", f"{v:.10g}", repr(v), f"{v:.4e}"):
                    if len(text.lstrip("-")) >= 5:
                        spelled.add(text)
    return spelled


def test_diagnoses_never_show_the_hidden_inputs() -> None:
    """Every listed mistake of every exercise, graded at one seed: no hidden input value
    appears in the reply a member gets (the diagnosis lines, the table, the message)."""
    checked = 0
    for spec in list_exercises():
        code = load_code(spec.id)
        for seed in (1,):
            prepared = prepare(get_exercise(spec.id), code, "", seed)
            numbers = _hidden_numbers(prepared)
            for mistake in code.mistakes:
                result = judge(prepared, run_functions(prepared, mistake.functions)).to_json()
                reply = result_reply(result, submission_id=1)
                shown = json.dumps(
                    [
                        reply.text,
                        [t for t in result["tests"] if not t["visible"]],
                        result["message"],
                    ]
                )
                found = numbers & set(_NUMBER.findall(shown))
                assert not found, (spec.id, mistake.id, seed, found)
                checked += sum(1 for t in result["tests"] if t["mistake"] and not t["visible"])
    assert checked > 0  # hidden tests were diagnosed, and their messages searched
