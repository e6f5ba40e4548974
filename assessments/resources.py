"""Import templates of organizational life (组织生活) and of the annual assessments of
Party organizations (党组织年度考核), run by the one import service
(orgs.importing.service): all or nothing, every problem named by row and column.

Columns are documented in docs/import-templates.md (sections 十 and 十一).
"""

import re

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.widgets import Widget

from assessments import months
from assessments.models import Activity, Evaluation, Grade, PartyOrgAssessment
from members.models import Member
from members.resources import PartyOrgWidget, mask_id_numbers_in
from orgs.history import record_m2m_history
from orgs.importing.registry import ImportTemplate, chunks, ids_in_scope, register
from orgs.importing.service import BATCH_SIZE
from orgs.importing.widgets import (
    ChoiceWidget,
    CountWidget,
    DateWidget,
    TextWidget,
    YesNoWidget,
    clean_text,
)
from orgs.models import PartyOrganization
from orgs.validators import normalize_code

# Names in one cell: separated by 、，,；; or spaces.
_SEPARATORS = re.compile(r"[、，,；;\s]+")
_ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")


def _stamp(model, attname, value, ids, history):
    """Set who recorded or assessed the rows just written, in their history rows too."""
    for chunk in chunks(ids):
        model.objects.filter(pk__in=chunk).update(**{attname: value})
        model.history.model.objects.filter(id__in=chunk, history_date=history["date"]).update(
            **{attname: value}
        )


class NamesWidget(Widget):
    """参加党员: names (or 身份证号 where two share a name), each once."""

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value)
        if not text:
            return None
        tokens = []
        for token in _SEPARATORS.split(text):
            token = normalize_code(token) if _ID_NUMBER.match(normalize_code(token)) else token
            if token and token not in tokens:
                tokens.append(token)
        if len(tokens) > 500:
            raise ValueError(_("参加党员超过500人，请核对"))
        return tuple(tokens)

    def render(self, value, obj=None, **kwargs):
        return "、".join(value or ())


class ActivityResource(resources.ModelResource):
    party_org = Field("party_org", "党组织", widget=PartyOrgWidget())
    kind = Field("kind", "活动类型", widget=ChoiceWidget(Activity.Kind))
    held_on = Field("held_on", "活动日期", widget=DateWidget())
    topic = Field("topic", "主题", widget=TextWidget(max_length=200))
    online = Field("online", "网上开展", widget=YesNoWidget())
    location = Field("location", "地点", widget=TextWidget(max_length=200))
    attendee_names = Field("attendee_names", "参加党员", widget=NamesWidget())
    observers = Field("observers", "上级党组织列席人员", widget=TextWidget(max_length=300))
    minutes = Field("minutes", "会议记录", widget=TextWidget(max_length=20000))

    class Meta:
        model = Activity
        fields = (
            "party_org", "kind", "held_on", "topic", "online", "location", "attendee_names",
            "observers", "minutes",
        )  # fmt: skip

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # An ID number typed in any cell is masked in the messages that quote the cell.
        for field in self.fields.values():
            clean = field.widget.clean

            def masked(value, row=None, _clean=clean, **kw):
                try:
                    return _clean(value, row=row, **kw)
                except ValueError as exc:
                    raise ValueError(mask_id_numbers_in(str(exc))) from None

            field.widget.clean = masked


def _party_org_rows_outside(scope, rows):
    """rows_outside_scope() of templates whose rows name a Party organization."""
    if scope.sees_everything:
        return {}
    named = {values["party_org"].pk for values in rows if values.get("party_org")}
    inside = ids_in_scope(PartyOrganization.objects, scope, named)
    return {
        index: [("party_org", _("未找到“{org}”").format(org=values["party_org"].name))]
        for index, values in enumerate(rows)
        if values.get("party_org") and values["party_org"].pk not in inside
    }


