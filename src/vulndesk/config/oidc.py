"""OpenID Connect sign-in settings (VULNDESK_OIDC_*)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from vulndesk.config.values import PREFIX, flag
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.accounts.sso import SsoPolicy, parse_role_map

OIDC_VARIABLES = (
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_GROUPS_CLAIM",
    "OIDC_ROLE_MAP",
    "OIDC_ACCEPT_PROVIDER_MFA",
    "OIDC_NAME",
)


def oidc_policy(env: Mapping[str, str]) -> SsoPolicy | None:
    """VULNDESK_OIDC_*: all three of issuer, client id and secret, or none of them."""
    issuer = env.get(PREFIX + "OIDC_ISSUER", "").strip()
    client_id = env.get(PREFIX + "OIDC_CLIENT_ID", "").strip()
    secret = env.get(PREFIX + "OIDC_CLIENT_SECRET", "")
    if not (issuer or client_id or secret):
        for rest in OIDC_VARIABLES:
            if env.get(PREFIX + rest):
                raise InvalidInput(
                    PREFIX + rest, "is set but no provider is", "set VULNDESK_OIDC_ISSUER too"
                )
        return None
    parts = urlsplit(issuer)
    local = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise InvalidInput(
            "VULNDESK_OIDC_ISSUER",
            f"{issuer[:64]!r} is not an https URL",
            "the provider's issuer, e.g. https://login.example.com/realms/psirt",
        )
    for name, value in (("OIDC_CLIENT_ID", client_id), ("OIDC_CLIENT_SECRET", secret)):
        if not value:
            raise InvalidInput(PREFIX + name, "is empty", "the client registered at the provider")
    claim = env.get(PREFIX + "OIDC_GROUPS_CLAIM", "groups").strip()
    if not re.fullmatch(r"[A-Za-z0-9_:./-]{1,100}", claim):
        raise InvalidInput(
            "VULNDESK_OIDC_GROUPS_CLAIM", f"{claim[:64]!r} is not a claim name", "e.g. groups"
        )
    return SsoPolicy(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        groups_claim=claim,
        role_map=parse_role_map("VULNDESK_OIDC_ROLE_MAP", env.get(PREFIX + "OIDC_ROLE_MAP", "")),
        accept_provider_mfa=flag(
            "VULNDESK_OIDC_ACCEPT_PROVIDER_MFA", env.get(PREFIX + "OIDC_ACCEPT_PROVIDER_MFA", "0")
        ),
        name=env.get(PREFIX + "OIDC_NAME", "").strip()[:60] or (parts.hostname or "provider"),
    )
