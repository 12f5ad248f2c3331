"""bleu against NLTK's sentence_bleu, perplexity, beam search by hand, positional encoding against NumPy."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

from nnsteps.errors import NnstepsError
from nnsteps.problems.registry import Problem, load_kinds


def solve(kind, **fields):
    return load_kinds()[kind].solve(Problem({"id": "q", "kind": kind, **fields}))


WORDS = ["the", "cat", "sat", "on", "a", "mat", "dog"]


@pytest.mark.parametrize("seed", range(40))
def test_bleu_matches_nltk_on_random_sentences(seed):
    bleu_score = pytest.importorskip("nltk.translate.bleu_score")
    rng = np.random.default_rng(seed)
    refs = [[str(w) for w in rng.choice(WORDS, size=int(rng.integers(3, 9)))] for _ in range(int(rng.integers(1, 4)))]
    cand = [w if rng.random() < 0.7 else str(rng.choice(WORDS)) for w in refs[0]][: int(rng.integers(1, 10))]
    max_n = int(rng.integers(1, 5))
    smoothing = "method1" if seed % 3 == 0 else "none"
    weights = (1 / max_n,) * max_n
    fn = bleu_score.SmoothingFunction().method1 if smoothing == "method1" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = bleu_score.sentence_bleu(refs, cand, weights=weights, smoothing_function=fn)
    got = solve("bleu", candidate=cand, references=refs, max_n=max_n, smoothing=smoothing).answer
    assert float(got["bleu"]) == pytest.approx(want, rel=1e-12, abs=1e-300)
    for n, p in enumerate(got["precisions"], start=1):
        q = bleu_score.modified_precision(refs, cand, n)
        smoothed = smoothing == "method1" and q.numerator == 0  # the precision shown is the smoothed one
        assert p == (Fraction(1, 10) / q.denominator if smoothed else Fraction(q.numerator, q.denominator))


def test_bleu_example_is_exact_and_names_the_unclipped_mistake():
    a = solve("bleu", candidate="the cat sat on the mat", references=["the cat is on the mat"], max_n=2).answer
    assert a["precisions"] == [Fraction(5, 6), Fraction(3, 5)] and a["brevity_penalty"] == 1
    assert str(a["bleu"].exact) == "sqrt(2)/2"
    # "the the the the" against "the cat": clipped 1/4 (1 'the' allowed), unclipped 4/4.
    assert solve("bleu", candidate="the the the the", references=["the cat"], max_n=1).answer["bleu"] == Fraction(1, 4)
    assert solve("bleu", candidate="the the the the", references=["the cat"], max_n=1,
                 clip=False).answer["bleu"] == 1
    names = [n for n, _ in load_kinds()["bleu"].likely_mistakes({"candidate": "a", "references": ["a"]})]
    assert names == ["n-gram counts not clipped"]


def test_brevity_penalty_closest_reference():
    a = solve("bleu", candidate="the cat", references=["the cat sat on", "the cat sat"], max_n=1).answer
    assert float(a["brevity_penalty"]) == pytest.approx(math.exp(1 - 3 / 2))


def test_perplexity():
    a = solve("perplexity", probabilities=[0.25, 0.5, 0.125]).answer
    assert a["perplexity"] == 4 and float(a["cross_entropy"]) == pytest.approx(math.log(4))
    b = solve("perplexity", log_probabilities=[-1, -2]).answer
    assert b["cross_entropy"] == Fraction(3, 2) and float(b["perplexity"]) == pytest.approx(math.exp(1.5))
    c = solve("perplexity", probabilities=[0.3, 0.7]).answer
    assert float(c["perplexity"]) == pytest.approx((0.3 * 0.7) ** -0.5)


TABLE = {"": {"a": 0.6, "b": 0.4}, "a": {"a": 0.5, "b": 0.5}, "b": {"a": 0.9, "b": 0.1}}


def test_beam_search_by_hand():
    a = solve("beam_search", probabilities=TABLE, beam_width=2, max_length=2).answer
    # step 1: a (ln .6), b (ln .4); step 2: b a = .36 beats a a = a b = .30 (a a first: earlier)
    assert [[b["sequence"] for b in s] for s in a["beams"]] == [[["a"], ["b"]], [["b", "a"], ["a", "a"]]]
    assert float(a["best"]["score"]) == pytest.approx(math.log(0.36))
    greedy = solve("beam_search", probabilities=TABLE, beam_width=1, max_length=2).answer
    assert greedy["best"]["sequence"] == ["a", "a"] and float(greedy["best"]["score"]) == pytest.approx(math.log(0.3))


def test_beam_search_end_token_and_length_penalty():
    table = {"": {"x": 0.5, "</s>": 0.5}, "x": {"y": 0.9, "</s>": 0.1}, "x y": {"</s>": 1}}
    a = solve("beam_search", probabilities=table, beam_width=2, max_length=3, end="</s>").answer
    assert a["best"]["sequence"] == ["</s>"]  # ln .5 beats ln .45
    b = solve("beam_search", probabilities=table, beam_width=2, max_length=3, end="</s>", length_penalty=1).answer
    assert b["best"]["sequence"] == ["x", "y", "</s>"]  # ln(.45)/3 beats ln(.5)/1
    assert float(b["best"]["score"]) == pytest.approx(math.log(0.45) / 3)


def test_positional_encoding_matches_numpy():
    pe = np.array(solve("positional_encoding", positions=7, d_model=10).answer, dtype=float)
    pos = np.arange(7)[:, None]
    div = np.exp(np.arange(0, 10, 2) * (-math.log(10000.0) / 10))  # the PyTorch tutorial's formula
    want = np.zeros((7, 10))
    want[:, 0::2], want[:, 1::2] = np.sin(pos * div), np.cos(pos * div)
    np.testing.assert_allclose(pe, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("kind", "fields", "message"), [
    ("perplexity", {"probabilities": [0.5, 1.5]}, "field probabilities: expected probabilities in [0, 1], got 3/2"),
    ("perplexity", {"probabilities": [0.5, 0]}, "infinite"),
    ("perplexity", {}, "exactly one of"),
    ("beam_search", {"probabilities": {"": {"a": 2}}, "beam_width": 1, "max_length": 1},
     "expected a probability in [0, 1], got 2"),
    ("beam_search", {"probabilities": {"": {"c": 1}}, "beam_width": 1, "max_length": 1, "vocab": ["a"]},
     "not in the vocab"),
])
def test_bad_input_one_line(kind, fields, message):
    with pytest.raises(NnstepsError) as err:
        solve(kind, **fields)
    assert message in str(err.value) and "\n" not in str(err.value) and "problem q" in str(err.value)


@pytest.mark.parametrize("kind", ["bleu", "perplexity", "beam_search", "positional_encoding"])
def test_steps_are_honest(kind):
    from tests.helpers.step_honesty import check_steps

    kinds = load_kinds()
    w = kinds[kind].solve(Problem({"id": "q", "kind": kind, **kinds[kind].example}))
    check_steps(w.walk())
