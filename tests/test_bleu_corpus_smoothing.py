"""Corpus BLEU, n-gram weights and smoothing methods 1–7 against NLTK's ``corpus_bleu``/``sentence_bleu``
(hand cases and a Hypothesis sweep), exact where NLTK's formula is rational, and the named mistakes."""

from __future__ import annotations

import warnings
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsteps.errors import NnstepsError
from nnsteps.grading.check import check_problem
from nnsteps.grading.compare import plain
from nnsteps.problems.registry import Problem, load_kinds
from nnsteps.problems.solve import solve_problem

bleu_score = pytest.importorskip("nltk.translate.bleu_score")
METHODS = ["none"] + [f"method{i}" for i in range(1, 8)]

HYPS = ["the cat sat on the mat today", "a dog ran in the park", "the the the"]
REFS = [["the cat is on the mat today", "there is a cat on the mat"], ["a dog ran in a park"], ["the cat"]]


def _nltk(hyps, refs, weights, method, **constants):
    fn = None if method == "none" else getattr(bleu_score.SmoothingFunction(**constants), method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bleu_score.corpus_bleu([[r.split() for r in rs] for rs in refs], [h.split() for h in hyps],
                                      weights=tuple(float(w) for w in weights), smoothing_function=fn)


def _solve(**fields):
    return load_kinds()["bleu"].solve(Problem({"id": "q", "kind": "bleu", **fields})).answer


@pytest.mark.parametrize("method", METHODS)
def test_corpus_bleu_matches_nltk_for_every_smoothing_method(method):
    want = _nltk(HYPS, REFS, [0.25] * 4, method)
    got = _solve(hypotheses=HYPS, list_of_references=REFS, smoothing=method)["bleu"]
    assert float(got) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "method6"])
def test_sentence_bleu_with_zero_orders_matches_nltk_for_every_method(method):
    hyp, refs = "the cat sat on a mat", ["the cat is on the mat"]  # no trigram or 4-gram matches
    fn = None if method == "none" else getattr(bleu_score.SmoothingFunction(), method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = bleu_score.sentence_bleu([r.split() for r in refs], hyp.split(), smoothing_function=fn)
    assert float(_solve(candidate=hyp, references=refs, smoothing=method)["bleu"]) == pytest.approx(want, rel=1e-12)


def test_corpus_bleu_pools_counts_and_lengths_before_the_ratio():
    a = _solve(hypotheses=HYPS, list_of_references=REFS, max_n=2)
    # unigrams: 6 + 5 + 1 matched (clipped) of 7 + 6 + 3; bigrams 4 + 3 + 0 of 6 + 5 + 2
    assert a["precisions"] == [Fraction(12, 16), Fraction(7, 13)]
    assert a["brevity_penalty"] == 1  # c = 16 > r = 7 + 6 + 2
    assert float(a["bleu"]) == pytest.approx(_nltk(HYPS, REFS, [0.5, 0.5], "none"), rel=1e-12)
    assert str(a["bleu"].exact) == "sqrt(273)/26"  # (3/4 · 7/13)^(1/2)


def test_corpus_brevity_penalty_sums_closest_reference_lengths():
    a = _solve(hypotheses=["a b", "c d e"], list_of_references=[["a b c"], ["c d e f", "c"]], max_n=1)
    # c = 5, r = 3 + 4 (each sentence's closest reference; a tie goes to the shorter)
    assert float(a["brevity_penalty"]) == pytest.approx(2.718281828459045 ** (1 - 7 / 5), rel=1e-15)
    assert float(a["bleu"]) == pytest.approx(_nltk(["a b", "c d e"], [["a b c"], ["c d e f", "c"]], [1], "none"))


def test_custom_weights_are_exact_where_rational_and_match_nltk():
    a = _solve(hypotheses=HYPS, list_of_references=REFS, weights=[1, 0])
    assert a["bleu"] == Fraction(3, 4)
    w = ["1/2", "1/4", "1/4"]
    got = _solve(hypotheses=HYPS, list_of_references=REFS, weights=w)["bleu"]
    assert float(got) == pytest.approx(_nltk(HYPS, REFS, [0.5, 0.25, 0.25], "none"), rel=1e-12)


def test_smoothing_is_exact_where_nltk_formula_is_rational():
    hyp, refs = "the cat sat on a mat", ["the cat is on the mat"]
    m2 = _solve(candidate=hyp, references=refs, smoothing="method2")["precisions"]
    assert m2 == [Fraction(4, 6), Fraction(1 + 1, 5 + 1), Fraction(0 + 1, 4 + 1), Fraction(0 + 1, 3 + 1)]
    m3 = _solve(candidate=hyp, references=refs, smoothing="method3")["precisions"]
    assert m3 == [Fraction(4, 6), Fraction(1, 5), Fraction(1, 2 * 4), Fraction(1, 4 * 3)]
    m1 = _solve(candidate=hyp, references=refs, smoothing="method1", epsilon="0.5")["precisions"]
    assert m1[2:] == [Fraction(1, 8), Fraction(1, 6)]
    m5 = _solve(candidate=hyp, references=refs, smoothing="method5")["precisions"]
    assert all(isinstance(p, Fraction) for p in m5)
    m4 = _solve(candidate=hyp, references=refs, smoothing="method4")["precisions"]
    assert str(m4[2].exact) == "log(6)/40"  # ln c / (2^k K l_n), c = 6, k = 1, K = 5, l_3 = 4


def test_method6_interpolates_with_the_prior_exactly():
    hyps, refs = ["a b c d e f"], [["a b c d x f"]]
    a = _solve(hypotheses=hyps, list_of_references=refs, smoothing="method6")
    p1, p2, p3 = Fraction(5, 6), Fraction(3, 5), Fraction(2, 4)
    prior = p2 ** 2 / p1
    assert a["precisions"][2] == (2 + 5 * prior) / (4 + 5)
    assert float(a["bleu"]) == pytest.approx(_nltk(["a b c d e f"], refs, [0.25] * 4, "method6"), rel=1e-12)
    with pytest.raises(NnstepsError, match="nonzero trigram precision"):
        _solve(candidate="a b c d", references=["a b x d"], smoothing="method6")
    assert p3  # the unsmoothed p_3 is what makes method6 defined


_words = st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_words, st.lists(_words, min_size=1, max_size=2)), min_size=1, max_size=3),
       st.sampled_from(METHODS), st.integers(1, 4))
