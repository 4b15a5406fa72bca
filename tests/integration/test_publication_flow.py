"""The publication gate through real storage and the CLI; third-party cases and filing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.builders import accounts_for, as_person, open_case, seed_reference
from tests.e2e.cli import Cli
from vulndesk.adapters.clock import SettableClock
from vulndesk.domain.errors import Conflict, GuardFailed, InvalidInput, NotFound
from vulndesk.domain.facts import FactKind
from vulndesk.rules.publication import Attachment, Result, Share
from vulndesk.services.access.rights import Principal
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.context import Deps
from vulndesk.services.coordination import participants, statuses
from vulndesk.services.publication import gate as publication
from vulndesk.services.publication import thirdparty
from vulndesk.services.publication.ports import FILING_FIELDS

READY = {"summary": "Heap overflow in httpd.", "remediation": "Update to 2.0."}


def _results(deps: Deps, actor: Principal, key: str, **kw: Any) -> dict[str, Result]:
    gate = publication.check(deps, actor, publication.CheckRequest(key, **kw))
    return {c.article: c.result for c in gate.checks}


def test_gate_reads_facts_blackouts_decisions_and_shares(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    seed_reference(deps, actor)
    key = open_case(deps, actor, details=READY).key
    assert _results(deps, actor, key)["RMSV 9(1)"] is Result.FAIL
    cases.record_fact(deps, actor, key, "fix_available", None, "2.0 released")
    assert set(_results(deps, actor, key).values()) == {Result.PASS}

    start = clock.now() + dt.timedelta(days=1)
    publication.add_blackout(deps, actor, "summit", start, start + dt.timedelta(days=3), "G20")
    during = start + dt.timedelta(hours=5)
    assert _results(deps, actor, key, at=during)["RMSV 9(6)"] is Result.FAIL
    consent = publication.decide(deps, actor, key, "mps_consent", "summit", "MPS letter 2026-17")
    assert _results(deps, actor, key, at=during)["RMSV 9(6)"] is Result.FAIL  # one person
    second = as_person("second", "test")
    accounts_for(deps, second)  # the second person is a real approver account
    publication.approve_decision(deps, second, key, consent.id)
    assert _results(deps, actor, key, at=during)["RMSV 9(6)"] is Result.PASS

    # A share abroad is refused by the disclosure guard; one recorded before it existed
    # (written straight to storage here) still fails the gate.
    with pytest.raises(GuardFailed, match=r"9\(7\)"):
        publication.record_share(deps, actor, key, "Lab Inc", "US", note="early briefing")
    with deps.uow() as uow:
        uow.publication.add_share(key, Share("Lab Inc", "US", clock.now()), "early briefing")
        uow.commit()
    clock.advance(dt.timedelta(hours=1))
    assert _results(deps, actor, key)["RMSV 9(7)"] is Result.FAIL

    leaky = _results(
        deps, actor, key, include=("proof_of_concept",), attachments=(Attachment("x.png"),)
    )
    assert leaky["RMSV 9(4)"] is Result.PASS  # the case has no proof_of_concept text
    cases.update_case(deps, actor, key, details={"proof_of_concept": "send 4097 bytes"})
    leaky = _results(deps, actor, key, include=("proof_of_concept",))
    assert leaky["RMSV 9(4)"] is Result.FAIL
    assert (
        _results(deps, actor, key)["RMSV 9(4)"] is Result.PASS
    )  # secret fields stay out by default
    assert _results(deps, actor, key, stated_severity="critical")["RMSV 9(3)"] is Result.PASS


def test_blackout_names_are_unique_and_spans_valid(
    deps: Deps, actor: Principal, clock: SettableClock
) -> None:
    now = clock.now()
    publication.add_blackout(deps, actor, "games", now, now + dt.timedelta(days=1))
    with pytest.raises(Conflict):
        publication.add_blackout(deps, actor, "games", now, now + dt.timedelta(days=1))
    with pytest.raises(InvalidInput, match="end"):
        publication.add_blackout(deps, actor, "later", now, now)
    assert [w.name for w in publication.list_blackouts(deps, actor)] == ["games"]


def test_cli_exit_codes_and_json(deps: Deps, actor: Principal, db_url: str, tmp_path: Path) -> None:
    seed_reference(deps, actor)
    key = open_case(deps, actor, details=READY, aware="2026-11-01T00:00:00+00:00").key
    cli = Cli(tmp_path / "home", db_url).sign_in("cli-tester", "admin")
    failed = cli.run("publication", "check", key, "--json", ok=False)
    assert failed.returncode == 1
    body = json.loads(failed.stdout)
    assert body["result"] == "fail"
    assert {"id", "article", "result", "message"} <= set(body["checks"][0])
    cases.record_fact(deps, actor, key, "fix_available", "2026-11-02T00:00:00+00:00", "2.0")
    assert cli.run("publication", "check", key, "--json").returncode == 0
    script = tmp_path / "checker.py"
    script.write_text("print('which version is installed?')\n")
    needs = cli.run("publication", "check", key, "--attachment", str(script), ok=False)
    assert needs.returncode == 3
    cli.run(
        "publication",
        "decide",
        key,
        "attachment_cleared",
        "--subject",
        "checker.py",
        "--note",
        "reviewed: version check only",
    )
    needs = cli.run("publication", "check", key, "--attachment", str(script), ok=False)
    assert needs.returncode == 3  # one person's decision is not in effect yet
    [decided] = cli.json("publication", "decisions", key)
    second = cli.sign_in("second-reviewer", "approver")
    cli.run("case", "member", "add", key, "second-reviewer")  # need-to-know
    approved = second.run("publication", "decision-approve", key, str(decided["id"])).stdout
    assert "in effect" in approved
    assert cli.run("publication", "check", key, "--attachment", str(script)).returncode == 0
    assert cli.run("publication", "check", key, "--kind", "tweet", ok=False).returncode == 2


def test_third_party_case_vendor_tracking(deps: Deps, actor: Principal) -> None:
    seed_reference(deps, actor)
    reference.add_party(
        deps,
        actor,
        id="widgetco",
        name="WidgetCo",
        kind="downstream_maker",
        country="DE",
        channels=["email:psirt@widgetco.example"],
    )
    own = open_case(deps, actor)
    with pytest.raises(GuardFailed, match="third_party"):
        thirdparty.track_vendor(deps, actor, own.key, "widgetco")
    case = open_case(deps, actor, roles=["third_party"], products={}, details=READY)
    with pytest.raises(GuardFailed, match="vendor"):
        thirdparty.vendor_notified(deps, actor, case.key, None, "mail sent")
    thirdparty.track_vendor(deps, actor, case.key, "widgetco")
    thirdparty.vendor_notified(deps, actor, case.key, None, "mail to psirt@widgetco.example")
    assert _results(deps, actor, case.key)["RMSV 9(7)"] is Result.PASS  # the vendor is the provider
    assert _results(deps, actor, case.key)["RMSV 9(1)"] is Result.FAIL
    status = thirdparty.vendor_fixed(deps, actor, case.key, None, "WidgetCo 4.2 released")
    assert status.notified_at is not None and status.fixed_at is not None
    assert FactKind.FIX_AVAILABLE in cases.show_case(deps, actor, case.key).case.instants
    assert set(_results(deps, actor, case.key).values()) == {Result.PASS}


def test_filing_stored_and_exported(
    deps: Deps, actor: Principal, db_url: str, tmp_path: Path
) -> None:
    with pytest.raises(NotFound):
        thirdparty.filing(deps, actor)
    with pytest.raises(InvalidInput, match=r"filing\.colour"):
        thirdparty.set_filing(deps, actor, {"colour": "blue"})
    with pytest.raises(InvalidInput, match=r"filing\.platform_name"):
        thirdparty.set_filing(deps, actor, {"homepage_url": "https://vulns.example.cn"})
    fields = {
        "platform_name": "Acme 漏洞收集平台",
        "homepage_url": "https://vulns.example.cn",
        "icp_number": "粤ICP备00000000号",
        "publication_channels": ["https://vulns.example.cn/advisories", "WeChat: AcmePSIRT"],
        "sponsor_name": "Acme Shenzhen",
        "contact_name": "Li Lei",
        "contact_details": "+86 755 0000 0000",
    }
    thirdparty.set_filing(deps, actor, fields)
    cli = Cli(tmp_path / "home", db_url).sign_in("cli-tester", "admin")
    exported = json.loads(cli.run("filing", "export").stdout)
    assert list(exported["fields"]) == list(FILING_FIELDS)
    assert exported["fields"]["publication_channels"].splitlines()[1] == "WeChat: AcmePSIRT"
    assert "collection_scope" in exported["missing"] and "platform_name" not in exported["missing"]


def test_third_party_gate_reads_the_vendors_coordination_status(
    deps: Deps, actor: Principal
) -> None:
    """RMSV Art. 9 in third-party mode: the vendor, invited to the case, says what it has; the
    gate reads its approved status: silence and "under investigation" hold publication, an
    approved "fixed" lets it through and is named."""
    seed_reference(deps, actor)
    reference.add_party(
        deps, actor, id="widgetco", name="WidgetCo", kind="downstream_maker", country="CN"
    )
    lead, deputy = (
        as_person("lab-lead", roles={"coordinator"}),
        as_person("lab-deputy", roles={"coordinator"}),
    )
    case = open_case(deps, actor, roles=["third_party"], details=READY)
    key = str(case.key)
    thirdparty.track_vendor(deps, actor, key, "widgetco")
    thirdparty.vendor_notified(deps, actor, key, None, "mail to psirt@widgetco.example")

    def art9() -> str:
        gate = publication.check(deps, actor, publication.CheckRequest(key))
        [found] = [c for c in gate.checks if c.id == "fix-before-publication"]
        return f"{found.result.value}: {found.message}"

    assert art9().startswith("fail") and "vendor" not in art9()  # not a participant yet
    vendor = participants.invite(deps, lead, key, "widgetco", "upstream_supplier", ["p@w.cn"])
    assert "the vendor widgetco states (approved): router: no answer since" in art9()
    said = statuses.record(deps, lead, key, vendor.id, "router", "under_investigation", "looking")
    assert "no answer since" in art9()  # not approved yet: still silence
    statuses.approve(deps, deputy, key, said.id)
    assert art9().startswith("fail") and "router: under investigation" in art9()
    fixed = statuses.record(
        deps, lead, key, vendor.id, "router", "fixed", "4.2 out", fixed_versions=["4.2"]
    )
    statuses.approve(deps, deputy, key, fixed.id)
    assert art9() == "pass: the vendor widgetco states (approved): router fixed in 4.2"
    assert FactKind.FIX_AVAILABLE not in cases.show_case(deps, actor, key).case.instants
