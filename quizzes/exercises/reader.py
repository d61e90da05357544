"""One way to read a submission: a fenced block, a `.py` file or a Jupyter notebook.

Every platform hands the bytes or text here (never parses them itself), so a notebook reads the
same in the console, Slack and Discord. What the grader cannot run is left out with a note, not
refused: IPython line magics (`%matplotlib inline`), shell escapes (`!pip install d2l`), cell
magics (`%%timeit` leaves out the whole cell), the book's `from d2l import torch as d2l`, and
cells tagged `skip-grading` (or starting with `# skip-grading`). Outputs and metadata are
ignored. Bad input raises `UnreadableSubmission` with one sentence for the member.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import nbformat

from quizzes.exercises.source_check import D2L_HINT

CODE_SUFFIXES = (".py", ".ipynb")
# The limit for a file, attached or linked (the code itself is held to the handler's limit).
MAX_FILE_BYTES = 256 * 1024
MAX_CELLS = 2_000
SKIP_TAG = "skip-grading"
_D2L_IMPORT = re.compile(r"\s*(from\s+d2l(\.\w+)*\s+import\b|import\s+d2l\b)")
_SKIP_LINE = re.compile(r"#\s*skip-grading\b")


class UnreadableSubmission(ValueError):
    """The submission cannot be read; the message is one sentence for the member."""


@dataclass(frozen=True)
class ReadSubmission:
    """The code to grade and what the member should know about how it was read."""

    code: str
    notes: tuple[str, ...] = ()
    # Notebook cells that were graded, numbered from 1 over every cell (markdown too).
    cells: tuple[int, ...] = ()


@dataclass
class _Omissions:
    magic_lines: int = 0
    d2l_lines: int = 0
    cell_magics: list[int] | None = None
    skipped: list[int] | None = None


def is_code_file(name: str) -> bool:
    return name.lower().endswith(CODE_SUFFIXES)


def check_file_name(name: str) -> None:
    """Refuses, before any download, a file that is neither `.py` nor `.ipynb`."""
    if not is_code_file(name):
        raise UnreadableSubmission(
            f"I can read `.py` and `.ipynb` files; `{name[:80]}` is neither."
        )


def read_file(name: str, data: bytes) -> ReadSubmission:
    """The code in an attached or downloaded `.py`/`.ipynb` file."""
    shown = f"`{name[:80]}`"
    check_file_name(name)
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableSubmission(
            f"{shown} is {len(data) // 1024} KB; the limit is {MAX_FILE_BYTES // 1024} KB."
        )
    text = _decode(shown, data)
    if name.lower().endswith(".ipynb"):
        return read_notebook(text, shown)
    return read_text(text)


def read_text(text: str) -> ReadSubmission:
    """Code typed in a fenced block or read from a `.py` file (a pasted notebook reads as one)."""
    if text.lstrip().startswith("{") and '"cells"' in text:
        return read_notebook(text, "That pasted notebook")
    omissions = _Omissions()
    code = _clean_cell(text, omissions)
    return ReadSubmission(code=code, notes=_notes(omissions) + _redefinitions([(0, code)]))


def read_notebook(text: str, shown: str = "That notebook") -> ReadSubmission:
    """The code cells of a notebook, in order, with what was left out noted."""
    cells = _cells(text, shown)
    omissions = _Omissions(cell_magics=[], skipped=[])
    graded: list[tuple[int, str]] = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell.get("source", ""))
        if not source.strip():
            continue
        tags = (cell.get("metadata") or {}).get("tags") or []
        first = source.lstrip().splitlines()[0]
        if SKIP_TAG in tags or _SKIP_LINE.fullmatch(first.strip()):
            assert omissions.skipped is not None
            omissions.skipped.append(number)
            continue
        if first.startswith("%%"):
            assert omissions.cell_magics is not None
            omissions.cell_magics.append(number)
            continue
        code = _clean_cell(source, omissions)
        if any(_is_code(line) for line in code.split("\n")):
            graded.append((number, code))
    if not graded:
        raise UnreadableSubmission(f"{shown} has no code cells to grade.")
    numbers = tuple(n for n, _ in graded)
    notes = _notes(omissions)
    notes += (f"Graded cells {_numbers(numbers)} (counting every cell from the top).",)
    notes += _redefinitions(graded)
    code = "\n\n".join(f"# cell {n}\n{c.rstrip()}" for n, c in graded)
    return ReadSubmission(code=code, notes=notes, cells=numbers)


def _decode(shown: str, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(data) > 1 and data[1:2] == b"\x00"):
        raise UnreadableSubmission(f"{shown} is UTF-16 text; save it as UTF-8 and send it again.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableSubmission(
            f"{shown} isn't text (it reads as binary); send a `.py` or `.ipynb` file."
        ) from None
    if "\x00" in text:
        raise UnreadableSubmission(
            f"{shown} isn't text (it holds NUL bytes); send a `.py` or `.ipynb` file."
        )
    return text


def _cells(text: str, shown: str) -> list[dict[str, Any]]:
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise UnreadableSubmission(f"{shown} isn't a Jupyter notebook (it isn't JSON).") from None
    cells = raw.get("cells") if isinstance(raw, dict) else None
    if not isinstance(cells, list):
        raise UnreadableSubmission(f"{shown} isn't a Jupyter notebook (it has no cells).")
    if len(cells) > MAX_CELLS:
        raise UnreadableSubmission(
            f"{shown} has {len(cells):,} cells; I read notebooks of up to {MAX_CELLS:,} cells."
        )
    if "nbformat" not in raw:  # hand-written or exported without its header: read as 4.0
        raw = {"nbformat": 4, "nbformat_minor": 0, "metadata": {}, **raw}
        for cell in cells:
            if isinstance(cell, dict):
                cell.setdefault("metadata", {})
                if cell.get("cell_type") == "code":
                    cell.setdefault("outputs", [])
                    cell.setdefault("execution_count", None)
        text = json.dumps(raw)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing cell ids, a newer minor version
            notebook = nbformat.reads(text, as_version=4)  # type: ignore[no-untyped-call]
            nbformat.validate(notebook)
    except Exception:  # nbformat raises its own validation and reader errors
        raise UnreadableSubmission(
            f"{shown} isn't a valid Jupyter notebook (nbformat 4 can't read it)."
        ) from None
    return [dict(cell) for cell in notebook.cells]


def _source(source: object) -> str:
    if isinstance(source, list):
        return "".join(str(line) for line in source)
    return source if isinstance(source, str) else ""


def _clean_cell(source: str, omissions: _Omissions) -> str:
    lines = []
    for line in source.replace("\r\n", "\n").split("\n"):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if stripped.startswith(("%", "!")):
            omissions.magic_lines += 1
            lines.append(f"{indent}pass  # left out: {stripped}")
        elif _D2L_IMPORT.match(line):
            omissions.d2l_lines += 1
            lines.append(f"{indent}pass  # left out (no d2l in the grader): {stripped}")
        else:
            lines.append(line)
    return "\n".join(lines)


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(("#", "pass  # left out"))


def _notes(omissions: _Omissions) -> tuple[str, ...]:
    notes = []
    if omissions.magic_lines:
        n = omissions.magic_lines
        notes.append(f"{n} line{'s' if n > 1 else ''} left out: shell and magic commands.")
    if omissions.cell_magics:
        notes.append(f"{_cells_word(omissions.cell_magics)} left out: cell magics (`%%…`).")
    if omissions.d2l_lines:
        notes.append(f"`d2l` import left out: {D2L_HINT}.")
    if omissions.skipped:
        notes.append(f"{_cells_word(omissions.skipped)} left out: tagged `{SKIP_TAG}`.")
    return tuple(notes)


def _redefinitions(parts: Sequence[tuple[int, str]]) -> tuple[str, ...]:
    """Functions defined more than once: the last definition is the one graded."""
    places: dict[str, list[str]] = {}
    for number, code in parts:
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # the source check reports it with its line
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                where = f"cell {number}" if number else f"line {node.lineno}"
                places.setdefault(node.name, []).append(where)
    return tuple(
        f"`{name}` is defined {len(where)} times ({', '.join(where)}): the last definition "
        f"({where[-1]}) is the one graded."
        for name, where in places.items()
        if len(where) > 1
    )


def _numbers(numbers: Sequence[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _cells_word(numbers: Sequence[int]) -> str:
    return f"Cell{'s' if len(numbers) > 1 else ''} {_numbers(numbers)}"
