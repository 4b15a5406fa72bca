"""OpenID Connect settings are typed: a bad value stops start-up naming the variable."""

from __future__ import annotations

import pytest

from vulndesk.config import Settings
from vulndesk.domain.errors import InvalidInput
from vulndesk.services.accounts import sso

GOOD = {
    "VULNDESK_OIDC_ISSUER": "https://login.example.com/realms/psirt",
    "VULNDESK_OIDC_CLIENT_ID": "vulndesk",
    "VULNDESK_OIDC_CLIENT_SECRET": "s3cret",
}


def test_a_provider_is_read_with_its_role_map() -> None:
    env = GOOD | {
        "VULNDESK_OIDC_ROLE_MAP": "psirt-cn=analyst@psirt-cn; auditors=Auditor",
        "VULNDESK_OIDC_ACCEPT_PROVIDER_MFA": "1",
        "VULNDESK_LOCAL_LOGIN": "0",
    }
    settings = Settings.from_env(env)
    policy = settings.oidc
    assert policy is not None and policy.accept_provider_mfa and not settings.local_login
    assert policy.role_map == (
        sso.RoleMapping("psirt-cn", "analyst", "psirt-cn"),
        sso.RoleMapping("auditors", "auditor", None),
    )
    assert policy.name == "login.example.com" and "s3cret" not in repr(settings)
    assert not any("OIDC" in k or k.endswith("LOCAL_LOGIN") for k in settings.unknown)
    assert Settings.from_env({}).oidc is None and Settings.from_env({}).local_login


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"VULNDESK_OIDC_ISSUER": "http://login.example.com"}, "VULNDESK_OIDC_ISSUER"),
        ({"VULNDESK_OIDC_ISSUER": "login.example.com"}, "VULNDESK_OIDC_ISSUER"),
        ({"VULNDESK_OIDC_CLIENT_SECRET": ""}, "VULNDESK_OIDC_CLIENT_SECRET"),
        ({"VULNDESK_OIDC_CLIENT_ID": ""}, "VULNDESK_OIDC_CLIENT_ID"),
        ({"VULNDESK_OIDC_ROLE_MAP": "psirt=root"}, "VULNDESK_OIDC_ROLE_MAP"),
        ({"VULNDESK_OIDC_ROLE_MAP": "psirt"}, "VULNDESK_OIDC_ROLE_MAP"),
        ({"VULNDESK_OIDC_ROLE_MAP": "a=analyst@Bad Unit"}, "VULNDESK_OIDC_ROLE_MAP"),
        ({"VULNDESK_OIDC_ACCEPT_PROVIDER_MFA": "maybe"}, "VULNDESK_OIDC_ACCEPT_PROVIDER_MFA"),
        ({"VULNDESK_OIDC_GROUPS_CLAIM": "a b"}, "VULNDESK_OIDC_GROUPS_CLAIM"),
        ({"VULNDESK_LOCAL_LOGIN": "off"}, "VULNDESK_LOCAL_LOGIN"),
    ],
)
def test_a_bad_value_names_its_variable(changes: dict[str, str], variable: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Settings.from_env(GOOD | changes)
    assert caught.value.field == variable


def test_provider_settings_without_an_issuer_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        Settings.from_env({"VULNDESK_OIDC_ROLE_MAP": "psirt=analyst"})
    assert caught.value.field == "VULNDESK_OIDC_ROLE_MAP"


def test_roles_follow_the_groups_claim_and_names_stay_valid() -> None:
    policy = sso.SsoPolicy(
        "https://idp", "c", "s", "roles", sso.parse_role_map("m", "a=analyst@cn,b=auditor")
    )
    assert sso.derive(policy, {"roles": ["b", "a", "x"]}) == (
        frozenset({"analyst", "auditor"}),
        "cn",
    )
    assert sso.derive(policy, {"roles": "b"}) == (frozenset({"auditor"}), None)
    assert sso.derive(policy, {"groups": ["a"]}) == (frozenset(), None)
    assert sso.account_name({"preferred_username": "Li.Na", "sub": "1"}) == "li.na"
    odd = sso.account_name({"preferred_username": "../admin", "sub": "42"})
    assert odd.startswith("sso-") and odd != sso.account_name({"sub": "43"})
