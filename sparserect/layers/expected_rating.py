"""Moved to `sparserect.measurement.expected_rating`; this path re-exports it."""

from sparserect.measurement.expected_rating import ExpectedRatingRMSE, expected_rating

__all__ = ["ExpectedRatingRMSE", "expected_rating"]
