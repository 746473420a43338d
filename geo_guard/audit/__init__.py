"""Audit of markers, fences and crossings against the zones (标志及隔离防护设施).

The seed's second checklist item: are the boundary markers (界标/界桩), warning signs
(警示牌), notice boards (宣传牌) and isolation fences along both banks intact, and do the
roads, bridges, pipelines and railways crossing the zones have crash barriers (防撞护栏),
accident drainage channels (事故导流槽) and emergency pools (应急池)?

`vocabulary` holds the words (kinds, conditions, yes/no, OpenStreetMap tags); `rules` the
thresholds (working values, from the ``[audit]`` table of a TOML file); `inputs` reads
markers, crossings and fences; `boundaries` finds each zone level's outer boundary per
bank; `markers`, `crossings` and `fences` check them; `core.audit_facilities` runs it all
and `findings` turns the results into problems for the ledger. The workbook and
GeoPackage are written by :mod:`geo_guard.reports.audit`.
"""

from geo_guard.audit.core import AuditResult, audit_facilities
from geo_guard.audit.inputs import load_features, prepare_crossings, prepare_fences, prepare_markers
from geo_guard.audit.rules import AuditOptions, audit_options_from_text, load_audit_options
from geo_guard.audit.vocabulary import SOURCE_TYPE

__all__ = [
    "SOURCE_TYPE",
    "AuditOptions",
    "AuditResult",
    "audit_facilities",
    "audit_options_from_text",
    "load_audit_options",
    "load_features",
    "prepare_crossings",
    "prepare_fences",
    "prepare_markers",
]
