"""Admin pieces shared by the member register's and the lifecycle's admins: list filters,
the masking of a person's ID number, and the base of the lifecycle's admins (saves go
through the services, refusals come back on the form or as a message)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper

from members import coverage
from members.privacy import MASKED_DATE, PRIVATE_FIELDS, masked
from orgs.admin_actions import add_errors
from orgs.admin_tools import KeepCurrentChoicesForm, SelectedObjectFilter
from orgs.scoped_admin import HistoryAdmin, KeptRecordsMixin, ScopedAdminMixin


class WorkplaceFilter(SelectedObjectFilter):
    title = _("工作单位")
    parameter_name = "workplace"
    field_name = "workplace"


class PartyOrgFilter(SelectedObjectFilter):
    title = _("党组织")
    parameter_name = "party_org"
    field_name = "party_org"


WORKLISTS_BY_KEY = {w.key: w for w in coverage.ALL_WORKLISTS}


class WorklistFilter(admin.SimpleListFilter):
    """The worklists of the listed model, as of today: the worklist page and the
    dashboard link here with ?worklist=key, and count the same filter."""

    title = _("工作提醒")
    parameter_name = "worklist"

    def lookups(self, request, model_admin):
        return [(w.key, w.title) for w in coverage.ALL_WORKLISTS if w.model is model_admin.model]

    def queryset(self, request, queryset):
        worklist = WORKLISTS_BY_KEY.get(self.value() or "")
        if worklist is None or worklist.model is not queryset.model:
            return queryset
        return queryset.filter(worklist.q(timezone.localdate()))


class MaskedHistoryHelper(HistoricalRecordContextHelper):
    """History shows the masked number (and no birth date), for every user: the full
    number is seen only through a recorded reveal."""

    def prepare_delta_change_value(self, change, value):
        if change.field == "id_number":
            return masked(value)
        if change.field == "birth_date":
            return MASKED_DATE
        return super().prepare_delta_change_value(change, value)


class MaskedIdNumberMixin:
    """A model admin of people named by an ID number: the number is shown masked, also in
    the history, and the list is never filtered on it or on the birth date
    (members.privacy)."""

    @admin.display(description=_("身份证号"))
    def id_number_masked(self, obj):
        return masked(obj.id_number)

    # The change form's read-only field: the same masked number.
    id_number_display = id_number_masked

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedHistoryHelper(self.model, historical_record)

    def lookup_allowed(self, lookup, value, request=None):
        # ?id_number__startswith=… or ?birth_date=… would give the masked digits away.
        if lookup.split("__")[0] in PRIVATE_FIELDS:
            return False
        return super().lookup_allowed(lookup, value, request)


DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberFilter(SelectedObjectFilter):
    title = _("党员")
    parameter_name = "member"
    field_name = "member"


class LifecycleForm(KeepCurrentChoicesForm):
    """Checks every database constraint before the service runs, also those on fields the
    form does not show (one open record per member: their condition is on a state the
    form does not edit), so a second record comes back as a form error."""

    def validate_unique(self):
        super().validate_unique()
        # Fields already in error are left out: their own message says it better than the
        # constraint's name would.
        try:
            self.instance.validate_constraints(exclude=set(self.errors))
        except ValidationError as exc:
            add_errors(self, exc)


class LifecycleAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    """Common ground: records leave by their state, not by deletion (KeptRecordsMixin);
    saves go through the services, and a refusal the form could not foresee comes back
    as a message."""

    form = LifecycleForm
    show_full_result_count = False
    list_per_page = 50

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # Raised by a service in save_model, after the form was valid (the state of
            # the record changed meanwhile, say); the admin's transaction rolled back.
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())


def date_field(label, help_text=""):
    return forms.DateField(label=label, widget=DATE_INPUT, help_text=help_text)
