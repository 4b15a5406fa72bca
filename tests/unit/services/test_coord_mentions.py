"""`@mentions` in coordination messages: which names are read, and how the console marks
them (everything escaped, no markup from the text survives)."""

from __future__ import annotations

from vulndesk.entrypoints.web.render import mentions as rendered
from vulndesk.services.notify.coord_mail import mentions


def test_mentions_are_account_names_after_a_space_line_start_or_punctuation() -> None:
    text = "@ana, please ask (@wang.fang) and @li_lei.\n@ana again; not a@b.example or x@y"
    assert mentions(text) == ("ana", "wang.fang", "li_lei")
    assert mentions("no one here, just mail@example.org") == ()
    assert mentions("@") == ()


def test_the_console_escapes_everything_and_marks_each_mention() -> None:
    html = str(rendered('<script>alert(1)</script> @ana & "@bo"'))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<mark class="mention">@ana</mark>' in html
    assert '&#34;<mark class="mention">@bo</mark>&#34;' in html
    assert str(rendered(None)) == ""
    assert str(rendered("<mark>@x")) == '&lt;mark&gt;<mark class="mention">@x</mark>'
