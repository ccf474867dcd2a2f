"""factory_boy factories for the domain. Shared by every app's tests."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.roles import API_CONSUMER, HR_ADMIN, RECRUITER
from technicians.models import Candidate, DemandWeek, District, Region, Technician, TechnicianSnapshot


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"district-{n}")
    name = factory.Sequence(lambda n: f"District {n}")
    region = factory.SubFactory(RegionFactory)


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician

    employee_id = factory.Sequence(lambda n: f"E{n:06d}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    district = factory.SubFactory(DistrictFactory)
    trade = "hvac"
    hire_date = date(2022, 1, 10)
    pay_rate = Decimal("31.50")
    performance_rating = Decimal("3.5")
    commute_miles = Decimal("12.0")


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TechnicianSnapshot

    technician = factory.SubFactory(TechnicianFactory)
    month = date(2024, 1, 1)
    jobs_completed = 80
    first_time_fix_rate = 0.8
    callbacks = 3
    csat = 4.5
    overtime_hours = 4.0
    drive_time_minutes = 60.0
    utilization = 0.85
    training_hours = 2.0
    pay_rate = Decimal("31.50")


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    candidate_id = factory.Sequence(lambda n: f"C{n:06d}")
    first_name = factory.Sequence(lambda n: f"Cand{n}")
    last_name = "Applicant"
    district = factory.SubFactory(DistrictFactory)
    trade = "hvac"
    source = "referral"
    applied_date = date(2024, 3, 1)
    years_experience = 3.0
    assessment_score = 70.0
    offered_pay_rate = Decimal("29.00")


class DemandWeekFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemandWeek

    district = factory.SubFactory(DistrictFactory)
    week_start = date(2024, 1, 1)
    jobs_requested = 100


def make_user(username: str, role: str | None, **extra):
    User = get_user_model()
    user = User.objects.create_user(username=username, password="pw-12345678", **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    if role == HR_ADMIN:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user


__all__ = ["API_CONSUMER", "HR_ADMIN", "RECRUITER", "make_user"]
