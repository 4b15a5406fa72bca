"""The one-time code (TOTP) owed after a provider sign-in whose MFA is not accepted."""

from __future__ import annotations

import secrets
from dataclasses import replace

import pyotp

from vulndesk.domain.accounts import Session
from vulndesk.domain.audit_tags import AuditTag
from vulndesk.services.accounts.signin import (
    ABSOLUTE,
    MAX_USER_FAILURES,
    WINDOW,
    AuthFailed,
    Issued,
    Throttled,
    _totp_claimed,
    _totp_step,
    digest,
)
from vulndesk.services.accounts.sso import PENDING, SecondStep
from vulndesk.services.accounts.users import end_credentials
from vulndesk.services.context import Actor, Deps


def enrolment_uri(step: SecondStep, issuer: str = "vulndesk") -> str:
    """The otpauth URI of the secret being enrolled (for an authenticator app); "" if none."""
    if step.enrol is None:
        return ""
    return pyotp.TOTP(step.enrol).provisioning_uri(name=step.user, issuer_name=issuer)


def finish(deps: Deps, step: SecondStep, code: str, source: str) -> Issued:
    """A session once `code` is a fresh one-time code of the account's device, or of the
    secret being enrolled (which is then stored, ending older credentials).

    Wrong codes count like wrong passwords (per account and source); a step older than the
    pending sign-in's lifetime is refused, and so is enrolling over a device enrolled since.
    """
    now = deps.clock.now()
    key = f"oidc-totp:{step.user}@{source}"
    actor = Actor(step.user, source)
    with deps.uow() as uow:
        if uow.accounts.failures_since(key, now - WINDOW) >= MAX_USER_FAILURES:
            raise Throttled(int(WINDOW.total_seconds()))
        user = uow.accounts.find_user(step.user)
        ok = user is not None and not user.disabled and now - step.started_at <= PENDING
        if ok and user is not None and step.enrol is not None:
            trial = replace(user, totp_secret=step.enrol, last_totp_step=None)
            used = _totp_step(trial, code, now) if user.totp_secret is None else None
            ok = used is not None
            if used is not None:
                uow.accounts.save_user(replace(trial, last_totp_step=used))
                end_credentials(uow, user.name)
                uow.audit.append(
                    actor.event(now, AuditTag.ACCOUNT_TOTP_ENROLLED, "user", user.name, via="oidc")
                )
        elif ok and user is not None:
            ok = _totp_claimed(uow, user, code, now)
        if not ok or user is None:
            uow.accounts.record_failure(key, now)
            uow.audit.append(
                actor.event(
                    now, AuditTag.ACCOUNT_LOGIN_FAILED, "user", step.user, via="oidc", reason="totp"
                )
            )
            uow.commit()
            raise AuthFailed("the one-time code was not accepted")
        uow.accounts.clear_failures(key)
        secret = secrets.token_urlsafe(32)
        uow.accounts.add_session(Session(digest(secret), user.name, now, now, source))
        uow.audit.append(
            actor.event(
                now, AuditTag.ACCOUNT_SESSION_STARTED, "user", user.name, via="oidc", totp="yes"
            )
        )
        uow.commit()
    return Issued(secret, user, now + ABSOLUTE)
