"""Moved to `sparserect.measurement.sparsity_callback`; this path re-exports it."""

from sparserect.measurement.sparsity_callback import SparsityCallback

__all__ = ["SparsityCallback"]
