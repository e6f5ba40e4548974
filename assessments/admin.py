"""Admin of organizational life, scoped per user.

Quick entry for a secretary: one form, the Party organization filled in (their own, or
the one named by ?party_org= from a list), and its members to tick as attendees.
"""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    Activity,
    Grade,
    MemberReview,
    PartyOrgAssessment,
    eligible_attendees,
)
from members.admin_common import DATE_INPUT, MemberFilter, PartyOrgFilter
from members.models import Member
from orgs.admin_import import ImportAdminMixin
from orgs.admin_tools import (
    AnnotatedListMixin,
    KeepCurrentChoicesForm,
    M2MHistoryMixin,
    count_of,
)
from orgs.scoped_admin import (
    HistoryAdmin,
    KeptRecordsMixin,
    ScopedAdminMixin,
    request_scope,
)


class ActivityForm(KeepCurrentChoicesForm):
    class Meta:
        model = Activity
        fields = (
            "party_org", "kind", "held_on", "topic", "online", "location", "attendees",
            "observers", "minutes",
        )  # fmt: skip
        widgets = {
            "attendees": forms.CheckboxSelectMultiple,
            "held_on": DATE_INPUT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("attendees")
        if field is None:
            return
        party_org = self._party_org()
        # The Party organization is one of the user's scope (its field's choices); its
        # members and those attending it are offered, also ones working outside the scope.
        offered = eligible_attendees(party_org) if party_org is not None else Member.objects.none()
        same_party_org = party_org is not None and party_org.pk == self.instance.party_org_id
        if self.instance.pk and same_party_org:
            # Who attended stays on record, also after leaving the Party organization.
            offered = offered | Member.objects.filter(pk__in=self.instance.attendees.values("pk"))
        field.queryset = offered.order_by("name")
        if party_org is None:
            field.help_text = _("请先选择党组织，保存后勾选参加党员")

    def _party_org(self):
        """The Party organization the form is about: posted, initial, or stored."""
        field = self.fields.get("party_org")
        raw = self.data.get(self.add_prefix("party_org")) if self.is_bound else None
        raw = raw or self.initial.get("party_org") or self.instance.party_org_id
        if field is None or not raw:
            return None
        try:
            return field.queryset.filter(pk=getattr(raw, "pk", raw)).first()
        except (TypeError, ValueError):
            return None


@admin.register(Activity)
class ActivityAdmin(
    ImportAdminMixin,
    AnnotatedListMixin,
    M2MHistoryMixin,
    KeptRecordsMixin,
    ScopedAdminMixin,
    HistoryAdmin,
):
    form = ActivityForm
    import_template = "activities"
    list_display = ("held_on", "kind", "topic", "party_org", "online", "attendee_count")
    list_display_links = ("held_on", "topic")
    list_filter = (PartyOrgFilter, "kind", "online", "held_on")
    list_select_related = ("party_org",)
    search_fields = ("topic", "party_org__name")
    date_hierarchy = "held_on"
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ("party_org",)
    history_list_display = ("kind", "held_on")
    fieldsets = (
        (None, {"fields": ("party_org", "kind", "held_on", "topic", "online", "location")}),
        (_("参加人员"), {"fields": ("attendees", "observers")}),
        (_("记录"), {"fields": ("minutes",)}),
    )

    def annotate_list(self, request, queryset):
        return queryset.annotate(
            attendees_count=count_of(Activity.attendees.through.objects.all(), "activity")
        )

    @admin.display(description=_("参加人数"), ordering="attendees_count")
    def attendee_count(self, obj):
        return obj.attendees_count

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "party_org" not in initial:
            # A secretary records for their own Party organization.
            scope = request_scope(request)
            if scope.party_org_id:
                initial["party_org"] = scope.party_org_id
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.strip())


class AssessmentForm(KeepCurrentChoicesForm):
    """The suggested grade is worked out from the year's facts when the form is checked
    (PartyOrgAssessment.clean); a different grade needs a reason."""

    class Meta:
        model = PartyOrgAssessment
        fields = (
            "party_org", "year", "report_to_higher", "higher_evaluation", "report_to_members",
            "members_evaluation", "grade", "override_reason", "assessed_on",
        )  # fmt: skip
        widgets = {"assessed_on": DATE_INPUT}

    # The suggestion and the reason for another grade: PartyOrgAssessment.clean().


@admin.register(PartyOrgAssessment)
class PartyOrgAssessmentAdmin(ImportAdminMixin, KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    form = AssessmentForm
    import_template = "assessments"
    list_display = (
        "party_org", "year", "grade", "suggested_grade", "higher_evaluation",
        "members_evaluation", "assessed_by", "assessed_on",
    )  # fmt: skip
    list_filter = ("year", "grade", "suggested_grade", PartyOrgFilter)
    list_select_related = ("party_org", "assessed_by")
    search_fields = ("party_org__name",)
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ("party_org",)
    readonly_fields = ("suggestion",)
    history_list_display = ("grade",)
    fieldsets = (
        (None, {"fields": ("party_org", "year")}),
        (
            _("双述双评"),
            {
                "fields": (
                    "report_to_higher",
                    "higher_evaluation",
                    "report_to_members",
                    "members_evaluation",
                )
            },
        ),
        (_("考核结果"), {"fields": ("suggestion", "grade", "override_reason", "assessed_on")}),
    )

    @admin.display(description=_("建议等次"))
    def suggestion(self, obj):
        if obj is None or not obj.suggested_grade:
            return _("保存时按该年度组织生活、书记配备、正式党员人数和换届情况计算")
        return f"{obj.get_suggested_grade_display()}（{obj.suggestion_reasons}）"

    def save_model(self, request, obj, form, change):
        if not change and request.user.unit_id:
            obj.assessed_by_id = request.user.unit_id
        super().save_model(request, obj, form, change)


@admin.register(MemberReview)
class MemberReviewAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    form = KeepCurrentChoicesForm
    list_display = ("member", "year", "grade", "party_org", "reviewed_on", "disposition")
    list_filter = ("year", "grade", PartyOrgFilter, MemberFilter)
    list_select_related = ("member", "party_org")
    search_fields = ("member__name",)
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ("member", "party_org")
    history_list_display = ("grade",)

    def get_list_display(self, request):
        # The link to 处置不合格党员 only for those who may start one.
        if request.user.has_perm("members.add_disposition"):
            return self.list_display
        return tuple(name for name in self.list_display if name != "disposition")

    @admin.display(description=_("后续处置"))
    def disposition(self, obj):
        if obj.grade != Grade.FAIL:
            return "-"
        # 不合格 feeds the disposition workflow of the member lifecycle.
        url = reverse("admin:members_disposition_add")
        return format_html('<a href="{}?member={}">{}</a>', url, obj.member_id, _("处置不合格党员"))


# The other admin modules of the app register on import.
from assessments import admin_points, admin_work  # noqa: E402, F401