class ActivityTemplate(ImportTemplate):
    """A row is one activity, matched on its Party organization, kind, date and topic: a
    file imported again updates what it recorded instead of doubling it."""

    name = "activities"
    title = "组织生活"
    resource_class = ActivityResource
    permission = "assessments.import_activity"
    required_columns = ("党组织", "活动类型", "活动日期", "主题")
    key_attribute = "topic"
    scope_column = "党组织"
    validation_exclude = ("recorded_by",)
    example_row = {
        "党组织": "中共南京市玄武区阳光志愿者协会支部委员会",
        "活动类型": "主题党日",
        "活动日期": "2026-03-15",
        "主题": "学习贯彻全会精神",
        "网上开展": "否",
        "地点": "协会会议室",
        "参加党员": "王某某、李某某",
        "上级党组织列席人员": "张某某（区两新工委组织员）",
        "会议记录": "",
    }

    def key(self, values):
        parts = (values.get("party_org"), values.get("kind"), values.get("held_on"))
        topic = values.get("topic")
        if not all(parts) or not topic:
            return None
        return (parts[0].pk, parts[1], parts[2], topic)

    def key_column(self, key):
        return "主题"

    def outside_scope(self, key, instance):
        # The key holds the Party organization: say what check_scope() says of it.
        return "党组织", _("未找到“{org}”").format(org=instance.party_org.name)

    def load_existing(self, keys):
        found = {}
        party_orgs = {key[0] for key in keys}
        days = {key[2] for key in keys}
        wanted = set(keys)
        for chunk in chunks(party_orgs):
            activities = Activity.objects.filter(
                party_org_id__in=chunk, held_on__in=days
            ).prefetch_related("attendees")
            for activity in activities:
                key = (activity.party_org_id, activity.kind, activity.held_on, activity.topic)
                if key in wanted:
                    activity.import_stored_attendees = {
                        member.pk: member for member in activity.attendees.all()
                    }
                    found[key] = activity
        return found

    def related_changed(self, instance, values):
        names = values.get("attendee_names")
        if not names:
            return False  # an empty cell leaves the attendees alone
        stored = getattr(instance, "import_stored_attendees", {}).values()
        if len(names) != len(stored):
            return True
        known = {member.name for member in stored} | {member.id_number for member in stored}
        return not set(names) <= known

    def rows_outside_scope(self, scope, rows):
        return _party_org_rows_outside(scope, rows)

    def check_scope(self, scope, written):
        """Each attendee must be on the Party organization's register or attend it
        (assessments.eligible_attendees); the Party organization itself is the importer's
        (rows_outside_scope)."""
        problems = []
        checked = written
        eligible = self._eligible(
            {a.party_org_id for _n, a in checked if a.import_values.get("attendee_names")}
        )
        for number, activity in checked:
            names = activity.import_values.get("attendee_names")
            if not names:
                continue
            offered = list(eligible.get(activity.party_org_id, []))
            # Who attended stays on record, also after leaving the Party organization
            # (as in the admin's form).
            listed = {pk for pk, _name, _number in offered}
            offered += [
                (m.pk, m.name, m.id_number)
                for m in getattr(activity, "import_stored_attendees", {}).values()
                if m.pk not in listed
            ]
            ids, row_problems = self._resolve(names, offered)
            activity.import_attendee_ids = ids
            problems += [(number, "参加党员", message) for message in row_problems]
        return problems

    @staticmethod
    def _eligible(party_org_ids):
        """{Party organization id: [(pk, name, id_number)]} of those who may attend."""
        found = {pk: [] for pk in party_org_ids}
        if not party_org_ids:
            return found
        attending = Member.attends.through.objects.filter(
            partyorganization_id__in=party_org_ids
        ).values_list("member_id", "partyorganization_id")
        attends = {}
        for member_id, party_org_id in attending:
            attends.setdefault(member_id, set()).add(party_org_id)
        members = Member.objects.on_register().filter(
            Q(party_org_id__in=party_org_ids) | Q(pk__in=list(attends))
        )
        for pk, name, id_number, party_org_id in members.values_list(
            "pk", "name", "id_number", "party_org_id"
        ):
            for target in ({party_org_id} | attends.get(pk, set())) & set(party_org_ids):
                found[target].append((pk, name, id_number))
        return found

    @staticmethod
    def _resolve(names, eligible):
        ids, problems = [], []
        for token in names:
            if _ID_NUMBER.match(token):
                matches = [pk for pk, _name, number in eligible if number == token]
                shown = mask_id_numbers_in(token)
            else:
                matches = [pk for pk, name, _number in eligible if name == token]
                shown = token
            if not matches:
                problems.append(
                    _("“{name}”不是该党组织的在册党员，也未在此参加组织生活").format(name=shown)
                )
            elif len(matches) > 1:
                problems.append(
                    _("该党组织有{n}名党员名为“{name}”，请改填其身份证号").format(
                        n=len(matches), name=shown
                    )
                )
            elif matches[0] not in ids:
                ids.append(matches[0])
        return ids, problems

    def after_write(self, written, history):
        through = Activity.attendees.through
        changed = [a for _n, a in written if hasattr(a, "import_attendee_ids")]
        for chunk in chunks([a.pk for a in changed]):
            through.objects.filter(activity_id__in=chunk).delete()
        through.objects.bulk_create(
            [
                through(activity_id=a.pk, member_id=pk)
                for a in changed
                for pk in a.import_attendee_ids
            ],
            batch_size=BATCH_SIZE,
        )
        # Bulk writes send no signals: the months held are refreshed here.
        months.refresh({(a.party_org_id, a.held_on.year) for _n, a in written})
        # The history rows the service wrote carry the attendees as they now are.
        record_m2m_history(Activity, "attendees", [a.pk for _n, a in written], history["date"])
        user_id = getattr(history["user"], "pk", None)
        unstamped = [a.pk for _n, a in written if a.recorded_by_id is None]
        if user_id:
            _stamp(Activity, "recorded_by_id", user_id, unstamped, history)

    def label(self, instance):
        return f"{instance.party_org.name} {instance.held_on} {instance.get_kind_display()}"


