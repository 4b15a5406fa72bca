"""The need-to-know matrix over participants, on SQLite and PostgreSQL (decision 0045).

One case with participants P1 (an upstream supplier, whose policy withholds the proof of
concept) and P2 (a downstream maker), and P3, a participant of another case. Canaries are
planted in an internal fact, a detail field P1's policy withholds, a draft, a decision, a
publication decision, P2's private thread (from P2 and from the case team) and, for P3, the
case's shared thread. Each participant signs in (password + TOTP) and every portal page,
every /api/v1/shared answer and the export are scanned for what it must not see; every
internal page and route answers it exactly as it answers for a missing case.
"""

from __future__ import annotations

import pyotp
import pytest

from tests.builders import accounts_for, open_case
from tests.e2e.test_api_authz import MISSING
from tests.e2e.test_api_support import PASSWORD, World, world
from vulndesk.domain import watermark as wm
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.coordination import invitations, participants, threads
from vulndesk.services.publication import gate as publication
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

__all__ = ["world"]

FACT = "CANARY-NTK-FACT-1a2b"
POC = "CANARY-NTK-POC-3c4d"
DECISION = "CANARY-NTK-DECISION-5e6f"
PUBLICATION = "CANARY-NTK-PUBLICATION-7a8b"
P2_OWN = "CANARY-NTK-P2-OWN-9c0d"
DESK_TO_P2 = "CANARY-NTK-DESK-TO-P2-1e2f"
SHARED = "CANARY-NTK-SHARED-3a4b"
INTERNAL = (FACT, POC, DECISION, PUBLICATION)
SHARED_PATHS = (
    "/api/v1/shared/cases/{key}",
    "/api/v1/shared/cases/{key}/threads/shared/messages",
    "/api/v1/shared/cases/{key}/threads/private/messages",
    "/api/v1/shared/cases/{key}/export",
    "/shared/{key}",
    "/shared/{key}/export",
)
INTERNAL_PATHS = (
    "/cases/{key}",
    "/cases/{key}/coordination",
    "/cases/{key}/reports",
    "/cases/{key}/advisory",
    "/reports/{key}/nvdb/nvdb/v1",
    "/api/v1/cases/{key}",
    "/api/v1/cases/{key}/history",
    "/api/v1/cases/{key}/audit",
    "/api/v1/cases/{key}/drafts",
    "/api/v1/cases/{key}/decisions",
    "/api/v1/cases/{key}/publication-decisions",
    "/api/v1/cases/{key}/thread",
    "/api/v1/cases/{key}/advisory",
    "/api/v1/cases/{key}/coordination/participants",
    "/api/v1/cases/{key}/coordination/statuses",
    "/api/v1/cases/{key}/coordination/embargo",
    "/api/v1/cases/{key}/coordination/threads/shared/messages",
    "/api/v1/cases/{key}/coordination/threads/{p2}/messages",
    "/api/v1/cases/{key}/coordination/participants/{p1}/view",
    "/api/v1/ledger?case={key}",
    "/audit/trail?case={key}",
)
# Pages of no case: refused to a participant (a 403 or the missing page's 404).
ORG_PATHS = ("/api/v1/cases", "/cases", "/audit", "/audit/ledger", "/admin", "/oversight")


class Participant:
    """A participant's person signed in: a bearer token (API) and a session (console)."""

    def __init__(self, w: World, key: str, participant: int, email: str, n: str) -> None:
        made = w.client.post(
            f"/api/v1/cases/{key}/coordination/participants/{participant}/invitations",
            headers=w.headers("admin", **{"Idempotency-Key": f"ntk-{n}"}),
            json={"email": email},
        )
        assert made.status_code == 201, made.text
        token = made.json()["link"].rsplit("/", 1)[1]
        self.user = made.json()["user"]
        secret, _ = invitations.new_secret(self.user)
        totp = pyotp.TOTP(secret)
        invitations.join(
            w.container.deps(), w.container.passwords, token, PASSWORD, PASSWORD, secret,
            totp.at(w.clock.now()), "api:test",
        )  # fmt: skip
        w.secrets[self.user] = secret
        w.used_steps[self.user] = totp.timecode(w.clock.now()) + 1
        signed = w.client.post(
            "/api/v1/cli/sign-in",
            json={"name": self.user, "password": PASSWORD, "totp": w.totp(self.user)},
        )
        assert signed.status_code == 201, signed.text
        self.api = {"Authorization": f"Bearer {signed.json()['token']}"}
        session = w.client.post(
            "/api/v1/session",
            json={"name": self.user, "password": PASSWORD, "totp": w.totp(self.user)},
        )
        assert session.status_code == 200, session.text
        w.client.cookies.clear()
        self.console = {"Cookie": f"vd_session={session.cookies['vd_session']}"}

    def get(self, w: World, path: str) -> tuple[int, bytes]:
        headers = self.api if path.startswith("/api/") else self.console
        r = w.client.get(path, headers=headers, follow_redirects=False)
        return r.status_code, r.content


