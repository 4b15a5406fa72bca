"""CVSS 3.1 and 4.0 scoring with the `cvss` package, and severity assembly for cases."""

from __future__ import annotations

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.severity import CnGrade, Severity, SeverityLevel


def score_cvss31(vector: str) -> float:
    """Base score of a CVSS 3.x vector; the vector must start with CVSS:3.1/ or CVSS:3.0/."""
    text = vector.strip()
    if not text.startswith(("CVSS:3.1/", "CVSS:3.0/")):
        raise InvalidInput(
            "cvss31",
            f"{vector!r} is not a CVSS 3.1 vector",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        )
    try:
        return float(CVSS3(text).scores()[0])
    except CVSSError as exc:
        raise InvalidInput(
            "cvss31",
            f"{vector!r} is not a valid CVSS 3.1 vector: {exc}",
            "a complete CVSS:3.1 base vector",
        ) from exc


def score_cvss40(vector: str) -> float:
    """Base score of a CVSS 4.0 vector."""
    text = vector.strip()
    if not text.startswith("CVSS:4.0/"):
        raise InvalidInput(
            "cvss40",
            f"{vector!r} is not a CVSS 4.0 vector",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        )
    try:
        return float(CVSS4(text).base_score)
    except CVSSError as exc:
        raise InvalidInput(
            "cvss40",
            f"{vector!r} is not a valid CVSS 4.0 vector: {exc}",
            "a complete CVSS:4.0 base vector",
        ) from exc


def assess(cvss31: str | None, cvss40: str | None, cn_grade: str | None) -> Severity:
    """Score the vectors; the Chinese grade is the analyst's, else suggested from the level."""
    s31 = score_cvss31(cvss31) if cvss31 else None
    s40 = score_cvss40(cvss40) if cvss40 else None
    grade = CnGrade.parse("cn_grade", cn_grade) if cn_grade else None
    score = s40 if s40 is not None else s31
    if grade is None and score is not None:
        grade = CnGrade.suggested_for(SeverityLevel.from_score(score))
    return Severity(
        cvss31.strip() if cvss31 else None, s31, cvss40.strip() if cvss40 else None, s40, grade
    )
