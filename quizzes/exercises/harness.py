"""Runs a submission on the grader's inputs, inside the sandbox. Shipped as `harness.py`.

The job's directory holds `submission.py`, `cases.json` (the manifest of the *visible* cases)
and `inputs.safetensors` (their inputs). The run has two phases:

1. Import the submission and run the visible cases; what they print is returned to the member.
2. Close stdout and stderr for good (fds 1 and 2 become /dev/null, no copy kept), then read the
   hidden cases from stdin, which the host writes only once every process of the job has
   closed its stdout and stderr (`SandboxJob.stdin_after_output`). Hidden inputs are therefore
   never readable while the job can still print, and nothing a hidden case prints comes back.

Before the submission is imported, the exercise's forbidden aten operators get a refusing kernel
at the dispatcher (`deny_operators`), so they fail whatever Python name, thread or mode reached
them. In an autograd-free exercise every call of the submission also runs with grad mode and
forward AD off under a TorchDispatchMode (`_NoAutograd`) that refuses any operator run with
either on or on a tensor that requires grad. The exercise's forbidden Python names are also
patched to raise, for a friendlier message.
After every case the harness rewrites (atomically) `results.json` (per-case status and error, in
the test plan's order; `done` once all ran) and `outputs.safetensors` (the outputs as plain
tensors, keyed `c<index>/out...`) in `$STUDYBOT_OUT`; `fatal.json` if the submission cannot even
be imported. The per-case alarm is a courtesy (a friendly "timed out" per case); the bound that
holds is the job's wall-clock limit, enforced from outside the job.
Nothing here decides a grade: expected outputs never enter the sandbox. The grader also imports
this module to run its references through exactly the same calling conventions. The harness
keeps no module-level reference to the functions it needs after the submission is imported
(`torch.autograd.grad`, `torch.stack`): they are taken in `main()` and passed down.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import hashlib
import importlib.util
import json
import os
import random
import re
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from types import FrameType, ModuleType
from typing import Any, NamedTuple, NoReturn

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import load_file, save_file
from torch.utils import _python_dispatch as python_dispatch

MAX_LEAVES = 32
MAX_ELEMENTS = 1_000_000
_DTYPES = {torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.bool}
_DTYPES |= {torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64}


class BadOutput(Exception):
    """The submission returned something that is not plain tensors (or numbers)."""


class InputModified(Exception):
    """The call changed one of its input tensors where the statement says it must not.

    Carries the call's raw output, so the grader can still diagnose what else it did."""

    def __init__(self, what: str, output: Any) -> None:
        super().__init__(f"modified its input: {what} was changed in place")
        self.output = output


class CaseTimeout(BaseException):
    """Raised by the alarm; a BaseException so that `except Exception` does not swallow it."""


class ForbiddenCall(BaseException):
    """A forbidden API was called."""


class Tools(NamedTuple):
    """What the harness calls after the submission is imported (which may patch the public
    names): taken beforehand and passed down, never kept where the submission can fetch it."""

    grad: Callable[..., Any]
    stack: Callable[..., torch.Tensor]
    # For the inputs-unchanged check: a submission that patches torch.equal fools nothing.
    clone: Callable[..., torch.Tensor]
    equal: Callable[..., bool]
    isnan: Callable[..., torch.Tensor]
    nan_to_num: Callable[..., torch.Tensor]


def _tools() -> Tools:
    return Tools(
        torch.autograd.grad,
        torch.stack,
        torch.Tensor.clone,
        torch.equal,
        torch.isnan,
        torch.nan_to_num,
    )


def _unguarded(action: Callable[[], Any]) -> Any:
    return action()


# ---- hidden smooth functions (numeric_grad) -------------------------------------------------


