"""Optimisation: optimiser updates, a run of them with a learning-rate schedule, moving averages."""