def test_corpus_bleu_matches_nltk_on_random_corpora(corpus, method, n):
    hyps = [" ".join(h) for h, _ in corpus]
    refs = [[" ".join(r) for r in rs] for _, rs in corpus]
    weights = [Fraction(1, n)] * n
    try:
        want = _nltk(hyps, refs, weights, method)
    except (AssertionError, IndexError, ZeroDivisionError):  # method6's p_3 != 0 assertion
        with pytest.raises(NnstepsError):
            _solve(hypotheses=hyps, list_of_references=refs, max_n=n, smoothing=method)
        return
    got = _solve(hypotheses=hyps, list_of_references=refs, max_n=n, smoothing=method)["bleu"]
    assert float(got) == pytest.approx(want, rel=1e-12, abs=1e-300)


_short = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_short, st.lists(_words, min_size=1, max_size=2)), min_size=1, max_size=2),
       st.sampled_from(METHODS), st.booleans())
def test_auto_reweigh_matches_nltk_for_short_hypotheses(corpus, method, sentence):
    if sentence:
        corpus = corpus[:1]
    hyps = [h for h, _ in corpus]
    refs = [rs for _, rs in corpus]
    fn = None if method == "none" else getattr(bleu_score.SmoothingFunction(), method)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = (bleu_score.sentence_bleu(refs[0], hyps[0], smoothing_function=fn, auto_reweigh=True) if sentence
                    else bleu_score.corpus_bleu(refs, hyps, smoothing_function=fn, auto_reweigh=True))
        except (AssertionError, IndexError, ZeroDivisionError):  # method6's p_3 != 0 assertion
            return
    fields = ({"candidate": " ".join(hyps[0]), "references": [" ".join(r) for r in refs[0]]} if sentence else
              {"hypotheses": [" ".join(h) for h in hyps], "list_of_references": [[" ".join(r) for r in rs] for rs in refs]})
    got = _solve(**fields, smoothing=method, auto_reweigh=True)["bleu"]
    assert float(got) == pytest.approx(want, rel=1e-12, abs=1e-300)


def test_auto_reweigh_weighs_the_orders_a_short_hypothesis_has_and_leaves_other_weights():
    # "a b" against "a b": c = 2 tokens, so weights 1/2, 1/2 over p_1 = p_2 = 1 (without it, p_3 = 0 gives ~0)
    assert _solve(candidate="a b", references=["a b"], auto_reweigh=True)["bleu"] == 1
    assert _solve(candidate="a b", references=["a b"])["bleu"] < 1e-100
    assert _solve(candidate="a b", references=["a b"], auto_reweigh=True, weights=[0.5, 0.5])["bleu"] == 1
    assert _solve(candidate="a b c d", references=["a b c x"], auto_reweigh=True)["bleu"] == \
        _solve(candidate="a b c d", references=["a b c x"])["bleu"]  # 4 tokens: the weights stay


BLEU_FILE = {"id": "corpus", "kind": "bleu", "hypotheses": HYPS, "list_of_references": REFS, "max_n": 2,
             "smoothing": "method2"}


def test_check_grades_the_key_full_and_names_the_sentence_mean_mistake():
    key = plain(solve_problem(BLEU_FILE).worked.answer)
    assert check_problem(BLEU_FILE, key).correct
    mean = _solve(**{k: v for k, v in BLEU_FILE.items() if k not in ("id", "kind")}, pool=False)
    result = check_problem(BLEU_FILE, {**key, "bleu": float(mean["bleu"])})
    assert not result.correct
    assert result.likely_mistake == "corpus BLEU as the mean of sentence BLEUs (counts not pooled over the corpus)"
    sentences = [_nltk([h], [r], [0.5, 0.5], "method2") for h, r in zip(HYPS, REFS, strict=True)]
    assert float(mean["bleu"]) == pytest.approx(sum(sentences) / 3, rel=1e-12)


def test_corpus_needs_one_reference_list_per_hypothesis():
    with pytest.raises(NnstepsError, match="problem q, field list_of_references: expected one list of references"):
        _solve(hypotheses=HYPS, list_of_references=REFS[:2])
    with pytest.raises(NnstepsError, match="exactly one of candidate"):
        _solve(hypotheses=HYPS, list_of_references=REFS, candidate="a")


@pytest.mark.parametrize(("fields", "message"), [
    ({"candidate": "a b c", "references": ["a b d"], "weights": [0.5, -1]}, "field weights: expected weights >= 0, got 1/2, -1"),
    ({"candidate": "a b c", "references": ["a b d"], "smoothing": "method6"}, "field smoothing: expected a nonzero trigram"),
    ({"candidate": "a b c", "references": ["a b d"], "smoothing": "method9"}, "field smoothing"),
])
def test_bad_bleu_input_is_one_line_naming_the_field(fields, message):
    with pytest.raises(NnstepsError, match=f"problem q, {message}"):
        _solve(**fields)
