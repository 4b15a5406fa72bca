"""The authorization matrix of the command line: every human command as every role.

Every command of `vulndesk` is either an operator command (it needs the database and no
person), a sign-in command, or a row of the matrix below; a new command fails the inventory
until someone decides which. Each row runs as every role (and as an account holding no role
that grants anything, and signed out) on a case the members can see, on an embargoed case only
all-case roles see, and on a missing case: the roles the API's role set allows succeed, the
others get the API's refusal, a case one may not see answers byte for byte like a missing
one, and signed out is exit status 5.

The commands run in this process through `typer.testing.CliRunner` on the real app; each
identity signs in with the real `vulndesk login --password-stdin` and its own config directory.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import gnupg
import pyotp
import pytest
import typer.testing
from typer.main import get_command
from typer.testing import CliRunner, Result

from tests.builders import as_person, open_case, seed_reference
from tests.conftest import SHARED, TEST_KEYS
from tests.e2e.test_authz_matrix import widen
from vulndesk import bootstrap
from vulndesk.adapters.passwords import Argon2Hasher
from vulndesk.config import Settings
from vulndesk.entrypoints.cli import common
from vulndesk.entrypoints.cli.main import app
from vulndesk.services.access import rights as access
from vulndesk.services.access.rights import (
    ADMINS,
    ADVISORY_PUBLISHERS,
    ADVISORY_WRITERS,
    ALL_CASES,
    APPROVERS,
    AUDIT_READERS,
    BLACKOUT_KEEPERS,
    CASE_OPENERS,
    CASE_READERS,
    CASE_WRITERS,
    DECIDERS,
    DRAFTERS,
    EXPOSURE_READERS,
    LEDGER_READERS,
    MEMBER_MANAGERS,
    OVERSIGHT,
    REFERENCE_READERS,
    REFERENCE_WRITERS,
    WAIVERS,
)
from vulndesk.services.accounts import users as accounts
from vulndesk.services.accounts.users import AccountRole
from vulndesk.services.cases import lifecycle as cases
from vulndesk.services.cases import reference
from vulndesk.services.coordination import threads
from vulndesk.services.disclosure import ledger
from vulndesk.services.intake import mail as intake_mail
from vulndesk.services.intake.mail_ports import InboundMail
from vulndesk.services.intake.receipts import Rate
from vulndesk.services.notify import notices as notifications
from vulndesk.services.publication import gate as publication
from vulndesk.services.publication import suppliers, thirdparty
from vulndesk.services.reports import approvals
from vulndesk.services.reports import drafts as reports

Roles = frozenset[AccountRole]

# -- the inventory: every command is decided

# Commands that need the database (or nothing) but no person: whoever runs them controls the
# installation already. They act as `operator:<OS user>` (docs/cli-sign-in.md).
OPERATOR = {
    "init": "creates or migrates the database",
    "demo": "loads the demo organisation into an empty database",
    "serve": "starts the API and console, whose requests sign in themselves",
    "worker": "the deadline sweep and the outbox",
    "keys checkpoint-init": "creates the checkpoint signing key file",
    "keys rotate": "re-encrypts rows under a new key from the key file",
    "audit verify": "checks the chain with the database and the key at hand",
    "audit checkpoint": "signs the chain's head with the key file",
    "audit public-key": "prints the public half of the key file",
    "backup": "an online snapshot of the database, fields still encrypted",
    "restore": "loads a backup into a new, empty database",
    "user add": "account administration: the first administrator is made this way",
    "user list": "account administration (no API)",
    "user show": "account administration (no API)",
    "user link-subject": "account administration (no API)",
    "user set-password": "account administration (no API)",
    "user totp-enroll": "account administration (no API)",
    "user grant": "account administration (no API)",
    "user set-preferences": "account administration (no API)",
    "user set-mail": "account administration (no API)",
    "user token-create": "account administration (no API)",
    "idempotency purge": "retention of stored API responses",
    "intake purge-receipts": "retention of the receipt log",
    "obligations evaluate": "a facts file against the rule files, no database",
    "rules lint": "rule files, no database",
    "rules list": "rule files, no database",
}
# The commands that make and end the sign-in itself (checked in test_cli_identity).
SIGN_IN = {
    "login": "checks name, password and one-time code (test_cli_identity)",
    "logout": "revokes the caller's own token (test_cli_identity)",
}


def commands() -> set[str]:
    """Every command of the real app, sub-typers included, as the words one types."""

    def walk(cmd: Any, path: tuple[str, ...]) -> Iterator[str]:
        subs = getattr(cmd, "commands", None)
        if subs is None:
            yield " ".join(path)
            return
        if path and getattr(cmd, "invoke_without_command", False):
            yield " ".join(path)  # a group that is a command of its own (`oversight`)
        for name, sub in subs.items():
            yield from walk(sub, (*path, name))

    return set(walk(get_command(app), ()))


# -- who acts

# In the order they run: the least privileged first, so that of the roles a row allows, the
# least privileged one acts first, before any other run can have done the act already.
IDENTITIES: dict[str, str] = {
    # vulndesk refuses an account without a role; `reporter` is in no role set that grants
    # anything (test_the_roleless_account_holds_no_right), so this account is role-less.
    "roleless": "reporter",
    "auditor": "auditor",
    "hqoversight": "hq-oversight",
    "analyst": "analyst",
    "approver": "approver",
    "coordinator": "coordinator",
    "admin": "admin",
}
# Human commands that talk to a service this world does not run, each checked as every role
# (allowed, forbidden, a hidden case answering as a missing one) by a test of its own.
COVERED_BY_OWN_TEST = {
    **{
        f"cve {name}": "test_cli_cve::test_each_cve_command_as_every_role"
        for name in ("reserve", "attach", "publish", "update", "reject")
    },
    # Each run removes a supplier of its own (the matrix's rows share one world).
    "supplier remove": "test_cli_authz::test_supplier_remove_as_every_role",
}
SIGNED_OUT = "signedout"
# Who sees which case (written out, not read from the code under test).
SEES_ALL = {"admin", "coordinator", "hqoversight"}
MEMBERS = {"analyst", "approver"}
MISSING = "VD-2026-9999"
MISSING_ID = "999999"
CANARY = "CANARY-5d1e0b"
WHAT_IF = Path(__file__).parents[2] / "docs" / "examples" / "what-if-cn-24h.toml"
PASSWORD = "correct horse battery staple"


def holders(roles: Roles | None) -> set[str]:
    """The identities whose role is in `roles` (None: every signed-in account)."""
    if roles is None:
        return set(IDENTITIES)
    return {ident for ident, role in IDENTITIES.items() if role in roles}


def _empty_provider() -> str:
    """A supplier's CSAF provider with no documents, served from this process for the rows."""
    body = json.dumps({"distributions": [], "public_openpgp_keys": [], "publisher": {}}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/provider-metadata.json"


EMPTY_PROVIDER = _empty_provider()


@dataclass(frozen=True)
class Row:
    """One human command: its arguments, the role set that may run it and whose rule it is.

    `args` may hold `{case}` (then the row runs on the own, the embargoed and a missing case),
    `{decision}`, `{pdecision}`, `{entry}`, `{bentry}`, `{message}` and `{file}` (ids on that
    case: a shared-thread message and the SHA-256 of its file), `{n}` (unique
    per run), `{now}` and `{dir}` (the world's files).
    """

    command: str
    args: tuple[str, ...]
    roles: Roles | None
    rule: str  # the API route (or console form) whose role set this is, or why there is none
    # Domain refusals the allowed roles may meet (patterns of the error line), and why.
    refusals: tuple[str, ...] = ()
    # Exit statuses that are success (a publication check exits 1 or 3 with its verdict).
    codes: frozenset[int] = frozenset({0})
    # Identities that see every case's records of this kind without seeing the case.
    sees: frozenset[str] = frozenset()
    # A role set checked before visibility: identities outside it are refused everywhere.
    first: Roles | None = None
    # What the command reads on standard input (a reply's text), if anything.
    stdin: str | None = None

    @property
    def on_case(self) -> bool:
        return any("{" + p + "}" in a for a in self.args for p in CASE_PLACES)


CASE_PLACES = ("case", "decision", "pdecision", "entry", "bentry", "message", "file")
DRAFT = "{case}/nvdb/nvdb"
API_DRAFT = "/api/v1/cases/{key}/drafts/{kind}/{recipient}/{version}"
SUBMIT = "{case}/nvdb/miit"
AGAIN = r"refused by guard '(two-persons|pending)'"
ROWS: list[Row] = [
    # -- cases (routes_cases)
    Row(
        "case open",
        ("--title", "New {n}", "--unit", "cn", "--json"),
        CASE_OPENERS,
        "POST /api/v1/cases",
    ),
    Row("case list", ("--json", "--limit", "500"), CASE_READERS, "GET /api/v1/cases"),
    Row("case show", ("{case}", "--json"), CASE_READERS, "GET /api/v1/cases/{key}"),
    Row(
        "case record-fact",
        ("{case}", "fix_available", "--evidence", "patch {n}", "--correct"),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/facts",
    ),
    Row(
        "case incident-grade",
        ("{case}", "major"),
        CASE_WRITERS,
        "PUT /api/v1/cases/{key}/incident-grade",
    ),
    Row(
        "case transition",
        ("{case}", "triage", "--reason", "look"),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/transitions",
        refusals=(r"refused by guard '[a-z-]+': .*triage",),
    ),
    Row(
        "case member add",
        ("{case}", "roleless"),
        MEMBER_MANAGERS,
        "PUT /api/v1/cases/{key}/members/{user}",
    ),
    Row(
        "case member remove",
        ("{case}", "roleless"),
        MEMBER_MANAGERS,
        "DELETE /api/v1/cases/{key}/members/{user}",
    ),
    Row(
        "case waive",
        ("{case}", "cn-rmsv-2021/verify", "--reason", "n/a"),
        WAIVERS,
        "POST /api/v1/cases/{key}/waivers",
        # The first proposal waits for a second person; another proposal meets it (409), and
        # once approved the obligation is waived (the API's 422).
        refusals=(r"is pending, proposed by", r"obligation: is waived"),
    ),
    Row(
        "case waive-approve",
        ("{case}", "cn-rmsv-2021/verify"),
        APPROVERS,
        "POST /api/v1/cases/{key}/waivers/{waiver}/approvals",
        # The proposer may not approve; once approved, nothing is left to waive.
        refusals=(AGAIN, r"refused by guard 'waivable'"),
    ),
    Row("case waivers", ("{case}", "--json"), CASE_READERS, "GET /api/v1/cases/{key}/waivers"),
    Row(
        "case edit",
        ("{case}", "--workaround", "Block port {n}"),
        CASE_WRITERS,
        "PATCH /api/v1/cases/{key}/fields",
    ),
    Row("case history", ("{case}", "--json"), CASE_READERS, "GET /api/v1/cases/{key}/history"),
    Row("case thread", ("{case}", "--json"), CASE_READERS, "GET /api/v1/cases/{key}/thread"),
    Row(
        "case reply",
        ("{case}", "--message-stdin"),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/thread",
        # The embargoed case was opened by staff, not from a public report.
        refusals=(r"did not come from a public report",),
        stdin="Which version did you test?",
    ),
    Row(
        "case suggest-products",
        ("{case}", "--json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/product-suggestions",
    ),
    Row(
        "case link-product",
        ("{case}", "router", "--versions", "1.0"),
        CASE_WRITERS,
        "PUT /api/v1/cases/{key}/products/{product}",
    ),
    Row("case triage", ("--json",), ALL_CASES, "GET /api/v1/triage"),
    Row(
        "case bulk-transition",
        (MISSING, "--to", "triage", "--reason", "look", "--json"),
        CASE_WRITERS,
        "POST /api/v1/cases/bulk",
    ),
    Row(
        "case bulk-assign",
        (MISSING, "--owner", "analyst", "--json"),
        MEMBER_MANAGERS,
        "POST /api/v1/cases/bulk",
    ),
    Row("due", ("--within", "52w", "--json"), CASE_READERS, "GET /api/v1/obligations/due"),
    Row("escalations", ("--json",), CASE_READERS, "no API route: the case readers' clocks"),
    Row(
        "rules what-if",
        ("{dir}/what-if.toml", "--json"),
        CASE_READERS,
        "POST /api/v1/rules/what-if",
    ),
    # -- reports (routes_reports)
    Row(
        "report draft",
        ("{case}", "--kind", "nvdb", "--recipient", "cnvd", "--json"),
        DRAFTERS,
        "POST /api/v1/cases/{key}/drafts",
    ),
    Row("report list", ("{case}", "--json"), CASE_READERS, "GET /api/v1/cases/{key}/drafts"),
    Row("report preview", (DRAFT, "--format", "md"), CASE_READERS, f"GET {API_DRAFT}/preview"),
    Row("report diff", (DRAFT, "--recipients", "--json"), CASE_READERS, f"GET {API_DRAFT}/diff"),
    Row("report approve", (DRAFT,), APPROVERS, f"POST {API_DRAFT}/approvals", refusals=(AGAIN,)),
    Row(
        "report justify",
        (DRAFT, "--reason", "equal terms"),
        APPROVERS,
        f"POST {API_DRAFT}/justifications",
        refusals=(AGAIN,),
    ),
    Row(
        "report record-submission",
        (SUBMIT, "--at", "{now}", "--receipt", "R-{n}", "--json"),
        CASE_WRITERS,
        f"POST {API_DRAFT}/submission",
        # The draft is submitted once: the later runs find it submitted.
        refusals=(r"refused by guard 'approved': \S+ is submitted",),
    ),
    Row(
        "report exception",
        ("{case}", "--recipient", "nvdb", "--reason", "r", "--field", "scope_of_impact"),
        APPROVERS,
        "POST /api/v1/cases/{key}/decisions",
    ),
    Row(
        "report decide",
        (
            "{case}",
            "--kind",
            "exception",
            "--recipient",
            "nvdb",
            "--reason",
            "r",
            "--field",
            "scope_of_impact",
        ),
        APPROVERS,
        "POST /api/v1/cases/{key}/decisions",
    ),
    Row(
        "report decision-approve",
        ("{decision}",),
        APPROVERS,
        "POST /api/v1/cases/{key}/decisions/{decision}/approvals",
        refusals=(AGAIN,),
    ),
    Row(
        "report conflicts", ("{case}", "--json"), CASE_READERS, "GET /api/v1/cases/{key}/conflicts"
    ),
    Row(
        "report policy",
        ("openssl", "--class", "public"),
        ADMINS,
        "PUT /api/v1/admin/policies/{party}",
    ),
    # -- the disclosure ledger (routes_ledger)
    Row(
        "ledger record",
        (
            "{case}",
            "--recipient",
            "nvdb",
            "--kind",
            "other",
            "--at",
            "{now}",
            "--said",
            "a call {n}",
            "--json",
        ),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/ledger",
    ),
    Row(
        "ledger list",
        ("--json",),
        LEDGER_READERS,
        "GET /api/v1/ledger",
        sees=frozenset({"auditor"}),
    ),
    Row(
        "ledger list",
        ("--case", "{case}", "--json"),
        LEDGER_READERS,
        "GET /api/v1/ledger?case=",
        sees=frozenset({"auditor"}),
    ),
    Row(
        "ledger export",
        (),
        LEDGER_READERS,
        "GET /api/v1/ledger/export",
        sees=frozenset({"auditor"}),
    ),
    Row(
        "ledger export",
        ("--case", "{case}"),
        LEDGER_READERS,
        "GET /api/v1/ledger/export?case=",
        sees=frozenset({"auditor"}),
    ),
    Row(
        "ledger show",
        ("{entry}", "--json"),
        LEDGER_READERS,
        "GET /api/v1/ledger/{entry}",
        sees=frozenset({"auditor"}),
        first=LEDGER_READERS,
    ),
    Row(
        "ledger approve-backdate",
        ("{bentry}",),
        APPROVERS,
        "POST /api/v1/ledger/{entry}/backdate-approval",
        refusals=(AGAIN,),
    ),
    # -- exposure (routes_exposure)
    # The exposure view lists every case's government disclosures by key (never their text).
    Row(
        "report exposure",
        ("--out", "{dir}/exposure.json"),
        EXPOSURE_READERS,
        "GET /api/v1/exposure",
        sees=frozenset({"auditor"}),
    ),
    Row(
        "report exposure-verify",
        ("{dir}/exposure.json",),  # written by the row above
        EXPOSURE_READERS,
        "POST /api/v1/exposure/verify",
        sees=frozenset({"auditor"}),
    ),
    # -- headquarters oversight (routes_ledger)
    Row("oversight", ("--json",), OVERSIGHT, "GET /api/v1/oversight/submissions"),
    Row("oversight notices", ("--json",), OVERSIGHT, "GET /api/v1/oversight/notices"),
    Row(
        "oversight subscribe",
        ("--name", "HQ", "--email", "hq{n}@example.org"),
        OVERSIGHT,
        "POST /api/v1/oversight/subscribers",
    ),
    Row("oversight require-hq-approver", ("off",), OVERSIGHT, "PUT /api/v1/oversight/hq-approver"),
    # -- publication, blackouts, imports, affected, filing, vendors (routes_publication)
    Row(
        "publication check",
        ("{case}", "--kind", "advisory", "--json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/publication-check",
        codes=frozenset({0, 1, 3}),
    ),
    Row(
        "publication decide",
        ("{case}", "no_operator_details", "--note", "reviewed the text"),
        DECIDERS,
        "POST /api/v1/cases/{key}/publication-decisions",
    ),
    Row(
        "publication decision-approve",
        ("{case}", "{pdecision}"),
        DECIDERS,
        "POST /api/v1/cases/{key}/publication-decisions/{decision}/approvals",
        refusals=(AGAIN,),
    ),
    Row(
        "publication decisions",
        ("{case}", "--json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/publication-decisions",
    ),
    Row(
        "publication share",
        ("{case}", "--recipient", "OpenSSL", "--country", "US", "--provider"),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/shares",
    ),
    Row(
        "blackout add",
        ("Summit {n}", "--start", "2027-12-01T00:00:00Z", "--end", "2027-12-03T00:00:00Z"),
        BLACKOUT_KEEPERS,
        "POST /api/v1/blackouts",
    ),
    Row("blackout list", ("--json",), REFERENCE_READERS, "GET /api/v1/blackouts"),
    # -- advisories (services.advisories; the service checks roles and need-to-know)
    Row(
        "advisory list",
        ("{case}", "--json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/advisory",
    ),
    Row(
        "advisory draft",
        ("{case}", "--text", "summary=A flaw.", "--text", "remediation=Update to 2.0."),
        ADVISORY_WRITERS,
        "POST /api/v1/cases/{key}/advisory",
        refusals=(r"already has an advisory",),
    ),
    Row(
        "advisory edit",
        ("{case}", "--title", "Advisory {n}"),
        ADVISORY_WRITERS,
        "no API route: edits and diffs of an advisory are made with the CLI",
        refusals=(r"advisory .*not found",),
    ),
    Row(
        "advisory show",
        ("{case}",),
        CASE_READERS,
        "GET /api/v1/cases/{key}/advisory/document",
        refusals=(r"advisory .*not found", r"no product version has a status"),
    ),
    Row(
        "advisory export",
        ("{case}", "--format", "osv", "--out", "{dir}/adv-{n}.json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/advisory/document",
        refusals=(r"advisory .*not found", r"no product version has a status"),
    ),
    Row(
        "advisory diff",
        ("{case}",),
        CASE_READERS,
        "no API route: edits and diffs of an advisory are made with the CLI",
        refusals=(r"advisory .*not found", r"no product version has a status"),
    ),
    Row(
        "advisory approve",
        ("{case}",),
        APPROVERS,
        "POST /api/v1/cases/{key}/advisory/approvals",
        refusals=(r"advisory .*not found", AGAIN),
    ),
    Row(
        "advisory publish",
        ("{case}",),
        ADVISORY_PUBLISHERS,
        "POST /api/v1/cases/{key}/advisory/publication",
        refusals=(r"advisory .*not found", r"two-person", r"RMSV 9", r"VULNDESK_CSAF_KEY"),
    ),
    # -- CVE ids at CVE Services (services.advisories.cve); the acts that reach CVE Services
    # are in COVERED_BY_OWN_TEST (this world configures no CVE Services to succeed against).
    Row("cve list", ("{case}", "--json"), CASE_READERS, "GET /api/v1/cases/{key}/cves"),
    Row(
        "import csaf",
        ("{dir}/advisory.json", "--unit", "cn", "--json"),
        REFERENCE_WRITERS,
        "POST /api/v1/imports/csaf",
    ),
    Row(
        "import csaf-provider",
        (EMPTY_PROVIDER, "--unit", "cn", "--fingerprint", "A" * 40),
        REFERENCE_WRITERS,
        "POST /api/v1/imports/csaf-provider",
    ),
    Row(
        "import csaf-provider",
        ("seeded", "--json"),
        REFERENCE_WRITERS,
        "POST /api/v1/suppliers/{name}/fetches",
    ),
    Row(
        "import sbom", ("router", "{dir}/bom.json"), REFERENCE_WRITERS, "POST /api/v1/imports/sbom"
    ),
    # -- stored CSAF suppliers (services.publication.suppliers); `seeded` serves no documents
    Row(
        "supplier add",
        ("s-{n}", "--url", "s{n}.example", "--fingerprint", "A" * 40, "--unit", "cn"),
        REFERENCE_WRITERS,
        "POST /api/v1/suppliers",
    ),
    Row("supplier list", ("--json",), REFERENCE_READERS, "GET /api/v1/suppliers"),
    Row(
        "supplier pin",
        ("seeded", "--fingerprint", "B" * 40, "--justification", "rotated {n}"),
        REFERENCE_WRITERS,
        "PUT /api/v1/suppliers/{name}/fingerprint",
    ),
    Row(
        "supplier documents",
        ("seeded", "--json"),
        REFERENCE_READERS,
        "GET /api/v1/suppliers/{name}/documents",
    ),
    Row(
        "supplier fetch",
        ("seeded", "--json"),
        REFERENCE_WRITERS,
        "POST /api/v1/suppliers/{name}/fetches",
    ),
    Row(
        "affected",
        ("pkg:generic/openssl@3.0.13", "--json"),
        REFERENCE_READERS,
        "GET /api/v1/affected?purl=",
    ),
    Row("affected", ("{case}", "--json"), CASE_READERS, "GET /api/v1/affected?case="),
    Row("filing set", ("{dir}/filing.json",), ADMINS, "PUT /api/v1/admin/filing"),
    Row("filing show", (), ADMINS, "GET /api/v1/admin/filing"),
    Row("filing export", (), ADMINS, "GET /api/v1/admin/filing"),
    Row("vendor set", ("{case}", "openssl"), CASE_WRITERS, "PUT /api/v1/cases/{key}/vendor"),
    Row(
        "vendor notified",
        ("{case}", "--evidence", "mail sent"),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/vendor/{event}",
    ),
    Row(
        "vendor fixed",
        ("{case}", "--evidence", "fix released"),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/vendor/{event}",
    ),
    # -- reference data (routes_reference)
    Row(
        "org add",
        ("u-{n}", "--name", "Unit", "--country", "CN", "--timezone", "Asia/Shanghai"),
        REFERENCE_WRITERS,
        "POST /api/v1/units",
    ),
    Row(
        "org set-contact",
        ("cn", "--person", "Li Na {n}"),
        REFERENCE_WRITERS,
        "PATCH /api/v1/units/{unit_id}",
    ),
    Row(
        "org set-regimes",
        ("cn", "--cn-operator-class", "other"),
        REFERENCE_WRITERS,
        "PATCH /api/v1/units/{unit_id}/regimes",
    ),
    Row("org list", ("--json",), REFERENCE_READERS, "GET /api/v1/units"),
    Row("org show", ("cn", "--json"), REFERENCE_READERS, "GET /api/v1/units/{unit_id}"),
    Row(
        "product add",
        ("p-{n}", "--vendor", "Acme", "--name", "P", "--model", "M"),
        REFERENCE_WRITERS,
        "POST /api/v1/products",
    ),
    Row("product list", ("--json",), REFERENCE_READERS, "GET /api/v1/products"),
    Row(
        "product show", ("router", "--json"), REFERENCE_READERS, "GET /api/v1/products/{product_id}"
    ),
    Row(
        "party add",
        ("y-{n}", "--name", "Party", "--kind", "regulator", "--country", "CN"),
        REFERENCE_WRITERS,
        "POST /api/v1/parties",
    ),
    Row("party list", ("--json",), REFERENCE_READERS, "GET /api/v1/parties"),
    Row("party show", ("nvdb", "--json"), REFERENCE_READERS, "GET /api/v1/parties/{party_id}"),
    # -- notices (no API route: the console and the worker send them)
    Row(
        "notify subscribe",
        ("router", "maker", "--role", "downstream_maker"),
        REFERENCE_WRITERS,
        "no API route: subscriptions are reference data",
        # The first run subscribes the maker; the later ones find it subscribed (exit 4).
        refusals=(r"maker already receives notices about router",),
    ),
    Row("notify recipients", ("--json",), REFERENCE_READERS, "no API route: reference data"),
    Row("notify plan", ("{case}", "--json"), CASE_READERS, "no API route: a case read"),
    Row(
        "notify send",
        ("{case}", "--kind", "users"),
        CASE_WRITERS,
        "no API route: a disclosure, as POST /cases/{key}/ledger",
    ),
    Row("notify list", ("{case}", "--json"), CASE_READERS, "no API route: a case read"),
    # -- administration (routes_admin)
    Row("rules options", ("--json",), ADMINS, "GET /api/v1/admin/options"),
    Row(
        "rules set-option",
        ("cn-rmsv-2021.report_window", "2wd"),
        ADMINS,
        "PUT /api/v1/admin/options/{key}",
    ),
    Row("calendar list", ("--json",), ADMINS, "GET /api/v1/admin/calendar"),
    Row("sso map list", ("--json",), ADMINS, "GET /api/v1/admin/sso/role-map"),
    Row(
        "sso map set",
        ("psirt-{n}", "analyst", "--unit", "cn"),
        ADMINS,
        "PUT /api/v1/admin/sso/role-map/{group}/{role}",
    ),
    Row(
        "sso map remove",
        ("nobody-{n}", "auditor"),
        ADMINS,
        "DELETE /api/v1/admin/sso/role-map/{group}/{role}",
    ),
    Row(
        "calendar set",
        ("CN", "2027-12-05", "--on", "--note", "make-up"),
        ADMINS,
        "PUT /api/v1/admin/calendar/{country}/{day}",
    ),
    Row(
        "audit list",
        ("--json", "--limit", "10000"),
        AUDIT_READERS,
        "no API route: the whole chain, to the readers of GET /api/v1/audit/verify",
        sees=frozenset({"auditor"}),
    ),
    Row("intake list", ("--json",), ALL_CASES, "no API route: triage of every report"),
    # -- who am I (GET /me: every account)
    # -- coordinated disclosure (services.coordination; the service checks roles and
    # need-to-know). Rows run in order, the analyst first: it invites openssl (participant 1 of
    # the own case), records statement 1 and the approver statement 2, which the analyst
    # approves; ids of the own case are bad input on the embargoed one. The embargo rows walk
    # its state machine so each step is the analyst's to take.
    Row(
        "coord participants list",
        ("{case}", "--json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/coordination/participants",
    ),
    Row(
        "coord thread list",
        ("{case}", "--json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/coordination/threads",
    ),
    Row(
        "coord thread read",
        ("{case}", "--json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/coordination/threads/{thread}/messages",
    ),
    Row(
        "coord thread attachment",
        ("{case}", "{message}", "{file}", "--out", "{dir}/saved-{n}.txt"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/coordination/threads/{thread}/messages/{message}"
        "/attachments/{sha256}",
    ),
    Row(
        "coord thread post",
        ("{case}", "--message-stdin"),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/coordination/threads/{thread}/messages",
        stdin="hello all",
    ),
    Row(
        "coord participants add",
        (
            "{case}",
            "--party",
            "openssl",
            "--role",
            "upstream_supplier",
            "--person",
            "a@openssl.example",
        ),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/coordination/participants",
        refusals=(r"already takes part",),
    ),
    Row(
        "coord status set",
        (
            "{case}",
            "--participant",
            "1",
            "--product",
            "router",
            "--status",
            "affected",
            "--statement",
            "x",
        ),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/coordination/statuses",
        refusals=(r"is not a participant of",),
    ),
    Row(
        "coord status approve",
        ("{case}", "2"),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/coordination/statuses/{statement}/approval",
        refusals=(r"is not a statement of", r"already approved", r"a second person approves"),
    ),
    Row(
        "coord status list",
        ("{case}", "--json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/coordination/statuses",
    ),
    Row(
        "coord share",
        ("{case}", "--participant", "1"),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/coordination/participants/{participant}/shares",
        refusals=(r"is not a participant of",),
    ),
    Row(
        "coord invite",
        ("{case}", "--participant", "1", "--email", "a@openssl.example", "--json"),
        CASE_WRITERS,
        "POST /api/v1/cases/{key}/coordination/participants/{participant}/invitations",
        refusals=(r"is not a participant of",),
    ),
    Row(
        "coord suggest",
        ("{case}", "--json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/coordination/suggestions",
    ),
    Row(
        "coord embargo show",
        ("{case}", "--json"),
        CASE_READERS,
        "GET /api/v1/cases/{key}/coordination/embargo",
    ),
    *(
        Row(
            f"coord embargo {step}",
            ("{case}", *args, "--reason", "r"),
            CASE_WRITERS,
            "POST /api/v1/cases/{key}/coordination/embargo/events",
            refusals=(r"embargo is (none|proposed|active|revise|exited)",),
        )
        for step, args in (
            ("propose", ("--end", "2030-01-01T09:00", "--embargo-zone", "Asia/Shanghai")),
            ("decline", ()),
            ("propose", ("--end", "2030-01-01T09:00", "--embargo-zone", "Asia/Shanghai")),
            ("end", ()),
            ("propose", ("--end", "2030-01-01T09:00", "--embargo-zone", "Asia/Shanghai")),
            ("accept", ()),
            ("extend", ("--end", "2031-01-01T09:00", "--embargo-zone", "UTC")),
            ("break", ("--where", "https://x.example", "--seen-at", "2026-01-01T00:00:00Z")),
        )
    ),
    Row(
        "coord party-purls",
        ("nvdb", "--purl", "pkg:generic/x"),
        REFERENCE_WRITERS,
        "PUT /api/v1/parties/{party}/purls",
    ),
    Row(
        "coord trace",
        ("-", "--json"),
        CASE_READERS,
        "POST /api/v1/coordination/trace",
        stdin="a copy with no watermark",
    ),
    Row("whoami", ("--json",), None, "GET /api/v1/me"),
]


# -- the world: one home and database, an identity per role, each signed in on its own


@dataclass
class CliWorld:
    home: Path
    db_url: str
    own: str = ""  # a case the analyst and the approver are members of
    foreign: str = ""  # an embargoed case with a canary; only all-case roles see it
    ids: dict[str, dict[str, str]] = field(default_factory=dict)  # per case: decision, …
    runner: CliRunner = field(default_factory=CliRunner)
    runs: int = 0
    # The advisory signing key: a throwaway GnuPG home and the key's fingerprint.
    gnupg: tuple[Path, str] | None = None

    def env(self, ident: str) -> dict[str, str | None]:
        """The environment of one identity: the same home and database, its own config."""
        cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("VULNDESK_")}
        if self.gnupg is not None:
            cleared |= {
                "VULNDESK_GNUPGHOME": str(self.gnupg[0]),
                "VULNDESK_CSAF_KEY": self.gnupg[1],
                "VULNDESK_CSAF_DIR": str(self.home / "site"),
            }
        return cleared | {
            "VULNDESK_HOME": str(self.home),
            "VULNDESK_DATABASE_URL": self.db_url,
            "VULNDESK_KEYS": TEST_KEYS,
            "XDG_CONFIG_HOME": str(self.home / "config" / ident),
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }

    def run(self, ident: str, args: list[str], stdin: str | None = None) -> Result:
        """`vulndesk ARGS` as `ident`, in this process, with nothing cached from the last run."""
        common.container.cache_clear()
        common.signed_in.cache_clear()
        self.runs += 1
        try:
            return self.runner.invoke(app, args, input=stdin, env=self.env(ident))
        finally:
            common.container.cache_clear()
            common.signed_in.cache_clear()

    def fill(self, row: Row, target: str | None) -> list[str]:
        """The row's arguments for one target case (own, foreign or missing)."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        places: dict[str, str] = {"n": str(self.runs), "now": now, "dir": str(self.home)}
        if target is not None:
            places |= {"case": target} | self.ids.get(
                target, dict.fromkeys(CASE_PLACES[1:], MISSING_ID)
            )
        return row.command.split() + [a.format(**places) for a in row.args]


@pytest.fixture
def cli_containers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each run reads its settings afresh from its environment, as a new process would.

    What a thousand runs need not make anew is made once: the click command Typer builds from
    `app` (0.1 s a run otherwise), and one real container per distinct setting (an identity's
    config directory) from `bootstrap.build`. `common.container` and `common.signed_in` are
    cleared around every run, so no run sees the previous run's identity.
    """
    command = get_command(app)
    monkeypatch.setattr(
        typer.testing, "_get_command", lambda typed: command if typed is app else get_command(typed)
    )
    built: dict[str, bootstrap.Container] = {}
    real = bootstrap.build

    def build(settings: Settings | None = None, clock: Any = None) -> bootstrap.Container:
        s = settings or Settings.from_env()
        key = repr(s)
        if key not in built:
            built[key] = real(s, clock)
        return built[key]

    monkeypatch.setattr(bootstrap, "build", build)
    yield
    common.container.cache_clear()
    common.signed_in.cache_clear()
    for c in built.values():
        c.close()


FILING = {
    "platform_name": "Acme PSIRT",
    "homepage_url": "https://psirt.example.org",
    "sponsor_name": "Acme Inc.",
    "sponsor_id_number": "ID-12345",
    "contact_name": "Li Na",
    "contact_details": "psirt@example.org",
}
SBOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "version": 1,
    "metadata": {"component": {"type": "firmware", "name": "router", "version": "2.0"}},
    "components": [{"type": "library", "name": "x", "purl": "pkg:npm/x@1"}],
}


def _seed(c: bootstrap.Container, w: CliWorld) -> None:
    """Reference data, an account per identity, two cases and a record of each kind on each."""
    deps, setup, second = c.deps(), as_person("setup", "test"), as_person("second", "test")
    hasher = Argon2Hasher(time_cost=1, memory_cost=1024)
    seed_reference(deps, setup)
    parties = ("miit", "regulator"), ("cnvd", "regulator"), ("customer", "customer")
    # The public is the recipient of a published advisory.
    for party, kind in (*parties, ("maker", "downstream_maker"), ("everyone", "public")):
        reference.add_party(
            deps,
            setup,
            id=party,
            name=party.upper(),
            kind=kind,
            country="CN",
            channels=[f"email:psirt@{party}.example"],
        )
    notifications.subscribe(deps, setup, "router", "customer")
    # Records are proposed and approved by two approvers outside the identities under test.
    for name, unit in (("setup", "cn"), ("second", "hq")):
        accounts.add_user(
            deps,
            setup,
            hasher,
            name=name,
            email=f"{name}@example.org",
            roles=["approver"],
            unit=unit,
        )
    for ident, role in IDENTITIES.items():
        accounts.add_user(
            deps,
            setup,
            hasher,
            name=ident,
            email=f"{ident}@example.org",
            roles=[role],
            unit="cn",
            password=PASSWORD,
        )
    aware = (dt.datetime.now(dt.UTC) - dt.timedelta(days=10)).isoformat()
    # Both cases are also third-party cases, so that their vendor can be tracked.
    roles = ["product_provider", "third_party"]
    # The own case carries a reporter's thread (a mailed-in report's), so replies can succeed.
    mailed = InboundMail("<seed@example.org>", "0" * 64, "finder@example.org", "bug", "XSS")
    tracking = intake_mail.receive_mail(deps, mailed, Rate(50, 3600)).tracking
    own = open_case(
        deps,
        setup,
        title="Own case",
        members=["analyst", "approver"],
        aware=aware,
        roles=roles,
        intake_id=tracking,
    )
    foreign = open_case(
        deps,
        setup,
        roles=roles,
        title=f"Embargoed {CANARY}",
        details={"trigger_location": f"secret {CANARY}", "proof_of_concept": CANARY},
        evidence=f"mail {CANARY}",
        aware=aware,
    )
    w.own, w.foreign = own.key, foreign.key
    for key in (own.key, foreign.key):
        reports.draft_report(deps, setup, key, "nvdb", "nvdb")
        filed = reports.draft_report(deps, setup, key, "nvdb", "miit")
        approvals.approve(deps, setup, filed.ref)
        approvals.approve(deps, second, filed.ref)
        found = approvals.record_decision(
            deps, setup, "exception", key, "nvdb", "a reason", ("scope_of_impact",)
        )
        proposed = publication.decide(deps, setup, key, "no_operator_details", "", "reviewed")
        release = approvals.record_decision(deps, setup, "release", key, "nvdb", "duty call")
        approvals.approve_decision(deps, second, release.id)
        thirdparty.track_vendor(deps, setup, key, "openssl")
        now = dt.datetime.now(dt.UTC)
        said = f"told {CANARY}" if key == foreign.key else "told"
        told = ledger.record_disclosure(deps, setup, key, "nvdb", "other", now.isoformat(), said)
        late = ledger.record_disclosure(
            deps,
            setup,
            key,
            "nvdb",
            "other",
            (now - dt.timedelta(days=3)).isoformat(),
            "an earlier call",
            "phone",
            (),
            "the call was not recorded on the day",
        )
        logged = threads.post(deps, setup, key, "shared", "the log", [("log.txt", b"a log")])
        w.ids[key] = {
            "decision": str(found.id),
            "pdecision": str(proposed.id),
            "entry": str(told.id),
            "bentry": str(late.id),
            "message": str(logged.message.id),
            "file": logged.message.files[0].sha256,
        }
    # The own case has a fix, so that its approved advisory passes the RMSV Art. 9 gate.
    cases.record_fact(deps, setup, own.key, "fix_available", None, "Firmware 2.0 released.")
    thirdparty.set_filing(deps, setup, FILING)
    suppliers.add(deps, setup, "seeded", EMPTY_PROVIDER + "?supplier", "A" * 40, "cn")
    csaf = SHARED / "samples" / "csaf-2.0" / "2022-evd-uc-01-a-001.json"
    shutil.copyfile(csaf, w.home / "advisory.json")
    (w.home / "bom.json").write_text(json.dumps(SBOM), encoding="utf-8")
    (w.home / "filing.json").write_text(json.dumps(FILING), encoding="utf-8")
    shutil.copyfile(WHAT_IF, w.home / "what-if.toml")


def sign_in(w: CliWorld, c: bootstrap.Container, ident: str) -> None:
    """`vulndesk login IDENT --password-stdin` with a one-time code when the account needs one."""
    code = ""
    if IDENTITIES[ident] != "reporter":
        secret, _ = accounts.enroll_totp(c.deps(), as_person("setup", "test"), ident)
        code = pyotp.TOTP(secret).now()
    r = w.run(ident, ["login", ident, "--password-stdin"], f"{PASSWORD}\n{code}\n")
    assert r.exit_code == 0, (ident, r.stdout, r.stderr)


@pytest.fixture(scope="module")
def signing_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A throwaway OpenPGP signing key in its own GnuPG home, as VULNDESK_GNUPGHOME names."""
    home = tmp_path_factory.mktemp("gnupg")
    gpg = gnupg.GPG(gnupghome=str(home))
    settings = gpg.gen_key_input(
        key_type="EDDSA",
        key_curve="ed25519",
        key_usage="sign",
        name_email="psirt@example.org",
        no_protection=True,
    )
    key = gpg.gen_key(settings)
    assert key.fingerprint, key.stderr
    return home, str(key.fingerprint)


@pytest.fixture
def cli_world(
    db_url: str, tmp_path: Path, cli_containers: None, signing_key: tuple[Path, str]
) -> CliWorld:
    w = CliWorld(tmp_path, db_url, gnupg=signing_key)
    c = bootstrap.build(Settings(home=tmp_path, database_url=db_url, keys_json=TEST_KEYS))
    c.__dict__["passwords"] = Argon2Hasher(time_cost=1, memory_cost=1024)
    try:
        _seed(c, w)
        for ident in IDENTITIES:
            sign_in(w, c, ident)
    finally:
        c.close()
    return w


# -- the check

FORBIDDEN = "error: your roles do not allow this"
NOT_FOUND = re.compile(r"error: [a-z ]+ not found")
NOT_SIGNED_IN = "error: not signed in: run `vulndesk login`"


def outcome(row: Row, r: Result) -> str:
    """What a run came to: ok, forbidden, not found, signed out, or a domain refusal."""
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise AssertionError(f"{row.command} crashed: {r.exception!r}") from r.exception
    err = r.stderr.strip()
    if r.exit_code == 5 and err == NOT_SIGNED_IN:
        return "signed out"
    if r.exit_code == 2 and err == FORBIDDEN:
        return "forbidden"
    if r.exit_code == 2 and NOT_FOUND.fullmatch(err):
        return "not found"
    if r.exit_code in row.codes and not err.startswith("error:"):
        return "ok"
    if any(re.search(p, err) for p in row.refusals):
        return "refused"
    return f"exit {r.exit_code}: {err[:300]}"


def _shown(r: Result) -> tuple[int, str, str]:
    return (r.exit_code, r.stdout, r.stderr)


def visible(row: Row, ident: str, target: str, w: CliWorld) -> bool:
    if target == MISSING:
        return False
    if ident in SEES_ALL or ident in row.sees:
        return True
    return ident in MEMBERS and target == w.own


def expected(row: Row, ident: str) -> set[str]:
    """What a run by `ident` on something it can see must come to."""
    if ident not in holders(row.roles):
        return {"forbidden"}
    return {"ok", "refused"} if row.refusals else {"ok"}


def check_command(w: CliWorld, row: Row) -> None:
    """The row as every identity (and signed out) on each target; raises AssertionError on any
    mismatch, naming the command, the identity and the target."""
    targets: list[str | None] = [w.own, w.foreign] if row.on_case else [None]
    done = []
    for ident in IDENTITIES:
        missing = w.run(ident, w.fill(row, MISSING), row.stdin) if row.on_case else None
        if missing is not None:
            refused_first = row.first is not None and ident not in holders(row.first)
            wanted = "forbidden" if refused_first else "not found"
            got = outcome(row, missing)
            assert got == wanted, (row.command, ident, MISSING, got)
        for target in targets:
            r = w.run(ident, w.fill(row, target), row.stdin)
            where = (row.command, ident, target)
            if ident not in SEES_ALL:
                assert CANARY not in r.stdout + r.stderr, where
                if target is None and ident not in row.sees:
                    assert w.foreign not in r.stdout, where
            if target is not None and missing is not None and not visible(row, ident, target, w):
                assert _shown(r) == _shown(missing), (*where, "answers unlike a missing case")
                continue
            got = outcome(row, r)
            assert got in expected(row, ident), (*where, got)
            done += [where] if got == "ok" else []
    # The least privileged role the row allows must succeed, not just meet a domain refusal.
    least = next(i for i in IDENTITIES if i in holders(row.roles))
    assert least in {ident for _, ident, _ in done}, (row.command, least, "did not succeed")
    r = w.run(SIGNED_OUT, w.fill(row, w.foreign if row.on_case else None), row.stdin)
    assert outcome(row, r) == "signed out", (row.command, SIGNED_OUT, outcome(row, r))


def test_every_human_command_as_every_role(cli_world: CliWorld) -> None:
    failures = []
    for row in ROWS:
        try:
            check_command(cli_world, row)
        except AssertionError as exc:
            failures.append(str(exc))
    assert failures == [], "\n".join(failures)


def test_a_late_submission_shows_how_late_in_the_oversight_json(cli_world: CliWorld) -> None:
    """`vulndesk oversight --json` once stopped at a met-late submission (a timedelta)."""
    w = cli_world
    row = next(r for r in ROWS if r.command == "report record-submission")
    assert w.run("analyst", w.fill(row, w.own)).exit_code == 0
    shown = w.run("hqoversight", ["oversight", "--json"])
    assert shown.exit_code == 0, shown.stderr
    (late,) = [s for s in json.loads(shown.stdout) if s["recipient"] == "miit"]
    assert (late["case"], late["disclosure_kind"], late["backdated"]) == (
        w.own,
        "nvdb-report",
        False,
    )
    assert late["late_by_seconds"] > 0 and "late_by" not in late


# -- the inventory, and the tests of the test


def undecided(rows: list[Row]) -> set[str]:
    """Commands in no list: neither operator, nor sign-in, nor a row of the matrix, nor run as
    every role by a test of their own."""
    decided = set(OPERATOR) | set(SIGN_IN) | set(COVERED_BY_OWN_TEST)
    return commands() - decided - {r.command for r in rows}


def test_every_command_is_an_operator_command_a_sign_in_or_a_row() -> None:
    everything, in_rows = commands(), {r.command for r in ROWS}
    assert undecided(ROWS) == set(), "commands nobody decided about"
    named = set(OPERATOR) | set(SIGN_IN) | set(COVERED_BY_OWN_TEST) | in_rows
    assert named <= everything, "named commands that are gone"
    assert not set(COVERED_BY_OWN_TEST) & in_rows, "a command both in a row and elsewhere"
    assert not (set(OPERATOR) | set(SIGN_IN)) & in_rows, "an operator command in the matrix"
    assert len(everything) > 80


def test_operator_commands_need_no_sign_in(
    db_url: str, tmp_path: Path, cli_containers: None
) -> None:
    """Operator commands run signed out, as the local operator (a sample that needs no files)."""
    w = CliWorld(tmp_path, db_url)
    runs = [
        ["user", "list", "--json"],
        ["rules", "list"],
        ["idempotency", "purge"],
        ["intake", "purge-receipts", "--before", "2000-01-01"],
        ["audit", "verify", "--no-checkpoint"],
    ]
    for args in runs:
        assert " ".join(args[:2]) in OPERATOR or args[0] in OPERATOR
        r = w.run(SIGNED_OUT, args)
        assert (r.exit_code, r.exception) == (0, None), (args, r.stderr)


def test_a_command_without_a_row_fails_the_inventory() -> None:
    for command in {r.command for r in ROWS}:
        assert undecided([r for r in ROWS if r.command != command]) == {command}
    assert undecided(ROWS[:-1]) == {"whoami"}


def test_each_row_names_a_real_api_route_or_says_there_is_none(tmp_path: Path) -> None:
    from vulndesk.entrypoints.api.app import create_app

    c = bootstrap.build(Settings(home=tmp_path, database_url="sqlite://", keys_json=TEST_KEYS))
    paths = create_app(c).openapi()["paths"]
    routes = {f"{m.upper()} {p}" for p, ops in paths.items() for m in ops}
    named = {r.rule.split("?")[0] for r in ROWS if not r.rule.startswith("no API route")}
    assert named - routes == set()


def test_the_roleless_account_holds_no_right() -> None:
    """`reporter` grants nothing anywhere: the account holding only it is the role-less one."""
    sets = {k: v for k, v in vars(access).items() if isinstance(v, frozenset) and k.isupper()}
    granting = {k for k, v in sets.items() if AccountRole.REPORTER in v}
    assert granting == {"ACCOUNT_HOLDERS"}


def _row(command: str) -> Row:
    return next(r for r in ROWS if r.command == command)


def test_one_extra_right_in_the_running_code_turns_the_cli_matrix_red(
    cli_world: CliWorld,
) -> None:
    """Widen role sets where the running code holds them, one case at a time: the check of
    the command that depends on them must fail, naming the identity that gained the right."""
    w = cli_world
    widenings: list[tuple[str, tuple[Roles, ...], AccountRole, str]] = [
        ("ledger record", (access.CASE_WRITERS,), AccountRole.HQ_OVERSIGHT, "hqoversight"),
        ("org set-contact", (access.REFERENCE_WRITERS,), AccountRole.AUDITOR, "auditor"),
        ("report decide", (access.APPROVERS,), AccountRole.ANALYST, "analyst"),
        ("case show", (access.ALL_CASES, access.CASE_READERS), AccountRole.AUDITOR, "auditor"),
    ]
    for command, role_sets, extra, who in widenings:
        row = _row(command)
        check_command(w, row)
        with pytest.MonkeyPatch.context() as patch:
            for roles in role_sets:
                widen(patch, roles, extra)
            with pytest.raises(AssertionError, match=who):
                check_command(w, row)
        check_command(w, row)


# -- the in-process runs are what the installed command does

VULNDESK = Path(sys.executable).parent / "vulndesk"


def _subprocess(w: CliWorld, ident: str, args: list[str]) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VULNDESK_")}
    env |= {k: v for k, v in w.env(ident).items() if v is not None}
    done = subprocess.run(
        [str(VULNDESK), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.slow
def test_the_installed_command_answers_as_the_in_process_runs(cli_world: CliWorld) -> None:
    """A few runs through the real `vulndesk` process: the same exit status and message."""
    w = cli_world
    show, contact = _row("case show"), _row("org set-contact")
    runs = [
        ("analyst", w.fill(show, w.foreign)),  # hidden: like a missing case
        ("auditor", w.fill(contact, None)),  # forbidden
        (SIGNED_OUT, w.fill(show, w.own)),  # signed out
    ]
    for ident, args in runs:
        inside = w.run(ident, args)
        assert _subprocess(w, ident, args)[0::2] == (inside.exit_code, inside.stderr), ident
    args = w.fill(show, w.own)
    code, out, _ = _subprocess(w, "approver", args)
    inside = w.run("approver", args)
    assert (code, inside.exit_code) == (0, 0)
    assert json.loads(out)["case"] == json.loads(inside.stdout)["case"]


def test_supplier_remove_as_every_role(cli_world: CliWorld, db_url: str) -> None:
    """`supplier remove` as every identity, each on a supplier of its own: reference writers
    remove it, the others are refused and it stays; a missing one is not found; signed out 5."""
    c = bootstrap.build(Settings(home=cli_world.home, database_url=db_url, keys_json=TEST_KEYS))
    try:
        deps, setup = c.deps(), as_person("setup", "test")
        for ident in IDENTITIES:
            suppliers.add(deps, setup, f"gone-{ident}", f"{ident}.example", "A" * 40, "cn")
    finally:
        c.close()
    row = Row("supplier remove", (), REFERENCE_WRITERS, "DELETE /api/v1/suppliers/{name}")
    for ident in IDENTITIES:
        r = cli_world.run(ident, ["supplier", "remove", f"gone-{ident}"])
        assert outcome(row, r) in expected(row, ident), (ident, r.stdout, r.stderr)
        if ident in holders(REFERENCE_WRITERS):
            missing = cli_world.run(ident, ["supplier", "remove", "nobody"])
            assert outcome(row, missing) == "not found", (ident, missing.stderr)
    r = cli_world.run(SIGNED_OUT, ["supplier", "remove", "gone-roleless"])
    assert outcome(row, r) == "signed out"
    c = bootstrap.build(Settings(home=cli_world.home, database_url=db_url, keys_json=TEST_KEYS))
    try:
        left = {s.name for s in suppliers.suppliers(c.deps(), as_person("setup", "test"))}
    finally:
        c.close()
    assert {n for n in left if n.startswith("gone-")} == {
        f"gone-{i}" for i in IDENTITIES if i not in holders(REFERENCE_WRITERS)
    }
