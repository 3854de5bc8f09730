"""Every page, as each role sees it, on a small phone (360 x 740) in headless Chromium.

The live server's database holds the demo clinic (retrain.cli.demo: 3 staff,
3 patients, 8 weeks of sessions, Botox visits, SAQs) plus what the demo lacks for a full
tour: two photos of the first patient, a programme template and one own exercise per
staff member. Each role logs in through the login form once and visits every GET page
of its blueprints, found in ``app.url_map`` (so a new page joins the tour by itself),
plus the pages about one patient with the demo patient's id.

For each page: status 200; no sideways scrolling of the page itself, and no table that
scrolls sideways inside its box (issue 16: tables of figures become cards); each chart's
newest point and latest marker on screen; touch targets of 44 px (buttons 44 x 44; links
inside running text excepted, WCAG 2.5.8's inline exception); body text of at least
15 px; no console error and no CSP violation.

The tour visits each page once per test run and records the phone checks and axe-core's
findings together (``survey``); test_accessibility.py asserts on axe's part, so a page
is loaded once for both, which keeps the browser suite short.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from .conftest import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]

PHONE = {"width": 360, "height": 740}
PASSWORD = "retrain-demo"  # retrain.cli.demo.PASSWORD
EMAILS = {
    "patient": "patient@demo.retrain",
    "other patient": "patient3@demo.retrain",
    "therapist": "therapist@demo.retrain",
    "clinician": "clinician@demo.retrain",
    "admin": "admin@demo.retrain",
}
ROLES = ["anonymous", "patient", "therapist", "clinician", "admin"]

# Blueprints each role works in. Staff also get every page about one patient
# (rules with <patient_id>), whatever the blueprint.
OWN_BLUEPRINTS = {
    "patient": {"patient", "outcomes", "snapshots", "auth", "reminders", "app_shell", "messages"},
    "therapist": {"therapist", "library", "auth"},
    "clinician": {"clinician", "library", "auth"},
    "admin": {"admin", "auth"},
}
# Pages shared between the patient and the care team that have no <patient_id>.
STAFF_SHARED = {"snapshots.detail"}
# Pages about a patient that only one staff role may open (see each blueprint's roles).
ONLY_FOR = {
    "outcomes.new_injection": "clinician",
    "outcomes.edit_injection": "clinician",
    "outcomes.decide": "clinician",
    "therapist.edit_programme": "therapist",
}
# Not HTML pages: images (and any rule ending in .csv, .json or .zip, see _in_tour).
BINARY = {"snapshots.image", "snapshots.thumbnail", "snapshots.aligned"}
BINARY |= {"app_shell.service_worker", "app_shell.manifest"}  # a script and JSON
BINARY |= {"snapshots.analysis"}  # JSON the capture page asks for (tests/web/test_snapshots.py)
# Visited logged out (anonymous), or not a page of a role: the API has its own tests,
# main.index only redirects to each role's home.
NOT_IN_TOUR = {"auth.login", "auth.invitation", "main.index", "main.healthz", "static"}
NOT_IN_TOUR |= {"auth.forgot_password", "auth.reset_password"}
# The anonymous visitor's pages. A reset link is an invitation link's kind: the seeded
# invitation's token opens the reset page too.
ANONYMOUS = [
    ("auth.login", None),
    ("auth.invitation", "token"),
    ("auth.forgot_password", None),
    ("auth.reset_password", "token"),
]


@dataclass
class Clinic:
    """Ids of the seeded records, used to fill in the URL rules' arguments."""

    patient_id: int
    visit_id: int
    snapshot_id: int
    template_id: int
    invitation_token: str
    other_patient_id: int  # the account an admin's per-account pages show
    own_exercise: dict[str, int] = field(default_factory=dict)  # role -> exercise id

    def arguments(self, role: str) -> dict[str, object]:
        return {
            "patient_id": self.patient_id,
            "visit_id": self.visit_id,
            "snapshot_id": self.snapshot_id,
            "template_id": self.template_id,
            "exercise_id": self.own_exercise.get(role),
            "token": self.invitation_token,
            "user_id": self.other_patient_id,
        }


