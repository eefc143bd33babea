"""Publishing the site: the plan, the workers, the writer (the only door to the output) and the engine."""
