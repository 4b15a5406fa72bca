"""The demo organisation holds CVE ids in each state and a coordinated disclosure under
embargo, recorded through the use cases by demo accounts."""

from __future__ import annotations

from vulndesk.bootstrap import Container
from vulndesk.domain.coordination import ProductStatus
from vulndesk.domain.embargo import EmbargoState
from vulndesk.services.advisories import cve
from vulndesk.services.advisories import revisions as advisories
from vulndesk.services.audit import checkpoints as audit_tools
from vulndesk.services.context import Deps
from vulndesk.services.coordination import overview, portal, statuses, threads, watermark
from vulndesk.services.demo import advisory as demo_advisory
from vulndesk.services.demo import content
from vulndesk.services.demo import coordination as demo_coordination
from vulndesk.services.demo import cve as demo_cve
from vulndesk.services.demo import history as demo_history
from vulndesk.services.demo import organisation as demo
from vulndesk.services.demo.replay import account, case_by_title
from vulndesk.services.disclosure import ledger

DEMO = content.read()


def _load(container: Container, deps: Deps) -> demo_coordination.Loaded:
    demo.load(deps)
    demo.users(deps, demo.ACTOR, container.passwords)
    demo_history.load(deps)
    assert demo_cve.reserve(deps) == 3
    demo_advisory.load(deps, container.advisory_setup, None)
    assert demo_cve.settle(deps) == {"published": 1, "reserved": 1, "rejected": 1}
    return demo_coordination.load(deps, container.passwords)


def test_the_demo_holds_cve_ids_in_each_state_and_a_coordination(
    container: Container, deps: Deps
) -> None:
    loaded = _load(container, deps)
    year = deps.clock.now().year
    analyst = account(deps, "analyst-cn")
    states = {}
    for seed in DEMO.cve.ids:
        key = str(case_by_title(deps, seed.case))
        [record] = cve.list_ids(deps, analyst, key)
        states[record.state.value] = record
        assert record.cve_id == f"CVE-{year}-{seed.number}"
        assert record.reserved_by == "analyst-cn"
        assert record.reserved_at < deps.clock.now()
    assert set(states) == {"reserved", "published", "rejected"}
    published = states["published"]
    assert published.published_by == "approver-cn"
    assert '"state": "PUBLISHED"' in published.answer
    # The advisory of the published id's case names it.
    [latest] = advisories.revisions(deps, analyst, str(published.case))[-1:]
    assert latest.content and published.cve_id in latest.content
    rejected = states["rejected"]
    assert rejected.rejected_by == "analyst-cn"
    assert rejected.reason == next(i.reason for i in DEMO.cve.ids if i.state == "rejected")
    assert rejected.reason.startswith("DUPLICATE: ")

    shown = overview.overview(deps, analyst, loaded.case, "Europe/Berlin")
    assert sorted(r.participant.party for r in shown.participants) == [
        "chip-vendor",
        "cncert",
        "oem-partner",
    ]
    assert shown.embargo.embargo.state is EmbargoState.ACTIVE
    assert shown.embargo.in_force
    end = shown.embargo.embargo.end
    assert end is not None and end > deps.clock.now()
    assert {c.status for c in shown.cells} == {
        ProductStatus.FIXED,
        ProductStatus.NOT_AFFECTED,
        ProductStatus.AFFECTED,
    }
    assert len(threads.read(deps, analyst, loaded.case, "shared")) == 2
    entries = ledger.list_entries(deps, loaded.case)
    assert entries
    assert audit_tools.verify(deps).ok


def test_the_chip_suppliers_person_signs_in_with_an_account_of_their_own(
    container: Container, deps: Deps
) -> None:
    loaded = _load(container, deps)
    seed = DEMO.coordination.portal
    party = next(p["name"] for p in DEMO.parties if p["id"] == seed.party)
    person = loaded.participant
    assert (person.name, person.role) == (seed.name, "participant")
    assert person.unit == f"outside participant: {party} on {loaded.case}"
    assert person.otpauth.startswith("otpauth://totp/")
    who = account(deps, person.name)
    assert who.roles == {"participant"}
    [mine] = portal.my_cases(deps, who)
    assert (mine.case, mine.party) == (loaded.case, party)
    view = portal.case_view(deps, who, loaded.case)
    assert view.embargo.my_answer == "accepted"
    assert [m.body for m in view.private if m.mine] == [seed.message]
    # The lead asked in the private thread; the supplier answered there.
    assert [m.who for m in view.private] == [portal.CASE_TEAM, party]
    [stated] = view.mine[-1:]
    assert (stated.recorded_by, stated.approved_by) == (person.name, None)
    # The desk sees the supplier's statement waiting beside the approved one.
    analyst = account(deps, "analyst-cn")
    board = statuses.status_board(deps, analyst, loaded.case)
    [cell] = [c for c in board.cells if c.pending is not None]
    assert cell.pending is not None and cell.pending.recorded_by == person.name
    assert cell.status is ProductStatus.FIXED and cell.pending.fixed_versions == (
        "5.0.3-hotfix1",
        "5.0.4",
    )
    # The answer waits unread for the lead in the supplier's private thread.
    states = threads.thread_states(deps, analyst, loaded.case)
    [private] = [t for t in states if t.thread == mine.participant]
    assert (private.count, private.unread) == (2, 1)
    # The shared view the lead sent is traced to the supplier's people.
    found = watermark.trace(deps, analyst, f"leaked copy, ref {loaded.shared}")
    assert [(f.mark.party, f.mark.kind, f.how) for f in found] == [("chip-vendor", "share", "ref")]
    assert "psirt@chip.example" in found[0].mark.recipient