def seed_clinic(live_server) -> Clinic:
    """The demo clinic, through the real services, plus photos, a template, own exercises."""
    from retrain.cli import demo
    from retrain.extensions import db
    from retrain.models import InjectionVisit, User
    from retrain.usecases import exercises as library
    from retrain.usecases import patients, programme_templates

    from ..web.test_snapshots import store

    with live_server.app.app_context():
        demo.load()
        users = {
            role: db.session.scalar(select(User).where(User.email == email))
            for role, email in EMAILS.items()
        }
        patient_id = users["patient"].id
        visit_id = db.session.scalar(
            select(InjectionVisit.id)
            .where(InjectionVisit.patient_id == patient_id)
            .order_by(InjectionVisit.injected_on.desc())
        )
        store(patient_id, expression="rest")
        snapshot_id = store(patient_id, expression="full smile").id
        builtin = library.list_exercises()[:2]
        template = programme_templates.save_template(
            users["therapist"],
            "Early synkinesis, eyes and mouth",
            [{"exercise_id": e.id} for e in builtin],
            "Slow and small. Stop before the eye starts to close.",
        )
        own = {}
        for role in ("therapist", "clinician"):
            own[role] = library.create_exercise(
                users[role],
                name=f"Lip press ({role})",
                region=builtin[0].region,
                purpose="Gentle control of the lips without the eye joining in.",
                instructions="Sit in front of a mirror.\nPress the lips together softly.",
                hold_back="Keep the eye open and soft.",
                default_reps=5,
                default_hold_seconds=3,
                default_rest_seconds=5,
                snapshot_expression="",
            ).id
        _, token = patients.create_patient(
            users["therapist"], "Jo Newcomer", "jo.newcomer@example.org", "left"
        )
        clinic = Clinic(
            patient_id, visit_id, snapshot_id, template.id, token, users["other patient"].id, own
        )
        db.session.remove()  # end the transaction: the server thread reads next
    return clinic


def _in_tour(rule, role: str) -> bool:
    endpoint = rule.endpoint
    blueprint = endpoint.rpartition(".")[0]
    if "GET" not in rule.methods or endpoint in BINARY or endpoint in NOT_IN_TOUR:
        return False
    if rule.rule.endswith((".csv", ".json", ".zip")):
        return False
    if blueprint in ("api", "main", ""):
        return False
    if ONLY_FOR.get(endpoint, role) != role:
        return False
    about_a_patient = "patient_id" in rule.arguments
    if role == "patient":
        return blueprint in OWN_BLUEPRINTS["patient"] and not about_a_patient
    if role in ("therapist", "clinician"):
        return blueprint in OWN_BLUEPRINTS[role] or about_a_patient or endpoint in STAFF_SHARED
    return blueprint in OWN_BLUEPRINTS[role] and not about_a_patient


def tour(app, role: str, clinic: Clinic) -> list[tuple[str, str]]:
    """(endpoint, path) of every GET page ``role`` uses, from the app's URL map."""
    from flask import url_for

    if role == "anonymous":
        pages = ANONYMOUS
    else:
        pages = [
            (rule.endpoint, sorted(rule.arguments))
            for rule in app.url_map.iter_rules()
            if _in_tour(rule, role)
        ]
    values = clinic.arguments(role)
    found = []
    with app.test_request_context():
        for endpoint, names in pages:
            names = [names] if isinstance(names, str) else names or []
            missing = [name for name in names if values.get(name) is None]
            assert not missing, f"{endpoint}: no seeded value for {missing} (add one to Clinic)"
            found.append((endpoint, url_for(endpoint, **{n: values[n] for n in names})))
    return sorted(found, key=lambda page: page[1])


