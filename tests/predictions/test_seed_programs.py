import pytest
from django.core.management import call_command

from predictions.changes import validate_program_change
from predictions.models import RetentionProgram


@pytest.mark.django_db
def test_seed_programs_creates_valid_programs_once():
    call_command("seed_programs")
    n = RetentionProgram.objects.count()
    assert n == 4
    for p in RetentionProgram.objects.all():
        validate_program_change(p.change)  # raises on an invalid change
    call_command("seed_programs")
    assert RetentionProgram.objects.count() == n
