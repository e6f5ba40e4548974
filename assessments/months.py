"""ActivityMonths kept in step with the activities (see its docstring)."""

from collections import defaultdict
from datetime import date

from django.db.models import Func, IntegerField, Sum

from orgs.importing.registry import chunks


class MonthBit(Func):
    """1 << (month - 1) of a date, in the database: SQLite's strftime, PostgreSQL's
    EXTRACT. (Django's ExtractMonth calls back into Python for every row on SQLite.)"""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        # '%%%%m': once for this template, once for the SQLite backend's own % escaping.
        template = "(1 << (CAST(strftime('%%%%m', %(expressions)s) AS INTEGER) - 1))"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "(1 << (EXTRACT(MONTH FROM %(expressions)s)::integer - 1))"
        return self.as_sql(compiler, connection, template=template, **extra)


def refresh(keys):
    """Recompute the months of each (Party organization id, year) in `keys` from its
    activities: a few queries per year and chunk of Party organizations."""
    from assessments.models import Activity, ActivityMonths

    by_year = defaultdict(set)
    for party_org_id, year in keys:
        by_year[year].add(party_org_id)
    for year, party_orgs in by_year.items():
        for ids in chunks(sorted(party_orgs), 2000):
            ActivityMonths.objects.filter(year=year, party_org_id__in=ids).delete()
            rows = (
                Activity.objects.filter(
                    party_org_id__in=ids,
                    held_on__gte=date(year, 1, 1),
                    held_on__lt=date(year + 1, 1, 1),
                )
                .order_by()
                .values_list("party_org_id", "kind")
                # SUM(DISTINCT bit) of distinct powers of two is their bitwise OR.
                .annotate(months=Sum(MonthBit("held_on"), distinct=True))
            )
            ActivityMonths.objects.bulk_create(
                [
                    ActivityMonths(party_org_id=pk, year=year, kind=kind, months=months)
                    for pk, kind, months in rows
                ],
                batch_size=1000,
            )


def refresh_all():
    """Every (Party organization, year) that has activities (a backfill, the demo)."""
    from assessments.models import Activity, ActivityMonths

    ActivityMonths.objects.all().delete()
    keys = {
        (pk, day.year)
        for pk, day in Activity.objects.order_by().values_list("party_org_id", "held_on")
    }
    refresh(keys)


def _before_save(sender, instance, raw=False, **kwargs):
    # Where the activity was before this save: its old month may have to be cleared.
    instance._months_before = None
    if instance.pk and not raw:
        instance._months_before = (
            sender.objects.filter(pk=instance.pk).values_list("party_org_id", "held_on").first()
        )


def _after_save(sender, instance, raw=False, **kwargs):
    keys = {(instance.party_org_id, instance.held_on.year)}
    before = getattr(instance, "_months_before", None)
    if before:
        keys.add((before[0], before[1].year))
    refresh(keys)


def _after_delete(sender, instance, **kwargs):
    refresh({(instance.party_org_id, instance.held_on.year)})


def connect():
    from django.db.models.signals import post_delete, post_save, pre_save

    from assessments.models import Activity

    pre_save.connect(_before_save, sender=Activity, dispatch_uid="activity_months_before")
    post_save.connect(_after_save, sender=Activity, dispatch_uid="activity_months_after")
    post_delete.connect(_after_delete, sender=Activity, dispatch_uid="activity_months_delete")
