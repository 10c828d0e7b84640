"""Small builders for the sentences hipsight shows to people: articles, counts, units.

Messages are built from parts (a view name, a count, a value with its unit); these helpers keep
the grammar right whatever the parts are: "an oblique view", "1 stride" / "2 strides", "12°",
"3 reps" (never "3.0 count"), "an 8.0 s hold".
"""

from __future__ import annotations

import math

# Words starting with a vowel letter that are read with a consonant sound, and the reverse.
_CONSONANT_SOUND = ("one", "once", "uni", "use", "usu", "eu")
_VOWEL_SOUND = ("hour", "honest", "fppa", "mdc", "rms", "lbp")

# How a unit follows a number: degrees close up, counts and ratios are bare numbers.
UNIT_SUFFIX: dict[str, str] = {"deg": "°", "count": "", "ratio": "", "%": "%"}


def article(word: str) -> str:
    """The indefinite article for ``word``: "a" or "an" ("an oblique", "a side", "an 8 s")."""
    text = word.strip().lower()
    if not text:
        return "a"
    if text[0].isdigit():
        # Read aloud: 8, 80, 800 ... ("eight ...") and 11, 18, 11 000 ... ("eleven ...") take "an".
        digits = ""
        for ch in text:
            if ch.isdigit():
                digits += ch
            elif ch != ",":
                break
        if digits.startswith("8"):
            return "an"
        return "an" if digits[:2] in ("11", "18") and len(digits) % 3 == 2 else "a"
    if text.startswith(_VOWEL_SOUND):
        return "an"
    if text.startswith(_CONSONANT_SOUND):
        return "a"
    return "an" if text[0] in "aeiou" else "a"


def with_article(word: str) -> str:
    """``word`` after its indefinite article: "a side", "an oblique", "an 8.0 s"."""
    return f"{article(word)} {word}"


def plural(word: str) -> str:
    """The plural of a noun as hipsight uses them ("rep" -> "reps", "person" -> "people")."""
    irregular = {"person": "people", "is": "are", "was": "were", "has": "have"}
    if word in irregular:
        return irregular[word]
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


def count(n: int, word: str, many: str | None = None) -> str:
    """``n`` and the noun in the number it takes: "1 stride", "2 strides", "0 frames"."""
    return f"{n} {word if n == 1 else (many or plural(word))}"


def noun(n: int, word: str, many: str | None = None) -> str:
    """Only the noun, in the number ``n`` takes: ``noun(1, "rep")`` -> "rep"."""
    return word if n == 1 else (many or plural(word))


def unit_suffix(unit: str) -> str:
    """What follows a number of ``unit``: "°" for degrees, nothing for counts, else " s"."""
    if unit in UNIT_SUFFIX:
        return UNIT_SUFFIX[unit]
    return f" {unit}" if unit else ""


def number(value: float, spec: str = "g") -> str:
    """``value`` formatted by ``spec``, never as a negative zero ("-0", "-0.0")."""
    text = format(value, spec)
    if text.startswith("-") and math.isfinite(value) and float(text) == 0.0:
        return text[1:]
    return text


def quantity(value: float, unit: str, spec: str = "g") -> str:
    """A number with its unit as people write it: "12°", "3.5 s", "3" (a count), "0.42"."""
    if unit == "count":
        return number(round(value), "d") if float(value).is_integer() else number(value, spec)
    return f"{number(value, spec)}{unit_suffix(unit)}"