def log_in(page, base: str, role: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(EMAILS[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))


# CSP violations seen by the page itself (init scripts are not subject to the CSP).
RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""


@dataclass
class Visit:
    endpoint: str
    path: str
    status: int | None
    errors: list[str]  # console errors, CSP violations, and for a form: no error shown
    sent_empty: bool = False  # a form sent back empty, to see its error messages

    @property
    def status_ok(self) -> bool:
        return self.status == 200 or (self.sent_empty and self.status in (400, 422))


def prepare(live_server, browser) -> Clinic:
    """Seed the clinic, size the page to the phone, record CSP violations."""
    clinic = seed_clinic(live_server)
    browser.page.set_viewport_size(PHONE)
    browser.page.add_init_script(RECORD_CSP)
    return clinic


def log_in_as(page, base: str, role: str) -> None:
    page.context.clear_cookies()
    if role != "anonymous":
        log_in(page, base, role)


OPEN_DETAILS = "document.querySelectorAll('details').forEach((d) => { d.open = true; })"
CSP_SEEN = "window.__cspViolations || []"

# Forms sent back empty (browser validation off) after the tour of each role's pages:
# the server answers with its messages beside the fields, and nothing is saved.
FORMS_SENT_EMPTY = {
    "auth.login",
    "auth.change_password",
    "patient.log_session",
    "outcomes.saq",
    "therapist.new_patient",
    "therapist.new_template",
    "library.new",
    "outcomes.new_injection",
    "admin.new_staff",
    "entries.paper_saq",
    "entries.grade",
    "messages.my_thread",
    "messages.staff_thread",
}
SHOWS_ERRORS = "!!document.querySelector('main .error, main .form-errors')"
# Whether the top of the element ``selector`` names is on the screen (to a pixel: a
# fragment's scroll may leave it a fraction above).
IN_VIEW = """
(selector) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return box.top >= -1 && box.top < window.innerHeight;
}
"""
# The element with the focus after a form came back: a problem (a field's box or a
# message, static/js/app.js), and whether it is on screen.
FOCUSED_PROBLEM = """
() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  return {
    problem: el.matches('.has-error, p.error, .form-errors'),
    text: el.innerText,
    onScreen: box.top >= 0 && box.bottom <= window.innerHeight,
    scrolled: window.scrollY,
  };
}
"""


def visit(page, browser, base: str, endpoint: str, path: str) -> Visit:
    """Open ``path`` with every <details> opened; the console errors and CSP violations."""
    browser.errors.clear()
    response = page.goto(base + path, wait_until="load")
    page.evaluate(OPEN_DETAILS)
    errors = list(browser.errors) + page.evaluate(CSP_SEEN)
    return Visit(endpoint, path, response.status if response else None, errors)


def send_empty(page, browser, base: str, endpoint: str, path: str) -> Visit:
    """Open the form at ``path`` and send it as it is, without the browser's own checks."""
    page.goto(base + path, wait_until="load")
    browser.errors.clear()
    page.evaluate("for (const form of document.forms) form.noValidate = true")
    with page.expect_navigation(wait_until="load") as navigation:
        page.locator("main button[type=submit].primary").first.click()
    response = navigation.value
    focused = page.evaluate(FOCUSED_PROBLEM)
    page.evaluate(OPEN_DETAILS)
    errors = list(browser.errors) + page.evaluate(CSP_SEEN)
    if page.url != base + path or not page.evaluate(SHOWS_ERRORS):
        errors.append(f"sent empty, it showed no error message (now at {page.url})")
    elif not (focused["problem"] and focused["onScreen"]):
        errors.append(f"sent empty, its first problem is not in view with the focus: {focused}")
    status = response.status if response else None
    return Visit(f"{endpoint}, sent empty", path, status, errors, sent_empty=True)


def player_views(page, browser, base: str, path: str):
    """The guided player's later views: an exercise running, then the summary form."""
    seen = visit(page, browser, base, "patient.player", path)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Begin this exercise").click()
    page.locator("#player-pause").wait_for(state="visible")
    errors = list(browser.errors) + page.evaluate(CSP_SEEN)
    yield Visit("patient.player, an exercise running", path, seen.status, errors)
    browser.errors.clear()
    summary = page.locator("#player-summary")
    for _ in range(20):  # one "Skip exercise" per exercise in the programme
        if summary.is_visible():
            break
        page.get_by_role("button", name="Skip exercise").click()
    summary.wait_for(state="visible")
    errors = list(browser.errors) + page.evaluate(CSP_SEEN)
    yield Visit("patient.player, the summary", path, seen.status, errors)


def each_page(live_server, browser):
    """Each role logs in once and opens each of its pages: yields (role, visit).

    Then the role's forms in FORMS_SENT_EMPTY are sent empty, to check their errors too,
    and for the patient the guided player is taken through its views.
    """
    clinic = prepare(live_server, browser)
    page, base = browser.page, live_server.url
    for role in ROLES:
        log_in_as(page, base, role)
        pages = tour(live_server.app, role, clinic)
        assert pages, f"no pages found for {role}"
        for endpoint, path in pages:
            yield role, visit(page, browser, base, endpoint, path)
        for endpoint, path in pages:
            if endpoint in FORMS_SENT_EMPTY:
                yield role, send_empty(page, browser, base, endpoint, path)
            if endpoint == "patient.player":
                for seen in player_views(page, browser, base, path):
                    yield role, seen


# One pass over the page's layout, in the browser. Returns a list of problems.
PHONE_CHECKS = """
(width) => {
  const problems = [];
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== 'hidden'
      && !el.closest('[hidden], [aria-hidden="true"], .visually-hidden');
  };
  const name = (el) => {
    const id = el.id ? '#' + el.id : '';
    const cls = el.classList.length ? '.' + [...el.classList].join('.') : '';
    const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
    const text = (el.innerText || label || el.value || el.getAttribute('aria-label') || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `<${el.tagName.toLowerCase()}${id}${cls}> "${text}"`;
  };
  const size = (box) => `${Math.round(box.width)}x${Math.round(box.height)}`;

  // 1. No sideways scrolling of the page (scroll containers may scroll inside).
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth > width) {
    const wide = [...document.body.querySelectorAll('*')].filter((el) => {
      const box = el.getBoundingClientRect();
      return box.right > width + 0.5 && shown(el);
    }).slice(0, 3).map(name);
    problems.push(`page is ${scrollWidth}px wide (> ${width}): ${wide.join(', ')}`);
  }

  // 2. Touch targets. Links inside running text are exempt (WCAG 2.5.8 inline).
  const RUNNING_TEXT = 'p, td, th, dd, dt, figcaption, caption, blockquote, legend, h1, h2, h3, h4';
  const inText = (link) => {
    if (link.closest(RUNNING_TEXT)) return true;
    const item = link.closest('li');
    return !!item && !item.closest('nav') && item.innerText.trim() !== link.innerText.trim();
  };
  const targets = document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, summary, a[href], [role=button]');
  for (const el of targets) {
    const button = el.matches(
      'button, [role=button], .button, input[type=submit], input[type=button]');
    if (el.matches('a[href]') && !button && inText(el)) continue;
    // A checkbox or radio is tapped through its label: the label is the target.
    let target = el;
    if (el.matches('input[type=checkbox], input[type=radio]') && el.labels && el.labels.length) {
      target = el.labels[0];
    }
    if (!shown(target)) continue;
    const box = target.getBoundingClientRect();
    if (box.height < 43.5 || (button && box.width < 43.5)) {
      problems.push(`small target ${size(box)}: ${name(el)}`);
    }
  }

  // 3. No table scrolls sideways inside its box: under 600 px a table of figures turns
  // into cards (.table-cards) or fits, so no column is hidden off the right edge.
  for (const table of document.querySelectorAll('main table')) {
    if (!shown(table)) continue;
    const box = table.closest('.table-wrap') || table.parentElement;
    const right = table.getBoundingClientRect().right;
    if (box.scrollWidth > box.clientWidth + 1 || right > width + 0.5) {
      problems.push(`table scrolls sideways (${Math.round(table.scrollWidth)}px in `
        + `${box.clientWidth}px): ${name(table)}`);
    }
  }

  // 4. Every chart shows its newest point and latest marker (.chart-newest) on screen.
  for (const newest of document.querySelectorAll('main .chart-newest')) {
    const frame = newest.closest('.chart-frame') || document.documentElement;
    if (newest.closest('[hidden], details:not([open])')) continue;
    const seen = frame.getBoundingClientRect();
    const dot = newest.getBoundingClientRect();
    if (dot.right > Math.min(seen.right, width) + 1 || dot.left < Math.max(seen.left, 0) - 1) {
      const chart = newest.closest('svg');
      problems.push(`chart hides its newest point: <svg#${chart ? chart.id : '?'}>`);
    }
  }
  // ... and its y axis's numbers at the left edge of what it shows, wherever it scrolled.
  for (const axis of document.querySelectorAll('main .chart-frame .chart-y-axis')) {
    if (axis.closest('[hidden], details:not([open])')) continue;
    const seen = axis.closest('.chart-frame').getBoundingClientRect();
    const numbers = axis.getBoundingClientRect();
    if (numbers.left < Math.max(seen.left, 0) - 1 || numbers.left > seen.left + 8) {
      const chart = axis.closest('svg');
      problems.push(`chart hides its y axis: <svg#${chart ? chart.id : '?'}>`);
    }
  }

  // 5. Body copy of at least 15 px.
  for (const el of document.querySelectorAll('p, li, td, label')) {
    if (!shown(el) || !el.innerText.trim()) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < 15) problems.push(`text ${px}px: ${name(el)}`);
  }

  // 6. A tick box beside a long label keeps its size (a flex row squeezes it to a dot).
  const ticks = document.querySelectorAll('main input[type=checkbox], main input[type=radio]');
  for (const box of ticks) {
    if (!shown(box)) continue;
    const side = box.getBoundingClientRect().width;
    if (side < 20) problems.push(`tick box squeezed to ${side.toFixed(0)}px: ${name(box)}`);
  }
  return problems;
}
"""


# --- axe-core (npm registry; `npm ci` installs it into node_modules/) -------------------

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe files these under "best-practice", not WCAG: headings and landmarks in good order.
STRUCTURE_RULES = [
    "empty-heading",
    "heading-order",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-unique",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "region",
    "skip-link",
]
RUN_AXE = """
async ([tags, extra]) => {
  const rules = Object.fromEntries(extra.map((id) => [id, { enabled: true }]));
  const options = {
    runOnly: { type: 'tag', values: tags }, rules, resultTypes: ['violations'] };
  const result = await axe.run(document, options);
  return result.violations.map((v) => ({
    id: v.id,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + n.failureSummary
      .replace(/\\s+/g, ' ').slice(0, 160)),
    count: v.nodes.length,
  }));
}
"""


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now, plus its
    heading and landmark rules (STRUCTURE_RULES).

    The app's CSP (script-src 'self') blocks an injected inline <script>, as it should
    (page.add_script_tag would be refused), so axe's source is evaluated through the
    DevTools protocol (page.evaluate), which the page's CSP does not govern.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return [
        f"{v['id']} ({v['count']}x, {v['help']}):\n      " + "\n      ".join(v["nodes"])
        for v in page.evaluate(RUN_AXE, [WCAG_21_AA, STRUCTURE_RULES])
    ]


