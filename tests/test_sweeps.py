"""Long Hypothesis sweeps, opt-in (``python -m pytest tests/test_sweeps.py --sweep``): the CI-sized
tests' own bodies (Hypothesis's documented ``inner_test``) run on many more fresh draws. CI skips them."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import test_irrational, test_mlp_losses, test_security_expr, test_step_honesty

LONG = settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
pytestmark = pytest.mark.sweep


@LONG
@given(data=st.data())
def test_sweep_conv2d_steps(data: Any) -> None:
    test_step_honesty.test_conv2d_steps_are_honest.hypothesis.inner_test(data=data)


@LONG
@given(data=st.data())
def test_sweep_conv_transpose2d_steps(data: Any) -> None:
    test_step_honesty.test_conv_transpose2d_steps_are_honest.hypothesis.inner_test(data=data)


@LONG
@given(data=st.data())
def test_sweep_pool_steps(data: Any) -> None:
    test_step_honesty.test_pool_steps_are_honest.hypothesis.inner_test(data=data)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_sweep_mlp_against_torch(data: Any) -> None:
    test_mlp_losses.test_mlp_with_every_loss_and_activation_matches_torch_autograd_and_sgd.hypothesis.inner_test(
        data=data)


@LONG
@given(st.lists(st.tuples(st.sampled_from(["+", "-", "*", "/", "tanh", "sigmoid", "exp"]),
                          test_irrational.rationals), min_size=1, max_size=8))
def test_sweep_lazy_forms(program: list[tuple[str, Fraction]]) -> None:
    test_irrational.test_lazy_forms_equal_the_eager_sympy_forms.hypothesis.inner_test(program)


@LONG
@given(payload=test_security_expr.PYTHONISH)
def test_sweep_python_looking_answers(payload: str) -> None:
    test_security_expr.test_python_looking_strings_never_run_or_escape.hypothesis.inner_test(payload=payload)
