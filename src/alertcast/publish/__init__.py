"""Effects at the edge: write an artifact set atomically, then deploy it."""
