"""Admin of the member lifecycle (§六): development, transfers, floating members,
relationship checks, lost contact and dispositions, scoped per user.

Every save goes through members.services; state changes that are not plain edits
(接收, 退回, 结案) are actions on the record's page (members.admin_actions). Each list
filters by its worklists (?worklist=key, members.selectors), which the worklist page
counts.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members import services
from members.admin_actions import ObjectAction, ObjectActionsMixin, add_errors
from members.admin_common import (
    MaskedIdNumberMixin,
    PartyOrgFilter,
    WorklistFilter,
    WorkplaceFilter,
)
from members.models import (
    CheckFinding,
    Development,
    Disposition,
    FloatingRecord,
    LostContact,
    LostContactStep,
    Member,
    RelationshipCheck,
    Transfer,
)
from members.models.register import member_scope_q
from members.privacy import REVEAL_PERMISSION
from orgs.admin import ScopedDistrictFilter
from orgs.admin_tools import AnnotatedListMixin, KeepCurrentChoicesForm, SelectedObjectFilter
from orgs.models import PartyOrganization, SocialOrg
from orgs.scoped_admin import HistoryAdmin, ScopedAdminMixin, ScopedInlineMixin, request_scope

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberFilter(SelectedObjectFilter):
    title = _("党员")
    parameter_name = "member"
    field_name = "member"


class OpenFilter(admin.SimpleListFilter):
    """Open or closed records, by a date that closes them."""

    title = _("是否结束")
    parameter_name = "open"
    closed_by = "ended_on"

    def lookups(self, request, model_admin):
        return (("yes", _("未结束")), ("no", _("已结束")))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{self.closed_by}__isnull": self.value() == "yes"})
        return queryset


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


class LifecycleAdmin(ScopedAdminMixin, HistoryAdmin):
    """Common ground: records leave by their state, not by deletion; saves go through the
    services, and a refusal the form could not foresee comes back as a message."""

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

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


def _date(label, help_text=""):
    return forms.DateField(label=label, widget=DATE_INPUT, help_text=help_text)


def _today():
    return timezone.localdate()


# --- development ------------------------------------------------------------------------


class DevelopmentForm(LifecycleForm):
    class Meta:
        model = Development
        fields = "__all__"

    def _post_clean(self):
        super()._post_clean()
        record = self.instance
        previous = Development.objects.filter(pk=record.pk).first() if record.pk else None
        errors = services.development_transition_errors(previous, record)
        if errors:
            add_errors(self, ValidationError(errors))


@admin.register(Development)
class DevelopmentAdmin(MaskedIdNumberMixin, LifecycleAdmin):
    form = DevelopmentForm
    list_display = (
        "name", "id_number_masked", "workplace", "party_org", "stage", "applied_on", "next_step",
        "stopped_on",
    )  # fmt: skip
    list_filter = (
        WorklistFilter, "stage", ("workplace__district", ScopedDistrictFilter), WorkplaceFilter,
        PartyOrgFilter, ("stopped_on", admin.EmptyFieldListFilter),
    )  # fmt: skip
    list_select_related = ("workplace", "party_org")
    search_fields = ("name",)
    search_help_text = _("按姓名搜索")
    autocomplete_fields = ("workplace", "party_org", "sponsor_1", "sponsor_2")
    readonly_fields = ("stage", "probation_ends_on", "member_link")

    def get_fieldsets(self, request, obj=None):
        identity = ("id_number",) if obj is None else ("id_number_display",)
        return (
            (
                _("基本信息"),
                {"fields": ("name", *identity, "workplace", "workplace_role", "party_org")},
            ),
            (_("入党申请人"), {"fields": ("applied_on", "talked_on")}),
            (_("入党积极分子"), {"fields": ("activist_on",)}),
            (_("发展对象"), {"fields": ("candidate_on", "sponsor_1", "sponsor_2")}),
            (
                _("预备党员"),
                {
                    "fields": (
                        "admitted_on",
                        "admission_approved_by",
                        "admission_document",
                        "probation_extended_months",
                        "probation_ends_on",
                    )
                },
            ),
            (_("转正"), {"fields": ("full_on", "full_approved_by")}),
            (_("终止"), {"classes": ("collapse",), "fields": ("stopped_on", "stop_reason")}),
            (_("状态"), {"fields": ("stage", "member_link")}),
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("id_number_display")
            if not request.user.has_perm(REVEAL_PERMISSION):
                # The 18-at-application check answers with the birth date's side of any
                # date tried: halving 申请日期 a dozen times would spell the masked digits.
                fields.append("applied_on")
        return fields

    @admin.display(description=_("下一步"))
    def next_step(self, obj):
        if obj.stopped_on:
            return "-"
        due = obj.due(_today())
        if due is None:
            return "-"
        what, day, overdue = due
        if overdue:
            return format_html('<strong class="overdue">{}：{}（已逾期）</strong>', what, day)
        return format_html("{}：{}", what, day)

    @admin.display(description=_("党员名册记录"))
    def member_link(self, obj):
        if not obj.member_id:
            return "-"
        url = reverse("admin:members_member_change", args=[obj.member_id])
        return format_html('<a href="{}">{}</a>', url, obj.member)

    def save_model(self, request, obj, form, change):
        services.development_save(record=obj, user=request.user)


# --- transfers --------------------------------------------------------------------------


class AcceptForm(forms.Form):
    received_on = _date(_("回执（接收）日期"))
    new_workplace = forms.ModelChoiceField(
        label=_("新工作单位"),
        queryset=SocialOrg.objects.none(),
        required=False,
        help_text=_("随工作变动转来的，选择其在本辖区的新工作单位；留空则不变"),
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_workplace"].queryset = SocialOrg.objects.for_scope(request_scope(request))


class ReturnForm(forms.Form):
    returned_on = _date(_("退回日期"))
    return_reason = forms.CharField(label=_("退回原因"), max_length=200)


def _sees_member(request, transfer):
    return Member.objects.for_scope(request_scope(request)).filter(pk=transfer.member_id).exists()


def _is_receiving_side(request, transfer):
    if transfer.direction == Transfer.Direction.OUT:
        return False
    receiving = PartyOrganization.objects.for_scope(request_scope(request))
    return receiving.filter(pk=transfer.to_party_org_id).exists()


def _may_accept(model_admin, request, transfer):
    """A transfer into a Party organization is accepted by the receiving side; a transfer
    out of the system is closed, when the receipt comes back, by those who keep the
    member."""
    if transfer.direction == Transfer.Direction.OUT:
        return _sees_member(request, transfer)
    return _is_receiving_side(request, transfer)


def _may_return(model_admin, request, transfer):
    """The receiving side refuses a letter; those who keep the member withdraw it."""
    return _is_receiving_side(request, transfer) or _sees_member(request, transfer)


def _in_transit(transfer):
    return transfer.status == Transfer.Status.IN_TRANSIT


class TransferStateFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (*Transfer.Status.choices, ("overdue", Transfer.OVERDUE_LABEL))

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue(_today())
        if self.value() in Transfer.Status.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Transfer)
class TransferAdmin(ObjectActionsMixin, LifecycleAdmin):
    list_display = (
        "member", "direction", "origin", "destination", "letter_number", "issued_on",
        "receipt_due_on", "state", "received_on",
    )  # fmt: skip
    list_filter = (WorklistFilter, TransferStateFilter, "direction", MemberFilter)
    list_select_related = ("member", "from_party_org", "to_party_org")
    search_fields = ("member__name", "letter_number")
    search_help_text = _("按党员姓名或介绍信编号搜索")
    autocomplete_fields = ("member", "from_party_org", "to_party_org")
    fieldsets = (
        (None, {"fields": ("member", "direction", "reason")}),
        (_("转出"), {"fields": ("from_party_org", "from_outside")}),
        (_("接收"), {"fields": ("to_party_org", "to_outside")}),
        (_("介绍信"), {"fields": ("letter_number", "issued_on", "valid_until")}),
        (
            _("办理情况"),
            {
                "fields": (
                    "state",
                    "receipt_due_on",
                    "received_on",
                    "new_workplace",
                    "returned_on",
                    "return_reason",
                )
            },
        ),
    )
    object_actions = (
        ObjectAction(
            "accept",
            _("确认接收"),
            AcceptForm,
            lambda admin_, request, obj, data: services.transfer_accept(
                transfer=obj,
                received_on=data["received_on"],
                new_workplace=data["new_workplace"],
                user=request.user,
            ),
            available=_in_transit,
            allowed=_may_accept,
            done_message=_("已接收：党员的组织关系已转到接收党组织"),
        ),
        ObjectAction(
            "return",
            _("退回"),
            ReturnForm,
            lambda admin_, request, obj, data: services.transfer_return(
                transfer=obj,
                returned_on=data["returned_on"],
                reason=data["return_reason"],
                user=request.user,
            ),
            available=_in_transit,
            allowed=_may_return,
            done_message=_("已退回：党员的组织关系未变动"),
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        derived = (
            "state", "receipt_due_on", "received_on", "new_workplace", "returned_on",
            "return_reason",
        )  # fmt: skip
        if obj is None:
            return derived
        # An issued letter is a record: changes happen through 接收 and 退回.
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("issued_on", _today())
        return initial

    @admin.display(description=_("转出"))
    def origin(self, obj):
        return obj.origin

    @admin.display(description=_("接收"))
    def destination(self, obj):
        return obj.destination

    @admin.display(description=_("状态"))
    def state(self, obj):
        if obj.pk is None:
            return "-"
        label = obj.state_label(_today())
        if label == Transfer.OVERDUE_LABEL:
            return format_html('<strong class="overdue">{}</strong>', label)
        return label

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["letter_url"] = reverse("admin:members_transfer_letter", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        from members.views import transfer_letter

        return [
            admin_path("<path:object_id>/letter.pdf", self, transfer_letter, "letter"),
        ] + super().get_urls()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "to_party_org":
            # Any Party organization of the system may receive a member (see
            # PartyOrganizationAdmin.get_search_results); dissolved ones may not.
            kwargs["queryset"] = PartyOrganization.objects.active()
            return admin.ModelAdmin.formfield_for_foreignkey(self, db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on an issued letter is edited here
        services.transfer_issue(transfer=obj, user=request.user)


def admin_path(route, model_admin, view, suffix):
    """A URL of `model_admin` served by `view(request, model_admin, object_id)`."""
    opts = model_admin.opts
    return path(
        route,
        model_admin.admin_site.admin_view(
            lambda request, object_id: view(request, model_admin, object_id)
        ),
        name=f"{opts.app_label}_{opts.model_name}_{suffix}",
    )


# --- floating members -------------------------------------------------------------------


class EndFloatingForm(forms.Form):
    ended_on = _date(_("结束日期"), _("返回或已转接组织关系的日期"))


@admin.register(FloatingRecord)
class FloatingRecordAdmin(ObjectActionsMixin, LifecycleAdmin):
    list_display = (
        "member", "direction", "place", "fixed_place", "since", "host", "contact_person",
        "ended_on",
    )  # fmt: skip
    list_filter = (WorklistFilter, "direction", "fixed_place", OpenFilter, MemberFilter)
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
class RelationshipCheckAdmin(AnnotatedListMixin, ScopedAdminMixin, HistoryAdmin):
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

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class CampaignFilter(SelectedObjectFilter):
    title = _("排查")
    parameter_name = "campaign"
    field_name = "campaign"


@admin.register(CheckFinding)
class CheckFindingAdmin(ScopedAdminMixin, admin.ModelAdmin):
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

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


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
    outcome_on = _date(_("处理日期"))
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
        initial.setdefault("registered_on", _today())
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
