"""The one formatter: codes in words, money with separators, one minus sign, units, yes/no."""

import pytest

from core import presentation as p
from core.presentation import MINUS


@pytest.mark.parametrize(
    ("code", "words"),
    [("hvac", "HVAC"), ("career_site", "Career site"), ("accepted", "Offer accepted"), ("seasonal_naive", "Seasonal naive"),
     ("roc_auc", "ROC AUC"), ("union_member", "Union member"), (True, "Yes"), (None, "—")],
)  # fmt: skip
def test_codes_read_as_words(code, words, db):
    assert p.code_label(code) == words


def test_money_has_separators_and_one_minus_sign():
    assert p.money(3100) == "$3,100"
    assert p.money("47.83", 2) == "$47.83"
    assert p.money(-2500.4) == f"{MINUS}$2,500"
    assert p.money(-0.2) == "$0"  # no "−$0"


def test_signed_numbers_and_units():
    assert p.signed(0.823) == "+0.82" and p.signed(-0.66) == f"{MINUS}0.66" and p.signed(0) == "0.00"
    assert p.number(-1234.5, 1) == f"{MINUS}1,234.5"
    assert p.with_unit(0.4, "years") == "0.4 years" and p.with_unit(1, "years", 0) == "1 year"
    assert p.percent(0.426) == "43%"
    assert p.yes_no("True") == "Yes" and p.yes_no(0) == "No"


def test_feature_values_and_program_changes_read_in_words():
    from predictions.templatetags.predictions_format import program_change, value_text

    assert value_text("tenure_years", 0.4) == "0.4 years"
    assert value_text("attr_union_member", True) == "Yes"
    assert value_text("pay_rate", 31) == "$31.00/h"
    assert value_text("overtime_trend_3m", -8.2) == f"{MINUS}8.2 h/week"
    assert program_change({"pay_rate": {"multiply": 1.05}}) == "Pay rate +5%"
    assert program_change({"overtime_hours": {"cap": 10}}) == "Overtime capped at 10.0 h/week"
