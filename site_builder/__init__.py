"""Versioned, bilingual privacy policy: check, diff, release, publish and notify."""

__version__ = "0.1.0"
