"""One module per command: each runs the pipeline's stages once, top to bottom, and returns a result."""