# --- the survey: every page once, both checks --------------------------------------------


@dataclass
class PageReport:
    role: str
    visit: Visit
    phone: list[str]  # problems found by PHONE_CHECKS
    axe: list[str] | None  # axe-core's violations; None when axe-core is not installed

    @property
    def where(self) -> str:
        return f"{self.role} {self.visit.path} ({self.visit.endpoint})"


_SURVEY: list[PageReport] = []


def survey(request) -> list[PageReport]:
    """Every page of every role, checked once per test run; both modules read the result.

    The live server and browser fixtures are asked for only when the survey has not run
    yet, so the second test to read it starts no server and no browser.
    """
    if not _SURVEY:
        live_server = request.getfixturevalue("live_server")
        browser = request.getfixturevalue("browser")
        page, reports = browser.page, []
        for role, seen in each_page(live_server, browser):
            phone = page.evaluate(PHONE_CHECKS, PHONE["width"])
            axe = axe_violations(page) if AXE.exists() else None
            reports.append(PageReport(role, seen, phone, axe))
        _SURVEY.extend(reports)  # only a complete survey is kept
    return _SURVEY


def test_every_page_fits_a_phone(request):
    reports = survey(request)
    problems = []
    for report in reports:
        seen = report.visit
        found = [] if seen.status_ok else [f"status {seen.status}"]
        found += [f"console: {error}" for error in seen.errors]
        problems += [f"{report.where}: {problem}" for problem in found + report.phone]
    assert len(reports) > 40
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    print(f"{len(reports)} pages fit a 360 px phone:")
    print("\n".join(f"  {r.where}" for r in reports))