def test_need_to_know_over_every_participant_surface(world: World) -> None:
    w = world
    deps, desk = w.container.deps(), w.admin_actor
    reference.add_party(
        deps, desk, id="cn-maker", name="Shenzhen Maker", kind="downstream_maker", country="CN"
    )
    key = str(
        open_case(
            deps, desk, title="Matrix case",
            details={"summary": "Heap overflow in httpd.", "proof_of_concept": POC},
        ).key
    )  # fmt: skip
    other = str(open_case(deps, desk, title="Other case").key)
    accounts_for(deps, desk, role="admin")  # a decision is proposed by a stored account
    cases.record_fact(deps, desk, key, "verified", None, f"lab {FACT}")
    reports.draft_report(deps, desk, key, "nvdb", "nvdb")
    approvals.record_decision(deps, desk, "exception", key, "nvdb", DECISION, ("summary",))
    publication.decide(deps, desk, key, "no_operator_details", "", PUBLICATION)
    p1 = participants.invite(deps, desk, key, "openssl", "upstream_supplier", ["a@p1.example"])
    p2 = participants.invite(deps, desk, key, "cn-maker", "downstream_maker", ["b@p2.example"])
    p3 = participants.invite(deps, desk, other, "cn-maker", "downstream_maker", ["c@p3.example"])
    one = Participant(w, key, p1.id, "a@p1.example", "1")
    two = Participant(w, key, p2.id, "b@p2.example", "2")
    three = Participant(w, other, p3.id, "c@p3.example", "3")
    threads.post(deps, desk, key, str(p2.id), DESK_TO_P2)
    threads.post(deps, desk, key, "shared", SHARED)
    posted = w.client.post(
        f"/api/v1/shared/cases/{key}/threads/private/messages",
        headers=two.api | {"Idempotency-Key": "p2-own"},
        json={"body": P2_OWN},
    )
    assert posted.status_code == 201, posted.text

    # (who, the cases it reads, canaries it must never see, canaries it must see)
    rows = (
        (one, key, (*INTERNAL, P2_OWN, DESK_TO_P2), (SHARED,)),
        (two, key, (*INTERNAL, ), (SHARED, P2_OWN, DESK_TO_P2)),
        (three, other, (*INTERNAL, P2_OWN, DESK_TO_P2, SHARED), ()),
    )  # fmt: skip
    fill = {"p1": str(p1.id), "p2": str(p2.id)}
    for who, mine, never, seen in rows:
        read = b""
        for path in ("/api/v1/shared/cases", "/shared", *SHARED_PATHS):
            status, body = who.get(w, path.format(key=mine))
            assert status == 200, (who.user, path, status)
            # the export's watermark puts zero-width characters inside lines: scan without them
            read += wm.clean(body.decode("utf-8", "replace")).encode()
        for canary in never:
            assert canary.encode() not in read, (who.user, canary)
        for canary in seen:
            assert canary.encode() in read, (who.user, canary)
        # every internal route of its own case, and every route of a case not its own, answers
        # exactly as for a missing case
        probes = [p.format(key="{key}", **fill) for p in INTERNAL_PATHS]
        probes += [p for p in SHARED_PATHS if mine != key]
        targets = [(p, key) for p in probes]
        targets += [(p, other) for p in SHARED_PATHS if mine == key]
        for template, case in targets:
            path = template.replace("{key}", case)
            status, body = who.get(w, path)
            gone_status, gone = who.get(w, template.replace("{key}", MISSING))
            assert status == gone_status and status in (403, 404), (who.user, path, status)
            assert body.replace(case.encode(), b"K") == gone.replace(MISSING.encode(), b"K"), (
                who.user,
                path,
            )
            for canary in (*INTERNAL, P2_OWN, DESK_TO_P2, SHARED):
                assert canary.encode() not in body
        for path in ORG_PATHS:
            status, body = who.get(w, path)
            assert status in (403, 404), (who.user, path, status)
            assert not any(c.encode() in body for c in (*INTERNAL, P2_OWN, DESK_TO_P2, SHARED))


@pytest.mark.parametrize("thread", ["1", "shared-thread", "../private"])
def test_a_participant_names_only_its_own_threads(world: World, thread: str) -> None:
    w = world
    deps, desk = w.container.deps(), w.admin_actor
    added = participants.invite(deps, desk, w.own, "openssl", "upstream_supplier", ["a@o.example"])
    me = Participant(w, w.own, added.id, "a@o.example", "t")
    r = w.client.get(f"/api/v1/shared/cases/{w.own}/threads/{thread}/messages", headers=me.api)
    assert r.status_code in (404, 422)
