"""Helpers shared by the test files (``from tests.helpers.step_honesty import check_steps``): they hold no
tests of their own. ``tests`` is a namespace package found from the repository root, which
``python -m pytest`` puts on the path under ``--import-mode=importlib``."""
