"""CS231n's reference implementations, written as its assignments do, for the parity tests."""

from __future__ import annotations

import numpy as np


def svm_loss_naive(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float, delta: float = 1.0) -> tuple[float, np.ndarray]:
    """CS231n's svm_loss_naive: loops over samples and classes."""
    dW = np.zeros_like(W)
    loss = 0.0
    for i in range(X.shape[0]):
        s = X[i].dot(W)
        for j in range(W.shape[1]):
            if j == y[i]:
                continue
            m = s[j] - s[y[i]] + delta
            if m > 0:
                loss += m
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    n = X.shape[0]
    return loss / n + reg * np.sum(W * W), dW / n + 2 * reg * W


def svm_loss_vectorized(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float, delta: float = 1.0) -> tuple[float, np.ndarray]:
    """CS231n's svm_loss_vectorized."""
    n = X.shape[0]
    scores = X.dot(W)
    margins = np.maximum(0, scores - scores[np.arange(n), y][:, None] + delta)
    margins[np.arange(n), y] = 0
    binary = (margins > 0).astype(float)
    binary[np.arange(n), y] = -binary.sum(axis=1)
    return margins.sum() / n + reg * np.sum(W * W), X.T.dot(binary) / n + 2 * reg * W
