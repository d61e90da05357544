"""Runs a submission on the grader's inputs, inside the sandbox. Shipped as `harness.py`.

The job's directory holds `submission.py`, `cases.json` (the manifest) and `inputs.safetensors`.
For each case the harness calls the submitted function under a time budget, with the
exercise's forbidden APIs patched to raise. After every case it rewrites (atomically)
`results.json` (per-case status and error; `done` once all ran) and `outputs.safetensors` (the
outputs as plain tensors, keyed `<case>/out...`) in `$STUDYBOT_OUT`; `fatal.json` if the
submission cannot even be imported.
Nothing here decides a grade: expected outputs never enter the sandbox. The grader also imports
this module to run its references through exactly the same calling conventions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from types import FrameType, ModuleType
from typing import Any

import torch
from safetensors.torch import load_file, save_file

# Taken before the submission runs: it may patch or be forbidden the public names.
_autograd_grad = torch.autograd.grad
_stack = torch.stack

MAX_LEAVES = 32
MAX_ELEMENTS = 1_000_000
_DTYPES = {torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.bool}
_DTYPES |= {torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64}


class BadOutput(Exception):
    """The submission returned something that is not plain tensors (or numbers)."""


class CaseTimeout(BaseException):
    """Raised by the alarm; a BaseException so that `except Exception` does not swallow it."""


class ForbiddenCall(BaseException):
    """A forbidden API was called."""


# ---- hidden smooth functions (numeric_grad) -------------------------------------------------


def _poly(c: torch.Tensor, q: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: c @ x + x @ q @ x + (x**3).sum() / 3


def _trig(a: torch.Tensor, b: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: torch.sin(a @ x + b).sum()


def _lse(a: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: torch.logsumexp(a @ x, dim=0)


def _expdot(a: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: torch.exp(a @ x) + torch.log1p(x**2).sum()


HIDDEN_FUNCTIONS: dict[str, Callable[..., Callable[[torch.Tensor], torch.Tensor]]] = {
    "poly": _poly,
    "trig": _trig,
    "lse": _lse,
    "expdot": _expdot,
}

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


def invoke(fn: Callable[..., Any], entry: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
    """Call `fn` as the case's mode says; returns its raw output."""
    args = [decode(arg, tensors) for arg in entry["args"]]
    kwargs = {key: decode(value, tensors) for key, value in entry["kwargs"].items()}
    if entry["mode"] == "call":
        return fn(*args, **kwargs)
    if entry["mode"] == "grad":
        inputs = [args[i].requires_grad_(True) for i in entry["grad_args"]]
        out = plain(fn(*args, **kwargs), "output")
        if out.grad_fn is None:
            raise BadOutput("the output is not differentiable (detached from its inputs)")
        grads = _autograd_grad(
            out, inputs, grad_outputs=tensors[entry["cotangent"]].clone(), allow_unused=True
        )
        for index, grad in zip(entry["grad_args"], grads, strict=True):
            if grad is None:
                raise BadOutput(f"the output does not depend on argument {index}")
        return (out.detach(), *grads)
    if entry["mode"] == "rollout":
        param, grads, state = args[0], args[1], args[2]
        trajectory = []
        for step in range(grads.shape[0]):
            result = fn(param, grads[step].clone(), state, step + 1, **kwargs)
            if type(result) not in (tuple, list) or len(result) != 2:
                raise BadOutput("an optimizer step must return (param, state)")
            param = plain(result[0], "param")
            state = tuple(plain(s, "state") for s in _sequence(result[1], "state"))
            trajectory.append(param.detach().clone())  # a step may update in place
        return (_stack(trajectory), state)
    raise ValueError(f"unknown mode {entry['mode']!r}")


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
    """Replaces each forbidden API with a function that raises, while the submission runs."""

    def __init__(self, forbidden: list[str]) -> None:
        self.hits: list[str] = []
        self.saved: list[tuple[Any, str, Any]] = []
        for name in forbidden:
            parts = name.split(".")
            parent: Any = torch
            for part in parts[1:-1]:
                parent = getattr(parent, part)
            original = getattr(parent, parts[-1])
            if callable(original) and not isinstance(original, ModuleType):
                self.saved.append((parent, parts[-1], original))
        self.raisers = [(p, a, self._raiser(f"{_qualname(p)}.{a}")) for p, a, _ in self.saved]

    def _raiser(self, name: str) -> Callable[..., Any]:
        def forbidden(*args: Any, **kwargs: Any) -> Any:
            self.hits.append(name)
            raise ForbiddenCall(f"{name} is forbidden in this exercise")

        return forbidden

    def __enter__(self) -> None:
        for parent, attr, raiser in self.raisers:
            setattr(parent, attr, raiser)

    def __exit__(self, *exc: object) -> None:
        for parent, attr, original in self.saved:
            setattr(parent, attr, original)


