"""Every problem kind, one module per family; :func:`nnsteps.problems.registry.load_kinds` imports
each module of this package (each registers its kinds), so adding a kind is adding a module here.
Modules whose name starts with ``_`` hold what a family shares and register nothing.
"""
