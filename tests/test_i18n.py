"""One language, one negotiation, one number format (app/i18n.py)."""

from __future__ import annotations

import pytest

from app.i18n import Language, format_number, negotiate_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("sv-SE,sv;q=0.9,en-US;q=0.8", "sv"),
        ("nn-NO, nb;q=0.9, en;q=0.5", "nn"),
        ("da, no;q=0.8", "nb"),
        ("en;q=0.5, nb;q=0.7", "nb"),
        ("fr, de", "en"),
        ("sv;q=0, en", "en"),
        ("*", "en"),
        ("nb;q=abc, sv", "sv"),
    ],
)
def test_negotiate_language(header: str | None, expected: str) -> None:
    assert negotiate_language(header) == expected


def test_negotiate_language_default() -> None:
    assert negotiate_language("fr", default=Language.sv) == "sv"


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        (1234.5, {"decimals": 1, "language": "sv"}, "1\u00a0234,5"),
        (1234.5, {"decimals": 1, "language": "nb"}, "1\u00a0234,5"),
        (1234.5, {"decimals": 1, "language": "nn-NO"}, "1\u00a0234,5"),
        (1234.5, {"decimals": 1, "language": "en"}, "1,234.5"),
        (-0.25, {"decimals": 2, "language": "sv"}, "\u22120,25"),
        (-0.001, {"decimals": 1, "language": "sv"}, "0,0"),  # no minus on a rounded zero
        (0.855, {"decimals": 1, "language": "sv", "percent": True}, "85,5\u00a0%"),
        (0.855, {"decimals": 0, "language": "en", "percent": True}, "86%"),
    ],
)
def test_numbers_are_written_as_the_language_writes_them(
    value: float, options: dict[str, object], expected: str
) -> None:
    assert format_number(value, **options) == expected  # type: ignore[arg-type]  # keywords as parametrised


@pytest.mark.parametrize(
    ("value", "language", "unit", "expected"),
    [
        (42.7, "sv", "%", "42,7\u00a0%"),
        (42.7, "en", "%", "42.7%"),
        (-1234.0, "nb", "elever", "\u22121\u00a0234\u00a0elever"),
        (-1234.0, "en", None, "\u22121,234"),
        (0.5, "nn", None, "0,5"),
    ],
)
def test_a_figure_in_a_sentence_has_grouping_true_minus_and_its_unit(
    value: float, language: str, unit: str | None, expected: str
) -> None:
    assert (
        format_number(value, decimals=1, language=language, trim=True, unit_label=unit) == expected
    )
