"""What a browser would send for a form on a page, read from the page itself: so a test can
save a page exactly as it was shown (the "changed nothing" case) without restating its fields."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside a form when > 0
        self.forms: list[list[tuple[str, str]]] = []
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._option: tuple[str, bool] | None = None
        self._chosen: str | None = None
        self._first: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if self.depth:
                self.depth += 1
            elif a.get("method", "get").lower() == "post":
                self.depth, self.fields = 1, []
                self.forms.append(self.fields)
            return
        if not self.depth or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._chosen, self._first = name, None, None
        elif tag == "option" and self._select:
            self._option = (a.get("value"), "selected" in a) if "value" in a else None
            if self._option:
                self._keep_option(*self._option)

    def _keep_option(self, value: str, selected: bool) -> None:
        if self._first is None:
            self._first = value
        if selected:
            self._chosen = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.depth:
            self.depth -= 1
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that may follow the opening tag.
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = self._chosen if self._chosen is not None else self._first
            if chosen is not None:
                self.fields.append((self._select, chosen))
            self._select = None


def form_fields(html: str, having: str) -> dict[str, list[str]]:
    """The name/value pairs that the POST form on ``html`` with a field named ``having`` submits
    unchanged, as a dict of lists for the test client."""
    reader = _FormReader()
    reader.feed(html)
    for fields in reader.forms:
        if any(name == having for name, _ in fields):
            data: dict[str, list[str]] = {}
            for name, value in fields:
                data.setdefault(name, []).append(value)
            return data
    raise AssertionError(f"No form on the page has a field {having!r}")
