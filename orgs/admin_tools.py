"""Small admin pieces shared by the Party-organization and member admins.

- `AnnotatedListMixin`: counts and flags computed in the change list's one query
  (`annotate_list`), not per row, and only for the list (not for autocomplete or forms);
  `count_of` builds such a count.
- `SelectedObjectFilter`: filter a list by one related record chosen elsewhere (the
  members count of an org links to its members), without listing thousands of records.
- `KeepCurrentChoicesForm`: scoped choices plus the values the record already holds.
- `M2MHistoryMixin`: history pages that diff many-to-many fields in two queries per
  field, not two per version.
"""

from collections import defaultdict

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.html import conditional_escape
from django.utils.text import capfirst
from simple_history.utils import get_m2m_reverse_field_name

from orgs.scoped_admin import scoped_queryset


class AnnotatedChangeList(ChangeList):
    """A change list whose rows carry the admin's `annotate_list` annotations.

    They are added to the root queryset before filters run, so list filters may use them.
    """

    def get_queryset(self, request, exclude_parameters=None):
        if not getattr(self, "_annotated", False):
            self.root_queryset = self.model_admin.annotate_list(request, self.root_queryset)
            self._annotated = True
        return super().get_queryset(request, exclude_parameters)


class AnnotatedListMixin:
    def get_changelist(self, request, **kwargs):
        return AnnotatedChangeList

    def annotate_list(self, request, queryset):
        return queryset


def count_of(queryset, field):
    """How many rows of `queryset` point to the listed row through `field`, as a column of
    the list's own query.

    A correlated subquery rather than Count() over a join: the join's GROUP BY counts
    every row in the scope before the page is cut (200 ms instead of 9 ms for 20,000 orgs
    and 150,000 members on SQLite), and makes the page count a grouped subquery too.
    """
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class SelectedObjectFilter(admin.SimpleListFilter):
    """Rows related to one record (`?<parameter_name>=<pk>`), e.g. the members of an org.

    Offers only the chosen record, looked up within the user's scope: an id outside it
    names nothing and matches nothing. Without a choice the filter is hidden.
    """

    field_name = ""  # the foreign key on the listed model

    def __init__(self, request, params, model, model_admin):
        self.related_model = model._meta.get_field(self.field_name).related_model
        self.request = request
        super().__init__(request, params, model, model_admin)

    def _selected_pk(self):
        value = self.value()
        return int(value) if value and value.isdigit() else None

    def lookups(self, request, model_admin):
        pk = self._selected_pk()
        if pk is None:
            return ()
        related = scoped_queryset(request, self.related_model._default_manager.all())
        chosen = related.filter(pk=pk).first()
        return [(str(chosen.pk), str(chosen))] if chosen else [(str(pk), "-")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = self._selected_pk()
        if pk is None:
            return queryset.none()
        return queryset.filter(**{f"{self.field_name}_id": pk})


class KeepCurrentChoicesForm(forms.ModelForm):
    """Foreign-key and many-to-many choices stay scoped, but a record may already point
    outside the scope (a joint Party organization covering another office's org, a member
    whose relationship is held elsewhere). Those values stay valid, so that saving the
    record neither drops them silently nor refuses the form; new ones must be in scope.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk is None:
            return
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None:
                continue
            model_field = instance._meta.get_field(name)
            manager = queryset.model._default_manager
            if model_field.many_to_many:
                held = manager.filter(pk__in=getattr(instance, name).values("pk"))
            elif model_field.many_to_one and getattr(instance, model_field.attname) is not None:
                held = manager.filter(pk=getattr(instance, model_field.attname))
            else:
                continue
            field.queryset = queryset | held


class M2MHistoryMixin:
    """For a SimpleHistoryAdmin whose model tracks many-to-many fields in its history.

    django-simple-history diffs such a field with two queries per pair of versions, so a
    record's history page grows with its number of versions. Here the fields are diffed
    from the through rows of the whole page, read once, and the names of the related
    records, read once.
    """

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        m2m_fields = list(records[0]._history_m2m_fields) if records else []
        if not m2m_fields:
            return super().set_history_delta_changes(
                request, historical_records, foreign_keys_are_objs
            )
        excluded = {field.name for field in m2m_fields}
        members = {field.name: self._m2m_members(records, field) for field in m2m_fields}
        for newer, older in zip(records, records[1:], strict=False):
            delta = newer.diff_against(
                older, excluded_fields=excluded, foreign_keys_are_objs=foreign_keys_are_objs
            )
            helper = self.get_historical_record_context_helper(request, newer)
            changes = helper.context_for_delta_changes(delta)
            for field in m2m_fields:
                before = members[field.name].get(older.history_id, [])
                after = members[field.name].get(newer.history_id, [])
                if before != after:
                    changes.append(
                        {
                            "field": capfirst(field.verbose_name),
                            "old": conditional_escape("、".join(before)),
                            "new": conditional_escape("、".join(after)),
                        }
                    )
            newer.history_delta_changes = changes

    @staticmethod
    def _m2m_members(records, field):
        """{history_id: sorted names of the related records} for one m2m field."""
        through = getattr(records[0], field.name).model
        target = get_m2m_reverse_field_name(field)
        rows = through.objects.filter(history__in=[r.history_id for r in records]).values_list(
            "history_id", f"{target}_id"
        )
        rows = list(rows)
        related = field.related_model._default_manager.filter(pk__in={pk for _h, pk in rows})
        labels = {obj.pk: str(obj) for obj in related}
        grouped = defaultdict(list)
        for history_id, pk in rows:
            grouped[history_id].append(labels.get(pk, str(pk)))
        return {history_id: sorted(names) for history_id, names in grouped.items()}


def titled(filter_class, title):
    """`filter_class` under another title: a related field's own verbose name ("状态")
    says too little in a list of another model (工作单位状态)."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled
