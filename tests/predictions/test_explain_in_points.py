"""The risk page speaks percentage points and units, and shows the smallest helpful changes up front."""

import math
import re

from django.conf import settings

from predictions import selectors, services
from predictions.models import Prediction


def _high(trained) -> str:
    p = Prediction.objects.filter(model=trained, band="high").select_related("technician").order_by("-score").first()
    return p.technician.employee_id


def test_points_are_the_change_when_a_term_is_at_its_average(trained, hr_admin):
    risk = selectors.technician_risk(user=hr_admin, employee_id=_high(trained))
    means = selectors.mean_contributions(model=trained, as_of=risk["as_of"])
    for c in risk["contributions"]:
        at_average = risk["logit"] - c["contribution"] + means[c["feature"]]
        expected = (risk["score"] - 1 / (1 + math.exp(-at_average))) * 100
        assert abs(c["points"] - expected) < 1e-9
        # a factor above its average level raises the risk, one below lowers it
        assert (c["points"] > 0) == (c["contribution"] > means[c["feature"]]) or abs(c["points"]) < 1e-9
    assert "percentage points" in risk["explanation"] and "log-odds" not in risk["explanation"]


def test_panel_shows_points_units_suggestions_and_a_clean_what_if(trained, hr_client, hr_admin):
    emp = _high(trained)
    html = hr_client.get(f"/predictions/technicians/{emp}/panel", headers={"HX-Request": "true"}).content.decode()
    assert "Effect on risk (points)" in html
    table = html.split('class="data contrib-table"')[1].split("</table>")[0]
    assert re.search(r"\d h/week<", table) and re.search(r"\d years<", table)  # units on values
    if any(" & " in c["feature"] for c in selectors.technician_risk(user=hr_admin, employee_id=emp)["contributions"]):
        assert re.search(r"<td>[^<]+ × [^<]+</td><td>[^<—]+ × [^<—]+</td>", table)  # both values of an interaction
    suggestions = services.technician_suggestions(user=hr_admin, employee_id=emp)
    assert suggestions, "a high-risk technician in this world can be brought below high by one change"
    assert 'id="risk-suggestions"' in html and suggestions[0]["label"] in html.split('id="risk-suggestions"')[1]
    for s in suggestions:  # only changes a manager would make: no pay cut, no longer drive
        way = {"pay_rate": 1, "training_hours": 1, "commute_miles": -1, "drive_time_minutes": -1}.get(s["feature"])
        assert way is None or (s["to"] - s["from"]) * way > 0
    for s in suggestions[:2]:  # each suggestion, tried as a what-if, gives the score it promised
        after = services.what_if(user=hr_admin, employee_id=emp, changes={s["feature"]: s["to"]})["after"]
        assert abs(after["score"] - s["score"]) < 1e-9 and after["score"] < settings.RISK_BAND_HIGH

    # the what-if form: untouched values shown rounded to one decimal are not changes
    values = {
        c["feature"]: c["value"] for c in selectors.technician_risk(user=hr_admin, employee_id=emp)["contributions"]
    }
    form = {
        k: f"{values[k]:.1f}" for k in ("pay_rate", "commute_miles", "drive_time_minutes") if values.get(k) is not None
    }
    form["overtime_hours"] = "0"  # the one real change
    html = hr_client.post(
        f"/predictions/technicians/{emp}/what-if", {**form, "pay_rate": f"{values['pay_rate'] + 0.04:.2f}"}
    ).content.decode()
    changed = html.split('class="what-if-result"')[1].split("</p>")[0]
    assert "Overtime" in changed and "Pay" not in changed and "Commute" not in changed

    # below high: no suggestions box
    low = Prediction.objects.filter(model=trained, band="low").select_related("technician").first()
    html = hr_client.get(f"/predictions/technicians/{low.technician.employee_id}/panel").content.decode()
    assert 'id="risk-suggestions"' not in html
