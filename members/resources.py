"""The published 党员名册 template (members): resource, widgets and import rules.

Rows are matched on the 身份证号 of an active member (一人一条在册记录). The ID number is
personal data: no message written here shows it in full (orgs.validators.mask_id_number).
"""

import re
from types import SimpleNamespace

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.widgets import Widget

from members.models import Member, Post
from orgs.history import CHANGED, CREATED, record_history
from orgs.importing.registry import ImportTemplate, register
from orgs.importing.widgets import (
    ChoiceWidget,
    DateWidget,
    LookupWidget,
    TextWidget,
    YesNoWidget,
    clean_text,
)
from orgs.models import PartyOrganization, SocialOrg
from orgs.resources import OrgWidget, _chunks
from orgs.validators import id_number_problem, mask_id_number, normalize_code

BATCH_SIZE = 500

# 党内职务 in the template: the committee posts only (书记, 副书记, 委员).
COMMITTEE_POSTS = SimpleNamespace(
    choices=[(value, label) for value, label in Post.Kind.choices if value in Post.COMMITTEE_KINDS]
)


class IdNumberWidget(Widget):
    """身份证号: full-width characters and spaces normalized, x upper-cased, GB 11643 check."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # Excel keeps 15 significant digits: the number is already damaged in the file.
            raise ValueError(
                _("该单元格是数字格式，18位身份证号会被Excel截断；请把该列设为文本后重新填写")
            )
        number = normalize_code(clean_text(value))
        if not number:
            return None
        problem = id_number_problem(number)
        if problem:
            raise ValueError(problem)  # the reason only: the number stays out of reports
        return number

    def render(self, value, obj=None, **kwargs):
        return mask_id_number(value or "")


class PartyOrgWidget(LookupWidget):
    """A Party organization by name; the table is read once per import."""

    def __init__(self, **kwargs):
        # The dates too: records of a Party organization are checked against its founding
        # and 撤销 (activities, assessments), which would otherwise be one query a row.
        super().__init__(
            lambda: PartyOrganization.objects.only("pk", "name", "founded_on", "dissolved_on"),
            **kwargs,
        )

    def template_choices(self):
        # Every Party organization of the city would be listed in a file anyone with the
        # import permission downloads: the template names none.
        return None

    def candidates(self, row):
        # Nor do error messages suggest closest names: they are scoped records.
        return []


# 18 characters that read as an ID number, wherever they were typed.
_ID_NUMBER_LIKE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def mask_id_numbers_in(message):
    """`message` with every ID-number-like run masked (320102********1234)."""
    return _ID_NUMBER_LIKE.sub(lambda match: mask_id_number(match.group(0)), message)


def _masking(clean):
    def masked_clean(value, row=None, **kwargs):
        try:
            return clean(value, row=row, **kwargs)
        except ValueError as exc:
            raise ValueError(mask_id_numbers_in(str(exc))) from None

    return masked_clean


class MemberResource(resources.ModelResource):
    name = Field("name", "姓名", widget=TextWidget(max_length=50))
    id_number = Field("id_number", "身份证号", widget=IdNumberWidget())
    ethnicity = Field("ethnicity", "民族", widget=TextWidget(max_length=20))
    education = Field("education", "学历", widget=TextWidget(max_length=20))
    phone = Field("phone", "联系电话", widget=TextWidget(max_length=30))
    workplace = Field("workplace", "工作单位", widget=OrgWidget())
    workplace_role = Field(
        "workplace_role", "社会组织职务", widget=ChoiceWidget(Member.WorkplaceRole)
    )
    category = Field("category", "党员类别", widget=ChoiceWidget(Member.Category))
    joined_on = Field("joined_on", "入党日期", widget=DateWidget())
    full_member_on = Field("full_member_on", "转正日期", widget=DateWidget())
    party_org = Field("party_org", "组织关系所在党组织", widget=PartyOrgWidget())
    outside_holder = Field("outside_holder", "组织关系所在单位", widget=TextWidget(max_length=200))
    post_kind = Field("post_kind", "党内职务", widget=ChoiceWidget(COMMITTEE_POSTS))
    is_floating = Field("is_floating", "是否流动党员", widget=YesNoWidget())
    last_contact_on = Field("last_contact_on", "最近联系日期", widget=DateWidget())

    class Meta:
        model = Member
        fields = (
            "name", "id_number", "ethnicity", "education", "phone", "workplace",
            "workplace_role", "category", "joined_on", "full_member_on", "party_org",
            "outside_holder", "post_kind", "is_floating", "last_contact_on",
        )  # fmt: skip
        import_id_fields = ("id_number",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Cell errors quote the cell: an ID number typed into another column (columns
        # swapped, say) must not appear in full either.
        for field in self.fields.values():
            field.widget.clean = _masking(field.widget.clean)


def _sitting(today):
    """Posts still held: no end date, or one after today (a post ended today is over)."""
    return Q(ended_on__isnull=True) | Q(ended_on__gt=today)


class MemberTemplate(ImportTemplate):
    name = "members"
    title = "党员名册"
    resource_class = MemberResource
    permission = "members.import_member"
    required_columns = ("姓名", "身份证号", "工作单位", "党员类别", "入党日期")
    key_attribute = "id_number"
    scope_column = "工作单位"
    validation_exclude = ("gender", "birth_date")  # derived from the ID number
    example_row = {
        "姓名": "王某某",
        "身份证号": "320102198001010016",
        "民族": "汉族",
        "学历": "大学本科",
        "联系电话": "13800000000",
        "工作单位": "51320102MJ5678901E",
        "社会组织职务": "负责人",
        "党员类别": "正式党员",
        "入党日期": "2005-07-01",
        "转正日期": "2006-07-01",
        "组织关系所在党组织": "中共南京市玄武区阳光志愿者协会支部委员会",
        "组织关系所在单位": "",
        "党内职务": "书记",
        "是否流动党员": "否",
        "最近联系日期": "2026-01-15",
    }

    def load_existing(self, keys):
        today = timezone.localdate()
        posts = Post.objects.filter(_sitting(today), kind__in=Post.COMMITTEE_KINDS).order_by(
            "started_on", "pk"
        )
        found = {}
        for chunk in _chunks(keys):
            members = Member.objects.filter(
                status=Member.Status.ACTIVE, id_number__in=chunk
            ).prefetch_related(Prefetch("posts", queryset=posts, to_attr="import_sitting_posts"))
            found.update({m.id_number: m for m in members})
        return found

    def check_values(self, values):
        if values.get("post_kind") and not values.get("party_org"):
            return [
                (
                    "post_kind",
                    _("填写党内职务时须填写组织关系所在党组织（职务设在该党组织）"),
                )
            ]
        return []

    def prepare(self, instance, values):
        # Gender and birth date: Member.clean_fields derives them when a new row is
        # validated; a stored member's number, the key, does not change.
        if not hasattr(instance, "import_sitting_posts"):
            instance.import_sitting_posts = []

    def related_changed(self, instance, values):
        kind = values.get("post_kind")
        if not kind:
            return False  # an empty cell leaves the member's posts alone
        held = [(post.kind, post.party_org_id) for post in instance.import_sitting_posts]
        return held != [(kind, instance.party_org_id)]

    def check_rows(self, written, existing_ids):
        """One secretary per Party organization, across the file and the database."""
        claims = {}  # party org pk -> [(row, member)]
        for number, member in written:
            if member.import_values.get("post_kind") == Post.Kind.SECRETARY:
                claims.setdefault(member.party_org_id, []).append((number, member))
        if not claims:
            return []
        problems = []
        for rows in claims.values():
            if len(rows) < 2:
                continue
            name = rows[0][1].party_org.name
            for number, _member in rows:
                others = "、".join(f"第{n}行" for n, _m in rows if n != number)
                problems.append(
                    (
                        number,
                        "党内职务",
                        _("与{rows}都填写为“{org}”的书记，每个党组织只有一名书记").format(
                            rows=others, org=name
                        ),
                    )
                )
        written_by_pk = {member.pk: member for _number, member in written if member.pk}
        today = timezone.localdate()
        sitting = Post.objects.filter(
            _sitting(today), kind=Post.Kind.SECRETARY, party_org_id__in=list(claims)
        ).values_list("party_org_id", "member_id", "member__name", "person_name")
        for party_org_id, holder_id, holder_name, person_name in sitting:
            rows = claims[party_org_id]
            if len(rows) > 1:
                continue  # already reported
            number, member = rows[0]
            if holder_id is not None and holder_id == member.pk:
                continue
            holder = written_by_pk.get(holder_id)
            if holder is not None and self._leaves_secretary_post(holder, party_org_id):
                continue  # this file ends the holder's post
            problems.append(
                (
                    number,
                    "党内职务",
                    _(
                        "“{org}”已有现任书记{holder}；如需更换，请在本文件中修改其党内职务，"
                        "或先在管理后台办理离任"
                    ).format(org=member.party_org.name, holder=holder_name or person_name),
                )
            )
        return problems

    @staticmethod
    def _leaves_secretary_post(member, party_org_id):
        kind = member.import_values.get("post_kind")
        return bool(kind) and (kind != Post.Kind.SECRETARY or member.party_org_id != party_org_id)

    def check_scope(self, scope, written):
        """The workplace and the Party organization named must be inside the importer's
        scope. Outside it they are reported as for an unknown value: saying that they
        exist elsewhere would show another office's records (domain.md §1)."""
        if scope.sees_everything:
            return []
        workplaces = {member.workplace_id for _number, member in written}
        party_orgs = {member.party_org_id for _number, member in written if member.party_org_id}
        orgs_inside, party_orgs_inside = set(), set()
        for chunk in _chunks(workplaces):
            orgs_inside.update(
                SocialOrg.objects.for_scope(scope).filter(pk__in=chunk).values_list("pk", flat=True)
            )
        for chunk in _chunks(party_orgs):
            party_orgs_inside.update(
                PartyOrganization.objects.for_scope(scope)
                .filter(pk__in=chunk)
                .values_list("pk", flat=True)
            )
        problems = []
        for number, member in written:
            held_by_own = bool(scope.party_org_id) and member.party_org_id == scope.party_org_id
            if member.workplace_id not in orgs_inside and not held_by_own:
                workplace = member.workplace
                if workplace.uscc:
                    message = _("未找到统一社会信用代码为“{code}”的社会组织").format(
                        code=workplace.uscc
                    )
                else:
                    message = _("未找到“{value}”").format(value=workplace.name)
                problems.append((number, "工作单位", message))
            if member.party_org_id and member.party_org_id not in party_orgs_inside:
                problems.append(
                    (
                        number,
                        "组织关系所在党组织",
                        _("未找到“{org}”").format(org=member.party_org.name),
                    )
                )
        return problems

    def after_write(self, written, history):
        """党内职务: keep a matching sitting post, end the others, start the new one."""
        today = timezone.localdate()
        ended, started = [], []
        for _number, member in written:
            kind = member.import_values.get("post_kind")
            if not kind:
                # An empty cell leaves posts alone, except those in a Party organization
                # the member has just left: a post belongs where the relationship is held.
                for post in member.import_sitting_posts:
                    if post.party_org_id and post.party_org_id != member.party_org_id:
                        post.ended_on = max(today, post.started_on)
                        ended.append(post)
                continue
            kept = None
            for post in member.import_sitting_posts:
                if kept is None and (post.kind, post.party_org_id) == (kind, member.party_org_id):
                    kept = post
                else:
                    post.ended_on = max(today, post.started_on)
                    ended.append(post)
            if kept is None:
                started.append(
                    Post(
                        kind=kind,
                        member_id=member.pk,
                        party_org_id=member.party_org_id,
                        started_on=today,
                    )
                )
        # Ends first: a secretary who steps down frees the post for the new one.
        if ended:
            Post.objects.bulk_update(ended, ["ended_on"], batch_size=BATCH_SIZE)
            record_history(Post, [p.pk for p in ended], history_type=CHANGED, **history)
        if started:
            Post.objects.bulk_create(started, batch_size=BATCH_SIZE)
            record_history(Post, [p.pk for p in started], history_type=CREATED, **history)

    def label(self, instance):
        return f"{instance.name}（{mask_id_number(instance.id_number)}）"


register(MemberTemplate())
