"""Admin of 积分考核 (point rules and entries) and of unit assessments (述职评议考核)."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from assessments import selectors
from assessments.admin_work import OwnedByUnitMixin
from assessments.models import PointEntry, PointRule, UnitAssessment
from assessments.models.work import unit_scope_q
from members.admin_common import DATE_INPUT, MemberFilter, PartyOrgFilter
from orgs.admin_tools import KeepCurrentChoicesForm
from orgs.models import Unit
from orgs.scoped_admin import HistoryAdmin, KeptRecordsMixin, ScopedAdminMixin, request_scope


@admin.register(PointRule)
class PointRuleAdmin(KeptRecordsMixin, HistoryAdmin):
    """The city's point rules: every role reads them, the city's 两新工委 keeps them (a
    district's reads them like everyone)."""

    @staticmethod
    def _city(request):
        unit = request.user.unit
        return request.user.is_superuser or (unit is not None and unit.level == Unit.Level.CITY)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._city(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._city(request)

    list_display = (
        "name", "basis", "activity_kind", "review_grade", "points", "yearly_cap", "valid_from",
        "valid_to",
    )  # fmt: skip
    list_filter = ("basis", "valid_from")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "basis", "activity_kind", "review_grade")}),
        (_("分值"), {"fields": ("points", "yearly_cap")}),
        (_("适用年度"), {"fields": ("valid_from", "valid_to")}),
    )


class PointEntryForm(KeepCurrentChoicesForm):
    class Meta:
        model = PointEntry
        fields = ("party_org", "member", "rule", "on", "points", "reason")
        widgets = {"on": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("rule")
        if field is not None:
            field.queryset = field.queryset.filter(basis=PointRule.Basis.ENTRY)


@admin.register(PointEntry)
class PointEntryAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    form = PointEntryForm
    list_display = ("on", "member", "party_org", "rule", "points", "reason", "ranking")
    list_filter = (PartyOrgFilter, MemberFilter, "rule", "on")
    list_select_related = ("member", "party_org", "rule")
    search_fields = ("member__name", "reason")
    date_hierarchy = "on"
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ("party_org", "member")
    history_list_display = ("points",)

    @admin.display(description=_("积分排名"))
    def ranking(self, obj):
        url = reverse("assessments:points", args=[obj.party_org_id])
        return format_html('<a href="{}?year={}">{}</a>', url, obj.on.year, _("查看"))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        scope = request_scope(request)
        if "party_org" not in initial and scope.party_org_id:
            initial["party_org"] = scope.party_org_id
        initial.setdefault("on", timezone.localdate())
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class UnitAssessmentForm(forms.ModelForm):
    class Meta:
        model = UnitAssessment
        fields = ("unit", "year", "report", "evaluation", "grade", "assessed_on")
        widgets = {"assessed_on": DATE_INPUT}


ASSESSED_KINDS = (
    Unit.Kind.REGISTRATION,
    Unit.Kind.SUPERVISOR,
    Unit.Kind.INDUSTRY_COMMITTEE,
    Unit.Kind.STREET_COMMITTEE,
    Unit.Kind.FALLBACK_COMMITTEE,
)


@admin.register(UnitAssessment)
class UnitAssessmentAdmin(OwnedByUnitMixin, KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    form = UnitAssessmentForm
    owner_field = "assessed_by"  # the unit assessed reads its grade; the assessor keeps it
    list_display = (
        "unit", "year", "grade", "coverage_rate", "gaps", "assessed_by", "assessed_on",
    )  # fmt: skip
    list_filter = ("year", "grade", "unit__kind")
    list_select_related = ("unit", "assessed_by")
    search_fields = ("unit__name",)
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = ("facts_table",)
    history_list_display = ("grade",)
    fieldsets = (
        (None, {"fields": ("unit", "year")}),
        (_("工作数据"), {"fields": ("facts_table",)}),
        (_("述职评议"), {"fields": ("report", "evaluation", "grade", "assessed_on")}),
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            # The units its scope holds that are assessed (not the leading bodies).
            kwargs["queryset"] = Unit.objects.filter(
                unit_scope_q(request_scope(request)), kind__in=ASSESSED_KINDS
            ).order_by("level", "name")
            return db_field.formfield(**kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("党的组织覆盖率"))
    def coverage_rate(self, obj):
        rate = obj.facts.get("org_coverage_rate")
        return f"{rate}%" if rate is not None else "-"

    @admin.display(description=_("组织生活缺失"))
    def gaps(self, obj):
        return obj.facts.get("party_orgs_with_gaps", "-")

    @admin.display(description=_("考核时的工作数据"))
    def facts_table(self, obj):
        if obj is None or not obj.facts:
            return _(
                "保存时记录该单位所管社会组织和党组织当时的数据；可先在“单位党建工作数据”页查看"
            )
        rows = (
            (label, obj.facts[key])
            for key, label in selectors.UNIT_FACT_LABELS.items()
            if key in obj.facts
        )
        return format_html(
            '<table class="unit-facts">{}</table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("assessed_on", timezone.localdate())
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.assessed_by_id = request.user.unit_id
        if not change or {"unit", "year"} & set(form.changed_data):
            # What the grade rests on, as it was when it was given.
            obj.facts = selectors.unit_facts(obj.unit, obj.year, timezone.localdate())
        super().save_model(request, obj, form, change)
