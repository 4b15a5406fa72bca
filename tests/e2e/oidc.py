"""A real OpenID Connect provider (tests/oidc/provider.js on node) and a browser-like flow."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

HERE = Path(__file__).parents[1] / "oidc"
REQUIRE = os.environ.get("VULNDESK_REQUIRE_OIDC") == "1"
CLIENT_ID, CLIENT_SECRET = "vulndesk", "test-client-secret"
CONSOLE = "http://testserver"
REDIRECT = CONSOLE + "/login/oidc/callback"


@dataclass
class Idp:
    """A running provider: its issuer URL and the process serving it."""

    issuer: str
    process: subprocess.Popen[str]

    def next_user(
        self, user: str, groups: list[str], amr: list[str] | None = None, username: str = ""
    ) -> None:
        """Whoever signs in at the provider next (`user` is the subject), with these groups,
        methods (amr) and a preferred_username other than the subject when given."""
        body = {"id": user, "groups": groups, "amr": amr or ["pwd"], "username": username}
        httpx.post(self.issuer + "/test/next-user", json=body, timeout=10).raise_for_status()

    def authorize(self, url: str) -> str:
        """Follow the provider's redirects from an authorization URL; the callback URL."""
        with httpx.Client(timeout=10) as browser:
            while not url.startswith(CONSOLE):
                reply = browser.get(url, follow_redirects=False)
                assert reply.status_code in {302, 303}, (reply.status_code, reply.text[:300])
                url = urljoin(url, reply.headers["location"])
        return url


def shared_key() -> str:
    """A private RSA JWK, so two providers sign alike and only their issuers differ."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return json.dumps(RSAKey.import_key(key).as_dict(private=True))


def start(jwk: str) -> Idp:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
        if REQUIRE:
            pytest.fail("node and `npm ci` in tests/oidc are required here")
        pytest.skip("node or tests/oidc/node_modules missing: run `npm ci` in tests/oidc")
    env = dict(os.environ, OIDC_PORT="0", OIDC_REDIRECT_URI=REDIRECT, OIDC_JWK=jwk)
    env |= {"OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET}
    process = subprocess.Popen(
        [node, "provider.js"],
        cwd=HERE,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "listening <port>", or "" when it died
    if not line.startswith("listening "):
        process.kill()
        pytest.fail(f"the test provider did not start: {line!r}")
    issuer = f"http://127.0.0.1:{int(line.split()[1])}"
    deadline = time.monotonic() + 30
    while True:  # bounded: the discovery document answers, or the test fails
        try:
            found = httpx.get(issuer + "/.well-known/openid-configuration", timeout=2)
            if found.status_code == 200 and found.json()["issuer"] == issuer:
                return Idp(issuer, process)
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("the test provider's discovery document never answered")
        time.sleep(0.2)


@pytest.fixture(scope="session")
def idp_pair() -> Iterator[tuple[Idp, Idp]]:
    """Two providers with one signing key: the configured one and a foreign one."""
    jwk = shared_key()
    first = start(jwk)
    second = start(jwk)
    yield first, second
    for idp in (first, second):
        idp.process.terminate()
        idp.process.wait(timeout=10)
        if idp.process.stdout is not None:
            idp.process.stdout.close()


def query(url: str) -> dict[str, Any]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
