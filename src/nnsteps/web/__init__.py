"""The local web app (``nnsteps serve``): a thin shell over the engine; see ``app.create_app``."""
