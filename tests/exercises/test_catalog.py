"""Every shipped exercise is valid: its text, its test plan, its cases and its references agree."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

from quizzes.exercises import harness
from quizzes.exercises.cases import encode_cases
from quizzes.exercises.catalog import UnknownExercise, get_exercise, list_exercises
from quizzes.exercises.grader import load_code
from quizzes.exercises.source_check import check_source
from quizzes.exercises.spec import ExerciseSpec
from tests.exercises.solutions import SOLUTIONS

ROOT = Path(__file__).parents[2]
SPECS = list_exercises()
IDS = [spec.id for spec in SPECS]


def test_at_least_sixteen_exercises_span_chapters_two_to_twelve() -> None:
    assert len(SPECS) >= 16
    assert {spec.chapter for spec in SPECS} >= set(range(2, 13))


def test_the_required_exercises_are_shipped() -> None:
    functions = {f for spec in SPECS for f in spec.functions}
    required = {"softmax", "cross_entropy", "dropout", "bayes_posterior", "streaming_mean_var"}
    required |= {"numeric_grad", "conv2d", "pool2d", "batch_norm", "layer_norm"}
    required |= {"masked_softmax", "dot_product_attention", "sgd_momentum_step"}
    required |= {"adagrad_step", "rmsprop_step", "adam_step", "train_linreg_sgd"}
    assert required <= functions


def test_each_exercise_has_a_code_module_and_each_module_an_exercise() -> None:
    modules = {
        p.stem for p in (ROOT / "quizzes/exercises/bank").glob("*.py") if not p.stem.startswith("_")
    }
    assert modules == set(IDS)


def test_unknown_exercise_names_the_known_ones() -> None:
    with pytest.raises(UnknownExercise, match="softmax"):
        get_exercise("no_such_exercise")


def test_a_spec_without_a_hidden_test_is_rejected() -> None:
    data = get_exercise("softmax").model_dump()
    data["tests"] = [{"name": "example", "points": 1, "visible": True}] * 2
    with pytest.raises(ValueError, match=r"duplicate|hidden"):
        ExerciseSpec.model_validate(data)


def test_the_catalogue_does_not_import_torch() -> None:
    code = (
        "import sys, quizzes.exercises.catalog as c, quizzes.exercises.cli\n"
        "[s.render_examples() for s in c.list_exercises()]\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_cases_follow_the_test_plan_for_any_seed(spec: ExerciseSpec) -> None:
    code = load_code(spec.id)
    for seed in (0, 1, 2**40 + 3):
        cases = code.make_cases(seed)
        assert [case.name for case in cases] == [test.name for test in spec.tests]
        assert {case.function or spec.functions[0] for case in cases} == set(spec.functions)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_hidden_inputs_depend_on_the_seed_and_visible_ones_do_not(spec: ExerciseSpec) -> None:
    code = load_code(spec.id)
    first = encode_cases(code.make_cases(11), spec.functions[0])[1]
    again = encode_cases(code.make_cases(11), spec.functions[0])[1]
    other = encode_cases(code.make_cases(12), spec.functions[0])[1]
    assert first.keys() == again.keys()
    assert all(torch.equal(first[k], again[k]) for k in first)
    visible = {f"c{i}." for i, test in enumerate(spec.tests) if test.visible}
    for key in first:
        same = key in other and first[key].shape == other[key].shape
        same = same and torch.equal(first[key], other[key])
        if key.startswith(tuple(visible)):
            assert same, key
    hidden_keys = [k for k in first if not k.startswith(tuple(visible))]
    assert any(
        k not in other or first[k].shape != other[k].shape or not torch.equal(first[k], other[k])
        for k in hidden_keys
    )


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_references_produce_finite_outputs_on_every_case(spec: ExerciseSpec) -> None:
    code = load_code(spec.id)
    cases = code.make_cases(5)
    entries, tensors = encode_cases(cases, spec.functions[0])
    for case, entry in zip(cases, entries, strict=True):
        raw = (
            code.expected(case)
            if code.expected
            else harness.invoke(code.references[entry["function"]], entry, tensors)
        )
        for path, tensor in harness.flatten(raw).items():
            assert tensor.dtype == torch.float64, (case.name, path)
            assert bool(torch.isfinite(tensor).all()), (case.name, path)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_public_examples_match_the_reference(spec: ExerciseSpec) -> None:
    code = load_code(spec.id)
    for example in spec.examples:
        got = eval(example.call, {"torch": torch, **code.references})
        shown = eval(example.result, {"tensor": torch.tensor, "torch": torch})
        got_leaves, shown_leaves = harness.flatten(got), harness.flatten(shown)
        assert got_leaves.keys() == shown_leaves.keys()
        for path, value in got_leaves.items():
            assert value.shape == shown_leaves[path].shape
            # The printed result shows four decimals.
            assert torch.allclose(value, shown_leaves[path].to(value.dtype), atol=1e-4)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_starter_code_and_model_solution_pass_the_source_check(spec: ExerciseSpec) -> None:
    for source in (spec.starter, SOLUTIONS[spec.id]):
        assert check_source(source, spec.forbidden) == []
        defined = {n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
        assert set(spec.functions) <= defined


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_forbidden_api_exists(spec: ExerciseSpec) -> None:
    for name in spec.forbidden:
        parts = name.split(".")
        obj: object = torch
        for part in parts[1:]:
            obj = getattr(obj, part)  # AttributeError names a typo in the YAML
        assert callable(obj) or isinstance(obj, ModuleType), name


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_statement_links_and_signature_are_filled_in(spec: ExerciseSpec) -> None:
    assert spec.link.startswith("https://d2l.ai/chapter_")
    assert spec.section.startswith(f"{spec.chapter}.")
    assert spec.max_score == sum(test.points for test in spec.tests) > 0
    assert ">>> " in spec.render_examples()
    for line in spec.signature.splitlines():
        ast.parse(line + ": ...")


def test_each_code_module_has_one_reference_per_function() -> None:
    for spec in SPECS:
        module = importlib.import_module(f"quizzes.exercises.bank.{spec.id}")
        assert set(module.EXERCISE.references) == set(spec.functions)
