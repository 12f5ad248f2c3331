"""Each kind's statement for students (its record's ``statement=`` hook): every kind has one, it typesets
what is given (defaults that matter included), and never asks for a value the problem gives or twice for one."""

from __future__ import annotations

import pytest

from nnsteps.export.items import load
from nnsteps.export.statement import statement
from nnsteps.problems.registry import load_kinds
from nnsteps.render.statement import statement_html, statement_markdown, statement_text

KINDS = list(load_kinds())


def item_of(kind: str, **fields: object):
    return load({"problems": [{"id": "q", "kind": kind, **fields}]}).items[0]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_states_its_example_for_students(kind: str) -> None:
    record = load_kinds()[kind]
    assert record.statement is not None, f"{kind} has no statement= hook"
    example = {k: v for k, v in (record.example or {}).items() if k not in ("id", "kind")}
    st = statement(item_of(kind, **example))
    assert st.intro and st.asks and len(st.asks) == len(set(st.asks))
    text = statement_text(st)
    assert record.summary not in text  # the developer's summary line is never the question
    for rendered in (text, statement_markdown(st), statement_html(st)):
        assert "Fraction(" not in rendered and "array(" not in rendered and "None" not in rendered


def test_adam_states_its_default_betas_and_eps() -> None:
    text = statement_text(statement(item_of("optimizer", method="adam", params=[1, -2], grads=[[1, 1]], lr=0.1)))
    assert "(β_1, β_2) = (0.9, 0.999)" in text and "10^(-8)" in text and "α= 0.1" in text.replace(" = ", "= ")


def test_optimizer_never_asks_the_learning_rate_it_gives() -> None:
    plain = item_of("optimizer", method="sgd", params=1, grads=[2, 2], lr=0.5)
    assert plain.skip == (("lr",),) and not any(c.where.startswith("lr") for c in plain.cells)
    scheduled = item_of("optimizer", method="sgd", params=1, grads=[2, 2], lr=0.5, schedule="step", step_size=1,
                        gamma=0.5)
    asked = [c.where for c in scheduled.cells if c.where.startswith("lr")]
    assert asked == ["lr[1]"]  # lr[0] is the given rate; the decayed one is asked


def test_metrics_from_a_confusion_matrix_do_not_ask_it_back() -> None:
    item = item_of("metrics", confusion=[[5, 1], [2, 4]])
    assert not any(c.where.startswith("confusion") for c in item.cells)
    assert "confusion matrix" not in " ".join(statement(item).asks)
    from_labels = item_of("metrics", y_true=[0, 1, 1], y_pred=[0, 1, 0])
    assert any(c.where.startswith("confusion") for c in from_labels.cells)


def test_pipeline_asks_the_input_gradient_once() -> None:
    item = item_of("pipeline", input="1 -2; 3 4", steps=["relu", {"avg_pool2d": {"kernel_size": 2}}], upstream=[[1]])
    wheres = [c.where for c in item.cells]
    assert any(w.startswith("grads.input") for w in wheres)
    assert not any(w.startswith("grads.stages[0].input") for w in wheres)
    assert any(w.startswith("grads.stages[1].input") for w in wheres)


def test_conv_states_stride_and_padding_a_student_needs() -> None:
    st = statement(item_of("conv2d", input="1 2 0; 0 1 2; 2 0 1", kernel="1 0; 0 1"))
    assert st.givens[0].latex.startswith(r"X = \begin{bmatrix} 1 & 2 & 0 \\")
    assert "stride $s = 1$, padding $p = 0$" in st.givens[-1].label


def test_network_asked_one_cell_asks_only_it_and_warns_nothing() -> None:
    from nnsteps.export import build

    problem = {"id": "n", "kind": "network", "spec": "input 8x8x1\nconv 3x3x2", "ask": ["total_params"]}
    built = build({"problems": [problem]}, "moodle")
    assert built.warnings == []  # no "mac_convention not asked"
    item = item_of("network", spec="input 8x8x1\nconv 3x3x2", ask=["total_params"])
    assert [c.where for c in item.cells] == ["asked.total_params"]


def test_a_strict_perceptron_states_that_it_fires_only_above_zero() -> None:
    strict = statement_text(statement(item_of("perceptron", X="0 0; 1 1", y=[0, 1], strict=True)))
    plain = statement_text(statement(item_of("perceptron", X="0 0; 1 1", y=[0, 1])))
    assert "+ b > 0" in strict and "≥" not in strict
    assert "+ b ≥ 0" in plain and "epoch limit 10" in plain


def test_a_perceptron_does_not_ask_back_the_examples_and_labels_it_gives() -> None:
    item = item_of("perceptron", X="0 0; 1 1", y=[0, 1])
    wheres = [c.where for c in item.cells]
    assert "updates[0].z" in wheres and "updates[0].y_hat" in wheres and "updates[0].w[0]" in wheres
    assert not any(w.endswith((".x[0]", ".y")) for w in wheres)


def test_top_k_accuracy_from_scores_asks_only_what_is_answered() -> None:
    scores = "0.5 0.2 0.2; 0.3 0.4 0.2; 0.2 0.4 0.3; 0.7 0.2 0.1"
    item = item_of("metrics", y_true=[0, 1, 2, 2], k=2, scores=scores)
    st = statement(item)
    assert [c.where for c in item.cells] == ["top_k_accuracy"]
    assert len(st.asks) == 1 and st.asks[0].startswith("the top-2 accuracy")
    assert "predicted label" not in st.intro and "top_k_accuracy_score" in st.intro
    both = statement(item_of("metrics", y_true=[0, 1, 2, 2], y_pred=[0, 1, 2, 1], k=2, scores=scores))
    assert both.asks[0].startswith("the confusion matrix") and both.asks[-1].startswith("the top-2 accuracy")


