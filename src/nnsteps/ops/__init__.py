"""The ops: each computes its value and writes its worked steps from the same numbers."""
