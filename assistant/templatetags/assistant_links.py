"""Employee ids in answers become links to the technician's page."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

EMPLOYEE_ID = re.compile(r"\b(E\d{3,})\b")  # the same pattern static/js/assistant.js links while streaming


@register.filter
def link_employee_ids(text):
    # the text is escaped first; only the anchors made here are markup
    return mark_safe(EMPLOYEE_ID.sub(r'<a href="/technicians/\1/">\1</a>', escape(text or "")))  # noqa: S308
