"""Bulk history copied inside the database equals what django-simple-history records."""

import datetime

from django.utils import timezone

from orgs.history import CHANGED, CREATED, record_history
from orgs.models import SocialOrg
from tests import factories


def test_bulk_history_copies_every_tracked_field_with_who_when_and_why(db):
    user = factories.UserFactory()
    orgs = factories.SocialOrgFactory.create_batch(3, street=factories.StreetFactory())
    SocialOrg.history.all().delete()
    when = timezone.now() - datetime.timedelta(minutes=5)

    record_history(
        SocialOrg, [o.pk for o in orgs], history_type=CREATED, user=user, reason="导入", date=when
    )

    history_model = SocialOrg.history.model
    for org in orgs:
        (row,) = SocialOrg.history.filter(id=org.pk)
        for field in history_model.tracked_fields:
            assert getattr(row, field.attname) == getattr(org, field.attname), field.name
        assert (row.history_type, row.history_user, row.history_change_reason) == (
            "+",
            user,
            "导入",
        )
        assert row.history_date == when


def test_a_bulk_change_shows_as_a_diff_against_the_previous_version(db):
    org = factories.SocialOrgFactory(legal_representative="张三")
    SocialOrg.objects.filter(pk=org.pk).update(legal_representative="李四")

    record_history(
        SocialOrg, [org.pk], history_type=CHANGED, user=None, reason="导入", date=timezone.now()
    )

    latest = org.history.first()
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("legal_representative", "张三", "李四")
    ]


def test_no_ids_records_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        record_history(
            SocialOrg, [], history_type=CREATED, user=None, reason="导入", date=timezone.now()
        )