def test_the_tour_covers_each_roles_main_pages(live_server):
    """The URL map tour is not empty by accident: each role's key pages are in it."""
    clinic = seed_clinic(live_server)
    paths = {role: {path for _, path in tour(live_server.app, role, clinic)} for role in ROLES}
    patient = f"/patients/{clinic.patient_id}"
    token = clinic.invitation_token
    assert {"/login", f"/invitation/{token}", "/password/forgot", f"/password/reset/{token}"} == (
        paths["anonymous"]
    )
    assert {"/today", "/session/player", "/session/new", "/history"} <= paths["patient"]
    assert {"/progress", "/saq", "/snapshots", "/snapshots/capture"} <= paths["patient"]
    assert {"/therapist/", "/therapist/templates", "/exercises/"} <= paths["therapist"]
    assert {patient, f"{patient}/programme/edit", f"{patient}/progress"} <= paths["therapist"]
    assert {"/clinician/", f"{patient}/injections/new", f"{patient}/review"} <= paths["clinician"]
    assert f"{patient}/programme/edit" not in paths["clinician"]
    assert f"{patient}/injections/new" not in paths["therapist"]
    assert {"/admin/", "/admin/care-teams", "/admin/staff/new"} <= paths["admin"]
    assert not any(path.startswith("/patients/") for path in paths["patient"] | paths["admin"])


