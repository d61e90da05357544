"""The source check refuses forbidden APIs and the ways around it, naming what it found."""

from __future__ import annotations

import pytest

from quizzes.exercises.source_check import SourceError, check_source

SOFTMAX_FORBIDDEN = ("torch.softmax", "torch.Tensor.softmax", "torch.nn.functional.softmax")


def messages(source: str, forbidden: tuple[str, ...] = SOFTMAX_FORBIDDEN) -> str:
    return "\n".join(str(v) for v in check_source(source, forbidden))


def test_plain_tensor_code_passes() -> None:
    source = "import math\nimport torch\n\ndef f(x):\n    return torch.exp(x) / math.pi\n"
    assert check_source(source, SOFTMAX_FORBIDDEN) == []


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("import torch\ndef f(x):\n    return torch.softmax(x, 1)\n", "torch.softmax"),
        ("import torch.nn.functional as F\ny = F.softmax\n", "F.softmax"),
        ("def f(x):\n    return x.softmax(1)\n", "x.softmax"),
        ("from torch import softmax\n", "torch.softmax"),
        ("from torch.nn.functional import softmax as s\n", "torch.nn.functional.softmax"),
    ],
)
def test_a_forbidden_api_is_named_with_its_line(source: str, named: str) -> None:
    found = messages(source)
    assert named in found
    assert "forbidden in this exercise" in found
    assert found.startswith("line ")


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("import torch\nf = getattr(torch, 'soft' + 'max')\n", "getattr"),
        ("m = __import__('torch')\n", "__import__"),
        ("import importlib\n", "importlib"),
        ("import os\n", "'os'"),
        ("from subprocess import run\n", "'subprocess'"),
        ("import torch\nf = torch._C._VariableFunctions\n", "torch._C"),
        ("def f(x):\n    return x.__class__.__bases__\n", "x.__class__"),
        ("import torch\ng = eval('torch.softmax')\n", "eval"),
        ("from operator import attrgetter\n", "attrgetter"),
        ("import torch\nname = 'softmax'\n", "'softmax'"),
        ("from torch import *\n", "import *"),
        ("import torch\ntorch.allclose = lambda *a, **k: True\n", "torch.allclose"),
        ("import torch\nt = torch\nt.isclose = print\n", "t.isclose"),
        ("import torch\nx = torch.zeros(1)\ntorch.save(x, 'out/results.json')\n", "save"),
        ("f = open('results.json', 'w')\n", "open"),
        ("b = __builtins__\n", "__builtins__"),
    ],
)
def test_ways_around_the_check_are_refused(source: str, named: str) -> None:
    assert named in messages(source)


def test_forbidden_module_imports_are_refused() -> None:
    found = messages("from torch.optim import SGD\n", ("torch.optim", "torch.optim.SGD"))
    assert "torch.optim is forbidden" in found


def test_assigning_autograd_fields_and_own_attributes_is_allowed() -> None:
    source = (
        "import torch\n"
        "def f(w):\n"
        "    w.requires_grad = True\n"
        "    w.grad = None\n"
        "    return w\n"
        "class M:\n"
        "    def __init__(self):\n"
        "        self.scale = 2\n"
    )
    assert check_source(source, SOFTMAX_FORBIDDEN) == []


def test_a_syntax_error_names_the_line() -> None:
    with pytest.raises(SourceError, match="line 2"):
        check_source("def f(x):\n    return (x\n")


@pytest.mark.parametrize(
    "source",
    ["x = " + "(" * 5000 + ")" * 5000 + "\n", "x = 1\n" * 20_000, "x = 1\0\n", "x = '\ud800'\n"],
    ids=["deeply nested", "too long", "null byte", "lone surrogate"],
)
def test_hostile_source_is_refused_without_crashing_the_grader(source: str) -> None:
    with pytest.raises(SourceError):
        check_source(source)
