"""The programs page says what a program changes in words; a recruiter learns a pay term exists, not what it is."""

from django.test import Client

from predictions.models import RetentionProgram


def test_pay_terms_are_named_for_hr_and_marked_for_recruiters(world, hr_admin, recruiter):
    RetentionProgram.objects.create(
        name="Raise", cost_per_technician=3100, change={"pay_rate": {"multiply": 1.05}, "overtime_hours": {"cap": 8}}
    )

    def row(user) -> str:
        c = Client()
        c.force_login(user)
        return c.get("/predictions/programs/").content.decode().split(">Raise</a><br>")[1].split("</tr>")[0]

    hr, rec = row(hr_admin), row(recruiter)
    assert "Pay rate +5%" in hr and "HR only" not in hr and "$3,100" in hr
    assert "Overtime capped at 8" in rec and "restricted (HR-only) change" in rec and "5%" not in rec
