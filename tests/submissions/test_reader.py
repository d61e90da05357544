"""The one reader of submissions: fenced code, `.py` files and notebooks, and bad input."""

from __future__ import annotations

import json

import pytest

from quizzes.exercises.reader import (
    MAX_CELLS,
    UnreadableSubmission,
    read_file,
    read_text,
)
from quizzes.exercises.source_check import check_source
from tests.submissions.notebooks import COLAB_NOTES, SECOND, cell, colab_notebook, notebook


def test_a_colab_notebook_keeps_its_code_cells_in_order_and_says_what_was_left_out() -> None:
    read = read_file("work.ipynb", colab_notebook())
    assert read.notes == COLAB_NOTES
    assert read.cells == (2, 4, 5)
    assert read.code.index("# cell 4") < read.code.index("# cell 5")
    assert read.code.rstrip().endswith(SECOND.rstrip())
    assert "Two tries below" not in read.code  # markdown is not code
    assert check_source(read.code, ("torch.softmax",)) == []


def test_a_cell_magic_leaves_out_the_whole_cell() -> None:
    data = notebook(cell("code", "%%timeit\nx = 1"), cell("code", "y = 2"))
    read = read_file("n.ipynb", data)
    assert "x = 1" not in read.code and "y = 2" in read.code
    assert "Cell 1 left out: cell magics (`%%…`)." in read.notes


def test_cells_tagged_or_marked_skip_grading_are_left_out() -> None:
    data = notebook(
        cell("code", "a = 1", tags=["skip-grading"]),
        cell("code", "# skip-grading\nb = 2"),
        cell("code", "c = 3"),
    )
    read = read_file("n.ipynb", data)
    assert read.cells == (3,) and "a = 1" not in read.code and "b = 2" not in read.code
    assert "Cells 1, 2 left out: tagged `skip-grading`." in read.notes


def test_outputs_and_metadata_are_ignored() -> None:
    code = cell("code", "x = 1", collapsed=True)
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "secret\n"}]
    read = read_file("n.ipynb", notebook(code))
    assert "secret" not in read.code and "collapsed" not in read.code


def test_a_notebook_of_a_newer_minor_format_still_reads() -> None:
    data = json.loads(notebook(cell("code", "x = 1"), minor=99))
    data["cells"][0]["id"] = "abc"
    data["metadata"]["future_field"] = {"anything": 1}
    assert "x = 1" in read_file("n.ipynb", json.dumps(data).encode()).code


def test_magics_and_shell_lines_in_a_fenced_block_are_commented_out_too() -> None:
    read = read_text("!nvidia-smi\nimport torch\n%time x = 1\ndef f(x):\n    return x\n")
    assert read.notes == ("2 lines left out: shell and magic commands.",)
    assert "pass  # left out: !nvidia-smi" in read.code
    assert check_source(read.code) == []


def test_a_function_defined_twice_in_a_file_names_the_line_that_counts() -> None:
    read = read_text("def f(x):\n    return 1\n\ndef f(x):\n    return 2\n")
    assert read.notes == (
        "`f` is defined 2 times (line 1, line 4): the last definition (line 4) is the one graded.",
    )


def test_a_notebook_pasted_as_text_reads_as_a_notebook() -> None:
    read = read_text(colab_notebook().decode())
    assert read.notes == COLAB_NOTES


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("n.ipynb", b"def f(): pass", "isn't a Jupyter notebook (it isn't JSON)."),
        ("n.ipynb", notebook(cell("markdown", "# only prose")), "has no code cells to grade."),
        # 10,000 empty cells are over the size limit; a smaller flood is over the cell limit.
        ("n.ipynb", notebook(*[cell("code", "") for _ in range(10_000)]), "the limit is 256 KB."),
        (
            "n.ipynb",
            json.dumps({"cells": [{"cell_type": "code", "source": ""}] * (MAX_CELLS + 1)}).encode(),
            f"I read notebooks of up to {MAX_CELLS:,} cells.",
        ),
        ("n.ipynb", notebook(*[cell("code", "") for _ in range(1_000)]), "no code cells"),
        ("n.ipynb", b'{"cells": [{"cell_type": "code", "source": 7}]}', "valid Jupyter"),
        ("a.py", "x = 1\n".encode("utf-16"), "is UTF-16 text; save it as UTF-8"),
        ("a.py", bytes(range(256)), "isn't text"),
        ("a.py", b"x = 1\x00\n", "isn't text"),
        ("a.txt", b"x = 1", "I can read `.py` and `.ipynb` files; `a.txt` is neither."),
        ("a.py", b"x" * 300_000, "the limit is 256 KB."),
    ],
)
def test_bad_input_gets_one_sentence(name: str, data: bytes, says: str) -> None:
    with pytest.raises(UnreadableSubmission) as caught:
        read_file(name, data)
    message = str(caught.value)
    assert says in message
    assert message.count(". ") == 0 and "\n" not in message and "Traceback" not in message
