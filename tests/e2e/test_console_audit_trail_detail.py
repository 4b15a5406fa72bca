"""The audit trail page shows a dozen details of an event and names the rest: an event that
binds thousands of evidence rows (a large import, a key rotation) would otherwise make the
page tens of megabytes."""

from __future__ import annotations

import re

from tests.e2e.test_api_support import build_world
from tests.e2e.test_api_waivers import sign_in
from vulndesk.adapters.clock import SettableClock
from vulndesk.bootstrap import Container
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.entrypoints.web.pages_audit import DETAIL_SHOWN


def test_an_event_with_thousands_of_details_shows_a_dozen_and_the_command_for_the_rest(
    container: Container, clock: SettableClock
) -> None:
    w = build_world(container, clock)
    deps = container.deps()
    detail = {f"obligations:{n}": f"{n:064x}" for n in range(5_000)}
    with deps.uow() as uow:
        uow.audit.append(
            w.admin_actor.event(
                clock.now(), AuditTag.STORAGE_EVIDENCE_BOUND, "transaction", "bulk", (), **detail
            )
        )
        uow.commit()
        seq = uow.audit.for_object("transaction", "bulk", limit=1)[0].seq
    sign_in(w, "auditor")
    page = w.client.get(f"/audit/trail?tag={AuditTag.STORAGE_EVIDENCE_BOUND.value}")
    assert page.status_code == 200
    [row] = [r for r in page.text.split("<tr") if f'data-seq="{seq}"' in r]
    assert len(re.findall(r"<code>obligations:\d+=", row)) == DETAIL_SHOWN
    assert f'data-more="{5_000 - DETAIL_SHOWN}"' in row
    assert f"vulndesk audit list --from {seq} --limit 1 --json" in row
    assert len(page.content) < 100_000
    zh = w.client.get(
        f"/audit/trail?tag={AuditTag.STORAGE_EVIDENCE_BOUND.value}",
        headers={"Accept-Language": "zh-CN"},
    )
    assert f"另有 {5_000 - DETAIL_SHOWN} 项" in zh.text
