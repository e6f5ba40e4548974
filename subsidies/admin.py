"""Admin pages of the money (§五, §十): standards, budgets (browse, freeze, pay), dues,
an org's own spending on Party work, and venues. Every list and choice is scoped."""

from datetime import date

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from members.admin_common import DATE_INPUT
from members.models import Member
from orgs.admin_actions import ObjectAction, ObjectActionsMixin
from orgs.models import Region, SocialOrg, Unit
from orgs.scoped_admin import (
    HistoryAdmin,
    KeptRecordsMixin,
    ScopedAdminMixin,
    ScopedInlineMixin,
    request_scope,
)
from orgs.scopes import ScopeKind
from subsidies import budgets, rules
from subsidies.models import (
    Budget,
    BudgetLine,
    DuesBase,
    DuesPayment,
    DuesReturn,
    FundingStandard,
    PartyWorkSpending,
    Payment,
    Venue,
    dues_party_orgs,
    own_level_region,
)

LINES_PER_PAGE = 50
NOT_HELD = _("该党员的组织关系不在您管理的党组织，不能登记其党费")


def own_level(request):
    """The budget level (region id) the user keeps; None for an administrator (all)."""
    if request.user.is_superuser:
        return None
    return own_level_region(request_scope(request))


def keeps_level(request, region_id):
    return request.user.is_superuser or own_level(request) == region_id


