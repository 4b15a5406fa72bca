"""The checker the zh-CN console test relies on: what it calls English, and what it lets pass."""

from __future__ import annotations

from tests.e2e.zh_text import english, texts
from vulndesk.entrypoints.web import i18n, labels


def test_english_sentences_raw_codes_and_records_are_caught() -> None:
    caught = [
        "Build draft",  # an untranslated button
        "案件 verified",  # a raw state next to Chinese
        "reporter_identity, scope_of_impact",  # snake_case field names
        "from_state=triage",  # a raw record
        "sort: 'bogus' is not a sort order",  # a service's English error
    ]
    assert english(caught) == caught


def test_ids_standards_and_demo_data_pass() -> None:
    fine = [
        "草稿 · VD-2026-0001/nvdb/miit-nvdb/v1",
        "cn-rmsv-2021/report-to-nvdb",
        "超危 · CVSS 3.1 9.8",
        "psirt@example.com",
        "2026-12-04 13:31 UTC+08:00 Asia/Shanghai",
        "AX Router UPnP exposure",  # a demo case's title: data, not interface
        "TLP:WHITE",
    ]
    assert english(fine) == []


def test_text_outside_the_interface_is_not_read() -> None:
    html = (
        '<html lang="zh-CN"><head><title>案件</title><script>var x = "Some words";</script></head>'
        '<body><p lang="en">English on purpose</p><code>some_code here</code>'
        '<p translate="no">Reporter wrote this</p><input type="hidden" value="Hidden words">'
        '<button title="Close the dialog">关闭</button><p>说明 <b>Bold English</b></p></body></html>'
    )
    assert texts(html) == ["案件", "Close the dialog", "关闭", "说明", "Bold English"]


def test_every_code_label_has_a_chinese_translation() -> None:
    catalogue = i18n.catalogue("zh-CN")
    assert sorted(set(labels.LABELS.values()) - set(catalogue)) == []
    label = labels.labeller("zh-CN", i18n.translator("zh-CN"))
    assert label("verified") == "已验证"  # codes fall back to the catalogue
    assert label("no-such-code") == "no-such-code"
