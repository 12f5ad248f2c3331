"""Question 7 of the reference as a worked symbolic derivation: the output representation z_1 of
the first token under self-attention, stage by stage, with no numbers.
"""

from __future__ import annotations

from typing import Any

from nnsteps.names import Op
from nnsteps.work import Step, Worked


def describe(n: int = 3) -> Worked:
    """Self-attention for position 1 of ``n`` tokens, in symbols (q_1, k_j, v_j, e_1j, α_1j, z_1).

    >>> w = describe()
    >>> w.answer["e_1j"]
    'e_{1j} = \\\\frac{q_1^\\\\top k_j}{\\\\sqrt{d_k}}'
    >>> [s.title for s in w.steps][:2]
    ['Projections', 'Query for position 1']
    """
    formulas: dict[str, str] = {
        "projections": r"q_i = W_Q x_i, \quad k_i = W_K x_i, \quad v_i = W_V x_i",
        "q_1": r"q_1 = W_Q x_1",
        "k_j": rf"k_j = W_K x_j, \quad v_j = W_V x_j, \quad j = 1, \dots, {n}",
        "e_1j": r"e_{1j} = \frac{q_1^\top k_j}{\sqrt{d_k}}",
        "alpha_1j": rf"\alpha_{{1j}} = \frac{{\exp(e_{{1j}})}}{{\sum_{{m=1}}^{{{n}}} \exp(e_{{1m}})}}, \quad j = 1, \dots, {n}",
        "z_1": rf"z_1 = \sum_{{j=1}}^{{{n}}} \alpha_{{1j}} v_j",
    }
    notes = {
        "projections": "W_Q, W_K, W_V are the learned projection matrices",
        "q_1": "the query asks “what am I looking for?” from position 1",
        "k_j": "keys encode “what content do I have?” at each position; values carry the information mixed together",
        "e_1j": "d_k is the dimensionality of the keys; dividing by its square root keeps the scores' scale "
                "independent of d_k",
        "alpha_1j": "softmax turns the scores into weights that are positive and sum to 1",
        "z_1": f"z_1 integrates information from x_1 … x_{n} according to the attention weights α_1j",
    }
    titles = {"projections": "Projections", "q_1": "Query for position 1", "k_j": "Keys and values",
              "e_1j": "Scores", "alpha_1j": "Attention weights", "z_1": "Output for position 1"}
    steps: list[Step[Any]] = [Step(titles[k], formula=v, note=notes[k]) for k, v in formulas.items()]
    answer = {k: v for k, v in formulas.items() if k != "projections"}
    return Worked(Op.ATTENTION.value, value=answer, steps=steps, title="Self-attention for one token (symbolic)",
                  answer=answer)
