"""Sequences: attention (its inputs, its exact forms), beam search, BLEU and perplexity, positional
encoding."""
