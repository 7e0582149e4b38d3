"""The error of a file that cannot be checked at all.

Guarantee: every problem that makes a file unreadable raises :class:`Unusable` carrying one
:class:`~employers.client.issues.Issue` that says which file, what was found and what is
expected; the check turns it into a result with ``status == "unusable"``, never a traceback.
"""

from __future__ import annotations

from employers.client.issues import Issue


class Unusable(Exception):
    """The file cannot be checked at all; ``issue`` says why and what to do."""

    def __init__(self, issue: Issue):
        super().__init__(issue.message)
        self.issue = issue

    def __reduce__(self):  # so that it crosses a process boundary intact
        return (Unusable, (self.issue,))


def unusable(file: str, code: str, expected: str, *, value: str | None = None, sheet: str | None = None,
             row: int | None = None, column: str | None = None, detail: str | None = None) -> Unusable:
    return Unusable(Issue(severity="error", code=code, file=file, expected=expected, value=value,
                          sheet=sheet, row=row, column=column, detail=detail))