def _poly(c: torch.Tensor, q: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: c @ x + x @ q @ x + (x**3).sum() / 3


def _trig(a: torch.Tensor, b: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: torch.sin(a @ x + b).sum()


def _lse(a: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: torch.logsumexp(a @ x, dim=0)


def _expdot(a: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: torch.exp(a @ x) + torch.log1p(x**2).sum()


# The formulas, differentiable: the grader's exact gradient (bank/numeric_grad.py) uses these.
HIDDEN_FORMULAS: dict[str, Callable[..., Callable[[torch.Tensor], torch.Tensor]]] = {
    "poly": _poly,
    "trig": _trig,
    "lse": _lse,
    "expdot": _expdot,
}


def _opaque(
    formula: Callable[..., Callable[[torch.Tensor], torch.Tensor]],
) -> Callable[..., Callable[[torch.Tensor], torch.Tensor]]:
    """The formula as the submission gets it: evaluated on a detached x and handed back as a
    new tensor made from a Python float, so no autograd path leads from f(x) to x and only a
    numeric gradient can score (issue 22)."""

    def make(*params: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
        fn = formula(*params)
        return lambda x: torch.tensor(float(fn(x.detach())), dtype=x.dtype)

    return make


HIDDEN_FUNCTIONS = {name: _opaque(formula) for name, formula in HIDDEN_FORMULAS.items()}

# ---- decoding and calling -------------------------------------------------------------------


def decode(enc: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
    """An argument from its manifest encoding (see quizzes.exercises.cases)."""
    if "tensor" in enc:
        return tensors[enc["tensor"]].clone()
    if "value" in enc:
        return enc["value"]
    if "tuple" in enc:
        return tuple(decode(item, tensors) for item in enc["tuple"])
    if "list" in enc:
        return [decode(item, tensors) for item in enc["list"]]
    if "one_pass" in enc:
        return _one_pass([tensors[key].clone() for key in enc["one_pass"]])
    if "hidden_fn" in enc:
        params = [tensors[key].clone() for key in enc["params"]]
        return HIDDEN_FUNCTIONS[enc["hidden_fn"]](*params)
    if "generator" in enc:
        return torch.Generator().manual_seed(int(enc["generator"]))
    raise ValueError(f"unknown encoding {sorted(enc)}")


def _one_pass(items: list[torch.Tensor]) -> Iterator[torch.Tensor]:
    yield from items


def invoke(
    fn: Callable[..., Any],
    entry: dict[str, Any],
    tensors: dict[str, torch.Tensor],
    *,
    guard: Callable[[Callable[[], Any]], Any] = _unguarded,
    tools: Tools | None = None,
) -> Any:
    """Call `fn` as the case's mode says; returns its raw output.

    `guard(action)` runs each call of the submission (and the backward pass through its
    operations); `tools` are the harness's own functions, taken before the submission ran.
    """
    tools = tools or _tools()
    args = [decode(arg, tensors) for arg in entry["args"]]
    kwargs = {key: decode(value, tensors) for key, value in entry["kwargs"].items()}
    # The statement says the inputs stay as they are: compared after the call (issue 22).
    check = bool(entry.get("inputs_unchanged"))
    watched = _snapshot(args, kwargs, tools) if check else []
    if entry["mode"] == "call":
        return _unchanged(watched, guard(lambda: fn(*args, **kwargs)), tools)
    if entry["mode"] == "grad":
        inputs = [args[i].requires_grad_(True) for i in entry["grad_args"]]
        out = plain(guard(lambda: fn(*args, **kwargs)), "output")
        _unchanged(watched, out, tools)
        if out.grad_fn is None:
            raise BadOutput("the output is not differentiable (detached from its inputs)")
        cotangent = tensors[entry["cotangent"]].clone()
        grads = guard(lambda: tools.grad(out, inputs, grad_outputs=cotangent, allow_unused=True))
        for index, grad in zip(entry["grad_args"], grads, strict=True):
            if grad is None:
                raise BadOutput(f"the output does not depend on argument {index}")
        return (out.detach(), *grads)
    if entry["mode"] == "rollout":
        param, grads, state = args[0], args[1], args[2]
        trajectory = []
        for step in range(grads.shape[0]):
            grad = grads[step].clone()
            step_call = functools.partial(fn, param, grad, state, step + 1)
            watched = _snapshot([param, grad, state], kwargs, tools) if check else []
            result = guard(functools.partial(step_call, **kwargs))
            _unchanged(watched, result, tools)
            if type(result) not in (tuple, list) or len(result) != 2:
                raise BadOutput("an optimizer step must return (param, state)")
            param = plain(result[0], "param")
            state = tuple(plain(s, "state") for s in _sequence(result[1], "state"))
            trajectory.append(param.detach().clone())  # a step may update in place
        return (tools.stack(trajectory), state)
    raise ValueError(f"unknown mode {entry['mode']!r}")


Watched = list[tuple[str, torch.Tensor, torch.Tensor]]


def _snapshot(args: list[Any], kwargs: dict[str, Any], tools: Tools) -> Watched:
    """(name, the tensor the call gets, a copy of it) for every input tensor of a call."""
    found: Watched = []

    def walk(value: Any, name: str) -> None:
        if type(value) in (torch.Tensor, torch.nn.Parameter):
            found.append((name, value, tools.clone(value)))
        elif type(value) in (tuple, list):
            for index, item in enumerate(value):
                walk(item, f"{name}[{index}]")

    for index, arg in enumerate(args):
        walk(arg, f"argument {index + 1}")
    for key, value in kwargs.items():
        walk(value, f"argument {key}")
    return found


def _unchanged(watched: Watched, output: Any, tools: Tools) -> Any:
    """`output`, unless the call changed one of the watched inputs (shape or values; a NaN
    that stays a NaN is unchanged)."""
    inf = float("inf")
    for name, now, before in watched:
        if tools.equal(now, before):
            continue
        if tools.equal(tools.isnan(now), tools.isnan(before)) and tools.equal(
            tools.nan_to_num(now, nan=0.0, posinf=inf, neginf=-inf),
            tools.nan_to_num(before, nan=0.0, posinf=inf, neginf=-inf),
        ):
            continue
        raise InputModified(name, output)
    return output


def _sequence(value: Any, what: str) -> list[Any]:
    if type(value) not in (tuple, list):
        raise BadOutput(f"{what} must be a tuple of tensors, got {type(value).__name__}")
    return list(value)


def plain(value: Any, what: str) -> torch.Tensor:
    """`value` if it is exactly a torch.Tensor (or a Parameter); never trusts subclasses."""
    kind = type(value)
    if kind is torch.nn.Parameter:
        detached: torch.Tensor = value.detach()
        return detached
    if kind is not torch.Tensor:
        if isinstance(value, torch.Tensor):
            raise BadOutput(
                f"{what} is a {kind.__name__}, a torch.Tensor subclass: return a plain tensor"
            )
        raise BadOutput(f"{what} is a {kind.__name__}, expected a torch.Tensor")
    tensor: torch.Tensor = value
    return tensor


def flatten(value: Any, path: str = "out") -> dict[str, torch.Tensor]:
    """The output as plain, contiguous, detached CPU tensors keyed by path (out, out.0, ...)."""
    leaves: dict[str, torch.Tensor] = {}
    _flatten(value, path, leaves, depth=0)
    return leaves


def _flatten(value: Any, path: str, leaves: dict[str, torch.Tensor], depth: int) -> None:
    kind = type(value)
    if kind in (tuple, list):
        if depth >= 3 or len(value) > MAX_LEAVES:
            raise BadOutput(f"{path}: nested too deep or too long")
        for index, item in enumerate(value):
            _flatten(item, f"{path}.{index}", leaves, depth + 1)
        return
    if kind in (bool, int, float):  # exact types: no subclass with a lying __eq__ or __float__
        dtype = {bool: torch.bool, int: torch.int64, float: torch.float64}[kind]
        leaves[path] = torch.tensor(value, dtype=dtype)
    else:
        tensor = plain(value, path)
        if tensor.layout != torch.strided or tensor.device.type != "cpu":
            raise BadOutput(f"{path}: return a dense CPU tensor")
        if tensor.dtype not in _DTYPES or tensor.numel() > MAX_ELEMENTS:
            raise BadOutput(f"{path}: unsupported dtype {tensor.dtype} or too many elements")
        leaves[path] = tensor.detach().clone().contiguous()
    if len(leaves) > MAX_LEAVES:
        raise BadOutput("too many outputs")


# ---- the run --------------------------------------------------------------------------------


class _Patches:
    """Replaces each forbidden API with a function that raises, while the submission runs.

    A courtesy that names the Python API in the message; `_Guard` is what holds at run time.
    """

    def __init__(self, forbidden: list[str], hits: list[str]) -> None:
        self.hits = hits
        self.saved: list[tuple[Any, str, Any]] = []
        for name in forbidden:
            parts = name.split(".")
            parent: Any = torch
            for part in parts[1:-1]:
                parent = getattr(parent, part)
            original = getattr(parent, parts[-1])
            if callable(original) and not isinstance(original, ModuleType):
                self.saved.append((parent, parts[-1], original))
        self.raisers = [
            (p, a, _refuser(f"{_qualname(p)}.{a}", self.hits)) for p, a, _ in self.saved
        ]

    def __enter__(self) -> None:
        for parent, attr, raiser in self.raisers:
            setattr(parent, attr, raiser)

    def __exit__(self, *exc: object) -> None:
        for parent, attr, original in self.saved:
            setattr(parent, attr, original)


def _qualname(obj: Any) -> str:
    return "torch.Tensor" if obj is torch.Tensor else str(getattr(obj, "__name__", obj))


def _requires_grad(values: Any) -> bool:
    for value in values:
        if isinstance(value, torch.Tensor) and value.requires_grad:
            return True
        if type(value) in (list, tuple) and _requires_grad(value):
            return True
    return False


# Where a CPU tensor's operator can run besides the CPU kernel (the deny list covers them too).
_OTHER_CPU_KEYS = ("SparseCPU", "SparseCsrCPU", "MkldnnCPU", "QuantizedCPU", "NestedTensorCPU")


def deny_operators(patterns: list[str], hits: list[str]) -> torch.library.Library | None:
    """Register a refusing kernel for every aten operator matching `patterns` (fnmatch).

    This is the rule at run time: the dispatcher runs these kernels whatever Python name,
    thread or mode reached the operator (`torch.softmax`, `torch._C._VariableFunctions`,
    `torch.ops.aten`, TorchScript), and other operators cost nothing extra. Composite operators
    decompose into others (`F.dropout` into `bernoulli_`) and are seen as those, so such APIs
    stay with the source check. Refusals are recorded in `hits`, so swallowing the exception
    does not help. The registrations last as long as the returned library is referenced.
    """
    if not patterns:
        return None
    wanted = re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns))
    library = torch.library.Library("aten", "IMPL")  # type: ignore[no-untyped-call]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "overriding a previously registered kernel"
        for qualified in torch._C._dispatch_get_all_op_names():
            namespace, _, name = qualified.partition("::")
            base = name.split(".", 1)[0]
            if namespace != "aten" or not wanted.match(base):
                continue
            refuse = _refuser(f"aten::{base}", hits)
            library.impl(name, refuse, "CPU")  # type: ignore[no-untyped-call]
            for key in _OTHER_CPU_KEYS:
                if torch._C._dispatch_has_kernel_for_dispatch_key(qualified, key):
                    library.impl(name, refuse, key)  # type: ignore[no-untyped-call]
    return library


def _refuse(name: str, hits: list[str]) -> NoReturn:
    """Record a forbidden call (the grader reports it) and stop it."""
    hits.append(name)
    raise ForbiddenCall(f"{name} is forbidden in this exercise")


def _refuser(name: str, hits: list[str]) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        _refuse(name, hits)

    return refuse


_AUTOGRAD = "autograd (computing gradients)"


class _NoAutograd(python_dispatch.TorchDispatchMode):
    """For an autograd-free exercise: refuses every operator run with grad mode or forward AD
    on, inside an open forward-AD level, or on a tensor that requires grad.

    The harness runs the submission with both off; whatever turns them back on (a context
    manager, `requires_grad_`, `torch.func`, a saved `torch.autograd.grad`, the engine itself)
    needs an operator of this kind to build a graph or carry a tangent, and is refused there.
    """

    def __init__(self, hits: list[str]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.hits = hits

    def __torch_dispatch__(
        self,
        func: Any,
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        kwargs = kwargs or {}
        if (
            torch.is_grad_enabled()
            or torch._C._is_fwd_grad_enabled()
            or _dual_level_open()
            or _requires_grad(args)
            or _requires_grad(kwargs.values())
        ):
            _refuse(_AUTOGRAD, self.hits)
        return func(*args, **kwargs)


@contextlib.contextmanager
def _no_autograd(hits: list[str]) -> Iterator[None]:
    """Grad mode and forward-mode AD both off (`torch.no_grad` leaves forward AD on), and a
    saved-tensors hook that refuses: a graph that saves a tensor for backward fails even if
    the dispatch mode was taken off the stack."""

    def refuse(tensor: torch.Tensor) -> Any:
        _refuse(_AUTOGRAD, hits)

    forward = torch._C._is_fwd_grad_enabled()
    torch._C._set_fwd_grad_enabled(False)
    try:
        with torch.no_grad(), torch.autograd.graph.saved_tensors_hooks(refuse, refuse):
            yield
    finally:
        torch._C._set_fwd_grad_enabled(forward)


def _dual_level_open() -> bool:
    """Whether a forward-mode AD level is open (only one may be: opening a second fails)."""
    try:
        level = torch._C._enter_dual_level()
    except RuntimeError:
        return True
    torch._C._exit_dual_level(level=level)
    return False


def _clear_dispatch_modes() -> None:
    """Pop every dispatch mode left on this thread's stack."""
    while torch._C._len_torch_dispatch_stack() > 0:
        python_dispatch._pop_mode()


class _Runner:
    """Runs the submission's code under the patches, the autograd guard and the alarm."""

    def __init__(self, manifest: dict[str, Any], hits: list[str]) -> None:
        self.hits = hits
        self.patches = _Patches(manifest["forbidden"], hits)
        self.autograd_free = bool(manifest.get("autograd_free", False))

    def guarded(self, action: Callable[[], Any]) -> Any:
        """`action()`; in an autograd-free exercise, with autograd off and refused."""
        if not self.autograd_free:
            return action()
        guard = _NoAutograd(self.hits)
        _clear_dispatch_modes()  # whatever an earlier call may have left behind
        with _no_autograd(self.hits), guard:
            try:
                return action()
            except RuntimeError as exc:
                # torch.func's gradient transforms refuse to start under the refusing hook.
                if "support saved tensor hooks" in str(exc):
                    self.hits.append("autograd (torch.func)")
                raise
            finally:
                stack = python_dispatch._get_current_dispatch_mode_stack()
                if len(stack) != 1 or stack[0] is not guard:
                    self.hits.append("changing the grader's dispatch modes")
                    _clear_dispatch_modes()
                    python_dispatch._push_mode(guard)  # for the guard's own exit

    def run(self, seconds: float, action: Callable[[], Any]) -> Any:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            with self.patches:
                return action()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise CaseTimeout


def _describe(exc: BaseException, source: str) -> str:
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == source]
    where = f" (line {lines[-1]})" if lines else ""
    text = f"{type(exc).__name__}: {exc}"
    return (text[:400] + "…" if len(text) > 400 else text) + where


COMMIT_MARKER = "studybot-harness-commit:"


def _commit(kind: str, digest: str) -> None:
    """Print the digest of what was written before the hidden cases, on stderr.

    Everything the job prints is fixed before it can learn the hidden inputs, so the grader
    trusts a result file written in the first phase only if it still matches this digest: a
    hidden case that rewrites it (to carry its inputs into a visible message) is caught.
    """
    with contextlib.suppress(BaseException):
        sys.stderr.write(f"\n{COMMIT_MARKER} {kind} {digest}\n")
        sys.stderr.flush()


def digest_results(reports: list[Any], outputs: dict[str, torch.Tensor], indices: list[int]) -> str:
    """SHA-256 over the reports and output tensors of the cases at `indices` (also used by the
    grader on the files it received)."""
    h = hashlib.sha256()
    for index in sorted(indices):
        report = reports[index] if index < len(reports) else None
        h.update(json.dumps(report, sort_keys=True).encode("utf-8") + b"\n")
        prefix = f"c{index}/"
        for key in sorted(k for k in outputs if k.startswith(prefix)):
            tensor = outputs[key].detach().contiguous().reshape(-1)
            h.update(f"{key}|{tensor.dtype}|{tuple(outputs[key].shape)}|".encode())
            h.update(tensor.view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _close_output_for_good() -> None:
    """Point fds 1 and 2 at /dev/null, keeping no copy: the host then sees EOF on both."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BaseException):
            stream.flush()
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)


def _read_hidden() -> tuple[list[dict[str, Any]], dict[str, torch.Tensor]]:
    """The hidden cases from stdin: 8-byte length, that much JSON, then safetensors bytes."""
    chunks = []
    while chunk := os.read(0, 1 << 20):
        chunks.append(chunk)
    data = b"".join(chunks)
    size = int.from_bytes(data[:8], "big")
    entries: list[dict[str, Any]] = json.loads(data[8 : 8 + size])
    return entries, dict(load_tensors(data[8 + size :]))


def pack_hidden(entries: list[dict[str, Any]], tensors_bytes: bytes) -> bytes:
    """What `_read_hidden` reads (the grader sends it as `stdin_after_output`)."""
    header = json.dumps(entries).encode("utf-8")
    return len(header).to_bytes(8, "big") + header + tensors_bytes


def main() -> int:
    """Run every case; always exits 0 unless the process itself is killed."""
    tools = _tools()  # before the submission can patch the public names
    out = os.environ.get("STUDYBOT_OUT", "out")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    with open("cases.json", encoding="utf-8") as f:
        manifest = json.load(f)
    tensors = load_file("inputs.safetensors")
    source = os.path.abspath("submission.py")
    signal.signal(signal.SIGALRM, _on_alarm)
    hits: list[str] = []
    runner = _Runner(manifest, hits)
    denied = deny_operators(list(manifest.get("forbidden_ops", [])), hits)  # kept until exit
    if runner.autograd_free:  # a first dispatch mode imports a lot (1 s cold): not in a case
        runner.guarded(lambda: torch.zeros(1) + 1)

    def write(name: str, data: dict[str, Any]) -> None:
        text = json.dumps(data).encode("utf-8")
        with open(os.path.join(out, name + ".tmp"), "wb") as f:
            f.write(text)
        os.replace(os.path.join(out, name + ".tmp"), os.path.join(out, name))
        if name == "fatal.json":
            _commit("fatal", hashlib.sha256(text).hexdigest())

    module_spec = importlib.util.spec_from_file_location("submission", source)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["submission"] = module  # @dataclass looks its module up there
    loader = module_spec.loader
    try:
        runner.run(
            manifest["import_seconds"], lambda: runner.guarded(lambda: loader.exec_module(module))
        )
    except CaseTimeout:
        write("fatal.json", {"error": "importing the submission took too long"})
        return 0
    except BaseException as exc:
        kind = "forbidden" if hits else "error"
        write("fatal.json", {"error": _describe(exc, source), "kind": kind})
        return 0
    if hits:  # a refusal swallowed at import
        write("fatal.json", {"error": f"called {hits[-1]}, forbidden here", "kind": "forbidden"})
        return 0

    total = int(manifest["total"])
    results: list[dict[str, Any]] = [{} for _ in range(total)]
    outputs: dict[str, torch.Tensor] = {}
    finished = 0

    def run_cases(entries: list[dict[str, Any]], inputs: dict[str, torch.Tensor]) -> None:
        nonlocal finished
        for entry in entries:
            index = int(entry["index"])
            result, leaves = _run_case(index, entry, module, inputs, manifest, runner, tools)
            results[index] = result
            outputs.update({f"c{index}/{path}": tensor for path, tensor in leaves.items()})
            finished += 1
            # Rewritten after every case, so a run that dies later still reports these.
            save_file(outputs, os.path.join(out, "outputs.tmp"))
            os.replace(os.path.join(out, "outputs.tmp"), os.path.join(out, "outputs.safetensors"))
            write("results.json", {"cases": results, "done": finished == total})

    run_cases(manifest["cases"], tensors)
    if finished < total:
        visible = [int(entry["index"]) for entry in manifest["cases"]]
        _commit("visible", digest_results(results, outputs, visible))
        _close_output_for_good()
        hidden, hidden_tensors = _read_hidden()
        run_cases(hidden, hidden_tensors)
    del denied
    return 0


def _run_case(
    index: int,
    entry: dict[str, Any],
    module: ModuleType,
    tensors: dict[str, torch.Tensor],
    manifest: dict[str, Any],
    runner: _Runner,
    tools: Tools,
) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    seed = (int(manifest["seed"]) + index) % 2**63
    torch.manual_seed(seed)
    random.seed(seed)
    fn = module.__dict__.get(entry["function"])
    result: dict[str, Any] = {"name": entry["name"], "status": "ok", "error": ""}
    started = time.perf_counter()
    hits_before = len(runner.hits)
    leaves: dict[str, torch.Tensor] = {}
    try:
        if not callable(fn):
            raise BadOutput(f"the submission defines no function {entry['function']}()")
        raw = runner.run(
            manifest["case_seconds"],
            lambda: invoke(fn, entry, tensors, guard=runner.guarded, tools=tools),
        )
        leaves = flatten(raw)
    except InputModified as exc:
        result.update(status="modified", error=str(exc))
        with contextlib.suppress(Exception):  # kept for the diagnosis; a bad output says nothing
            leaves = flatten(exc.output)
    except CaseTimeout:
        result.update(status="timeout", error=f"took longer than {manifest['case_seconds']} s")
    except BadOutput as exc:
        result.update(status="bad_output", error=str(exc))
    except BaseException as exc:
        result.update(status="error", error=_describe(exc, source_path(module)))
    if len(runner.hits) > hits_before:  # even if the submission swallowed the exception
        result.update(status="forbidden", error=f"called {runner.hits[-1]}, forbidden here")
    result["seconds"] = round(time.perf_counter() - started, 4)
    return result, leaves if result["status"] in ("ok", "modified") else {}


def source_path(module: ModuleType) -> str:
    spec = module.__spec__
    return str(spec.origin) if spec is not None else "submission.py"


if __name__ == "__main__":
    sys.exit(main())
