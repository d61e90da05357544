"""Forbidden operations are refused where they run: at the dispatcher, whatever the route.

Every route the security review used for full marks (issue 14), and a few more, scores 0 with
"forbidden": through the source check when graded normally, and at the dispatcher (the harness's
refusing kernels and, for autograd-free exercises, its autograd guard) when the source check is
skipped (`run_unchecked`), which shows the run-time layer holds by itself.
"""

from __future__ import annotations

import fnmatch

import pytest
import torch

from bot.sandbox import Evaluator
from quizzes.exercises import harness
from quizzes.exercises.catalog import list_exercises
from quizzes.exercises.grader import grade
from quizzes.exercises.source_check import check_source
from quizzes.exercises.spec import ExerciseSpec
from tests.exercises.conftest import ForkServerExecutor, run_unchecked
from tests.exercises.solutions import SOLUTIONS

SOFTMAX_VF = """
import torch

def softmax(X):
    return torch._C._VariableFunctions.softmax(X, 1)
"""

SOFTMAX_OPS = """
import torch

def softmax(X):
    return torch.ops.aten.softmax(X, 1)
"""

SOFTMAX_OPS_PRIVATE = """
import torch

def softmax(X):
    return torch.ops.aten._softmax(X, 1, False)
"""

SOFTMAX_SWALLOWED = """
import torch

def softmax(X):
    try:
        return torch.ops.aten.softmax(X, 1)
    except BaseException:
        e = torch.exp(X - X.max(dim=1, keepdim=True).values)
        return e / e.sum(dim=1, keepdim=True)
"""

CONV2D_OPS = """
import torch

def conv2d(X, K, b, stride=(1, 1), padding=(0, 0)):
    return torch.ops.aten.conv2d(X, K, b, list(stride), list(padding))
"""

# The harness's own saved autograd function, fetched from its module (the review's route).
NUMERIC_GRAD_SAVED = """
import torch

def numeric_grad(f, x, h=1e-5):
    main = vars(torch.sys.modules["__main__"])
    saved = main.get("_autograd_grad")
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        y = f(x)
        if saved is not None:
            return saved(y, x)[0]
        return torch.sys.modules["torch.autograd"].grad(y, x)[0]
"""

# The autograd engine itself, under its private name.
NUMERIC_GRAD_ENGINE = """
import torch

def numeric_grad(f, x, h=1e-5):
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        y = f(x)
        engine = torch.autograd.Variable._execution_engine
        return engine.run_backward((y,), (torch.ones_like(y),), False, False, (x,), False)[0]
"""

NUMERIC_GRAD_BACKWARD_HOOK = """
import torch

def numeric_grad(f, x, h=1e-5):
    x = x.detach().clone()
    x.requires_grad = True
    y = f(x)
    torch.sys.modules["torch.autograd"].backward(y)
    return x.grad
"""

NUMERIC_GRAD_FORWARD_AD = """
import torch
import torch.autograd.forward_ad as fwAD

def numeric_grad(f, x, h=1e-5):
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        t = torch.zeros_like(x)
        t[i] = 1.0
        with fwAD.dual_level():
            grad[i] = fwAD.unpack_dual(f(fwAD.make_dual(x, t))).tangent
    return grad
"""

NUMERIC_GRAD_FUNC = """
import torch

def numeric_grad(f, x, h=1e-5):
    return torch.sys.modules["torch._functorch.apis"].grad(f)(x)
"""

# The dispatch mode taken off the stack for the duration (private names: unchecked runs only).
# The hidden f is opaque to autograd (issue 22), so the graph is one the member builds.
NUMERIC_GRAD_MODES_OFF = """
import torch

def numeric_grad(f, x, h=1e-5):
    with torch.utils._python_dispatch._disable_current_modes():
        x = x.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            y = (x * x).sum() + f(x)
            engine = torch.autograd.Variable._execution_engine
            return engine.run_backward((y,), (torch.ones_like(y),), False, False, (x,), False)[0]
"""

# Another thread: dispatch modes are per thread, the deny list is not.
SOFTMAX_THREAD = """
import threading
import torch

def softmax(X):
    box = []
    worker = threading.Thread(target=lambda: box.append(torch.ops.aten._softmax(X, 1, False)))
    worker.start()
    worker.join()
    return box[0]
"""

ROUTES = [
    ("softmax", SOFTMAX_VF),
    ("softmax", SOFTMAX_OPS),
    ("softmax", SOFTMAX_OPS_PRIVATE),
    ("softmax", SOFTMAX_SWALLOWED),
    ("softmax", SOFTMAX_THREAD),
    ("conv2d", CONV2D_OPS),
    ("numeric_grad", NUMERIC_GRAD_SAVED),
    ("numeric_grad", NUMERIC_GRAD_ENGINE),
    ("numeric_grad", NUMERIC_GRAD_BACKWARD_HOOK),
    ("numeric_grad", NUMERIC_GRAD_FORWARD_AD),
    ("numeric_grad", NUMERIC_GRAD_FUNC),
    ("numeric_grad", NUMERIC_GRAD_MODES_OFF),
]
IDS = [
    "softmax-VariableFunctions",
    "softmax-ops.aten.softmax",
    "softmax-ops.aten._softmax",
    "softmax-swallowed",
    "softmax-thread",
    "conv2d-ops.aten.conv2d",
    "numeric_grad-saved-autograd",
    "numeric_grad-engine",
    "numeric_grad-backward",
    "numeric_grad-forward-ad",
    "numeric_grad-func.grad",
    "numeric_grad-modes-off",
]


