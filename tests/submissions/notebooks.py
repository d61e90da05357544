"""Notebooks as members send them: Colab's own lines, markdown, a function defined twice."""

from __future__ import annotations

import json
from typing import Any

# The first version is wrong (unstable), the second is right: the last definition is graded.
FIRST = "def softmax(X):\n    return torch.exp(X) / torch.exp(X).sum(dim=1, keepdim=True)\n"
SECOND = (
    "def softmax(X):\n"
    "    Z = X - X.max(dim=1, keepdim=True).values\n"
    "    return torch.exp(Z) / torch.exp(Z).sum(dim=1, keepdim=True)\n"
)


def cell(kind: str, source: str, **metadata: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"cell_type": kind, "metadata": metadata, "source": source}
    if kind == "code":
        base.update(outputs=[], execution_count=None)
    return base


def notebook(*cells: dict[str, Any], minor: int = 5) -> bytes:
    return json.dumps(
        {"nbformat": 4, "nbformat_minor": minor, "metadata": {}, "cells": list(cells)}
    ).encode()


def colab_notebook() -> bytes:
    """Cells 1-5: pip, imports with d2l and a magic, markdown, version 1, version 2."""
    return notebook(
        cell("code", "!pip install d2l==1.0.3"),
        cell("code", "%matplotlib inline\nimport torch\nfrom d2l import torch as d2l"),
        cell("markdown", "## Softmax\nTwo tries below."),
        cell("code", "import numpy as np\n" + FIRST),
        cell("code", SECOND),
    )


# What `submit` says about it, on every platform.
COLAB_NOTES = (
    "2 lines left out: shell and magic commands.",
    "`d2l` import left out: the grader has no d2l package: copy the helper you need into "
    "your code.",
    "Graded cells 2, 4, 5 (counting every cell from the top).",
    "`softmax` is defined 2 times (cell 4, cell 5): the last definition (cell 5) is the one "
    "graded.",
)
