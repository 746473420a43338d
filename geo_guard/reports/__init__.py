"""Every layout the users read: workbooks, forms and documents.

`forms` lays out the seed's attachments 附件1–4 as print-ready workbooks; `digest` picks
the report week and what happened in it from the ledger's frames; `weekly` writes
周报.docx, `charts` its chart and static map, `weekly_map` 周报.html; `weekly_report`
writes the whole Thursday set. Reports sit above the data they lay out: they take plain
frames (the ledger's ``problems()``/``events()``) and never open a database.
"""

from geo_guard.reports.digest import ReportWeek, WeeklyDigest, report_week, weekly_digest
from geo_guard.reports.forms import (
    FORMS,
    FormLayout,
    attachment1_workbook,
    attachment2_workbook,
    attachment3_workbook,
    attachment4_workbook,
    form_workbook,
    save_workbook,
    write_blank_forms,
)
from geo_guard.reports.weekly import weekly_document, write_weekly_docx
from geo_guard.reports.weekly_map import problems_map, write_problems_map
from geo_guard.reports.weekly_report import WEEKLY_FILES, write_weekly_report

__all__ = [
    "FORMS",
    "WEEKLY_FILES",
    "FormLayout",
    "ReportWeek",
    "WeeklyDigest",
    "attachment1_workbook",
    "attachment2_workbook",
    "attachment3_workbook",
    "attachment4_workbook",
    "form_workbook",
    "problems_map",
    "report_week",
    "save_workbook",
    "weekly_digest",
    "weekly_document",
    "write_blank_forms",
    "write_problems_map",
    "write_weekly_docx",
    "write_weekly_report",
]