@pytest.mark.parametrize(("exercise", "source"), ROUTES, ids=IDS)
async def test_each_route_is_refused_by_the_source_check(
    exercise: str, source: str, executor: ForkServerExecutor
) -> None:
    result = await grade(exercise, source, executor, seed=7)
    assert (result.status, result.score) == ("forbidden", 0), result


@pytest.mark.sandbox
@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("exercise", "source"), ROUTES, ids=IDS)
async def test_each_route_is_refused_in_the_sandbox(
    exercise: str, source: str, bwrap: Evaluator
) -> None:
    result = await run_unchecked(bwrap, exercise, source)
    assert (result.status, result.score) == ("forbidden", 0), result


@pytest.mark.parametrize(("exercise", "source"), ROUTES, ids=IDS)
async def test_each_route_is_refused_at_the_dispatcher(
    exercise: str, source: str, executor: ForkServerExecutor
) -> None:
    result = await run_unchecked(executor, exercise, source)
    assert (result.status, result.score) == ("forbidden", 0), result
    assert all(t.points == 0 for t in result.tests)


async def test_a_correct_numeric_grad_still_passes_with_autograd_refused(
    executor: ForkServerExecutor,
) -> None:
    result = await run_unchecked(executor, "numeric_grad", SOLUTIONS["numeric_grad"])
    assert (result.status, result.score) == ("passed", result.max_score), result


def test_the_harness_keeps_no_reachable_privileged_functions() -> None:
    privileged = {id(torch.autograd.grad), id(torch.autograd.backward), id(torch.stack)}
    assert not [name for name, value in vars(harness).items() if id(value) in privileged]


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("import torch\ng = torch.builtins.getattr\n", "torch.builtins"),
        ("import torch\nm = torch.sys.modules\n", "torch.sys"),
        ("import torch\ntorch.os.kill(0, 15)\n", "torch.os"),
        ("import torch\ns = torch.inspect.getsource\n", "torch.inspect"),
        ("import torch\nf = torch.ops.aten.softmax\n", "torch.ops"),
        ("import torch\nlib = torch.library.Library\n", "torch.library"),
        ("import torch.nn.functional as F\nF.torch.sys.exit()\n", "F.torch.sys"),
        ("import math\nimport torch\nx = torch.nn.functional.importlib\n", "importlib"),
        ("import typing\nt = typing.sys\n", "typing.sys"),
        ("import torch\nc = torch.ctypes\n", "torch.ctypes"),
        ("import torch\np = torch.multiprocessing\n", "torch.multiprocessing"),
        ("import torch\nf = torch.jit.CompilationUnit\n", "torch.jit"),
        ("import torch\ndef f(x: 'getattr(torch, \"x\")'):\n    pass\n", "getattr"),
        ("import typing\nh = typing.get_type_hints\n", "get_type_hints"),
        ("import torch\nt = torch.fx\n", "torch.fx"),
    ],
)
def test_routes_to_the_interpreter_through_modules_are_refused(source: str, named: str) -> None:
    found = "\n".join(str(v) for v in check_source(source, ()))
    assert named in found, found


def test_tensor_methods_named_like_stdlib_modules_are_allowed() -> None:
    source = "import torch\n\ndef f(x, state):\n    s = state.copy()\n"
    source += "    return x.select(0, 1).trace() + torch.chunk(x, 2)[0]\n"
    assert check_source(source, ()) == []


@pytest.mark.parametrize("spec", list_exercises(), ids=lambda spec: spec.id)
def test_every_forbidden_op_pattern_names_a_real_operator(spec: ExerciseSpec) -> None:
    names = {
        name.split("::", 1)[1].split(".", 1)[0] for name in torch._C._dispatch_get_all_op_names()
    }
    for pattern in spec.forbidden_ops:
        assert fnmatch.filter(names, pattern), f"{spec.id}: {pattern} matches no aten operator"


async def test_a_forbidden_operator_in_the_harness_list_is_refused_outside_any_call(
    executor: ForkServerExecutor,
) -> None:
    # At import time, before any case runs: the refusing kernels are in place already.
    source = "import torch\nY = torch.ops.aten._softmax(torch.ones(2, 2), 1, False)\n"
    source += SOLUTIONS["softmax"]
    result = await run_unchecked(executor, "softmax", source)
    assert (result.status, result.score) == ("forbidden", 0)
    assert "aten::_softmax" in result.message
