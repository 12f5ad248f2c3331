"""Steps are honest in float where the values leave the rationals: every substitution of the BLEU, graph,
perplexity, positional-encoding and beam-search steps equals its result to float precision."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from tests.helpers.step_honesty import float_steps

from nnsteps.problems.solve import solve_problem


@pytest.mark.parametrize(("candidate", "references", "smoothing", "checked"), [
    # every clipped count, the four precisions, BP = e^{1 - 6/5}, and BLEU: one zero precision is NLTK's
    # smallest float inside the logs (the score is 7.07e-78, not 0)
    ("the cat sat on mat", ["the cat is on the mat", "a cat sat on the mat"], "none", 5 + 4 + 3 + 2 + 4 + 2),
    ("the cat sat on mat", ["the cat is on the mat", "a cat sat on the mat"], "method1", 5 + 4 + 3 + 2 + 4 + 1 + 2),
    ("the cat sat on the mat", ["the cat sat on the mat"], "none", 5 + 5 + 4 + 3 + 4 + 1 + 1),  # BP = e^{1 - 6/6}
    ("a b c", ["x y z"], "none", 3 + 2 + 1 + 0 + 4 + 1 + 1),  # no unigram match: BLEU 0, as NLTK
])
def test_bleu_steps_are_honest_in_float(candidate: str, references: list[str], smoothing: str, checked: int) -> None:
    w = solve_problem({"id": "b", "kind": "bleu", "candidate": candidate, "references": references,
                       "smoothing": smoothing}).worked
    assert float_steps(w) == checked


@pytest.mark.parametrize(("expression", "values", "checked"), [
    ("1/(1+exp(-(w0*x0+w1*x1+w2)))", {"w0": 2, "w1": -3, "w2": -3, "x0": -1, "x1": -2}, 19),  # CS231n's neuron
    ("a = x * y; b = tanh(a) + sqrt(y); f = max(a, b) + log(x) + relu(x - y)", {"x": 3, "y": 2}, 22),
])
def test_graph_steps_with_functions_are_honest_in_float(expression: str, values: dict[str, int],
                                                         checked: int) -> None:
    w = solve_problem({"id": "g", "kind": "graph", "expression": expression, "values": values}).worked
    assert float_steps(w) == checked


def test_perplexity_steps_are_honest_in_float() -> None:
    for raw in ({"probabilities": [0.25, 0.5, 0.125]}, {"probabilities": ["0.3", "0.7", "0.9"]},
                {"log_probabilities": [-1, "-0.5", -2]}):
        w = solve_problem({"id": "p", "kind": "perplexity", **raw}).worked
        assert float_steps(w) == 2  # H and PP, each with its numbers


def test_positional_encoding_steps_are_honest_in_float() -> None:
    w = solve_problem({"id": "pe", "kind": "positional_encoding", "positions": 5, "d_model": 6}).worked
    assert float_steps(w) == 5 * 6


def test_beam_search_scores_are_the_sums_of_the_tables_logs() -> None:
    table = {"": {"a": 0.6, "b": 0.4}, "a": {"a": 0.5, "b": 0.5}, "b": {"a": 0.9, "b": 0.1}}
    for alpha in (None, "0.7", 1):
        w = solve_problem({"id": "bs", "kind": "beam_search", "probabilities": table, "beam_width": 2,
                           "max_length": 2, **({} if alpha is None else {"length_penalty": alpha})}).worked
        scored = 0
        for step in w.walk():
            if step.formula and step.formula.startswith(r"\text{score}"):
                tokens = step.title.split()
                want = sum(math.log(table[" ".join(tokens[:i])][t]) for i, t in enumerate(tokens))
                want /= len(tokens) ** float(Fraction(alpha or 0))
                assert float(step.result) == pytest.approx(want, rel=1e-15), step.title
                scored += 1
        assert scored == 2 + 4  # two first tokens, then each beam's two continuations
        assert float_steps(w) == scored


def test_beam_search_end_token_steps_are_honest() -> None:
    table = {"": {"x": 0.5, "</s>": 0.5}, "x": {"y": 0.9, "</s>": 0.1}, "x y": {"</s>": 1}}
    w = solve_problem({"id": "bs", "kind": "beam_search", "probabilities": table, "beam_width": 2, "max_length": 3,
                       "end": "</s>", "length_penalty": "0.5"}).worked
    assert float_steps(w) == 2 + 3 + 2  # the ended beam is carried forward with its own sum
