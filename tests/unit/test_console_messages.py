"""Console errors and labels: catalogue sentences in both languages, no CLI hints, no raw codes."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from vulndesk.domain.disclosure import DETAIL_FIELDS, Sensitivity
from vulndesk.domain.errors import Conflict, Forbidden, GuardFailed, InvalidInput, NotFound
from vulndesk.domain.parties import PartyKind
from vulndesk.domain.severity import SeverityLevel
from vulndesk.entrypoints.web import i18n, labels, messages
from vulndesk.exporters.reports.kinds import REGISTRY
from vulndesk.services.disclosure import ledger

CJK = re.compile(r"[\u4e00-\u9fff]")


def _say(lang: str) -> tuple[Callable[..., str], Callable[[str], str]]:
    gettext = i18n.translator(lang)
    return gettext, labels.labeller(lang, gettext)


def test_every_guard_sentence_and_label_is_in_the_catalogue() -> None:
    zh = i18n.catalogue("zh-CN")
    wanted = {
        *messages.GUARDS.values(),
        messages.GENERIC_GUARD,
        *labels.LABELS.values(),
    }
    assert sorted(m for m in wanted if m not in zh) == []


def test_every_code_shown_has_a_label_in_both_languages() -> None:
    codes = [*DETAIL_FIELDS, *Sensitivity, *PartyKind, *SeverityLevel, *ledger.CHANNELS]
    for lang in ("en", "zh-CN"):
        _g, label = _say(lang)
        for code in codes:
            text = label(code)
            assert text != code and "_" not in text, (lang, code)
            if lang == "zh-CN":
                assert CJK.search(text), code
    _g, zh = _say("zh-CN")
    for kind in REGISTRY:
        assert CJK.search(zh(kind.name)) and CJK.search(zh(kind.disclosure)), kind.name
    assert zh("enisa.vulnerability_early_warning").startswith("ENISA：")
    assert zh("nvdb-report") == "NVDB 漏洞信息报送（工信部）"


@pytest.mark.parametrize("guard", ["two-persons", "equal-dissemination", "cross-border"])
def test_guard_refusals_read_as_sentences_without_the_guard_id(guard: str) -> None:
    exc = GuardFailed(guard, "x already approved; run `vulndesk report approve --correct`")
    for lang in ("en", "zh-CN"):
        text = messages.error_message(exc, lang, *_say(lang))
        assert guard not in text and "--" not in text and "guard" not in text
        assert "`" not in text
        assert bool(CJK.search(text)) is (lang == "zh-CN")


def test_an_unknown_guard_is_named_by_its_label() -> None:
    text = messages.error_message(GuardFailed("policy", "…"), "zh-CN", *_say("zh-CN"))
    assert text.startswith("披露策略不允许")
    # A code the catalogue knows gets its words; one it does not know is shown as it is.
    text = messages.error_message(GuardFailed("pending", "…"), "zh-CN", *_say("zh-CN"))
    assert text == "此操作被案件的一项规则拒绝：待批准。"
    text = messages.error_message(GuardFailed("new-guard", "…"), "zh-CN", *_say("zh-CN"))
    assert text == "此操作被案件的一项规则拒绝：new-guard。"


def test_invalid_input_names_the_field_in_words_and_drops_command_hints() -> None:
    exc = InvalidInput("receipt", "must not be empty", "use --receipt TEXT")
    en = messages.error_message(exc, "en", *_say("en"))
    assert en == "“Receipt number” is not accepted: must not be empty."
    zh = messages.error_message(exc, "zh-CN", *_say("zh-CN"))
    assert zh == "“回执编号”的值不被接受；请检查后重试。"
    codes = InvalidInput("recipient", "unknown", "regulator, csirt")
    zh = messages.error_message(codes, "zh-CN", *_say("zh-CN"))
    assert zh.endswith("可接受的值：监管机构, CSIRT（计算机安全事件响应小组）。")
    hinted = InvalidInput("stage", "bad stage; try `vulndesk report draft --stage`", None)
    assert "vulndesk" not in messages.error_message(hinted, "en", *_say("en"))


def test_other_errors_have_catalogue_sentences() -> None:
    errors: tuple[Exception, ...] = (
        NotFound("case", "VD-2099-0001"),
        Forbidden("no"),
        Conflict("x"),
    )
    for exc in errors:
        assert isinstance(exc, NotFound | Forbidden | Conflict)
        en = messages.error_message(exc, "en", *_say("en"))
        zh = messages.error_message(exc, "zh-CN", *_say("zh-CN"))
        assert en != zh and CJK.search(zh) and "VD-2099" not in en
