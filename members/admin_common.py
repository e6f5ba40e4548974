"""Admin pieces shared by the member register's and the lifecycle's admins: list filters
and the masking of a person's ID number."""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import selectors
from members.privacy import PRIVATE_FIELDS, masked
from orgs.admin_tools import SelectedObjectFilter


class WorkplaceFilter(SelectedObjectFilter):
    title = _("工作单位")
    parameter_name = "workplace"
    field_name = "workplace"


class PartyOrgFilter(SelectedObjectFilter):
    title = _("党组织")
    parameter_name = "party_org"
    field_name = "party_org"


class WorklistFilter(admin.SimpleListFilter):
    """The worklists of the listed model (members.selectors), as of today: the worklist
    page links here with ?worklist=key, and counts the same filter."""

    title = _("工作提醒")
    parameter_name = "worklist"

    def lookups(self, request, model_admin):
        return [(w.key, w.title) for w in selectors.worklists_for(model_admin.model)]

    def queryset(self, request, queryset):
        worklist = selectors.BY_KEY.get(self.value() or "")
        if worklist is None or worklist.model is not queryset.model:
            return queryset
        return queryset.filter(worklist.q(timezone.localdate()))


class MaskedIdNumberMixin:
    """A model admin of people named by an ID number: the number is shown masked, and the
    list is never filtered on it or on the birth date (members.privacy)."""

    @admin.display(description=_("身份证号"))
    def id_number_masked(self, obj):
        return masked(obj.id_number)

    # The change form's read-only field: the same masked number.
    id_number_display = id_number_masked

    def lookup_allowed(self, lookup, value, request=None):
        # ?id_number__startswith=… or ?birth_date=… would give the masked digits away.
        if lookup.split("__")[0] in PRIVATE_FIELDS:
            return False
        return super().lookup_allowed(lookup, value, request)
