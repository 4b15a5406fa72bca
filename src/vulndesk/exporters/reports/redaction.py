"""Redaction: the view of a case one recipient may see, with every other detail absent.

Builders take a `RedactedCase`, never a `Case`, so a field the policy withholds cannot reach
any document: it is not there to be read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from vulndesk.domain.cases import AffectedProduct, Case, CaseState
from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.facts import FactKind
from vulndesk.domain.ids import CaseKey, UnitId
from vulndesk.domain.policy import withheld_classes
from vulndesk.domain.severity import Severity

# Case options the report forms read (chosen by the analyst, not free text).
VULN_CLASS_OPTION = "gbt30279_class"
SUSPECTED_MALICIOUS_OPTION = "suspected_malicious"
# The incident's grade under the CAC grading guide and its type (incident reports).
INCIDENT_GRADE_OPTION = "incident_grade"
INCIDENT_TYPE_OPTION = "incident_type"
REPORT_OPTIONS = (
    VULN_CLASS_OPTION,
    SUSPECTED_MALICIOUS_OPTION,
    INCIDENT_GRADE_OPTION,
    INCIDENT_TYPE_OPTION,
)


@dataclass(frozen=True, slots=True)
class RedactedCase:
    """What leaves: identity, products and versions, severity, fact instants, allowed details."""

    key: CaseKey
    title: str
    unit: UnitId
    state: CaseState
    products: tuple[AffectedProduct, ...]
    cwe: str | None
    severity: Severity
    upstream_component: bool
    instants: Mapping[FactKind, dt.datetime]
    details: Mapping[str, str]
    allowed: frozenset[str]
    options: Mapping[str, str]

    @property
    def withheld(self) -> frozenset[Sensitivity]:
        """Classes with at least one field this recipient does not get."""
        return withheld_classes(self.allowed)

    @property
    def exploited(self) -> bool:
        return FactKind.EXPLOITATION_AWARE in self.instants

    def shows(self, name: str) -> bool:
        """Whether the recipient may see the detail field (it may still be empty)."""
        return name in self.allowed

    def detail(self, name: str) -> str:
        return self.details.get(name, "")


def redact(case: Case, allowed_fields: frozenset[str]) -> RedactedCase:
    """The case as a recipient allowed `allowed_fields` may see it."""
    unknown = sorted(allowed_fields - set(DETAIL_FIELDS))
    if unknown:
        raise InvalidInput(
            "allowed_fields", f"{unknown[0]!r} is not a case detail field", ", ".join(DETAIL_FIELDS)
        )
    details = {name: text for name, text in case.details.items() if name in allowed_fields and text}
    options = {name: case.options[name] for name in REPORT_OPTIONS if name in case.options}
    if case.incident_grade is not None:  # the recorded grade wins over an option's text
        options[INCIDENT_GRADE_OPTION] = str(case.incident_grade)
    return RedactedCase(
        key=case.key,
        title=case.title,
        unit=case.unit,
        state=case.state,
        products=case.products,
        cwe=case.cwe,
        severity=case.severity,
        upstream_component=case.upstream_component,
        instants=MappingProxyType(dict(case.instants)),
        details=MappingProxyType(details),
        allowed=frozenset(allowed_fields),
        options=MappingProxyType(options),
    )
