"""Severity: CVSS scores, the qualitative level, and the Chinese harm grade (GB/T 30279)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vulndesk.domain.errors import InvalidInput


class SeverityLevel(StrEnum):
    """CVSS qualitative rating (and house-policy severity)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"

    @classmethod
    def parse(cls, field: str, value: str) -> SeverityLevel:
        try:
            return cls(value.strip().lower())
        except ValueError as exc:
            raise InvalidInput(
                field, f"{value!r} is not a severity", ", ".join(m.value for m in cls)
            ) from exc

    @classmethod
    def from_score(cls, score: float) -> SeverityLevel:
        """The CVSS v3.1/v4.0 qualitative rating scale."""
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        if score > 0.0:
            return cls.LOW
        return cls.NONE


class CnGrade(StrEnum):
    """The four harm grades of GB/T 30279-2020."""

    SUPER_CRITICAL = "超危"
    HIGH = "高危"
    MEDIUM = "中危"
    LOW = "低危"

    @classmethod
    def parse(cls, field: str, value: str) -> CnGrade:
        aliases = {
            "super-critical": cls.SUPER_CRITICAL,
            "critical": cls.SUPER_CRITICAL,
            "high": cls.HIGH,
            "medium": cls.MEDIUM,
            "low": cls.LOW,
        }
        value = value.strip()
        for grade in cls:
            if value == grade.value:
                return grade
        if value.lower() in aliases:
            return aliases[value.lower()]
        raise InvalidInput(
            field,
            f"{value!r} is not a grade",
            "超危, 高危, 中危, 低危 (or critical, high, medium, low)",
        )

    @classmethod
    def suggested_for(cls, level: SeverityLevel) -> CnGrade | None:
        """A starting suggestion from the CVSS level; the analyst confirms the real grade.

        GB/T 30279's own lookup tables are not encoded (see docs/decisions), so the grade is
        a recorded human judgement and this mapping only pre-fills it.
        """
        return {
            SeverityLevel.CRITICAL: cls.SUPER_CRITICAL,
            SeverityLevel.HIGH: cls.HIGH,
            SeverityLevel.MEDIUM: cls.MEDIUM,
            SeverityLevel.LOW: cls.LOW,
        }.get(level)

    @property
    def english(self) -> str:
        return {"超危": "super-critical", "高危": "high", "中危": "medium", "低危": "low"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class Severity:
    """Scored severity of a case. Scores are computed from the vectors by the rules layer."""

    cvss31_vector: str | None = None
    cvss31_score: float | None = None
    cvss40_vector: str | None = None
    cvss40_score: float | None = None
    cn_grade: CnGrade | None = None

    @property
    def level(self) -> SeverityLevel | None:
        """The level from the newest CVSS version present."""
        score = self.cvss40_score if self.cvss40_score is not None else self.cvss31_score
        return None if score is None else SeverityLevel.from_score(score)
