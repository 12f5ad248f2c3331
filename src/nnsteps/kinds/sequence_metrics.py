"""The sequence-model kinds: ``bleu`` (NLTK's sentence and corpus BLEU), ``perplexity`` and ``beam_search`` over a
given table: fields, solvers, likely mistakes and generators.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from nnsteps.errors import NnstepsError
from nnsteps.generation import generator
from nnsteps.generation.common import one
from nnsteps.numbers import parse_number
from nnsteps.ops.sequence.bleu_smoothing import HELP, METHODS
from nnsteps.problems import fields as F
from nnsteps.problems.registry import Field, FieldType, Params, register
from nnsteps.work import Worked

T = FieldType
BLEU, PERPLEXITY, BEAM = "bleu", "perplexity", "beam_search"

BLEU_EXAMPLE = {"candidate": "the cat sat on the mat", "references": ["the cat is on the mat"], "max_n": 4}
def _tokens(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(t, (str, int)) for t in value):
        return [str(t) for t in value]
    raise NnstepsError(f"expected a sentence as text or a list of tokens, got {value!r}")


def _references(value: Any) -> list[list[str]]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise NnstepsError(f"expected a list of reference sentences, got {value!r}")
    return [_tokens(v) for v in value]


def _sentence(s: Any) -> str:
    return " ".join(map(str, s)) if isinstance(s, list) else str(s)


def _bleu_statement(p: Any) -> Any:
    """A BLEU question: the sentences verbatim (a corpus pair by pair), the weights and smoothing stated."""
    from nnsteps.render.statement import Given, build, number, value

    corpus = value(p, "hypotheses") is not None
    weights = value(p, "weights")
    st = build(p, f"Compute the {'corpus' if corpus else 'sentence'} BLEU of the "
               f"{'hypotheses' if corpus else 'candidate'} against the references as NLTK does: clipped n-gram "
               + ("counts and lengths summed over the corpus before the precisions, " if corpus else "precisions, ")
               + "their weighted geometric mean, times the brevity penalty.",
               scalars=[*([] if weights is not None else [("max_n", "n-grams up to", "n", 4)])],
               asks=["the clipped precision of each n-gram order", "the brevity penalty", "the BLEU score"])
    # the method by what it does (a student does not know NLTK's numbering), never "method2" run together
    smoothing = str(value(p, "smoothing", "none"))
    st.givens.append(Given("Smoothing: " + (f"NLTK's method {smoothing.removeprefix('method')}: "
                                            if smoothing.startswith("method") else "") + HELP.get(smoothing, smoothing)))
    if weights is not None:
        listed = weights.split() if isinstance(weights, str) else weights
        st.givens.append(Given("Weights w_1 … w_N", code=" ".join(number(w) for w in listed)))
    if value(p, "auto_reweigh", False):
        st.givens.append(Given("As NLTK's auto_reweigh: with the default weights (¼ each) and fewer than 4 "
                               "hypothesis tokens in all, weigh the orders up to that count equally."))
    if corpus:
        pairs = zip(value(p, "hypotheses", []), value(p, "list_of_references", []))
        st.givens[:0] = [Given(f"Pair {i}", code="\n".join([f"hypothesis: {_sentence(h)}",
                                                               *(f"reference: {_sentence(r)}" for r in refs)]))
                         for i, (h, refs) in enumerate(pairs, 1)]
        return st
    refs = value(p, "references", [])
    refs = [refs] if isinstance(refs, str) else refs
    st.givens[:0] = [Given("Candidate", code=_sentence(value(p, "candidate", ""))),
                     Given("References", code="\n".join(_sentence(r) for r in refs))]
    return st


def _perplexity_statement(p: Any) -> Any:
    """A perplexity question."""
    from nnsteps.render.statement import build

    return build(p, "A model gave each token of a sequence the probability below.",
                 arrays=[("probabilities", "Probabilities", "p"), ("log_probabilities", "Log-probabilities", r"\ln p")],
                 asks=["the cross-entropy (in nats, per token)", "the perplexity"])


def _beam_statement(p: Any) -> Any:
    """A beam-search question: the next-token table row by row."""
    from nnsteps.render.statement import Given, build, number, value

    table = value(p, "probabilities", {})
    st = build(p, "Run beam search over the next-token probabilities below, scoring a sequence by its summed "
               "log-probability" + (" divided by length$^\\alpha$" if value(p, "length_penalty") is not None else "")
               + ".", scalars=[("beam_width", "beam width", "k", None), ("max_length", "at most", "", None),
                               ("length_penalty", "", r"\alpha", None)],
               asks=["the beams kept at each step, with their scores", "the best sequence"])
    rows = [f"after '{prefix}': " + ", ".join(f"{tok} {number(pr) if not isinstance(pr, dict) else pr}"
                                              for tok, pr in (nxt or {}).items())
            for prefix, nxt in table.items()] if isinstance(table, dict) else []
    st.givens.insert(0, Given("Next-token probabilities", code="\n".join(rows)))
    if value(p, "end") is not None:
        st.givens.append(Given("A sequence ending in the end token stops.", code=str(value(p, "end"))))
    return st


def _probabilities(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list) or not value:
        raise NnstepsError(f"expected a list of probabilities, got {value!r}")
    out = [F.number(v) for v in value]
    for v in out:
        if not 0 <= v <= 1:
            raise NnstepsError(f"expected probabilities in [0, 1], got {v}")
    return out


def _log_probabilities(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list) or not value:
        raise NnstepsError(f"expected a list of natural-log probabilities, got {value!r}")
    out = [F.number(v) for v in value]
    for v in out:
        if v > 0:
            raise NnstepsError(f"expected log-probabilities <= 0, got {v}")
    return out


def _table(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not value:
        raise NnstepsError(f"expected a mapping of prefixes to {{token: probability}}, got {value!r}")
    out: dict[str, dict[str, Any]] = {}
    for prefix, row in value.items():
        key = " ".join(str(prefix if prefix is not None else "").split())
        if not isinstance(row, dict) or not row:
            raise NnstepsError(f"prefix {key!r}: expected a mapping of tokens to probabilities, got {row!r}")
        out[key] = {}
        for token, prob in row.items():
            v = parse_number(prob)
            if not 0 <= v <= 1:
                raise NnstepsError(f"prefix {key!r}, token {token!r}: expected a probability in [0, 1], got {v}")
            out[key][str(token)] = v
    if "" not in out:
        raise NnstepsError("expected a row for the start prefix \"\"")
    return out


def _corpus_references(value: Any) -> list[list[list[str]]]:
    if not isinstance(value, list) or not value:
        raise NnstepsError(f"expected a list with each hypothesis's references, got {value!r}")
    return [_references(v) for v in value]


def _hypotheses(value: Any) -> list[list[str]]:
    if not isinstance(value, list) or not value:
        raise NnstepsError(f"expected a list of hypothesis sentences, got {value!r}")
    return [_tokens(v) for v in value]


def _weights(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list) or not value or len(value) > 16:
        raise NnstepsError(f"expected 1 to 16 n-gram weights, got {value!r}")
    out = [F.number(v) for v in value]
    if any(w < 0 for w in out):
        raise NnstepsError(f"expected weights >= 0, got {', '.join(map(str, out))}")
    return out


def _positive(value: Any) -> Any:
    v = F.number(value)
    if v <= 0:
        raise NnstepsError(f"expected a number > 0, got {v}")
    return v


CORPUS = {"hypotheses": ["the cat sat on the mat", "a dog ran"],
          "list_of_references": [["the cat is on the mat"], ["the dog ran", "a dog ran away"]]}
BLEU_FIELDS = (
    Field("candidate", T.TEXT, "the candidate sentence (tokens split at spaces) or a list of tokens (sentence BLEU; "
          "or give hypotheses)", example=BLEU_EXAMPLE["candidate"], parse=_tokens),
    Field("references", T.LIST, "one or more reference sentences (text or token lists)",
          example=BLEU_EXAMPLE["references"], parse=_references),
    Field("hypotheses", T.LIST, "corpus BLEU: the hypothesis sentences (NLTK's corpus_bleu)",
          example=CORPUS["hypotheses"], parse=_hypotheses, instead_of=("candidate",)),
    Field("list_of_references", T.LIST, "corpus BLEU: for each hypothesis, its reference sentences",
          example=CORPUS["list_of_references"], parse=_corpus_references, instead_of=("references",)),
    Field("max_n", T.INTEGER, "the longest n-gram (weights 1/max_n each)", default=4, example=4,
          parse=F.integer(1, "an n-gram order")),
    Field("weights", T.ARRAY, "the n-gram weights w_1 … w_N (NLTK's weights=; N = their count)",
          example=["1/3", "1/3", "1/3"], parse=_weights, instead_of=("max_n",)),
    Field("smoothing", T.CHOICE, "NLTK's SmoothingFunction: " + "; ".join(f"{m}: {h}" for m, h in HELP.items()),
          default="none", choices=METHODS, example="none"),
    Field("epsilon", T.NUMBER, "method1's ε", default=Fraction(1, 10), example="0.1", parse=_positive,
          when=("smoothing", ("method1",))),
    Field("alpha", T.NUMBER, "method6's α", default=5, example=5, parse=_positive, when=("smoothing", ("method6",))),
    Field("k", T.NUMBER, "method4's (and method7's) K", default=5, example=5, parse=_positive,
          when=("smoothing", ("method4", "method7"))),
    Field("clip", T.BOOLEAN, "clip each n-gram count at its most in one reference (BLEU); false is the named "
          "mistake, for checking", default=True, example=True),
    Field("pool", T.BOOLEAN, "corpus BLEU pools counts and lengths over the corpus; false (the mean of sentence "
          "BLEUs) is the named mistake, for checking", default=True, example=True),
    Field("auto_reweigh", T.BOOLEAN, "NLTK's auto_reweigh: with the default weights (¼ each) and fewer than 4 "
          "hypothesis tokens in all, weigh the first c orders 1/c each", default=False, example=False),
)


def _bleu_mistakes(p: Params) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if p.clip:
        out.append(("n-gram counts not clipped", lambda raw: {**raw, "clip": False}))
    if p.has("hypotheses") and p.pool:
        out.append(("corpus BLEU as the mean of sentence BLEUs (counts not pooled over the corpus)",
                    lambda raw: {**raw, "pool": False}))
    return out


@register(BLEU, fields=BLEU_FIELDS, statement=_bleu_statement, summary="sentence or corpus BLEU as NLTK: clipped n-gram precisions pooled over "
          "the corpus, brevity penalty, weights, smoothing methods 1–7",
          answer=("precisions", "brevity_penalty", "bleu"), example=BLEU_EXAMPLE, mistakes=_bleu_mistakes,
          form={"group": "sequence"})
def solve_bleu(p: Params) -> Worked:
    """A ``bleu`` problem (:func:`nnsteps.ops.sequence.metrics.bleu`): sentence BLEU from ``candidate`` and
    ``references``, corpus BLEU from ``hypotheses`` and ``list_of_references``.

    >>> from nnsteps.problems.registry import Problem
    >>> solve_bleu(Problem({"id": "b", "kind": BLEU, **BLEU_EXAMPLE, "max_n": 2}).params).answer["precisions"]
    [Fraction(5, 6), Fraction(3, 5)]
    >>> solve_bleu(Problem({"id": "b", "kind": BLEU, **CORPUS, "weights": [1, 0]}).params).answer["bleu"]
    Fraction(8, 9)
    """
    from nnsteps.ops.sequence.metrics import bleu

    if p.has("hypotheses") == p.has("candidate"):
        raise NnstepsError("expected exactly one of candidate (sentence BLEU) and hypotheses (corpus BLEU)",
                           problem=p.id, field="candidate")
    if p.has("hypotheses"):
        if not p.has("list_of_references") or len(p.list_of_references) != len(p.hypotheses):
            got = len(p.list_of_references) if p.has("list_of_references") else "none"
            raise NnstepsError(f"expected one list of references per hypothesis ({len(p.hypotheses)}), got {got}",
                               problem=p.id, field="list_of_references")
        pairs = list(zip(p.hypotheses, p.list_of_references, strict=True))
    else:
        if not p.has("references"):
            raise NnstepsError("expected the reference sentences", problem=p.id, field="references")
        pairs = [(p.candidate, p.references)]
    if p.has("weights"):
        weights = list(p.weights)
    else:
        if p.max_n > 16:
            raise NnstepsError(f"expected max_n <= 16, got {p.max_n}", problem=p.id, field="max_n")
        weights = [Fraction(1, p.max_n)] * p.max_n
    constants = {"epsilon": p.epsilon, "alpha": p.alpha, "k": p.k}
    try:
        return bleu(pairs, weights, p.smoothing, p.clip, p.pool, constants, kind=BLEU, auto_reweigh=p.auto_reweigh)
    except NnstepsError as err:
        raise err.located(problem=p.id) from None


PP_FIELDS = (
    Field("probabilities", T.ARRAY, "each token's probability (or give log_probabilities)", example=[0.25, 0.5, 0.125],
          parse=_probabilities),
    Field("log_probabilities", T.ARRAY, "each token's natural-log probability", example=[-1, -2],
          parse=_log_probabilities),
)


@register(PERPLEXITY, fields=PP_FIELDS, statement=_perplexity_statement, summary="cross-entropy and perplexity of a sequence's token probabilities",
          answer=("perplexity", "cross_entropy"), example={"probabilities": [0.25, 0.5, 0.125]},
          form={"group": "sequence"})
def solve_perplexity(p: Params) -> Worked:
    """A ``perplexity`` problem (:func:`nnsteps.ops.sequence.metrics.perplexity`).

    >>> from nnsteps.problems.registry import Problem
    >>> solve_perplexity(Problem({"id": "pp", "kind": PERPLEXITY, "probabilities": [0.5, 0.5]}).params).answer["perplexity"]
    2
    """
    from nnsteps.ops.sequence.metrics import perplexity

    if p.has("probabilities") == p.has("log_probabilities"):
        raise NnstepsError("expected exactly one of probabilities and log_probabilities", problem=p.id,
                           field="probabilities")
    try:
        return perplexity(p.probabilities, p.log_probabilities, kind=PERPLEXITY)
    except NnstepsError as err:
        raise err.located(problem=p.id) from None


BEAM_EXAMPLE = {"probabilities": {"": {"a": 0.6, "b": 0.4}, "a": {"a": 0.5, "b": 0.5}, "b": {"a": 0.9, "b": 0.1}},
                "beam_width": 2, "max_length": 2}
BEAM_FIELDS = (
    Field("probabilities", T.MAPPING, "next-token probabilities per prefix: {prefix: {token: p}}, the prefix's "
          "tokens joined by spaces, \"\" for the start", required=True, example=BEAM_EXAMPLE["probabilities"],
          parse=_table),
    Field("beam_width", T.INTEGER, "k, the beams kept at each step", required=True, example=2,
          parse=F.integer(1, "a beam width")),
    Field("max_length", T.INTEGER, "the most tokens", required=True, example=2, parse=F.integer(1, "a length")),
    Field("vocab", T.LIST, "the tokens (optional; checked against the table)", example=["a", "b"],
          parse=lambda v: list(v) if isinstance(v, list) else [v]),
    Field("length_penalty", T.NUMBER, "α: the score is Σ ln p / length^α", example=0.7),
    Field("end", T.TEXT, "the end token: a sequence ending in it stops", example="</s>", parse=str),
)


@register(BEAM, fields=BEAM_FIELDS, statement=_beam_statement, summary="beam search over a table of next-token probabilities, step by step",
          answer=("beams", "best"), example=BEAM_EXAMPLE,
          mistakes=lambda p: [("greedy decoding (beam width 1)", lambda raw: {**raw, "beam_width": 1})]
          if p.beam_width not in (None, 1) else [], form={"group": "sequence"},
          aliases={"beam": "", "greedy_decoding": "beam_width: 1"})
def solve_beam_search(p: Params) -> Worked:
    """A ``beam_search`` problem (:mod:`nnsteps.ops.sequence.beam_search`).

    >>> from nnsteps.problems.registry import Problem
    >>> solve_beam_search(Problem({"id": "bs", "kind": BEAM, **BEAM_EXAMPLE}).params).answer["best"]["sequence"]
    ['b', 'a']
    """
    from nnsteps.ops.sequence.beam_search import beam_search

    table = p.probabilities
    if p.has("vocab"):
        vocab = {str(t) for t in p.vocab}
        for row in table.values():
            for token in row:
                if token not in vocab:
                    raise NnstepsError(f"token {token!r} is not in the vocab", problem=p.id, field="probabilities")
    width, length = p.beam_width, p.max_length
    if width > 64 or length > 64:
        raise NnstepsError("expected beam_width and max_length <= 64", problem=p.id, field="beam_width")
    return beam_search(table, width, length, p.length_penalty, p.end, kind=BEAM)


_WORDS = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran"]


@generator(BLEU)
def bleu_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A candidate and a reference of a few common words, or (half the time) a corpus of two such pairs with
    a smoothing method.

    >>> sorted(bleu_problem(np.random.default_rng(2), {}))
    ['candidate', 'kind', 'max_n', 'references']
    >>> sorted(bleu_problem(np.random.default_rng(0), {}))
    ['hypotheses', 'kind', 'list_of_references', 'max_n', 'smoothing']
    """

    def pair() -> tuple[str, str]:
        ref = [one(rng, _WORDS) for _ in range(int(rng.integers(4, 8)))]
        return " ".join(w if rng.random() < 0.7 else one(rng, _WORDS) for w in ref), " ".join(ref)

    if rng.random() < 0.5:
        cand, ref = pair()
        return {"kind": BLEU, "candidate": cand, "references": [ref], "max_n": one(rng, [1, 2, 2])}
    pairs = [pair(), pair()]
    return {"kind": BLEU, "hypotheses": [c for c, _ in pairs], "list_of_references": [[r] for _, r in pairs],
            "max_n": one(rng, [2, 3, 4]), "smoothing": one(rng, ["none", "method1", "method2", "method3", "method4"])}


