"""Errors of the problem register: one line that says what is wrong and what to do.

Examples
--------
>>> from geo_guard.ledger.errors import TransitionError
>>> isinstance(TransitionError("problem 3 is 待交办"), ValueError)
True
"""

from __future__ import annotations

from geo_guard._errors import GeoGuardError

__all__ = ["LedgerError", "LedgerNotFoundError", "TransitionError", "UnknownProblemError"]


class LedgerError(GeoGuardError):
    """The ledger cannot be opened, created or written as asked."""


class LedgerNotFoundError(LedgerError):
    """No ledger at the path or URL given."""


class UnknownProblemError(LedgerError):
    """A problem number that the ledger does not hold."""


class TransitionError(LedgerError):
    """An action that the problem's status does not allow (e.g. 销号 before 已整改)."""