class LevelChoicesMixin:
    """A standard or a budget is kept by its own level: the region offered is the user's
    city or district (any city or district for an administrator)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            regions = Region.objects.filter(level__in=[Region.Level.CITY, Region.Level.DISTRICT])
            if not request.user.is_superuser:
                regions = regions.filter(pk=own_level(request))
            kwargs["queryset"] = regions
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and (
            request.user.is_superuser or own_level(request) is not None
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or keeps_level(request, obj.region_id))


# --- standards ---------------------------------------------------------------------------


@admin.register(FundingStandard)
class FundingStandardAdmin(LevelChoicesMixin, KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    list_display = (
        "year", "region", "branch_allowance", "general_branch_allowance",
        "committee_allowance", "activity_fund", "member_fund", "basis",
    )  # fmt: skip
    list_filter = ("year",)
    list_select_related = ("region",)
    fieldsets = (
        (None, {"fields": ("year", "region", "basis")}),
        (
            _("书记岗位津贴（§五，元/人/年）"),
            {
                "fields": ("branch_allowance", "general_branch_allowance", "committee_allowance"),
                "description": _(
                    "最低标准：党支部书记3000元，党总支书记5000元，党委书记8000元；二级党组织不享受。"
                ),
            },
        ),
        (
            _("党组织活动经费（§十）"),
            {
                "fields": ("activity_fund", "member_fund"),
                "description": _(
                    "最低标准：每个党组织3000元/年（不含二级党组织），每名党员150元/年。"
                ),
            },
        ),
    )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        minimum = rules.Standard.minimum()
        for name in minimum.field_names():
            initial.setdefault(name, getattr(minimum, name))
        initial.setdefault("year", timezone.localdate().year + 1)
        initial.setdefault("region", own_level(request))
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.set_by = request.user
        super().save_model(request, obj, form, change)


# --- budgets -------------------------------------------------------------------------------


class FreezeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("确认冻结：冻结后预算明细不再随党组织、党员和考核数据变化"), required=True
    )

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, **kwargs)
        if obj is None or obj.is_frozen:
            return
        rows, _source = budgets.compute(obj.year, obj.region, timezone.localdate())
        pending = sum(1 for row in rows if not row.secondary and not row.grade)
        if not pending:
            return
        if timezone.localdate() > date(obj.year, 12, 31):
            warning = _(
                "注意：有{n}个党组织尚无{year}年度考核。年度已结束，冻结后这些党组织的"
                "书记岗位津贴为0且不能再拨付；宜在年度考核录入后再冻结。"
            )
        else:
            warning = _(
                "有{n}个党组织尚无{year}年度考核，其书记岗位津贴按合格预算；"
                "考核合格或优秀后方可拨付。"
            )
        self.fields["confirm"].help_text = warning.format(n=pending, year=obj.year)


def _freeze(model_admin, request, budget, data):
    budgets.freeze(budget, request.user)


class BudgetForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = ("year", "region", "notes")


@admin.register(Budget)
class BudgetAdmin(
    ObjectActionsMixin, LevelChoicesMixin, KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin
):
    form = BudgetForm
    change_form_template = "admin/subsidies/budget/change_form.html"
    list_display = (
        "__str__", "year", "region", "status", "frozen_total", "frozen_paid", "frozen_at",
        "frozen_by", "lines_link",
    )  # fmt: skip
    list_filter = ("year", "status")
    list_select_related = ("region", "frozen_by")
    object_select_related = ("region", "region__parent", "frozen_by", "created_by")
    readonly_fields = (
        "status",
        "created_by",
        "frozen_at",
        "frozen_by",
        "frozen_as_of",
        "standard_used",
    )
    object_actions = (
        ObjectAction(
            name="freeze",
            label=_("冻结预算"),
            form_class=FreezeForm,
            run=_freeze,
            available=lambda budget: not budget.is_frozen,
            allowed=lambda model_admin, request, budget: keeps_level(request, budget.region_id),
            permission="subsidies.freeze_budget",
            done_message=_("预算已冻结，明细已保存；可以在各明细下登记拨付。"),
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["year", "region"]
        return fields

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("year", timezone.localdate().year + 1)
        initial.setdefault("region", own_level(request))
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_queryset(self, request):
        # The totals of frozen budgets, for the list (a draft's are computed on its page),
        # to those who see whole budgets (the 两新工委, 组织部 and finance of the level);
        # others see the totals of their own lines on each budget's page.
        queryset = super().get_queryset(request)
        scope = request_scope(request)
        whole = scope.kind is ScopeKind.JURISDICTION and scope.unit_level in (
            Unit.Level.CITY,
            Unit.Level.DISTRICT,
        )
        if not (scope.sees_everything or whole):
            return queryset
        lines = BudgetLine.objects.filter(budget=OuterRef("pk"))
        paid = Payment.objects.filter(line__budget=OuterRef("pk"))
        return queryset.annotate(
            lines_total=Subquery(
                lines.values("budget")
                .annotate(t=Sum(F("activity_fund") + F("member_fund") + F("secretary_allowance")))
                .values("t")
            ),
            paid_total=Subquery(paid.values("line__budget").annotate(t=Sum("amount")).values("t")),
        )

    @admin.display(description=_("预算合计（元）"))
    def frozen_total(self, obj):
        total = getattr(obj, "lines_total", None)
        return rules.money(total) if obj.is_frozen and total is not None else "—"

    @admin.display(description=_("已拨付（元）"))
    def frozen_paid(self, obj):
        if not obj.is_frozen or not hasattr(obj, "paid_total"):
            return "—"
        return rules.money(obj.paid_total or rules.ZERO)

    @admin.display(description=_("明细"))
    def lines_link(self, obj):
        if not obj.is_frozen:
            return _("编制中（按最新数据计算）")
        url = reverse("admin:subsidies_budgetline_changelist") + f"?budget__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("明细与拨付"))

    def get_object(self, request, object_id, from_field=None):
        # The lines need the budget before Django's change view asks for it: once a request.
        cache = request.__dict__.setdefault("_budgets", {})
        if (object_id, from_field) not in cache:
            cache[(object_id, from_field)] = super().get_object(request, object_id, from_field)
        return cache[(object_id, from_field)]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        budget = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if budget is not None:
            extra_context.update(self.lines_context(request, budget))
        return super().change_view(request, object_id, form_url, extra_context)

    def lines_context(self, request, budget):
        scope = request_scope(request)
        channel = request.GET.get("channel", "")
        context = {
            "budget": budget,
            "channel": channel,
            "json_url": reverse("subsidies:budget_json", args=[budget.pk]),
        }
        if budget.is_frozen:
            # Sums by the database, and only the page's lines read.
            lines = budgets.scoped_lines(budget, scope)
            totals, groups, channels = budgets.frozen_groups(lines)
            shown = lines.filter(channel=channel) if channel else lines
            shown = shown.order_by("channel", "channel_unit__name", "party_org_name", "pk")
            page = Paginator(shown, LINES_PER_PAGE).get_page(request.GET.get("p"))
            page.object_list = budgets.page_rows(page.object_list)
            return {
                **context,
                "standard_source": budget.standard_used,
                "totals": totals,
                "groups": groups,
                "channels": channels,
                "page": page,
            }
        rows, source = budgets.compute(budget.year, budget.region, timezone.localdate(), scope)
        shown = [row for row in rows if not channel or row.channel == channel]
        return {
            **context,
            "standard_source": source,
            "totals": budgets.totals(rows, _("合计")),
            "groups": budgets.by_channel(rows),
            "channels": sorted({(row.channel, str(row.channel_label)) for row in rows}),
            "page": Paginator(shown, LINES_PER_PAGE).get_page(request.GET.get("p")),
        }


class PaymentFormSet(forms.BaseInlineFormSet):
    """The line's items may not be overpaid by the rows of one submission together."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        # Two clerks paying the same line at once: the second waits for the first's
        # commit (the admin saves in a transaction) and then sees its payment.
        line = BudgetLine.objects.select_for_update().get(pk=self.instance.pk)
        new = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not form.has_changed():
                continue
            new.setdefault(data["item"], []).append((form.instance.pk, data["amount"]))
        for item, entries in new.items():
            changed = [pk for pk, _amount in entries if pk]
            earlier = (
                line.payments.filter(item=item)
                .exclude(pk__in=changed)
                .aggregate(t=Sum("amount"))["t"]
                or rules.ZERO
            )
            if earlier + sum(amount for _pk, amount in entries) > getattr(line, item):
                raise ValidationError(
                    _("{item}本次拨付合计超出预算{budgeted}元").format(
                        item=Payment.Item(item).label, budgeted=getattr(line, item)
                    )
                )


