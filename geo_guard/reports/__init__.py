"""Every layout the users read: workbooks, forms and documents, under Chinese headers from
one vocabulary (:mod:`geo_guard.vocabulary.headers`).

`classification` lays out classified risk sources; `corridor` the corridor's gaps and
weak stands. Reports sit above the analyses they lay out and never compute geometry.

The special action's reports take the ledger's plain frames (``problems()``,
``events()``), never a database: `forms` lays out the seed's attachments 附件1–4 as
print-ready workbooks; `digest` picks the report week and what happened in it; `weekly`
writes 周报.docx, `charts` its chart and static map, `weekly_map` 周报.html;
`weekly_report` writes the whole Thursday set.

The names below are loaded on first use, so ``import geo_guard.reports.classification``
does not pay for matplotlib and python-docx.

Examples
--------
>>> from geo_guard.reports import FORMS, report_week
>>> FORMS[4].title
'专项行动问题整改台账'
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> module of geo_guard.reports that defines it.
_EXPORTS: dict[str, str] = {
    "ReportWeek": "digest",
    "WeeklyDigest": "digest",
    "report_week": "digest",
    "weekly_digest": "digest",
    "FORMS": "forms",
    "FormLayout": "forms",
    "attachment1_workbook": "forms",
    "attachment2_workbook": "forms",
    "attachment3_workbook": "forms",
    "attachment4_workbook": "forms",
    "form_workbook": "forms",
    "save_workbook": "forms",
    "write_blank_forms": "forms",
    "weekly_document": "weekly",
    "write_weekly_docx": "weekly",
    "problems_map": "weekly_map",
    "write_problems_map": "weekly_map",
    "WEEKLY_FILES": "weekly_report",
    "write_weekly_files": "weekly_report",
    "write_weekly_report": "weekly_report",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geo_guard.reports' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"geo_guard.reports.{module}"), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