class YearWidget(CountWidget):
    def clean(self, value, row=None, **kwargs):
        year = super().clean(value, row=row, **kwargs)
        if year is not None and not 2000 <= year <= 2100:
            raise ValueError(_("年度应为四位数年份，如2025"))
        return year


class AssessmentResource(resources.ModelResource):
    party_org = Field("party_org", "党组织", widget=PartyOrgWidget())
    year = Field("year", "年度", widget=YearWidget())
    grade = Field("grade", "考核等次", widget=ChoiceWidget(Grade))
    assessed_on = Field("assessed_on", "考核日期", widget=DateWidget())
    override_reason = Field("override_reason", "调整理由", widget=TextWidget(max_length=300))
    report_to_higher = Field(
        "report_to_higher", "向上级党组织述职", widget=TextWidget(max_length=20000)
    )
    higher_evaluation = Field(
        "higher_evaluation", "上级党组织评议", widget=ChoiceWidget(Evaluation)
    )
    report_to_members = Field(
        "report_to_members", "向党员述职", widget=TextWidget(max_length=20000)
    )
    members_evaluation = Field("members_evaluation", "党员评议", widget=ChoiceWidget(Evaluation))

    class Meta:
        model = PartyOrgAssessment
        fields = (
            "party_org", "year", "grade", "assessed_on", "override_reason", "report_to_higher",
            "higher_evaluation", "report_to_members", "members_evaluation",
        )  # fmt: skip


class AssessmentTemplate(ImportTemplate):
    """One row per Party organization and year: its grade, with the reason where it
    differs from the grade the year's facts suggest (PartyOrgAssessment.clean)."""

    name = "assessments"
    title = "党组织年度考核"
    resource_class = AssessmentResource
    permission = "assessments.import_partyorgassessment"
    required_columns = ("党组织", "年度", "考核等次", "考核日期")
    key_attribute = "year"
    scope_column = "党组织"
    validation_exclude = ("assessed_by",)
    touched_fields = ()
    example_row = {
        "党组织": "中共南京市玄武区阳光志愿者协会支部委员会",
        "年度": "2025",
        "考核等次": "合格",
        "考核日期": "2026-01-15",
        "调整理由": "",
        "向上级党组织述职": "",
        "上级党组织评议": "好",
        "向党员述职": "",
        "党员评议": "较好",
    }

    def key(self, values):
        party_org, year = values.get("party_org"), values.get("year")
        return (party_org.pk, year) if party_org and year else None

    def key_column(self, key):
        return "年度"

    def outside_scope(self, key, instance):
        return "党组织", _("未找到“{org}”").format(org=instance.party_org.name)

    def begin(self, rows):
        """The facts of every row's suggested grade, in a few queries per year rather
        than several per row (PartyOrgAssessment.clean reads them)."""
        from assessments.selectors import suggestion_facts_many

        pairs = {
            (values["party_org"].pk, values["year"])
            for values in rows
            if values.get("party_org") and values.get("year")
        }
        return suggestion_facts_many(pairs, timezone.localdate())

    def prepare(self, instance, values):
        facts = (instance.import_context or {}).get((instance.party_org_id, instance.year))
        if facts is not None:
            instance.suggestion_facts = facts

    def load_existing(self, keys):
        found = {}
        years = {year for _pk, year in keys}
        wanted = set(keys)
        for chunk in chunks({pk for pk, _year in keys}):
            for assessment in PartyOrgAssessment.objects.filter(
                party_org_id__in=chunk, year__in=years
            ):
                key = (assessment.party_org_id, assessment.year)
                if key in wanted:
                    found[key] = assessment
        return found

    def rows_outside_scope(self, scope, rows):
        return _party_org_rows_outside(scope, rows)

    def after_write(self, written, history):
        # The assessing unit is the importer's, as in the admin.
        unit_id = getattr(history["user"], "unit_id", None)
        unstamped = [a.pk for _n, a in written if a.assessed_by_id is None]
        if unit_id:
            _stamp(PartyOrgAssessment, "assessed_by_id", unit_id, unstamped, history)

    def label(self, instance):
        return f"{instance.party_org.name} {instance.year}年 {instance.get_grade_display()}"


register(ActivityTemplate())
register(AssessmentTemplate())
