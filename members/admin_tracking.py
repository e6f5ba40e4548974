"""Admin of keeping track of members (§六): floating registrations, relationship checks
and their findings, lost-contact cases and dispositions, scoped per user. Saves go
through members.services; closed records are view-only."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members import services
from members.admin_common import (
    DATE_INPUT,
    LifecycleAdmin,
    MemberFilter,
    WorklistFilter,
    date_field,
)
from members.models import (
    CheckFinding,
    Disposition,
    FloatingRecord,
    LostContact,
    LostContactStep,
    RelationshipCheck,
)
from members.models.register import member_scope_q
from orgs.admin_actions import ObjectAction, ObjectActionsMixin
from orgs.admin_tools import AnnotatedListMixin, SelectedObjectFilter
from orgs.scoped_admin import (
    HistoryAdmin,
    KeptRecordsMixin,
    ScopedAdminMixin,
    ScopedInlineMixin,
    request_scope,
)

# --- floating members -------------------------------------------------------------------


class EndFloatingForm(forms.Form):
    ended_on = date_field(_("结束日期"), _("返回或已转接组织关系的日期"))


@admin.register(FloatingRecord)
class FloatingRecordAdmin(ObjectActionsMixin, LifecycleAdmin):
    list_display = (
        "member", "direction", "place", "fixed_place", "since", "host", "contact_person",
        "ended_on",
    )  # fmt: skip
    list_filter = (
        WorklistFilter, "direction", "fixed_place", ("ended_on", admin.EmptyFieldListFilter),
        MemberFilter,
    )  # fmt: skip
    list_select_related = ("member", "host_party_org")
    search_fields = ("member__name", "place", "contact_person")
    autocomplete_fields = ("member", "host_party_org")
    fields = (
        "member", "direction", "place", "fixed_place", "since", "contact_person",
        "contact_phone", "host_party_org", "host_outside", "note", "ended_on",
    )  # fmt: skip
    object_actions = (
        ObjectAction(
            "end",
            _("结束流动登记"),
            EndFloatingForm,
            lambda admin_, request, obj, data: _end_floating(obj, data["ended_on"], request.user),
            available=lambda obj: obj.ended_on is None,
            done_message=_("流动登记已结束"),
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("ended_on",)
        if obj.ended_on:
            return self.fields
        # Who, which way and where they attend are the registration; changes to them
        # are a new registration (end this one first).
        return ("member", "direction", "host_party_org", "host_outside", "ended_on")

    def has_change_permission(self, request, obj=None):
        # An ended registration is a record: viewed, not edited.
        if obj is not None and obj.ended_on:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("参加组织生活的党组织"))
    def host(self, obj):
        return obj.host_party_org or obj.host_outside or "-"

    def save_model(self, request, obj, form, change):
        services.floating_save(record=obj, user=request.user)


def _end_floating(record, ended_on, user):
    record.ended_on = ended_on
    services.floating_save(record=record, user=user)


# --- relationship checks ----------------------------------------------------------------


@admin.register(RelationshipCheck)
class RelationshipCheckAdmin(AnnotatedListMixin, KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    list_display = ("name", "started_on", "due_on", "pending", "found", "not_found")
    search_fields = ("name",)
    show_full_result_count = False
    fields = ("name", "started_on", "due_on", "note")

    def annotate_list(self, request, queryset):
        # Only the findings the user sees (a campaign may be another unit's).
        seen = member_scope_q(request_scope(request), prefix="findings__member__")
        results = CheckFinding.Result
        return queryset.annotate(
            **{
                f"n_{result}": Count("findings", filter=seen & Q(findings__result=result))
                for result in (results.PENDING, results.FOUND, results.NOT_FOUND)
            }
        )

    def has_change_permission(self, request, obj=None):
        """Units that see a campaign through its findings about their members record those
        findings; only the unit or Party organization that runs it changes the campaign."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        scope = request_scope(request)
        if scope.unit_id:
            return obj.unit_id == scope.unit_id
        return scope.party_org_id is not None and obj.party_org_id == scope.party_org_id

    def _findings_link(self, obj, count, result):
        url = reverse("admin:members_checkfinding_changelist")
        return format_html(
            '<a href="{}?campaign={}&result__exact={}">{}</a>', url, obj.pk, result, count
        )

    @admin.display(description=_("待排查"))
    def pending(self, obj):
        return self._findings_link(obj, obj.n_pending, CheckFinding.Result.PENDING)

    @admin.display(description=_("已联系上"))
    def found(self, obj):
        return self._findings_link(obj, obj.n_found, CheckFinding.Result.FOUND)

    @admin.display(description=_("未联系上"))
    def not_found(self, obj):
        return self._findings_link(obj, obj.n_not_found, CheckFinding.Result.NOT_FOUND)

    def save_model(self, request, obj, form, change):
        if change:
            obj.full_clean()
            obj.save()
            return
        count = services.check_start(check=obj, user=request.user, scope=request_scope(request))
        self.message_user(request, _("已为管理范围内{n}名在册党员建立排查记录").format(n=count))


