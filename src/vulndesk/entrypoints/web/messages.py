"""Errors and guard refusals as the console says them: catalogue sentences in the page's
language, codes given their labels; never a command-line hint or a raw guard id."""

from __future__ import annotations

import re
from collections.abc import Callable

from vulndesk.domain.errors import (
    Conflict,
    Forbidden,
    GuardFailed,
    InvalidInput,
    NotFound,
    VulndeskError,
)

# guard or rule id -> what it means for the person in front of the page (catalogue message ids)
GUARDS: dict[str, str] = {
    "two-persons": "You have already approved this; a second, different person must approve it.",
    "two-person": "Two different approvers must approve this first.",
    "equal-dissemination": (
        "Equal dissemination: this recipient would get information that others of the same "
        "kind did not get. Record a decision approved by two people, or change the draft."
    ),
    "cross-border": (
        "Cross-border transfer (RMSV Art. 9(7)): this information may not go abroad without "
        "a decision approved by two people."
    ),
    "policy": (
        "The disclosure policy does not allow some of these fields for this recipient; "
        "record an exception approved by two people, or change the draft."
    ),
    "hq-approver": "One of the approvers must belong to headquarters.",
    "current": "A newer version of this draft exists; act on the newest version.",
    "current-version": "A newer version of this draft exists; act on the newest version.",
    "approved": "Only a draft approved by two people can be recorded as submitted.",
    "backdate": (
        "This decision justifies a backdated ledger entry; approve it with the ledger entry."
    ),
    "waiver": "This decision waives an obligation; approve it with the case's clocks.",
    "allowed-transition": "The case cannot move to that state from the state it is in.",
    "duplicate-of": "A duplicate must name the case it duplicates.",
    "aware-required": "The 'aware' fact starts every clock and cannot be withdrawn; correct it.",
}
GENERIC_GUARD = "This step was refused by a rule of the case: %(rule)s."


CODES = re.compile(r"[\w.:/@+-]+(, [\w.:/@+-]+)*")


def _plain(text: str | None) -> bool:
    """Text a console user can act on: no command-line option, command or API path."""
    return bool(text) and not any(m in str(text) for m in ("--", "`", "/api/", "vulndesk "))


def _invalid(
    exc: InvalidInput, lang: str, gettext: Callable[..., str], label: Callable[[str], str]
) -> str:
    """English pages keep the service's explanation; others get the catalogue's sentence
    (the explanation is English prose) with the accepted values when they are codes."""
    field = label(exc.field)
    if lang == "en" and _plain(exc.problem):
        text = f"“{field}” is not accepted: {exc.problem}."
        return text + (f" Accepted: {exc.accepted}." if _plain(exc.accepted) else "")
    if exc.accepted and CODES.fullmatch(exc.accepted):
        codes = exc.accepted.split(", ")
        shown = [label(c) for c in codes]
        # Codes without a label of their own (sort orders) would show as English words.
        if all(
            s != c or not re.search(r"[A-Za-z]{3}", c) for s, c in zip(shown, codes, strict=True)
        ):
            return gettext(
                "“%(field)s” is not accepted. Accepted: %(accepted)s.",
                field=field,
                accepted=", ".join(shown),
            )
    return gettext("“%(field)s” is not accepted; check it and try again.", field=field)


def error_message(
    exc: VulndeskError, lang: str, gettext: Callable[..., str], label: Callable[[str], str]
) -> str:
    """The sentence the console shows for `exc`."""
    if isinstance(exc, GuardFailed):
        if exc.guard in GUARDS:
            return gettext(GUARDS[exc.guard])
        return gettext(GENERIC_GUARD, rule=label(exc.guard))
    if isinstance(exc, InvalidInput):
        return _invalid(exc, lang, gettext, label)
    if isinstance(exc, NotFound):
        return gettext("Not found, or not visible to you.")
    if isinstance(exc, Forbidden):
        return gettext("Your roles do not allow this.")
    if isinstance(exc, Conflict):
        return gettext("This clashes with a change made meanwhile; reload the page and try again.")
    return gettext("This could not be done; reload the page and try again.")


def rule_message(rule: str, gettext: Callable[..., str], label: Callable[[str], str]) -> str:
    """A draft's conflict with a rule (equal dissemination, cross-border…), in words."""
    return gettext(GUARDS[rule]) if rule in GUARDS else gettext(GENERIC_GUARD, rule=label(rule))
