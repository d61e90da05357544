"""Drawing a question's parameters from a seed, reproducibly."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping

from quizzes.questions._schema import (
    ChoiceParam,
    ConstParam,
    IntParam,
    ParamSpec,
    ParamValue,
    UniformParam,
)


def instance_seed(member_key: str, question_id: str, attempt: int) -> int:
    """A stable 63-bit seed for one member's attempt at one question.

    Uses BLAKE2b rather than Python's `hash`, which is salted per process, so the same member
    sees the same numbers after a restart and two members see different ones.
    """
    data = f"{member_key}\x1f{question_id}\x1f{attempt}".encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big") >> 1


def sample_params(specs: Mapping[str, ParamSpec], seed: int) -> dict[str, ParamValue]:
    """Draw every parameter; each one from its own stream, so adding a parameter to a
    question does not change the values of the others."""
    return {name: _draw(spec, random.Random(f"{seed}:{name}")) for name, spec in specs.items()}


def _draw(spec: ParamSpec, rng: random.Random) -> ParamValue:
    if isinstance(spec, ConstParam):
        return spec.const
    if isinstance(spec, ChoiceParam):
        return spec.choice[rng.randrange(len(spec.choice))]
    if isinstance(spec, IntParam):
        return rng.randint(*spec.randint)
    return _draw_float(spec, rng)


def _draw_float(spec: UniformParam, rng: random.Random) -> float:
    if spec.uniform is not None:
        lo, hi = spec.uniform
        x = rng.uniform(lo, hi)
    else:
        assert spec.loguniform is not None
        lo, hi = spec.loguniform
        x = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    x = round(x, spec.decimals) if spec.decimals is not None else _round_sig(x, spec.sig or 3)
    # Rounding may step just outside the range; the answer functions rely on the bounds.
    # Adding 0.0 turns a rounded -0.0 into 0.0, which a prompt would print as "-0.0".
    return min(max(x, lo), hi) + 0.0


def _round_sig(x: float, sig: int) -> float:
    if x == 0:
        return 0.0
    return round(x, sig - 1 - math.floor(math.log10(abs(x))))
