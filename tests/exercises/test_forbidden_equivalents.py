"""Each exercise's forbidden list names the operations that do its work, under any name.

Issue 22's list of equivalents that used to do the forbidden work under another name: each is
called from inside an otherwise correct solution (the YAML's model solution) and scores 0
through the source check; where the work reaches a kernel of its own, the same work by a route
no Python patch sees (`torch.ops.aten`, the functional `torch.optim` modules) scores 0 at the
dispatcher too, with the source check skipped (`run_unchecked`). Composite routes that
decompose into everyday operators (`torch.functional.einsum` into `bmm`, `torch.cov` into
sums, `torch.distributions` into plain math, `torch.rnn_tanh` into `mm` and `tanh`) are the
source check's alone.
"""

from __future__ import annotations

import pytest

from quizzes.exercises.catalog import get_exercise
from quizzes.exercises.grader import grade
from tests.exercises.conftest import ForkServerExecutor, run_unchecked

F64 = "dtype=torch.float64"
ADAM_ARGS = (
    "[torch.ones(2, {f})], [torch.ones(2, {f})], [torch.zeros(2, {f})], [torch.zeros(2, {f})], "
    "[], [torch.tensor(0.0, {f})], foreach={foreach}, capturable=False, differentiable=False, "
    "fused=None, grad_scale=None, found_inf=None, has_complex=False, amsgrad=False, "
    "beta1=0.9, beta2=0.999, lr=0.01, weight_decay=0.0, eps=1e-8, maximize=False"
)

X = "torch.ones({}, dtype=torch.float64)".format
GROUP_NORM_ARGS = f"{X('2, 2, 3')}, None, None, 2, 2, 3, 1, 1e-5"
ADAGRAD_ARGS = (
    f"[{X(2)}], [{X(2)}], [torch.zeros(2, {F64})], [torch.tensor(0.0, {F64})], foreach=False, "
    "lr=0.1, weight_decay=0.0, lr_decay=0.0, eps=1e-10, maximize=False, has_sparse_grad=False"
)
RMSPROP_ARGS = (
    f"[{X(2)}], [{X(2)}], [torch.zeros(2, {F64})], [], [], [torch.tensor(0.0, {F64})], "
    "foreach=False, lr=0.1, alpha=0.9, eps=1e-8, weight_decay=0.0, momentum=0.0, "
    "centered=False, maximize=False"
)
SGD_ARGS = (
    f"[{X(2)}], [{X(2)}], [None], foreach=True, weight_decay=0.0, momentum=0.9, lr=0.1, "
    "dampening=0.0, nesterov=False, maximize=False"
)