class PaymentInline(ScopedInlineMixin, admin.TabularInline):
    model = Payment
    formset = PaymentFormSet

    fields = ("item", "amount", "paid_on", "voucher", "payee", "notes", "recorded_by")
    readonly_fields = ("recorded_by",)
    extra = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "paid_on":
            kwargs["widget"] = DATE_INPUT
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("subsidies.add_payment") and (
            obj is None or keeps_level(request, obj.budget.region_id)
        )

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("subsidies.change_payment") and (
            obj is None or keeps_level(request, obj.budget.region_id)
        )


@admin.register(BudgetLine)
class BudgetLineAdmin(KeptRecordsMixin, ScopedAdminMixin, admin.ModelAdmin):
    """A frozen budget's lines: read only, each with its payments."""

    list_display = (
        "party_org_name", "kind", "members", "grade_label", "activity_fund", "member_fund",
        "secretary_allowance", "line_total", "minimum_total", "paid_total", "budget",
    )  # fmt: skip
    list_filter = ("budget__year", "budget__region", "channel", "kind", "secondary")
    list_select_related = ("budget", "budget__region")
    search_fields = ("party_org_name",)
    show_full_result_count = False
    list_per_page = 50
    inlines = (PaymentInline,)
    object_select_related = ("budget", "budget__region", "party_org", "channel_unit")
    fields = (
        "budget", "party_org", "kind", "secondary", "members", "months", "grade",
        "eligibility", "channel", "channel_unit", "activity_fund", "minimum_activity_fund",
        "member_fund", "minimum_member_fund", "secretary_allowance",
        "minimum_secretary_allowance", "shares_text", "notes",
    )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The line itself stays as frozen; "change" here is adding its payments.
        return request.user.has_perm("subsidies.add_payment") and (
            obj is None or keeps_level(request, obj.budget.region_id)
        )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(paid_sum=Sum("payments__amount"))

    @admin.display(description=_("年度考核"))
    def grade_label(self, obj):
        return rules.GRADE_LABELS.get(obj.grade, "—")

    @admin.display(description=_("合计"))
    def line_total(self, obj):
        return obj.total

    @admin.display(description=_("最低标准合计"))
    def minimum_total(self, obj):
        return obj.minimum_activity_fund + obj.minimum_member_fund + obj.minimum_secretary_allowance

    @admin.display(description=_("已拨付"), ordering="paid_sum")
    def paid_total(self, obj):
        return obj.paid_sum or rules.ZERO

    @admin.display(description=_("津贴分配"))
    def shares_text(self, obj):
        return (
            "；".join(_("{holder}{months}个月{amount}元").format(**share) for share in obj.shares)
            or "—"
        )

    def save_formset(self, request, form, formset, change):
        for payment in formset.save(commit=False):
            if payment.recorded_by_id is None:
                payment.recorded_by = request.user
            payment.save()
        formset.save_m2m()


