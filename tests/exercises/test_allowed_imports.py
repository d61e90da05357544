"""Imports that do no harm are allowed; the ones that would defeat the grade still are not.

numpy, the book's helpers and packages the grader lacks are what members really write. The
relaxations must not open a route: numpy's file readers, functools' wrappers that copy one
object's `__dict__` into another, and forbidden APIs reached through an allowed module are
refused as before.
"""

from __future__ import annotations

import pytest

from quizzes.exercises.grader import grade
from quizzes.exercises.reader import read_text
from quizzes.exercises.source_check import check_source
from tests.exercises.conftest import ForkServerExecutor, run_unchecked
from tests.exercises.solutions import SOLUTIONS

STABLE = SOLUTIONS["softmax"]
SOFTMAX_FORBIDDEN = ("torch.softmax", "torch.nn.functional.softmax", "torch.Tensor.softmax")


@pytest.mark.parametrize(
    "header",
    [
        "import numpy as np\n",
        "import numpy\nfrom numpy import random as npr\n",
        "import math, typing, collections, itertools, functools, dataclasses, operator, random\n",
        "from functools import partial, reduce\nfrom itertools import chain\n",
    ],
)
async def test_harmless_imports_are_graded_like_any_code(
    executor: ForkServerExecutor, header: str
) -> None:
    result = await grade("softmax", header + STABLE, executor, seed=3)
    assert (result.status, result.score) == ("passed", result.max_score), result.message


async def test_an_import_the_grader_lacks_is_an_error_not_cheating(
    executor: ForkServerExecutor,
) -> None:
    result = await grade("softmax", "import pandas as pd\n" + STABLE, executor, seed=3)
    assert (result.status, result.score) == ("error", 0)
    assert "pandas isn't installed in the grader" in result.message
    assert "not allowed" not in result.message


async def test_the_d2l_import_is_left_out_and_a_later_use_says_why(
    executor: ForkServerExecutor,
) -> None:
    read = read_text("from d2l import torch as d2l\n" + STABLE)
    assert (await grade("softmax", read.code, executor, seed=3)).status == "passed"
    used = read_text("import d2l\n" + STABLE + "\nd2l.plot(1)\n")
    result = await grade("softmax", used.code, executor, seed=3)
    assert (result.status, result.score) == ("error", 0)
    assert "the grader has no d2l package: copy the helper you need" in result.message


def test_a_member_who_names_their_own_helper_d2l_is_not_told_off() -> None:
    assert check_source("class d2l:\n    pass\n\nx = d2l()\n") == []


def test_standard_library_modules_are_still_refused_not_missing() -> None:
    for source in ("import os\n", "import subprocess\n", "from pathlib import Path\n"):
        found = check_source(source)
        assert found and all(v.kind == "forbidden" for v in found)
        assert "is not allowed" in found[0].message


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("import numpy as np\nx = np.load('cases.json')\n", "np.load"),
        ("import numpy as np\nx = np.fromfile('inputs.safetensors')\n", "np.fromfile"),
        ("import numpy as np\nx = np.loadtxt('cases.json')\n", "np.loadtxt"),
        ("import numpy as np\nx = np.genfromtxt('cases.json')\n", "np.genfromtxt"),
        ("import numpy as np\nx = np.memmap('inputs.safetensors')\n", "np.memmap"),
        ("import numpy as np\nx = np.lib.format.open_memmap('a')\n", "open_memmap"),
        ("import numpy as np\nd = np.DataSource()\n", "np.DataSource"),
        ("from numpy import fromfile\n", "fromfile"),
        ("import numpy as np\nnp.zeros(1).tofile('out/results.json')\n", "tofile"),
        ("import numpy as np\nc = np.ctypeslib\n", "np.ctypeslib"),
        ("import numpy as np\nnp.zeros(1).dump('out/results.json')\n", "dump"),
        ("import numpy as np\nwith np.testing.temppath() as p:\n    pass\n", "temppath"),
        ("import numpy as np\no = np.os\n", "np.os"),
        ("import numpy as np\ns = np.sys.modules\n", "np.sys"),
        ("import numpy.lib.npyio as io\n", "npyio"),
        ("import functools, torch\nfunctools.update_wrapper(torch, object())\n", "update_wrapper"),
        ("import functools, torch\nfunctools.wraps(object())(torch.nn)\n", "wraps"),
        ("from functools import update_wrapper\n", "update_wrapper"),
        ("import functools, torch\nf = functools.partial(torch.softmax, dim=1)\n", "softmax"),
        ("import functools, torch\nf = functools.partial(setattr, torch, 'x')\n", "setattr"),
        ("import operator, torch\nf = operator.attrgetter('softmax')\n", "attrgetter"),
        ("import numpy as np\nnp.exp = print\n", "np.exp"),
        ("import itertools, torch\nit = itertools.starmap(torch.softmax, [])\n", "softmax"),
    ],
)
def test_cheats_through_newly_allowed_imports_are_refused(source: str, named: str) -> None:
    found = [v for v in check_source(source, SOFTMAX_FORBIDDEN) if v.kind == "forbidden"]
    assert any(named in str(v) for v in found), found


async def test_numpy_reading_the_jobs_files_is_refused_and_would_gain_nothing(
    executor: ForkServerExecutor,
) -> None:
    source = (
        "import numpy as np\nimport torch\n"
        "def softmax(X):\n"
        "    raw = np.fromfile('cases.json', dtype=np.uint8)\n"
        "    return torch.zeros_like(X) + float(raw.sum())\n"
    )
    checked = await grade("softmax", source, executor, seed=7)
    assert (checked.status, checked.score) == ("forbidden", 0)
    result = await run_unchecked(executor, "softmax", source)
    assert result.score == 0


async def test_functools_patching_torch_is_refused_and_would_gain_nothing(
    executor: ForkServerExecutor,
) -> None:
    source = (
        "import functools\nimport torch\n"
        "class Fake:\n    pass\n"
        "Fake.allclose = lambda *a, **k: True\n"
        "functools.update_wrapper(torch, Fake, assigned=(), updated=('__dict__',))\n"
        "def softmax(X):\n    return X\n"
    )
    checked = await grade("softmax", source, executor, seed=7)
    assert (checked.status, checked.score) == ("forbidden", 0)
    assert "update_wrapper" in checked.message
    result = await run_unchecked(executor, "softmax", source)
    assert result.score == 0
