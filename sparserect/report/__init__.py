"""Tables, verdicts and plots generated from the result files (`sparserect report`)."""

from sparserect.report.blocks import fill_blocks
from sparserect.report.known import KNOWN_REASONS
from sparserect.report.report import build_sections
from sparserect.report.report import check_report
from sparserect.report.report import write_report
from sparserect.report.statistics import Summary
from sparserect.report.statistics import summarize
from sparserect.report.statistics import verdict

__all__ = [
    "KNOWN_REASONS", "Summary", "build_sections", "check_report", "fill_blocks", "summarize",
    "verdict", "write_report",
]
