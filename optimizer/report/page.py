"""The report page's frame, one Jinja2 template (``templates/page.html.j2``, autoescaped) for the year's report
and the pathway's: the head with the style and the check scripts, the title and its lines, the table of
contents and the numbered sections. Text is escaped by the template; what the report's builders render
as HTML (tables, figures, notes) comes in as :class:`markupsafe.Markup`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import jinja2
from markupsafe import Markup


@dataclass(frozen=True)
class Section:
    """One numbered section: its anchor, its heading (text) and its body (HTML the builders made)."""

    id: str
    title: str
    body: Markup


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("optimizer.report", "templates"),
                              autoescape=jinja2.select_autoescape(default=True), keep_trailing_newline=True)


def render_page(*, lang: str, title: str, subtitles: list[Markup | str], toc_title: str, sections: list[Section],
                css: str, head_script: str, load_script: str) -> str:
    """The whole page: ``subtitles`` are lines under the title (text, or Markup where they hold code)."""
    return _environment().get_template("page.html.j2").render(
        html_lang="zh-CN" if lang == "zh" else "en", title=title, subtitles=subtitles, toc_title=toc_title,
        sections=sections, css=Markup(css), head_script=Markup(head_script), load_script=Markup(load_script))
