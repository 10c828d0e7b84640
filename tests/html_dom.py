"""Reading a rendered report in tests: its start tags and text, by the section they sit in."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path


class Dom(HTMLParser):
    """Start tags with their attributes and the section they sit in; text per section."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str], str | None]] = []
        self.text: dict[str | None, list[str]] = {}
        self.styles: list[str] = []
        self._sections: list[str | None] = []
        self._in_style = False

    @property
    def section(self) -> str | None:
        return self._sections[-1] if self._sections else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "section":
            self._sections.append(attributes.get("id"))
        self._in_style = tag == "style"
        self.tags.append((tag, attributes, self.section))

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._sections:
            self._sections.pop()
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        self.text.setdefault(self.section, []).append(data)

    def section_text(self, section: str) -> str:
        return " ".join(" ".join(self.text.get(section, [])).split())

    def count(self, tag: str, section: str | None = None) -> int:
        return sum(1 for t, _, s in self.tags if t == tag and (section is None or s == section))


def parse(path: Path) -> tuple[str, Dom]:
    source = path.read_text(encoding="utf-8")
    dom = Dom()
    dom.feed(source)
    dom.close()
    return source, dom
