"""The main menu offers exactly the pages the signed-in user may open: for every role (and for a user with
no role, who gets an empty menu), each menu entry's page is opened and must answer 200 if and only if the
menu shows it. The menu's entries are read from the rendered page, the pages' answers from the pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from core.context_processors import NAV
from core.roles import API_CONSUMER, HR_ADMIN, RECRUITER
from tests.factories import make_user

_MENU = re.compile(r'<nav class="mainnav"[^>]*>(.*?)</nav>', re.S)


def _menu_links(html: str) -> set[str]:
    menu = _MENU.search(html)
    assert menu, "the page has no main menu"
    return set(re.findall(r'href="([^"]+)"', menu.group(1)))


@pytest.mark.parametrize("role", [None, RECRUITER, API_CONSUMER, HR_ADMIN])
def test_the_menu_shows_a_page_exactly_when_the_user_may_open_it(db, role):
    user = make_user(f"menu-{role or 'none'}", role)
    client = Client()
    client.force_login(user)
    page = client.get("/")  # the no-access page for a user without a role: it carries the menu too
    shown = _menu_links(page.content.decode())
    opens = {path for path in NAV.values() if client.get(path).status_code == 200}
    assert shown & set(NAV.values()) == opens
    if role is None:
        assert not opens and not shown & set(NAV.values())  # nothing offered, nothing served
        assert page.status_code == 403 and b"your account has no role yet" in page.content  # and told why
    else:
        assert opens  # every role has somewhere to go


def test_each_menu_page_marks_itself_and_only_itself_as_current(db):
    from core.context_processors import MENU

    client = Client()
    client.force_login(make_user("menu-current", HR_ADMIN))
    for _, label, path, _ in MENU:
        menu = _MENU.search(client.get(path).content.decode()).group(1)
        current = re.findall(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>', menu)
        assert current == [(path, label.replace("&", "&amp;"))], (path, current)
    detail = client.get("/predictions/technicians/")  # a section's sub-page marks its section
    assert 'href="/predictions/" aria-current="page"' in _MENU.search(detail.content.decode()).group(1)
