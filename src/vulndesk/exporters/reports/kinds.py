"""The one registry of report kinds: kind -> builder, recipient kinds, disclosure kind, labels.

Adding a regulator's report is one builder module and one line in `REGISTRY`; the services,
the API, the CLI and the console read every list of kinds from here. `disclosure` is the name
the disclosure ledger records and the rule files' `satisfied_by` refers to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vulndesk.domain.errors import InvalidInput
from vulndesk.domain.parties import PartyKind
from vulndesk.exporters.reports import cac, gdpr, nvdb
from vulndesk.exporters.reports.enisa import SPECS as ENISA_SPECS
from vulndesk.exporters.reports.enisa import EnisaKind, build_enisa
from vulndesk.exporters.reports.model import Report, ReportContext, Stage
from vulndesk.exporters.reports.nis2 import STAGES as NIS2_STAGES
from vulndesk.exporters.reports.nis2 import Nis2Kind, build_nis2
from vulndesk.exporters.reports.notices import NoticeKind, build_notice

Build = Callable[[ReportContext, Stage], Report]
GOVERNMENT = frozenset({PartyKind.REGULATOR, PartyKind.CSIRT})


@dataclass(frozen=True, slots=True)
class ReportKind:
    """One kind of report: how it is built, who may receive it, what its submission records.

    `stages` are the stages a drafter may choose, the first being the default; a kind with a
    single stage (each ENISA or NIS2 submission) ignores the stage asked for.
    """

    name: str
    label_en: str
    label_zh: str
    recipients: frozenset[PartyKind]
    disclosure: str
    build: Build
    stages: tuple[Stage, ...] = (Stage.INITIAL,)
    # A stage whose submission meets a duty of its own records this disclosure kind instead.
    stage_disclosures: tuple[tuple[Stage, str], ...] = ()

    def disclosure_of(self, stage: str | None) -> str:
        """The disclosure kind a submission at `stage` records (what `satisfied_by` names)."""
        return (
            dict(self.stage_disclosures).get(Stage(stage), self.disclosure)
            if stage
            else self.disclosure
        )

    def fits(self, recipient: PartyKind) -> bool:
        return recipient in self.recipients

    def stage(self, wanted: Stage | None) -> Stage:
        """The stage to build: the one asked for (checked), or the default."""
        if wanted is None or len(self.stages) == 1:
            return self.stages[0]
        if wanted not in self.stages:
            raise InvalidInput(
                "stage",
                f"{wanted.value!r} is not a stage of {self.name}",
                ", ".join(s.value for s in self.stages),
            )
        return wanted


def _enisa(kind: EnisaKind, disclosure: str, zh: str) -> ReportKind:
    spec = ENISA_SPECS[kind]
    return ReportKind(
        f"enisa.{kind.value}",
        f"ENISA: {spec.title_en}",
        f"ENISA：{zh}",
        GOVERNMENT,
        disclosure,
        lambda ctx, _stage: build_enisa(ctx, kind),
        (spec.stage,),
    )


def _nis2(kind: Nis2Kind, disclosure: str, en: str, zh: str) -> ReportKind:
    return ReportKind(
        f"nis2.{kind.value}",
        f"NIS2: {en}",
        f"NIS2：{zh}",
        GOVERNMENT,
        disclosure,
        lambda ctx, _stage: build_nis2(ctx, kind),
        (NIS2_STAGES[kind],),
    )


def _notice(
    kind: NoticeKind, recipients: frozenset[PartyKind], disclosure: str, en: str, zh: str
) -> ReportKind:
    return ReportKind(
        f"notice.{kind.value}",
        f"Notice: {en}",
        f"通知：{zh}",
        recipients,
        disclosure,
        lambda ctx, stage: build_notice(ctx, kind, stage).report,
        (Stage.INITIAL, Stage.UPDATE),
    )


_UPDATES = (Stage.INITIAL, Stage.UPDATE)
_USERS = frozenset({PartyKind.CUSTOMER, PartyKind.PUBLIC})
_MAKERS = frozenset({PartyKind.DOWNSTREAM_MAKER})
_SUPPLIERS = frozenset({PartyKind.UPSTREAM_SUPPLIER})
_E = EnisaKind
REGISTRY: tuple[ReportKind, ...] = (
    ReportKind(
        nvdb.KIND,
        "NVDB vulnerability report (MIIT)",
        "NVDB 漏洞信息报送（工信部）",
        frozenset({PartyKind.REGULATOR}),
        "nvdb-report",
        nvdb.build_nvdb,
        _UPDATES,
    ),
    _enisa(_E.VULNERABILITY_EARLY_WARNING, "enisa-early-warning", "被积极利用漏洞预警"),
    _enisa(_E.VULNERABILITY_NOTIFICATION, "enisa-vulnerability-notification", "漏洞通报"),
    _enisa(_E.VULNERABILITY_FINAL_REPORT, "enisa-final-report", "漏洞最终报告"),
    _enisa(_E.INCIDENT_EARLY_WARNING, "enisa-incident-early-warning", "严重事件预警"),
    _enisa(_E.INCIDENT_NOTIFICATION, "enisa-incident-notification", "严重事件通报"),
    _enisa(_E.INCIDENT_FINAL_REPORT, "enisa-incident-final-report", "严重事件最终报告"),
    _notice(NoticeKind.USERS, _USERS, "user-notice", "users", "用户"),
    _notice(NoticeKind.DOWNSTREAM, _MAKERS, "downstream-notice", "downstream makers", "下游厂商"),
    _notice(NoticeKind.UPSTREAM, _SUPPLIERS, "upstream-notice", "upstream supplier", "上游供应商"),
    _notice(NoticeKind.CSIRT, frozenset({PartyKind.CSIRT}), "csirt-notice", "CSIRT", "CSIRT"),
    ReportKind(
        cac.KIND,
        "CAC cybersecurity incident report",
        "网信部门网络安全事件报告",
        GOVERNMENT,
        "cac-incident-report",
        cac.build_cac_incident,
        cac.STAGES,
        # Art. 7's supplementary report and Art. 8's summary each meet their own obligation.
        ((Stage.UPDATE, "cac-incident-supplement"), (Stage.FINAL, "cac-incident-summary")),
    ),
    _nis2(Nis2Kind.EARLY_WARNING, "nis2-early-warning", "early warning", "预警"),
    _nis2(Nis2Kind.NOTIFICATION, "nis2-incident-notification", "incident notification", "事件通报"),
    _nis2(Nis2Kind.FINAL_REPORT, "nis2-final-report", "final report", "最终报告"),
    ReportKind(
        gdpr.KIND,
        "GDPR Art. 33 breach notification",
        "GDPR 第 33 条个人数据泄露通知",
        frozenset({PartyKind.REGULATOR}),
        "gdpr-breach-notification",
        gdpr.build_gdpr_breach,
        gdpr.STAGES,
    ),
)
KINDS: dict[str, ReportKind] = {k.name: k for k in REGISTRY}
NAMES: tuple[str, ...] = tuple(KINDS)
# The ledger's disclosure kind of each report kind (what rule files name in `satisfied_by`).
DISCLOSURE_KINDS: dict[str, str] = {k.name: k.disclosure for k in REGISTRY}
# Every disclosure kind a submission may record, stage-specific ones included.
ALL_DISCLOSURES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [k.disclosure for k in REGISTRY] + [d for k in REGISTRY for _, d in k.stage_disclosures]
    )
)


def disclosure_of(kind: str, stage: str | None) -> str:
    """The disclosure kind a submitted draft of `kind` at `stage` records in the ledger."""
    return KINDS[kind].disclosure_of(stage)


def report_kind(value: str) -> ReportKind:
    """The kind called `value` (case and `-`/`_` forgiven), or an error listing every kind."""
    wanted = value.strip().lower().replace("-", "_")
    found = KINDS.get(wanted)
    if found is None:
        raise InvalidInput("kind", f"{value!r} is not a report kind", ", ".join(NAMES))
    return found


def fitting(recipient: PartyKind) -> tuple[str, ...]:
    """The kinds a recipient of this kind may receive."""
    return tuple(k.name for k in REGISTRY if k.fits(recipient))


def check_recipient(kind: ReportKind, recipient: PartyKind, party: str) -> None:
    """Refuse a report addressed to a party of a kind it is not written for."""
    if kind.fits(recipient):
        return
    wanted = " or ".join(sorted(r.value for r in kind.recipients))
    others = ", ".join(fitting(recipient)) or "none"
    raise InvalidInput(
        "recipient",
        f"{party!r} is a {recipient.value}, and a {kind.name} report is written for a {wanted}",
        f"a {wanted} party as recipient, or for {party!r} the kind {others}",
    )
