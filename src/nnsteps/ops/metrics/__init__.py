"""Metrics: classification metrics (confusion matrix, precision, recall, F1) and boxes (IoU, NMS)."""
