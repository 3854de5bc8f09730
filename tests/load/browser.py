"""A tiny browser for load tests: cookies, forms and redirects, standard library only.

Each client owns one ``Browser`` (its own cookie jar), like one person on one device.
Redirects are not followed automatically: the caller sees the 302 and decides, so a
test can tell a successful form post (302) from a refusal shown beside a field (200).
"""

import http.client
import re
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str
    elapsed: float

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")


class Browser:
    """One user agent: sends its cookies back, remembers what the server sets."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, data: list | dict | None = None) -> Response:
        path = urlsplit(urljoin(self.base_url + "/", url))
        target = path.path + (f"?{path.query}" if path.query else "")
        headers = {"Accept": "text/html", "User-Agent": "retrain-load-test"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        # gunicorn's sync workers close every connection: one connection per request.
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            connection.request(method, target, body=body, headers=headers)
            raw = connection.getresponse()
            text = raw.read().decode("utf-8", "replace")
        finally:
            connection.close()
        self._remember(raw.headers.get_all("Set-Cookie") or [])
        return Response(raw.status, raw.headers, text, time.perf_counter() - started)

    def get(self, url: str) -> Response:
        return self.request("GET", url)

    def post(self, url: str, data: list | dict) -> Response:
        return self.request("POST", url, data)

    def _remember(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if _expired(morsel):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def _expired(morsel) -> bool:
    if morsel["max-age"] not in ("", None):
        try:
            return int(morsel["max-age"]) <= 0
        except ValueError:
            return False
    if morsel["expires"]:
        try:
            return parsedate_to_datetime(morsel["expires"]).timestamp() <= time.time()
        except (TypeError, ValueError):
            return False
    return False


# Forms ------------------------------------------------------------------------------


@dataclass
class Control:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # select: (value, selected)


@dataclass
class Form:
    action: str | None
    method: str
    controls: list[Control] = field(default_factory=list)

    def names(self) -> set[str]:
        return {c.name for c in self.controls}

    def radio_groups(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for control in self.controls:
            if control.kind == "radio":
                groups.setdefault(control.name, []).append(control.value)
        return groups

    def fill(self, values: dict | None = None, click: tuple[str, str] | None = None) -> list:
        """What a browser sends: every successful control, then ``values`` set on top.

        Submit buttons are sent only when clicked (``click`` = (name, value)), as in a
        browser; unchecked boxes and radios are left out. ``values`` replace controls of
        the same name (a list value sends the name several times).
        """
        values = dict(values or {})
        pairs: list[tuple[str, str]] = []
        for control in self.controls:
            if control.name in values or control.kind in ("submit", "button", "image", "reset"):
                continue
            if control.kind in ("checkbox", "radio"):
                if control.checked:
                    pairs.append((control.name, control.value or "on"))
            elif control.kind == "select":
                chosen = [v for v, selected in control.options if selected]
                if chosen:
                    pairs.append((control.name, chosen[0]))
                elif control.options:
                    pairs.append((control.name, control.options[0][0]))
            else:
                pairs.append((control.name, control.value))
        for name, value in values.items():
            for one in value if isinstance(value, list | tuple) else [value]:
                pairs.append((name, "" if one is None else str(one)))
        if click:
            pairs.append(click)
        return pairs


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Control | None = None
        self._select: Control | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action"), (a.get("method") or "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None or (tag != "option" and "name" not in a):
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form.controls.append(
                Control(a["name"], kind, a.get("value", default), "checked" in a)
            )
        elif tag == "button":
            kind = (a.get("type") or "submit").lower()
            self._form.controls.append(Control(a["name"], kind, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = Control(a["name"], "textarea")
            self._form.controls.append(self._textarea)
        elif tag == "select":
            self._select = Control(a["name"], "select")
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._close_option()  # an <option> may end without its end tag
            self._option = [a.get("value"), "selected" in a, ""]
            self._select.options.append(("", False))  # replaced when the option ends

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self._select = None

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value, selected, label = self._option
            self._select.options[-1] = (label.strip() if value is None else value, selected)
        self._option = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option[2] += data


_FORM_BLOCK = re.compile(r"<form\b.*?</form>", re.S | re.I)


def forms_in(html: str) -> list[Form]:
    """The page's forms (only the <form> blocks are parsed: the rest is not needed)."""
    parser = _FormParser()
    for block in _FORM_BLOCK.findall(html):
        parser.feed(block)
    parser.close()
    return parser.forms


def form_with(html: str, field_name: str | None = None, *, radios: bool = False) -> Form:
    """The first form on the page with a control named ``field_name`` (or radio buttons)."""
    for form in forms_in(html):
        if (field_name is None or field_name in form.names()) and (
            not radios or form.radio_groups()
        ):
            return form
    raise AssertionError(f"no form with {field_name or 'radio buttons'} on the page")
