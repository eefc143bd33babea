"""What is read from the policy repository: content, git history, releases, translations, models."""
