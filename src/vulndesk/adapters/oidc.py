"""An OpenID Connect provider over HTTP: discovery, PKCE authorization URL, code for ID token."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from vulndesk.services.accounts.signin import AuthFailed
from vulndesk.services.accounts.sso import PENDING, Pending, SsoPolicy

TIMEOUT = 10.0
# Asymmetric algorithms only: a provider's ID token is never signed with a shared secret here.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]


class OidcProvider:
    """The IdentityProvider port for one issuer; discovery and keys are fetched when first needed."""

    def __init__(self, policy: SsoPolicy, redirect_uri: str) -> None:
        self.policy = policy
        self.redirect_uri = redirect_uri
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        """The discovery document; its `issuer` must be exactly the configured issuer."""
        try:
            return self._discover()
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise AuthFailed(f"the identity provider did not answer: {type(exc).__name__}") from exc

    def _discover(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                url = self.policy.issuer.rstrip("/") + "/.well-known/openid-configuration"
                found = httpx.get(url, timeout=TIMEOUT).raise_for_status().json()
                if found.get("issuer") != self.policy.issuer:
                    raise AuthFailed("the provider's discovery document names another issuer")
                self._metadata = found
            return self._metadata

    def _keyset(self, refresh: bool = False) -> KeySet:
        jwks_uri = self.metadata()["jwks_uri"]
        with self._lock:
            if self._keys is None or refresh:
                try:
                    data = httpx.get(jwks_uri, timeout=TIMEOUT).raise_for_status().json()
                except (httpx.HTTPError, ValueError) as exc:
                    raise AuthFailed("the identity provider's keys could not be read") from exc
                self._keys = KeySet.import_key_set(data)
            return self._keys

    def authorization_url(self, pending: Pending) -> str:
        url: str = prepare_grant_uri(
            self.metadata()["authorization_endpoint"],
            self.policy.client_id,
            "code",
            redirect_uri=self.redirect_uri,
            scope="openid profile email",
            state=pending.state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.verifier),
            code_challenge_method="S256",
        )
        return url

    def redeem(self, code: str, pending: Pending, now: dt.datetime) -> Mapping[str, Any]:
        """Exchange the code (with the PKCE verifier) and check the ID token it brings."""
        try:
            reply = self._exchange(code, pending)
            token = reply.json().get("id_token") if reply.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise AuthFailed("the provider's token endpoint did not answer") from exc
        if reply.status_code != 200:
            raise AuthFailed("the provider refused the authorization code")
        if not isinstance(token, str):
            raise AuthFailed("the provider sent no ID token")
        return self.check_id_token(token, pending.nonce, now)

    def _exchange(self, code: str, pending: Pending) -> httpx.Response:
        return httpx.post(
            self.metadata()["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "code_verifier": pending.verifier,
            },
            auth=(self.policy.client_id, self.policy.client_secret),
            timeout=TIMEOUT,
        )

    def check_id_token(self, token: str, nonce: str, now: dt.datetime) -> Mapping[str, Any]:
        """The claims of a signed ID token for this client, this issuer, this nonce, now."""
        try:
            try:
                decoded = jwt.decode(token, self._keyset(), algorithms=ALGORITHMS)
            except JoseError:  # the provider may have rotated its keys
                decoded = jwt.decode(token, self._keyset(refresh=True), algorithms=ALGORITHMS)
            stamp = int(now.timestamp())
            jwt.JWTClaimsRegistry(
                now=stamp,
                leeway=60,
                iss={"essential": True, "value": self.policy.issuer},
                aud={"essential": True, "value": self.policy.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise AuthFailed(f"the ID token was not accepted: {type(exc).__name__}") from exc
        claims = decoded.claims
        if stamp - int(claims["iat"]) > PENDING.total_seconds():
            raise AuthFailed("the ID token is too old")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.policy.client_id:
            raise AuthFailed("the ID token was issued to another party")
        return claims
