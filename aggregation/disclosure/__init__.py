"""Disclosure control of releases (DESIGN §5): pure Python, no Django.

Public API:
- ``DisclosurePolicy`` — the versioned rules;
- ``CohortTotals``, ``cohort_totals_from_aggregate`` — the input: exact sums per cohort;
- ``release_build`` -> ``ReleaseDraft`` — primary and secondary suppression, rounding, audit;
- ``PreviousRelease`` — an earlier published release, for corrections;
- ``release_document``, ``release_to_csv`` — the export of DESIGN §6 (refused unless the
  audit passed); ``protocol.release.release_to_json`` writes the document as JSON.
"""

from aggregation.disclosure.audit import AuditCertificate
from aggregation.disclosure.cohorts import CohortTotals, atom_name, cohort_totals_from_aggregate
from aggregation.disclosure.export import release_document, release_to_csv
from aggregation.disclosure.history import PreviousRelease
from aggregation.disclosure.policy import DisclosurePolicy, PolicyError
from aggregation.disclosure.release import ReleaseDraft, ReleaseRefused, release_build

__all__ = [
    "AuditCertificate",
    "CohortTotals",
    "DisclosurePolicy",
    "PolicyError",
    "PreviousRelease",
    "ReleaseDraft",
    "ReleaseRefused",
    "atom_name",
    "cohort_totals_from_aggregate",
    "release_build",
    "release_document",
    "release_to_csv",
]
