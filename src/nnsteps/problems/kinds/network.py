"""Problem kinds of this family (registered on import)."""
