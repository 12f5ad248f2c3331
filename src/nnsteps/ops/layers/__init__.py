"""Layers: dense heads (linear, logistic), batch and layer normalisation, dropout and embedding, weight
initialisation."""
