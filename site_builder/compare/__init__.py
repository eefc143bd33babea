"""What changed between two versions: the change model and its renderings."""
