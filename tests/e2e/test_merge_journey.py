"""A team manager merges a duplicate in a real browser without JavaScript, choosing where the two
records differ; the compare page and the access log meet WCAG 2.2 AA (axe)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from cse_portal.young_people.models import Gender
from tests.e2e.helpers import assert_no_axe_violations, login_as
from tests.factories import make_young_person
from tests.personas import People


def test_manager_merges_a_duplicate_choosing_the_gender_without_javascript(
    page_without_js: Page, people: People
) -> None:
    page = page_without_js
    people.noah.gender = Gender.MALE
    people.noah.save(update_fields=["gender"])
    duplicate = make_young_person(given_name="Noah", family_name="Ellison", gender="female")
    login_as(page, people.manager)

    page.goto(f"/young-people/{people.noah.pk}/merge/?duplicate={duplicate.pk}")
    expect(page.get_by_role("table", name="Compare the two records")).to_contain_text("Female")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Merge records").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose which gender to keep")
    assert_no_axe_violations(page)

    page.get_by_label("Female (the duplicate)").check()
    page.get_by_label("Why are these the same young person?").fill("Same school and carer")
    page.get_by_role("button", name="Merge records").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Noah Ellison")
    page.goto(f"/young-people/{duplicate.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Noah Ellison")
    assert str(people.noah.pk) in page.url


def test_the_access_log_is_accessible(page: Page, people: People) -> None:
    login_as(page, people.manager)
    page.goto(f"/young-people/{people.maya.pk}/")  # a consultation to list
    page.goto(f"/young-people/{people.maya.pk}/access/")
    expect(page.get_by_role("table")).to_contain_text(people.manager.get_full_name())
    assert_no_axe_violations(page)