@admin.register(Payment)
class PaymentAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    """Every payment in scope; each is entered on its budget line."""

    list_display = ("paid_on", "line", "item", "amount", "voucher", "payee", "recorded_by")
    list_filter = ("item", "line__budget__year")
    list_select_related = ("line", "line__budget", "line__budget__region", "recorded_by")
    search_fields = ("voucher", "line__party_org_name", "payee")
    date_hierarchy = "paid_on"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- dues ----------------------------------------------------------------------------------


class DuesBaseForm(forms.ModelForm):
    class Meta:
        model = DuesBase
        fields = ("member", "year", "category", "monthly_income", "declared_on")
        widgets = {"declared_on": DATE_INPUT}


class DuesKeeperMixin:
    """Dues are kept by the Party organization holding the member's relationship: the
    member chosen must be held by one the user reaches (subsidies.models.dues_party_orgs),
    whatever the member autocomplete (which follows the workplace) offers; another is
    refused with NOT_HELD."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "member" and formfield is not None and not request.user.is_superuser:
            # Members held by the user's Party organizations, wherever they work (the
            # autocomplete's search follows the workplace; a link may preselect others).
            formfield.queryset = Member.objects.filter(
                party_org__in=dues_party_orgs(request_scope(request))
            )
            formfield.error_messages["invalid_choice"] = NOT_HELD
        return formfield


@admin.register(DuesBase)
class DuesBaseAdmin(DuesKeeperMixin, ScopedAdminMixin, HistoryAdmin):
    form = DuesBaseForm
    list_display = ("member", "year", "category", "monthly_income", "dues_display", "declared_on")
    list_filter = ("year", "category")
    list_select_related = ("member",)
    search_fields = ("member__name",)
    autocomplete_fields = ("member",)
    show_full_result_count = False

    @admin.display(description=_("月交党费（元）"))
    def dues_display(self, obj):
        return obj.monthly_dues


class DuesPaymentForm(forms.ModelForm):
    class Meta:
        model = DuesPayment
        fields = ("member", "month", "amount", "paid_on", "party_org")
        widgets = {"paid_on": DATE_INPUT, "month": DATE_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_org"].required = False
        self.fields["party_org"].help_text = _("留空即为该党员组织关系所在党组织")

    def clean(self):
        data = super().clean()
        member = data.get("member")
        if member is not None and not data.get("party_org"):
            if member.party_org_id is None:
                self.add_error("party_org", _("该党员组织关系不在本系统党组织，请选择收缴党组织"))
            else:
                self.instance.party_org_id = member.party_org_id
                data["party_org"] = member.party_org
        return data


@admin.register(DuesPayment)
class DuesPaymentAdmin(DuesKeeperMixin, ScopedAdminMixin, HistoryAdmin):
    form = DuesPaymentForm
    list_display = ("member", "month_label", "amount", "paid_on", "party_org")
    list_filter = ("month",)
    list_select_related = ("member", "party_org")
    search_fields = ("member__name", "party_org__name")
    autocomplete_fields = ("member", "party_org")
    date_hierarchy = "month"
    show_full_result_count = False
    list_per_page = 50

    @admin.display(description=_("所属月份"), ordering="month")
    def month_label(self, obj):
        return f"{obj.month:%Y-%m}"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


class DuesReturnForm(forms.ModelForm):
    class Meta:
        model = DuesReturn
        fields = ("party_org", "year", "amount", "returned_on", "voucher", "notes")
        widgets = {"returned_on": DATE_INPUT}


@admin.register(DuesReturn)
class DuesReturnAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    form = DuesReturnForm
    list_display = ("party_org", "year", "amount", "returned_on", "voucher")
    list_filter = ("year",)
    list_select_related = ("party_org",)
    search_fields = ("party_org__name", "voucher")
    autocomplete_fields = ("party_org",)
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PartyWorkSpending)
class PartyWorkSpendingAdmin(ScopedAdminMixin, HistoryAdmin):
    list_display = ("org", "year", "amount", "notes")
    list_filter = ("year",)
    list_select_related = ("org",)
    search_fields = ("org__name", "org__uscc")
    autocomplete_fields = ("org",)
    show_full_result_count = False


# --- venues --------------------------------------------------------------------------------


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = (
            "name", "kind", "district", "zone", "workstation", "owner_org", "address", "area",
            "opened_on", "free_to_orgs", "orgs",
        )  # fmt: skip
        widgets = {"opened_on": DATE_INPUT}

    def clean(self):
        data = super().clean()
        orgs = data.get("orgs")
        if orgs is not None and not self.errors:
            venue = self.instance
            for name in ("kind", "zone", "district", "owner_org"):
                setattr(venue, name, data.get(name))
            if data.get("workstation") and not data.get("zone"):
                venue.zone = data["workstation"].zone
            outside = venue.orgs_outside(list(orgs))
            if outside:
                names = "、".join(org.name for org in outside[:5])
                self.add_error(
                    "orgs",
                    _("以下社会组织不在该阵地的服务区域内：{names}").format(names=names),
                )
        return data


@admin.register(Venue)
class VenueAdmin(KeptRecordsMixin, ScopedAdminMixin, HistoryAdmin):
    form = VenueForm
    list_display = ("name", "kind", "district", "zone", "free_to_orgs", "opened_on")
    list_filter = ("kind", "free_to_orgs")
    list_select_related = ("district", "zone")
    search_fields = ("name", "address")
    autocomplete_fields = ("zone", "workstation", "owner_org", "orgs")
    object_select_related = ("district", "zone", "workstation", "owner_org")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        scope = request_scope(request)

        class ScopedVenueForm(form):
            def clean(self):
                data = super().clean()
                zone = data.get("zone") or (
                    data["workstation"].zone if data.get("workstation") else None
                )
                own = data.get("kind") == Venue.Kind.OWN
                # A street committee's venues lie in its zones, or are its orgs' own
                # rooms (the owner is chosen among the orgs of its scope).
                if (
                    scope.kind is ScopeKind.STREET
                    and not own
                    and (zone is None or zone.street_id != scope.region_id)
                ):
                    self.add_error("zone", _("请选择本街道内的服务区域"))
                return data

        return ScopedVenueForm

    def has_change_permission(self, request, obj=None):
        """Venues are changed by those who keep them: a 两新工委 those of its city or
        district, a street committee those of its zones and its orgs' own rooms; others
        (who see a venue because their orgs use it) only read it."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or request.user.is_superuser:
            return True
        scope = request_scope(request)
        if scope.kind is ScopeKind.STREET:
            if obj.kind == Venue.Kind.OWN:
                return SocialOrg.objects.for_scope(scope).filter(pk=obj.owner_org_id).exists()
            return obj.zone_id is not None and obj.zone.street_id == scope.region_id
        return scope.regions().filter(pk=obj.district_id).exists()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district" and not request.user.is_superuser:
            regions = request_scope(request).regions().values("pk")
            # A street's scope lists the street itself: its venues lie in its district.
            kwargs["queryset"] = Region.objects.filter(
                Q(pk__in=regions) | Q(children__in=regions), level=Region.Level.DISTRICT
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            # Read only: the orgs using it, as far as the user's scope reaches.
            fields = [name if name != "orgs" else "orgs_in_scope" for name in fields]
        return fields

    def get_object(self, request, object_id, from_field=None):
        venue = super().get_object(request, object_id, from_field)
        venue.visible_orgs = list(
            SocialOrg.objects.for_scope(request_scope(request)).filter(venues=venue)
        )
        return venue

    @admin.display(description=_("使用的社会组织（管理范围内）"))
    def orgs_in_scope(self, obj):
        return "、".join(org.name for org in getattr(obj, "visible_orgs", ())) or "—"

    def save_related(self, request, form, formsets, change):
        # The form offers only the orgs in the user's scope: links to the others stay.
        venue = form.instance
        before = set()
        if change:
            before = set(
                Venue.orgs.through.objects.filter(venue=venue).values_list(
                    "socialorg_id", flat=True
                )
            )
        super().save_related(request, form, formsets, change)
        seen = set(
            SocialOrg.objects.for_scope(request_scope(request))
            .filter(pk__in=before)
            .values_list("pk", flat=True)
        )
        if before - seen:
            venue.orgs.add(*(before - seen))
