"""Names the common mistake a failing test shows (issue 22).

Runs in the grading process, outside the sandbox, like the references: each mistake of the
exercise is run on the failing case's inputs and its output compared with the member's by
the same check as the test. A hidden test is diagnosed too; the diagnosis shows the mistake's
message, never the inputs or the values.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import torch

from quizzes.exercises import harness
from quizzes.exercises.cases import Case, ExerciseCode, Leaves, Mistake
from quizzes.exercises.compare import compare
from quizzes.exercises.spec import ExerciseSpec


def diagnose(
    spec: ExerciseSpec,
    code: ExerciseCode,
    case: Case,
    entry: dict[str, Any],
    tensors: dict[str, torch.Tensor],
    got: Leaves,
    *,
    modified: bool = False,
) -> Mistake | None:
    """The first of the exercise's mistakes whose output on this case matches `got`.

    `modified`: the member's call changed its inputs (where the statement forbids it); a
    mistake matches only if it does the same, so an in-place mistake is named by that.
    """
    for mistake in code.mistakes:
        try:
            if _matches(spec, code, mistake, case, entry, tensors, got, modified):
                return mistake
        except Exception:  # a mistake that can't run on this case says nothing about it
            continue
    return None


def _matches(
    spec: ExerciseSpec,
    code: ExerciseCode,
    mistake: Mistake,
    case: Case,
    entry: dict[str, Any],
    tensors: dict[str, torch.Tensor],
    got: Leaves,
    modified: bool,
) -> bool:
    if mistake.recognise is not None:
        return mistake.recognise(case, got)
    function = mistake.functions.get(entry["function"])
    if function is None:
        return False
    mistake_modified = False
    try:
        raw = harness.invoke(function, entry, tensors)
    except harness.InputModified as exc:
        raw, mistake_modified = exc.output, True
    if mistake_modified != modified:
        return False
    want = harness.flatten(raw)
    if code.check is not None:
        return code.check(case, got, want) is None
    return compare(want, got, case.tolerance or spec.tolerance) is None


def describe(mistake: Mistake) -> str:
    """What a member reads after the failing tests' names: the mistake's message and the
    section to read ("huge_logits: " + "this is what softmax gives ... See d2l 4.4.")."""
    message = mistake.message.strip()
    if not message.endswith((".", "!", "?")):
        message += "."
    return f"{message} See d2l {mistake.section}."


def section_link(spec: ExerciseSpec, section: str) -> str:
    """The book's page for `section`: the exercise's own page, or its chapter's index page
    from the curriculum (the book's URLs are by name, not number)."""
    if section == spec.section:
        return spec.link
    chapter = int(section.split(".", 1)[0]) if section.split(".", 1)[0].isdigit() else -1
    return _chapter_links().get(chapter, "https://d2l.ai/")


@cache
def _chapter_links() -> dict[int, str]:
    from quizzes.curriculum import load_curriculum

    links: dict[int, str] = {}
    for session in load_curriculum().sessions:
        for chapter in session.chapters:
            if "index.html" in str(session.link):
                links.setdefault(chapter, str(session.link))
    return links
