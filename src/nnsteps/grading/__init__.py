"""Checking answers: cell comparison, likely mistakes, follow-on marking, feedback, reports."""
