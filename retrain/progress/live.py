"""Live feedback's rules and numbers, as the server keeps them (docs/live-feedback.md).

The browser measures (static/js/live/); the server stores, per exercise, which movement
is the target and which must be held back (an exercise's ``live_rule``), a patient's own
limit per programme item, and the few numbers a session brings back. The measures, the
sides and the default limits are those of static/js/live/measures.js and scoring.js
(a unit test keeps them equal).
"""

from collections.abc import Mapping

# measure -> (measured per side?, what the patient reads)
MEASURES: dict[str, tuple[bool, str]] = {
    "eye_narrowing": (True, "Eye narrowing"),
    "mouth_corner": (True, "Mouth corner movement"),
    "brow_raise": (True, "Brow raise"),
    "brow_lower": (True, "Brow lowering"),
    "lip_pucker": (False, "Lip pucker"),
}
SIDES = {"affected": "affected side", "both": "both sides"}

# Held-back limits by measure (scoring.js DEFAULT_LIMITS; sources there and in the doc).
DEFAULT_LIMITS = {
    "eye_narrowing": 0.25,
    "mouth_corner": 0.03,
    "brow_raise": 0.03,
    "brow_lower": 0.03,
    "lip_pucker": 0.1,
}
# A therapist's limit: above the landmark noise (about 0.005 eye-corner distances) and at
# most the whole eye opening or mouth width.
LIMIT_RANGE = (0.005, 1.0)

# A session's numbers per exercise: what the browser can have measured at all.
MAX_REPS = 1000
FPS_RANGE = (0.0, 240.0)
HOLD_BACK_RANGE = (0.0, 5.0)  # fractions and eye-corner distances; a whole face is ~2


def part_choices() -> list[tuple[str, str]]:
    """Every "measure:side" a rule part may name, with its label (the library form)."""
    choices = []
    for measure, (per_side, label) in MEASURES.items():
        if per_side:
            choices += [(f"{measure}:{side}", f"{label}, {text}") for side, text in SIDES.items()]
        else:
            choices.append((f"{measure}:both", label))
    return choices


def part_key(part: Mapping | None) -> str:
    """A rule part as its "measure:side" choice; "" for none."""
    return f"{part['measure']}:{part['side']}" if part else ""


def part_from_key(key: str | None) -> dict | None:
    """A "measure:side" choice as a rule part; None for ""; ValueError when unknown."""
    if not key:
        return None
    measure, _, side = str(key).partition(":")
    if f"{measure}:{side}" not in dict(part_choices()):
        raise ValueError(key)
    return {"measure": measure, "side": side}


def rule_from_parts(target: str | None, hold_back: str | None) -> dict | None:
    """The rule stored on an exercise from the two choices; None when neither is measured."""
    rule = {"target": part_from_key(target), "hold_back": part_from_key(hold_back)}
    return rule if rule["target"] or rule["hold_back"] else None


def check_rule(rule) -> dict | None:
    """A rule read from data (the built-ins' file): only known measures, sides and numbers."""
    if rule is None:
        return None
    clean = {}
    for key, bound in (("target", "reach"), ("hold_back", "limit")):
        part = rule.get(key)
        if part is None:
            clean[key] = None
            continue
        clean[key] = part_from_key(part_key(part))
        if bound in part:
            value = float(part[bound])
            if not LIMIT_RANGE[0] <= value <= LIMIT_RANGE[1]:
                raise ValueError(f"{key}.{bound} out of range: {value}")
            clean[key][bound] = value
    return clean if clean["target"] or clean["hold_back"] else None


def default_limit(rule: Mapping | None) -> float | None:
    """The held-back limit a rule uses when the therapist set none."""
    part = (rule or {}).get("hold_back")
    if not part:
        return None
    return part.get("limit", DEFAULT_LIMITS[part["measure"]])


def describe(rule: Mapping | None) -> str:
    """A rule in words: "Target: brow raise, affected side. Hold back: ..."."""
    if not rule:
        return "Not measured live."
    words = []
    for key, title in (("target", "Target"), ("hold_back", "Hold back")):
        label = dict(part_choices()).get(part_key(rule.get(key)))
        if label:
            words.append(f"{title}: {label[0].lower()}{label[1:]}.")
    return " ".join(words)
