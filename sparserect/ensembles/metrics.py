"""Moved to `sparserect.measurement.members`; this path re-exports it."""

from sparserect.measurement.members import (
    MEMBER_COLUMNS,
    MemberMetrics,
    measure_members,
    member_measurer,
    member_report,
)

__all__ = ["MEMBER_COLUMNS", "MemberMetrics", "measure_members", "member_measurer", "member_report"]