def _qualname(obj: Any) -> str:
    return "torch.Tensor" if obj is torch.Tensor else str(getattr(obj, "__name__", obj))


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise CaseTimeout


def _describe(exc: BaseException, source: str) -> str:
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == source]
    where = f" (line {lines[-1]})" if lines else ""
    text = f"{type(exc).__name__}: {exc}"
    return (text[:400] + "…" if len(text) > 400 else text) + where


def _run_guarded(patches: _Patches, seconds: float, action: Callable[[], Any]) -> Any:
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with patches:
            return action()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main() -> int:
    """Run every case; always exits 0 unless the process itself is killed."""
    out = os.environ.get("STUDYBOT_OUT", "out")
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    with open("cases.json", encoding="utf-8") as f:
        manifest = json.load(f)
    tensors = load_file("inputs.safetensors")
    source = os.path.abspath("submission.py")
    signal.signal(signal.SIGALRM, _on_alarm)
    patches = _Patches(manifest["forbidden"])

    def write(name: str, data: dict[str, Any]) -> None:
        with open(os.path.join(out, name + ".tmp"), "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(os.path.join(out, name + ".tmp"), os.path.join(out, name))

    module_spec = importlib.util.spec_from_file_location("submission", source)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["submission"] = module  # @dataclass looks its module up there
    loader = module_spec.loader
    try:
        _run_guarded(patches, manifest["import_seconds"], lambda: loader.exec_module(module))
    except CaseTimeout:
        write("fatal.json", {"error": "importing the submission took too long"})
        return 0
    except BaseException as exc:
        kind = "forbidden" if patches.hits else "error"
        write("fatal.json", {"error": _describe(exc, source), "kind": kind})
        return 0

    results: list[dict[str, Any]] = []
    outputs: dict[str, torch.Tensor] = {}
    for index, entry in enumerate(manifest["cases"]):
        result, leaves = _run_case(index, entry, module, tensors, manifest, patches, source)
        results.append(result)
        outputs.update({f"c{index}/{path}": tensor for path, tensor in leaves.items()})
        # Rewritten after every case, so a run that dies later still reports these.
        save_file(outputs, os.path.join(out, "outputs.tmp"))
        os.replace(os.path.join(out, "outputs.tmp"), os.path.join(out, "outputs.safetensors"))
        write("results.json", {"cases": results, "done": index + 1 == len(manifest["cases"])})
    return 0


def _run_case(
    index: int,
    entry: dict[str, Any],
    module: ModuleType,
    tensors: dict[str, torch.Tensor],
    manifest: dict[str, Any],
    patches: _Patches,
    source: str,
) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    seed = (int(manifest["seed"]) + index) % 2**63
    torch.manual_seed(seed)
    random.seed(seed)
    fn = module.__dict__.get(entry["function"])
    result: dict[str, Any] = {"name": entry["name"], "status": "ok", "error": ""}
    started = time.perf_counter()
    hits_before = len(patches.hits)
    leaves: dict[str, torch.Tensor] = {}
    try:
        if not callable(fn):
            raise BadOutput(f"the submission defines no function {entry['function']}()")
        raw = _run_guarded(patches, manifest["case_seconds"], lambda: invoke(fn, entry, tensors))
        leaves = flatten(raw)
    except CaseTimeout:
        result.update(status="timeout", error=f"took longer than {manifest['case_seconds']} s")
    except BadOutput as exc:
        result.update(status="bad_output", error=str(exc))
    except BaseException as exc:
        result.update(status="error", error=_describe(exc, source))
    if len(patches.hits) > hits_before:  # even if the submission swallowed the exception
        result.update(status="forbidden", error=f"called {patches.hits[-1]}, forbidden here")
    result["seconds"] = round(time.perf_counter() - started, 4)
    return result, leaves if result["status"] == "ok" else {}


if __name__ == "__main__":
    sys.exit(main())
