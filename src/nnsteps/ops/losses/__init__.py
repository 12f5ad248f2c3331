"""Losses: torch.nn.functional's losses (functional), the class losses (classification), and the
losses of the backprop exercises with their gradients (backprop)."""
