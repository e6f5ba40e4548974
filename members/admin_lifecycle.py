"""Admin of the member lifecycle (§六), scoped per user: development and transfers here;
floating members, relationship checks, lost contact and dispositions in
members.admin_tracking.

Every save goes through members.services; state changes that are not plain edits
(接收, 退回, 结案) are actions on the record's page (orgs.admin_actions). Each list
filters by its worklists (?worklist=key, members.selectors), which the worklist page
counts.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members import services
from members.admin_common import (
    LifecycleAdmin,
    LifecycleForm,
    MaskedIdNumberMixin,
    MemberFilter,
    PartyOrgFilter,
    WorklistFilter,
    WorkplaceFilter,
    date_field,
)
from members.models import (
    Development,
    Transfer,
)
from members.privacy import REVEAL_PERMISSION
from members.selectors import BY_KEY, keeps_member
from orgs.admin import ScopedDistrictFilter
from orgs.admin_actions import ObjectAction, ObjectActionsMixin, add_errors
from orgs.models import PartyOrganization, SocialOrg
from orgs.scoped_admin import request_scope

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

    def has_change_permission(self, request, obj=None):
        # A complete (转正) or stopped record is a record: viewed, not edited.
        if obj is not None and (obj.full_on or obj.stopped_on):
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("下一步"))
    def next_step(self, obj):
        if obj.stopped_on:
            return "-"
        due = obj.due(timezone.localdate())
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
    received_on = date_field(_("回执（接收）日期"))
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
    returned_on = date_field(_("退回日期"))
    return_reason = forms.CharField(label=_("退回原因"), max_length=200)


def _sees_member(request, transfer):
    return keeps_member(request_scope(request), transfer.member_id)


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
            # The same rows as the 组织关系转接超期 worklist.
            return queryset.filter(BY_KEY["transfers_overdue"].q(timezone.localdate()))
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
    # A member may transfer to any Party organization of the system that still exists:
    # its name is all the sender sees of it.
    unscoped_choices = {"to_party_org": PartyOrganization.objects.active}
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
        initial.setdefault("issued_on", timezone.localdate())
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
        label = obj.state_label(timezone.localdate())
        if label == Transfer.OVERDUE_LABEL:
            return format_html('<strong class="overdue">{}</strong>', label)
        return label

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["letter_url"] = reverse("members:transfer_letter", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing on an issued letter is edited here
        services.transfer_issue(transfer=obj, user=request.user)