CHECKS_DEMO = """<!doctype html><html lang="en"><head><title>Checks</title><style>
body { margin: 0; font: 17px/1.5 sans-serif; }
.wide { width: 500px; } .small-text { font-size: 12px; } .short { height: 30px; }
.tall { display: block; min-height: 44px; }
</style></head><body><main>
<div class="wide">Too wide for a phone</div>
<p class="small-text">Tiny print</p>
<button class="short">Go</button>
<button class="tall">Big enough</button>
<p>Read <a href="#guide">the guide</a> first.</p>
<ul><li>See <a href="#more">more about this</a> in the notes.</li></ul>
<nav><a href="#short">Short nav link</a></nav>
<a class="tall" href="#tall">Tall link</a>
<label><input type="checkbox"> Small tick box</label>
<label style="display: flex; width: 300px;"><input type="checkbox" id="squeezed"
  style="width: 22px;"> A long label that wraps over several lines and takes the width of
  the row from the tick box beside it, so that it shrinks</label>
<div class="table-wrap" style="overflow-x: auto; width: 300px;"><table style="min-width: 400px;">
<tr><th>Wide</th><td>table</td></tr></table></div>
<div class="chart-frame" style="overflow-x: auto; width: 300px;">
<svg id="hidden-end" width="600" height="50">
<circle class="chart-newest" cx="590" cy="20" r="3"/></svg>
</div>
<div class="chart-frame" style="overflow-x: auto; width: 300px;">
<svg id="shown-end" width="290" height="50">
<circle class="chart-newest" cx="280" cy="20" r="3"/></svg>
</div>
<div class="chart-frame" id="scrolled" style="overflow-x: auto; width: 300px;">
<svg id="axis-left-behind" width="600" height="50">
<g class="chart-y-axis"><text x="2" y="20">100</text></g>
<circle class="chart-newest" cx="590" cy="20" r="3"/></svg>
</div>
</main></body></html>"""


def test_the_phone_checks_find_what_they_should(browser):
    """The checker itself, on a hand-made page with a known set of problems."""
    page = browser.page
    page.set_viewport_size(PHONE)
    page.set_content(CHECKS_DEMO)
    page.eval_on_selector("#scrolled", "frame => { frame.scrollLeft = 300; }")
    problems = page.evaluate(PHONE_CHECKS, PHONE["width"])
    assert len(problems) == 10, problems
    assert problems[0].startswith("page is 500px wide (> 360): <div.wide>")
    assert problems[1].startswith("small target ") and '<button.short> "Go"' in problems[1]
    assert problems[2].startswith("small target ") and '<a> "Short nav link"' in problems[2]
    assert '<input> "Small tick box"' in problems[3]  # its label is the target: too short
    assert problems[4].startswith("table scrolls sideways (400px in 300px)")
    assert problems[5] == "chart hides its newest point: <svg#hidden-end>"
    assert problems[6] == "chart hides its y axis: <svg#axis-left-behind>"
    assert problems[7] == 'text 12px: <p.small-text> "Tiny print"'
    assert problems[8].startswith("tick box squeezed to 13px") and "Small tick box" in problems[8]
    assert problems[9].startswith("tick box squeezed to ") and "<input#squeezed>" in problems[9]