# (exercise, imports, the call by its public name, the same work by a route that no Python
# patch sees (torch.ops.aten, an unpatched module), refused by the kernel it reaches; None
# where it decomposes into everyday operators and only the source check can refuse it)
ROUTES: list[tuple[str, str, str, str | None]] = [
    (
        "dropout",
        "",
        f"torch.native_dropout({X(4)}, 0.5, True)",
        f"torch.ops.aten.native_dropout({X(4)}, 0.5, True)",
    ),
    (
        "batch_norm",
        "",
        f"torch.native_group_norm({GROUP_NORM_ARGS})",
        f"torch.ops.aten.native_group_norm({GROUP_NORM_ARGS})",
    ),
    (
        "layer_norm",
        "",
        f"torch.native_group_norm({GROUP_NORM_ARGS})",
        f"torch.ops.aten.native_group_norm({GROUP_NORM_ARGS})",
    ),
    (
        "conv2d",
        "",
        f"torch.ops.aten.thnn_conv2d({X('1, 1, 3, 3')}, {X('1, 1, 2, 2')}, [2, 2])",
        f"torch.ops.aten.thnn_conv2d({X('1, 1, 3, 3')}, {X('1, 1, 2, 2')}, [2, 2])",
    ),
    (
        "pool2d",
        "import torch.nn.functional as F",
        f"F.max_pool3d({X('1, 1, 2, 2, 2')}, 2)",
        f"torch.ops.aten.max_pool3d_with_indices({X('1, 1, 2, 2, 2')}, [2, 2, 2])",
    ),
    (
        "pool2d",
        "import torch.nn.functional as F",
        f"F.avg_pool3d({X('1, 1, 2, 2, 2')}, 2)",
        f"torch.ops.aten.avg_pool3d({X('1, 1, 2, 2, 2')}, [2, 2, 2])",
    ),
    (
        "cross_entropy",
        "",
        f"torch.ops.aten.cross_entropy_loss({X('2, 3')}, torch.tensor([0, 1]))",
        f"torch.ops.aten.cross_entropy_loss({X('2, 3')}, torch.tensor([0, 1]))",
    ),
    (
        "cross_entropy",
        "",
        f"torch.logcumsumexp({X('2, 3')}, 1)",
        f"torch.ops.aten.logcumsumexp({X('2, 3')}, 1)",
    ),
    (
        "streaming_mean_var",
        "",
        f"torch.cov(torch.column_stack([{X(3)}, {X(3)}]))",
        f"torch.ops.aten.cat([{X('3, 1')}, {X('3, 1')}], 1)",  # what column_stack runs
    ),
    ("streaming_mean_var", "", f"torch.cov({X('2, 3')})", None),
    (
        "streaming_mean_var",
        "",
        f"torch.block_diag({X('1, 2')})",
        f"torch.ops.aten.block_diag([{X('1, 2')}])",
    ),
    (
        "train_linreg_sgd",
        "",
        f"torch.cholesky_solve({X('2, 1')}, torch.eye(2, {F64}))",
        f"torch.ops.aten.cholesky_solve({X('2, 1')}, torch.eye(2, {F64}))",
    ),
    ("tensor_reduction", "", f"torch.functional.einsum('i,i->', {X(2)}, {X(2)})", None),
    (
        "pairwise_sqdist",
        "",
        f"torch.functional.cdist({X('2, 2')}, {X('3, 2')})",
        f"torch.ops.aten._cdist_forward({X('2, 2')}, {X('3, 2')}, 2.0, None)",
    ),
    ("bayes_posterior", "", "torch.distributions.Categorical(probs=torch.ones(2))", None),
    (
        "masked_attention",
        "import torch.nn.functional as F",
        f"F.scaled_dot_product_attention(*[{X('1, 2, 3')}] * 3)",
        f"torch.ops.aten._safe_softmax({X('1, 2, 3')}, -1)",  # its math path's softmax
    ),
    (
        "adam",
        "import torch.optim.adam as A",
        "A.adam(" + ADAM_ARGS.format(f=F64, foreach=False) + ")",
        "A.adam(" + ADAM_ARGS.format(f=F64, foreach=False) + ")",  # addcdiv_
    ),
    (
        "adam",
        "import torch.optim.adam as A",
        "A.adam(" + ADAM_ARGS.format(f=F64, foreach=True) + ")",
        "A.adam(" + ADAM_ARGS.format(f=F64, foreach=True) + ")",  # _foreach_*
    ),
    (
        "adagrad",
        "import torch.optim.adagrad as A",
        f"A.adagrad({ADAGRAD_ARGS})",
        f"A.adagrad({ADAGRAD_ARGS})",
    ),
    (
        "rmsprop",
        "import torch.optim.rmsprop as R",
        f"R.rmsprop({RMSPROP_ARGS})",
        f"R.rmsprop({RMSPROP_ARGS})",
    ),
    ("sgd_momentum", "import torch.optim.sgd as S", f"S.sgd({SGD_ARGS})", f"S.sgd({SGD_ARGS})"),
    (
        "rnn_forward",
        "",
        f"torch.rnn_tanh({X('2, 1, 3')}, torch.zeros(1, 1, 4, {F64}), [{X('4, 3')}, "
        f"{X('4, 4')}], False, 1, 0.0, False, False, False)",
        None,  # decomposes into mm and tanh before any kernel of its own
    ),
    (
        "lstm_forward",
        "",
        f"torch.lstm({X('2, 1, 3')}, (torch.zeros(1, 1, 4, {F64}), torch.zeros(1, 1, 4, {F64})), "
        f"[{X('16, 3')}, {X('16, 4')}], False, 1, 0.0, False, False, False)",
        None,
    ),
]
IDS = [f"{exercise}-{call.split('(')[0]}" for exercise, _, call, _ in ROUTES]


def cheat(exercise: str, imports: str, call: str) -> str:
    """The model solution, with every exercise function calling `call` first."""
    spec = get_exercise(exercise)
    assert spec.solution is not None
    source = f"import torch\n{imports}\n{spec.solution}\n"
    for name in spec.functions:
        source += f"\n_model_{name} = {name}\n\n\ndef {name}(*args, **kwargs):\n"
        source += f"    {call}\n    return _model_{name}(*args, **kwargs)\n"
    return source


@pytest.mark.parametrize(("exercise", "imports", "call", "unpatched"), ROUTES, ids=IDS)
async def test_an_equivalent_of_the_forbidden_work_scores_zero(
    executor: ForkServerExecutor, exercise: str, imports: str, call: str, unpatched: str | None
) -> None:
    result = await grade(exercise, cheat(exercise, imports, call), executor, seed=3)
    assert (result.status, result.score) == ("forbidden", 0), result
    if unpatched is not None:  # the dispatcher refuses it by itself, source check skipped
        result = await run_unchecked(executor, exercise, cheat(exercise, imports, unpatched))
        assert (result.status, result.score) == ("forbidden", 0), result
        assert "aten::" in result.message, result.message


@pytest.mark.parametrize("exercise", sorted({route[0] for route in ROUTES}))
async def test_the_wrapped_solution_alone_has_full_marks(
    executor: ForkServerExecutor, exercise: str
) -> None:
    # The cheats above differ from this only by the forbidden call.
    result = await grade(exercise, cheat(exercise, "", "pass"), executor, seed=3)
    assert (result.status, result.score) == ("passed", result.max_score), result
