"""Deterministic sample CX exports for demos and tests: python -m orchestration.sample_data."""

from .generator import generate, parse_quarter

__all__ = ["generate", "parse_quarter"]