@generator(PERPLEXITY)
def perplexity_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """Powers of one half (an exact perplexity) or tenths.

    >>> sorted(perplexity_problem(np.random.default_rng(0), {}))
    ['kind', 'probabilities']
    """
    from fractions import Fraction

    n = int(rng.integers(2, 5))
    if rng.random() < 0.5:
        probs = [Fraction(1, 2 ** int(rng.integers(1, 4))) for _ in range(n)]
    else:
        probs = [Fraction(int(rng.integers(1, 10)), 10) for _ in range(n)]
    return {"kind": PERPLEXITY, "probabilities": [p if p.denominator != 1 else int(p) for p in probs]}


@generator(BEAM)
def beam_problem(rng: np.random.Generator, options: dict[str, Any]) -> dict[str, Any]:
    """A two-token vocabulary, two steps, a table of tenths.

    >>> sorted(beam_problem(np.random.default_rng(0), {}))
    ['beam_width', 'kind', 'max_length', 'probabilities', 'vocab']
    """
    from fractions import Fraction

    table: dict[str, dict[str, Any]] = {}
    for prefix in ["", "a", "b"]:
        p = Fraction(int(rng.integers(1, 10)), 10)
        table[prefix] = {"a": p, "b": 1 - p}
    return {"kind": BEAM, "vocab": ["a", "b"], "probabilities": table, "beam_width": 2, "max_length": 2}