class CampaignFilter(SelectedObjectFilter):
    title = _("排查")
    parameter_name = "campaign"
    field_name = "campaign"


@admin.register(CheckFinding)
class CheckFindingAdmin(KeptRecordsMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Findings are recorded in the list itself, many members per page."""

    list_display = ("member", "workplace", "party_org", "result", "checked_on", "notes")
    list_editable = ("result", "checked_on", "notes")
    list_filter = (CampaignFilter, "result")
    list_select_related = ("member__workplace", "member__party_org")
    search_fields = ("member__name",)
    show_full_result_count = False
    list_per_page = 50
    fields = ("campaign", "member", "result", "checked_on", "notes")
    readonly_fields = ("campaign", "member")

    def get_changelist_formset(self, request, **kwargs):
        kwargs.setdefault("widgets", {"checked_on": DATE_INPUT})
        return super().get_changelist_formset(request, **kwargs)

    @admin.display(description=_("工作单位"))
    def workplace(self, obj):
        return obj.member.workplace

    @admin.display(description=_("组织关系所在党组织"))
    def party_org(self, obj):
        return obj.member.party_org or obj.member.outside_holder or "-"

    def save_model(self, request, obj, form, change):
        services.finding_record(finding=obj, user=request.user)

    def has_add_permission(self, request):
        return False  # findings come with their campaign


# --- lost contact -----------------------------------------------------------------------


class StepInline(ScopedInlineMixin, admin.TabularInline):
    model = LostContactStep
    extra = 1
    fields = ("taken_on", "measure")

    def _open(self, obj):
        return obj is None or obj.outcome == LostContact.Outcome.OPEN

    # The search steps of a closed case are part of its record.
    def has_add_permission(self, request, obj=None):
        return self._open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(obj) and super().has_delete_permission(request, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "taken_on":
            kwargs["widget"] = DATE_INPUT
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class CloseLostContactForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("处理结果"),
        choices=[c for c in LostContact.Outcome.choices if c[0] != LostContact.Outcome.OPEN],
    )
    outcome_on = date_field(_("处理日期"))
    decision_body = forms.CharField(
        label=_("决定党组织"),
        max_length=200,
        required=False,
        help_text=_("停止党籍的，填写作出决定的党组织"),
    )


@admin.register(LostContact)
class LostContactAdmin(ObjectActionsMixin, LifecycleAdmin):
    list_display = ("member", "lost_since", "registered_on", "steps_taken", "outcome", "outcome_on")
    list_filter = (WorklistFilter, "outcome", MemberFilter)
    list_select_related = ("member",)
    search_fields = ("member__name",)
    autocomplete_fields = ("member",)
    inlines = (StepInline,)
    fields = ("member", "lost_since", "registered_on", "outcome", "outcome_on", "decision_body")
    readonly_fields = ("outcome", "outcome_on", "decision_body")
    object_actions = (
        ObjectAction(
            "close",
            _("处理结案"),
            CloseLostContactForm,
            lambda admin_, request, obj, data: services.lost_contact_close(
                case=obj,
                outcome=data["outcome"],
                on=data["outcome_on"],
                decision_body=data["decision_body"],
                user=request.user,
            ),
            available=lambda obj: obj.outcome == LostContact.Outcome.OPEN,
            done_message=_("失联党员已处理结案"),
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_steps=Count("steps"))

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # When contact was lost and the case was registered decide when membership may be
        # stopped: fixed once registered (the 6-month check runs at registration).
        return ("member", "lost_since", "registered_on", *self.readonly_fields)

    def has_change_permission(self, request, obj=None):
        # A closed case is a record: viewed, not edited (its search steps included).
        if obj is not None and obj.outcome != LostContact.Outcome.OPEN:
            return False
        return super().has_change_permission(request, obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("registered_on", timezone.localdate())
        return initial

    @admin.display(description=_("查找措施"), ordering="n_steps")
    def steps_taken(self, obj):
        return obj.n_steps

    def save_model(self, request, obj, form, change):
        services.lost_contact_register(case=obj, user=request.user)


# --- dispositions -----------------------------------------------------------------------


@admin.register(Disposition)
class DispositionAdmin(LifecycleAdmin):
    list_display = (
        "member", "kind", "decided_on", "decision_body", "document_number", "correction_until",
        "corrected_on",
    )  # fmt: skip
    list_filter = (WorklistFilter, "kind", MemberFilter)
    list_select_related = ("member",)
    search_fields = ("member__name", "document_number")
    autocomplete_fields = ("member",)
    fieldsets = (
        (None, {"fields": ("member", "kind", "reason")}),
        (_("决定"), {"fields": ("decided_on", "decision_body", "document_number")}),
        (_("限期改正"), {"fields": ("correction_until", "corrected_on", "correction_result")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # The decision stands; what follows a correction is recorded below it.
        return () if obj is None else ("member", "kind", "decided_on")

    def save_model(self, request, obj, form, change):
        services.disposition_save(disposition=obj, user=request.user)
