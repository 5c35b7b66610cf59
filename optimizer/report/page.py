"""The report page's frame and tables, Jinja2 templates (autoescaped) for the year's report and the pathway's:
``templates/page.html.j2``, the head with the style and the check scripts, the title and its lines, the table
of contents and the numbered sections; ``templates/table.html.j2``, every table (:func:`render_table`). Text is
escaped by the templates; what a builder renders as HTML (a badge, a figure, a note) comes in as
:class:`markupsafe.Markup`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import jinja2
from markupsafe import Markup


@dataclass(frozen=True)
class Section:
    """One numbered section: its anchor, its heading (text) and its body (HTML the builders made)."""

    id: str
    title: str
    body: Markup


@dataclass(frozen=True)
class Cell:
    """A table cell: text (escaped) or Markup, its class and any ``data-*`` attributes."""

    content: str | Markup
    cls: str = ""
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def attributes(self) -> dict[str, str | None]:
        return {"class": self.cls or None, **self.attrs}


@dataclass(frozen=True)
class Row:
    """A table row: its cells, its class (``total``) and any ``data-*`` attributes."""

    cells: list[Cell]
    cls: str = ""
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def attributes(self) -> dict[str, str | None]:
        return {"class": self.cls or None, **self.attrs}


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


def render_table(name: str, head: list[Cell], rows: list[Row], *, wrap: str = "tablewrap") -> str:
    """A table (``data-table`` = ``name``) as HTML, in a wrapper that wraps or scrolls it (``tablewrap``: the one
    the browser check counts; ``metatable``: the small run tables); no head row when ``head`` is empty."""
    return _environment().get_template("table.html.j2").render(name=name, head=head, rows=rows, wrap=wrap).strip()