def test_text_keeps_the_space_after_a_relation_or_arrow_and_writes_a_transpose_as_one_mark() -> None:
    from nnsteps.render.latex_text import latex_to_text

    assert latex_to_text(r"\hat y = 1 \text{ if } w^\top x + b \ge 0") == "ŷ = 1  if  wᵀx + b ≥ 0"
    assert latex_to_text(r"w \leftarrow w + \eta y x") == "w ← w + ηy x"
    assert latex_to_text(r"\ell= \frac{1}{2}\sum(y - t)^2") == "ℓ = 1/2∑(y - t)^2"
    assert latex_to_text(r"\sum_{j \neq y_i} s_j") == "∑_(j ≠ y_i) s_j"


def test_an_lstm_backward_from_given_gradients_states_both_upstreams() -> None:
    text = statement_text(statement(item_of(
        "rnn", cell="lstm", x=[[0.5, -1]], h0=[0.2], c0=[-0.3], upstream=[0.7], upstream_c=[-0.6],
        weights={"weight_ih": [[0.1, -0.2], [0.3, 0.1], [-0.4, 0.2], [0.2, 0.5]],
                 "weight_hh": [[0.3], [-0.1], [0.2], [0.4]]})))
    assert "Upstream gradient of the hidden states, ∂L/∂h_t: [0.7]" in text
    assert "Upstream gradient of the cell states, ∂L/∂c_t: [-0.6]" in text


def test_an_rnn_backward_from_given_gradients_has_no_output_layer_to_ask() -> None:
    item = item_of("rnn", x=[1, 2], h0=1, weights={"w_in": 0.5, "w_hh": -0.5}, activation="tanh", upstream=[0.5, 1])
    st = statement(item)
    text = statement_text(st)
    assert "w_hy" not in text and "the output y" not in text and "(the output" not in text
    assert not any(c.where == "y" for c in item.cells)
    with_head = statement_text(statement(item_of("rnn", x=[1, 2], h0=1, target=0.4, activation="tanh",
                                                 weights={"w_in": 0.5, "w_hh": -0.5, "w_hy": 1})))
    assert "y = w_hy h_t" in with_head and "the output y" in with_head


def test_an_optimizer_resumed_from_a_given_state_states_it() -> None:
    adam = statement_text(statement(item_of("optimizer", method="adam", params=[1, -1], grads=[[0.5, -0.2]], lr=0.01,
                                            state={"m": [0.2, 0.1], "v": [0.04, 0.01], "t": 5})))
    assert "The optimiser's state before step 1: m = [0.2  0.1],  v = [0.04  0.01],  t = 5" in adam
    sgd = statement_text(statement(item_of("optimizer", method="sgd", params=[1, -1], grads=[[0.5, 1]], lr=0.1,
                                           momentum=0.9, state={"b": [1, 2]})))
    assert "state before step 1: b = [1  2]" in sgd
    assert "state before" not in statement_text(statement(item_of("optimizer", method="sgd", params=[1], grads=[[1]], lr=0.1)))


def test_bleu_states_its_smoothing_by_what_it_does() -> None:
    two = statement_text(statement(item_of("bleu", candidate="the cat sat", references=["the cat is"],
                                           smoothing="method2")))
    assert "Smoothing: NLTK's method 2: add 1 to the matches and the n-grams of every order above 1" in two
    assert "method2" not in two
    plain = statement_text(statement(item_of("bleu", candidate="the cat sat", references=["the cat is"])))
    assert "Smoothing: NLTK's default (method0): a zero precision counts as the smallest float" in plain


def test_an_lstm_statement_names_its_weights_as_the_answer_does() -> None:
    item = item_of("rnn", cell="lstm", x=[[0.5, -1]], h0=[0.2], c0=[-0.3], upstream=[0.7],
                   weights={"weight_ih": [[0.1, -0.2], [0.3, 0.1], [-0.4, 0.2], [0.2, 0.5]],
                            "weight_hh": [[0.3], [-0.1], [0.2], [0.4]], "bias_ih": [0.1, 0.2, 0, -0.1]})
    text = statement_text(statement(item))
    assert "W_ih = [0.1  -0.2; " in text and "W_hh = [0.3; " in text and "b_ih = [0.1  0.2  0  -0.1]" in text
    assert "weight ih" not in text


def test_a_linear_classifiers_svm_loss_states_x_w_and_the_regularisation_and_asks_dl_dw() -> None:
    item = item_of("loss", loss="svm", W="0.2 -0.5 0.1; 0.1 0.3 -0.2", X="1 2; -1 0.5", target=[0, 2], reg=0.1)
    text = statement_text(statement(item))
    assert "Samples (one per row): X = [1  2; -1  0.5]" in text and "Weights: W = [0.2  -0.5  0.1; " in text
    assert "Settings: reduction mean, margin Δ = 1, regularisation λ = 0.1." in text and "∂L/∂W" in text and "∂L/∂x" not in text
    plain = statement_text(statement(item_of("loss", loss="svm", input="3.2 5.1 -1.7", target=[0])))
    assert "∂L/∂x" in plain and "regularisation" not in plain
