"""Each exercise's forbidden list names the operations that do its work, under any name.

Issue 22's list of equivalents that used to do the forbidden work under another name: each is
called from inside an otherwise correct solution (the YAML's model solution) and scores 0,
through the source check when graded normally and, where the operation reaches a kernel of
its own, at the dispatcher too (`run_unchecked` skips the source check). Composite routes that
decompose into everyday operators (`torch.functional.einsum` into `bmm`, `torch.distributions`
into plain math, the single-tensor `torch.optim.sgd`) are the source check's alone.
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

# (exercise, imports, the call, whether a kernel of its own refuses it at run time)
ROUTES: list[tuple[str, str, str, bool]] = [
    ("dropout", "", f"torch.native_dropout(torch.ones(4, {F64}), 0.5, True)", True),
    (
        "batch_norm",
        "",
        f"torch.native_group_norm(torch.ones(2, 2, 3, {F64}), None, None, 2, 2, 3, 1, 1e-5)",
        True,
    ),
    (
        "layer_norm",
        "",
        f"torch.native_group_norm(torch.ones(2, 2, 3, {F64}), None, None, 2, 2, 3, 1, 1e-5)",
        True,
    ),
    (
        "conv2d",
        "",
        f"torch.ops.aten.thnn_conv2d(torch.ones(1, 1, 3, 3, {F64}), "
        f"torch.ones(1, 1, 2, 2, {F64}), [2, 2])",
        True,
    ),
    (
        "pool2d",
        "import torch.nn.functional as F",
        f"F.max_pool3d(torch.ones(1, 1, 2, 2, 2, {F64}), 2)",
        True,
    ),
    (
        "pool2d",
        "import torch.nn.functional as F",
        f"F.avg_pool3d(torch.ones(1, 1, 2, 2, 2, {F64}), 2)",
        True,
    ),
    (
        "cross_entropy",
        "",
        f"torch.ops.aten.cross_entropy_loss(torch.ones(2, 3, {F64}), torch.tensor([0, 1]))",
        True,
    ),
    ("cross_entropy", "", f"torch.logcumsumexp(torch.ones(2, 3, {F64}), 1)", True),
    (
        "streaming_mean_var",
        "",
        f"torch.cov(torch.column_stack([torch.ones(3, {F64}), torch.zeros(3, {F64})]))",
        True,  # column_stack joins with aten::cat
    ),
    ("streaming_mean_var", "", f"torch.cov(torch.ones(2, 3, {F64}))", False),
    ("streaming_mean_var", "", f"torch.block_diag(torch.ones(1, 2, {F64}))", True),
    (
        "train_linreg_sgd",
        "",
        f"torch.cholesky_solve(torch.ones(2, 1, {F64}), torch.eye(2, {F64}))",
        True,
    ),
    (
        "tensor_reduction",
        "",
        f"torch.functional.einsum('i,i->', torch.ones(2, {F64}), torch.ones(2, {F64}))",
        False,
    ),
    (
        "pairwise_sqdist",
        "",
        f"torch.functional.cdist(torch.ones(2, 2, {F64}), torch.ones(3, 2, {F64}))",
        True,
    ),
    ("bayes_posterior", "", "torch.distributions.Categorical(probs=torch.ones(2))", False),
    (
        "masked_attention",
        "import torch.nn.functional as F",
        f"F.scaled_dot_product_attention(*[torch.ones(1, 2, 3, {F64})] * 3)",
        True,
    ),
    (
        "adam",
        "import torch.optim.adam as A",
        "A.adam(" + ADAM_ARGS.format(f=F64, foreach=False) + ")",
        True,
    ),
    (
        "adam",
        "import torch.optim.adam as A",
        "A.adam(" + ADAM_ARGS.format(f=F64, foreach=True) + ")",
        True,
    ),
    (
        "adagrad",
        "import torch.optim.adagrad as A",
        f"A.adagrad([torch.ones(2, {F64})], [torch.ones(2, {F64})], [torch.zeros(2, {F64})], "
        f"[torch.tensor(0.0, {F64})], foreach=False, lr=0.1, weight_decay=0.0, lr_decay=0.0, "
        "eps=1e-10, maximize=False, has_sparse_grad=False)",
        True,
    ),
    (
        "rmsprop",
        "import torch.optim.rmsprop as R",
        f"R.rmsprop([torch.ones(2, {F64})], [torch.ones(2, {F64})], [torch.zeros(2, {F64})], [], "
        f"[], [torch.tensor(0.0, {F64})], foreach=False, lr=0.1, alpha=0.9, eps=1e-8, "
        "weight_decay=0.0, momentum=0.0, centered=False, maximize=False)",
        True,
    ),
    (
        "sgd_momentum",
        "import torch.optim.sgd as S",
        f"S.sgd([torch.ones(2, {F64})], [torch.ones(2, {F64})], [None], foreach=True, "
        "weight_decay=0.0, momentum=0.9, lr=0.1, dampening=0.0, nesterov=False, maximize=False)",
        True,
    ),
    (
        "rnn_forward",
        "",
        f"torch.rnn_tanh(torch.ones(2, 1, 3, {F64}), torch.zeros(1, 1, 4, {F64}), "
        f"[torch.ones(4, 3, {F64}), torch.ones(4, 4, {F64})], False, 1, 0.0, False, False, False)",
        True,
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


@pytest.mark.parametrize(("exercise", "imports", "call", "at_dispatch"), ROUTES, ids=IDS)
async def test_an_equivalent_of_the_forbidden_work_scores_zero(
    executor: ForkServerExecutor, exercise: str, imports: str, call: str, at_dispatch: bool
) -> None:
    source = cheat(exercise, imports, call)
    result = await grade(exercise, source, executor, seed=3)
    assert (result.status, result.score) == ("forbidden", 0), result
    if at_dispatch:
        result = await run_unchecked(executor, exercise, source)
        assert (result.status, result.score) == ("forbidden", 0), result


@pytest.mark.parametrize("exercise", sorted({route[0] for route in ROUTES}))
async def test_the_wrapped_solution_alone_has_full_marks(
    executor: ForkServerExecutor, exercise: str
) -> None:
    # The cheats above differ from this only by the forbidden call.
    result = await grade(exercise, cheat(exercise, "", "pass"), executor, seed=3)
    assert (result.status, result.score) == ("passed", result.max_score), result
