"""ActivityMonths (assessments.months) stays in step with the activities: whatever writes
them — a save, a change of date or Party organization, a delete one by one or by queryset,
an import, the bulk refresh — the stored months equal those the activities imply."""

import datetime
import io
from collections import defaultdict

import pytest

from assessments import months
from assessments.models import Activity, ActivityMonths
from orgs.importing.service import import_file
from orgs.models import User
from tests.members.fixtures_admin import PartyOrganizationFactory

D = datetime.date
K = Activity.Kind


def implied():
    """{(party org, year, kind): bitmask} from the activities themselves."""
    masks = defaultdict(int)
    for party_org_id, kind, day in Activity.objects.values_list("party_org_id", "kind", "held_on"):
        masks[(party_org_id, day.year, kind)] |= 1 << (day.month - 1)
    return dict(masks)


def stored():
    return {
        (row.party_org_id, row.year, row.kind): row.months for row in ActivityMonths.objects.all()
    }


@pytest.fixture
def two(db):
    return (
        PartyOrganizationFactory(name="甲支部", founded_on=D(2020, 1, 1)),
        PartyOrganizationFactory(name="乙支部", founded_on=D(2020, 1, 1)),
    )


def hold(party_org, kind, day):
    return Activity.objects.create(party_org=party_org, kind=kind, held_on=day, topic="学习")


def test_saving_an_activity_stores_its_month(two):
    first, _second = two
    hold(first, K.THEME_DAY, D(2024, 1, 31))
    hold(first, K.THEME_DAY, D(2024, 2, 1))
    hold(first, K.THEME_DAY, D(2024, 2, 29))
    hold(first, K.PARTY_LECTURE, D(2024, 12, 31))
    assert (
        stored()
        == implied()
        == {
            (first.pk, 2024, K.THEME_DAY): 0b11,
            (first.pk, 2024, K.PARTY_LECTURE): 1 << 11,
        }
    )


def test_moving_an_activity_clears_the_month_and_the_party_org_it_left(two):
    first, second = two
    activity = hold(first, K.THEME_DAY, D(2024, 3, 5))
    activity.held_on = D(2025, 4, 5)
    activity.save()
    assert stored() == implied() == {(first.pk, 2025, K.THEME_DAY): 1 << 3}
    activity.party_org = second
    activity.kind = K.GENERAL_MEETING
    activity.save()
    assert stored() == implied() == {(second.pk, 2025, K.GENERAL_MEETING): 1 << 3}


def test_deleting_one_or_many_clears_their_months(two):
    first, second = two
    keep = hold(first, K.THEME_DAY, D(2024, 5, 5))
    gone = hold(first, K.THEME_DAY, D(2024, 6, 5))
    hold(second, K.THEME_DAY, D(2024, 6, 5))
    hold(second, K.THEME_DAY, D(2024, 7, 5))
    gone.delete()
    assert stored() == implied()
    Activity.objects.filter(party_org=second).delete()  # the admin's bulk delete
    assert stored() == implied() == {(first.pk, 2024, K.THEME_DAY): 1 << 4}
    assert keep.pk


def test_an_import_refreshes_the_months_it_writes(two):
    first, _second = two
    hold(first, K.THEME_DAY, D(2024, 1, 10))
    admin = User.objects.create_superuser("root-months", password="x")
    rows = "党组织,活动类型,活动日期,主题\n" + "\n".join(
        f"甲支部,主题党日,2024-{month:02d}-15,导入{month}" for month in (2, 3)
    )
    report = import_file(
        template_name="activities",
        file=io.BytesIO(rows.encode("utf-8")),
        filename="a.csv",
        user=admin,
    )
    assert report.ok, report.errors
    assert stored() == implied() == {(first.pk, 2024, K.THEME_DAY): 0b111}


def test_refresh_all_rebuilds_from_the_activities(two):
    first, second = two
    Activity.objects.bulk_create(
        [
            Activity(party_org=first, kind=K.THEME_DAY, held_on=D(2023, 8, 8), topic="学习"),
            Activity(party_org=second, kind=K.LIFE_MEETING, held_on=D(2024, 12, 1), topic="会"),
        ]
    )
    assert stored() != implied()  # a bulk write sends no signals
    months.refresh_all()
    assert stored() == implied()
