"""一社一档 (issue 8 §4): one social org's dossier as a PDF (and JSON): its archive record
with every field under its Chinese label, the year's record (三同步), the documents
listed (not the files), its mass organizations, instructors and coverage plans, its Party
organizations with their committees, the members working in it (ID and phone numbers
masked), and the year's activities and assessments of its Party organizations.

A fixed number of queries whatever the org (about fifteen), and a light template: one
dossier renders in well under half a second.

The archive, the members and the Party organizations are as they are today; the posts
are those in office at the end of the year (today for this year); the activities,
assessments and reviews are the year's.
"""

import datetime
from collections import defaultdict

from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Activity, Grade, MemberReview, PartyOrgAssessment
from assessments.selectors import existing_in
from ledger.exporters import Exporter, PdfPart
from members.models import Member, Post
from members.privacy import mask_phone, masked
from orgs import rules
from orgs.models import (
    CoveragePlan,
    MassOrganization,
    OrgDocument,
    OrgYearRecord,
    PartyOrganization,
    SocialOrg,
)

# The committee of a Party organization, in the order a dossier lists it.
COMMITTEE_KINDS = (
    Post.Kind.SECRETARY,
    Post.Kind.DEPUTY_SECRETARY,
    Post.Kind.COMMITTEE_MEMBER,
    Post.Kind.PARTY_WORKER,
)
GRADES = tuple(Grade.values)
EMPTY = "—"
TEMPLATE = "ledger/pdf/dossier.html"
ALL_SECTIONS = ("archive", "party_orgs", "members", "activities", "assessments")
# Beyond this many members and activities together a dossier renders in parts on both
# cores (a few orgs have hundreds of members: a hundred pages).
PART_ROWS = 150


# --- a model instance's fields, labelled -------------------------------------------------


def _fields(model, exclude=()):
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in exclude
    ]


def shown(instance, field):
    """A field's value as the dossier prints it: choices by their label, relations by
    name, yes/no, dates ISO, moments in Shanghai time."""
    value = getattr(instance, field.name)
    if value is None or value == "":
        return EMPTY if not isinstance(field, models.BooleanField) else _("未填写")
    if field.choices:
        return getattr(instance, f"get_{field.name}_display")()
    if isinstance(field, models.BooleanField):
        return _("是") if value else _("否")
    if isinstance(field, models.DateTimeField):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(field, models.DateField):
        return value.isoformat()
    return str(value)


def raw(instance, field):
    """A field's value for the JSON: codes for choices, names for relations."""
    value = getattr(instance, field.name)
    if isinstance(field, models.ForeignKey):
        return str(value) if value is not None else None
    if isinstance(field, models.DateTimeField) and value is not None:
        return timezone.localtime(value).isoformat()
    return value


def labelled(instance, exclude=()):
    """[(Chinese label, printed value)] of every field of `instance`."""
    return [
        (str(field.verbose_name), shown(instance, field))
        for field in _fields(type(instance), exclude)
    ]


def as_dict(instance, exclude=()):
    return {field.name: raw(instance, field) for field in _fields(type(instance), exclude)}


def pairs(items):
    """Label-value items two to a line (the PDF's four-column tables)."""
    items = list(items)
    if len(items) % 2:
        items.append(("", ""))
    return [items[i : i + 2] for i in range(0, len(items), 2)]


def _person(post):
    return post.member.name if post.member_id else post.person_name


# --- the dossier ------------------------------------------------------------------------------


class Dossier(Exporter):
    report = "dossier"
    formats = ("pdf", "json")

    def __init__(self, target, year, *, today=None):
        if target.org is None:
            raise ValueError(_("一社一档须指定一个社会组织"))
        self.target = target
        self.year = year
        self.today = today or timezone.localdate()
        # Posts in office at the end of the year (today for this year).
        self.as_of = min(self.today, datetime.date(year, 12, 31))
        self.title = _("一社一档：%(name)s") % {"name": target.org.name}
        self.scope_label = target.label
        self._data = None

    def size(self):
        """The rows of its two long tables (two COUNTs): the members working in the org
        and the year's activities of its Party organizations."""
        org = self.target.org
        party_orgs = PartyOrganization.objects.filter(existing_in(self.year), covered_orgs=org)
        return (
            Member.objects.on_register().filter(workplace_id=org.pk).count()
            + Activity.objects.filter(
                party_org_id__in=party_orgs.values("pk"), held_on__year=self.year
            ).count()
        )

    def load(self):
        """Everything the dossier shows, read once in a fixed number of queries."""
        if self._data is not None:
            return self._data
        year = self.year
        org = SocialOrg.objects.select_related(
            "registration_authority",
            "supervising_unit",
            "district",
            "street",
            "zone",
            "channel_unit",
            "key_unit",
        ).get(pk=self.target.org.pk)  # fmt: skip
        year_record = OrgYearRecord.objects.filter(org=org, year=year).first()
        documents = list(OrgDocument.objects.filter(org=org).order_by("-uploaded_at", "pk"))
        mass_orgs = list(MassOrganization.objects.filter(org=org).order_by("founded_on", "pk"))
        plans = list(
            CoveragePlan.objects.filter(org=org)
            .select_related("responsible_unit")
            .order_by("deadline", "pk")
        )
        instructors = list(
            Post.objects.filter(kind=Post.Kind.INSTRUCTOR, guided_orgs=org)
            .select_related("member")
            .order_by("started_on", "pk")
        )
        party_orgs = list(
            PartyOrganization.objects.filter(existing_in(year), covered_orgs=org)
            .select_related("parent", "approving_unit", "workstation")
            .prefetch_related(
                models.Prefetch(
                    "covered_orgs", queryset=SocialOrg.objects.only("pk", "name").order_by("name")
                )
            )
            .order_by("founded_on", "name")
        )
        ids = [party_org.pk for party_org in party_orgs]
        posts = defaultdict(list)
        order = {kind: index for index, kind in enumerate(COMMITTEE_KINDS)}
        for post in (
            Post.objects.current(self.as_of)
            .filter(party_org_id__in=ids, kind__in=COMMITTEE_KINDS)
            .select_related("member")
        ):
            posts[post.party_org_id].append(post)
        for held in posts.values():
            held.sort(key=lambda post: (order[post.kind], post.started_on, post.pk))
        held_counts = dict(
            Member.objects.on_register()
            .filter(party_org_id__in=ids)
            .order_by()
            .values_list("party_org_id")
            .annotate(n=Count("pk"))
        )
        members = list(
            Member.objects.on_register()
            .filter(workplace=org)
            .select_related("party_org")
            .order_by("name", "pk")
        )
        activities = list(
            Activity.objects.filter(party_org_id__in=ids, held_on__year=year)
            .select_related("party_org")
            .annotate(attendance=Count("attendees"))
            .order_by("held_on", "pk")
        )
        assessments = list(
            PartyOrgAssessment.objects.filter(party_org_id__in=ids, year=year)
            .select_related("party_org", "assessed_by")
            .order_by("party_org__name")
        )
        reviews = defaultdict(lambda: dict.fromkeys(GRADES, 0))
        for party_org_id, grade, n in (
            MemberReview.objects.filter(party_org_id__in=ids, year=year)
            .order_by()
            .values_list("party_org_id", "grade")
            .annotate(n=Count("pk"))
        ):
            reviews[party_org_id][grade] = n
        self._data = {
            "org": org,
            "year_record": year_record,
            "documents": documents,
            "mass_orgs": mass_orgs,
            "plans": plans,
            "instructors": instructors,
            "party_orgs": party_orgs,
            "posts": posts,
            "held_counts": held_counts,
            "members": members,
            "activities": activities,
            "assessments": assessments,
            "reviews": reviews,
        }
        return self._data

    # --- PDF -------------------------------------------------------------------------------

    def pdf_parts(self):
        data = self.load()
        org = data["org"]
        party_orgs = []
        for party_org in data["party_orgs"]:
            term_end = rules.term_end(party_org.term_start, party_org.term_years)
            facts = [
                (_("组织建制"), party_org.get_kind_display()),
                (_("组建方式"), party_org.get_formation_display()),
                (_("上级党组织"), str(party_org.parent or EMPTY)),
                (_("二级党组织"), _("是") if party_org.is_secondary else _("否")),
                (_("成立日期"), party_org.founded_on.isoformat()),
                (_("撤销日期"), party_org.dissolved_on.isoformat() if party_org.dissolved_on
                 else EMPTY),
                (_("本届任期"), f"{party_org.term_start.isoformat()} 至 {term_end.isoformat()}"),
                (_("审批单位及文号"), " ".join(
                    str(v) for v in (party_org.approving_unit, party_org.approval_number) if v
                ) or EMPTY),
                (_("依托的区域党建工作站"), str(party_org.workstation or EMPTY)),
                (_("组织关系在本组织的党员"), str(data["held_counts"].get(party_org.pk, 0))),
                (_("覆盖社会组织"), "、".join(o.name for o in party_org.covered_orgs.all())),
            ]  # fmt: skip
            party_orgs.append(
                {
                    "name": party_org.name,
                    "facts": pairs(facts),
                    "posts": [
                        (
                            post.get_kind_display(),
                            _person(post),
                            post.started_on.isoformat(),
                            post.get_selection_display() if post.selection else "",
                        )
                        for post in data["posts"].get(party_org.pk, ())
                    ],
                }
            )
        many = len(data["party_orgs"]) > 1
        reviews = data["reviews"]
        context = {
            "title": self.title,
            "org": org,
            "year": self.year,
            "today": self.today,
            "as_of": self.as_of,
            "archive": pairs(labelled(org)),
            "year_record": pairs(labelled(data["year_record"], exclude=("org", "year")))
            if data["year_record"]
            else None,
            "documents": [
                (
                    document.get_kind_display(),
                    document.title or document.original_name,
                    document.original_name,
                    timezone.localtime(document.uploaded_at).date().isoformat(),
                )
                for document in data["documents"]
            ],
            "mass_orgs": [
                (
                    mass.get_kind_display(),
                    mass.name,
                    mass.founded_on.isoformat(),
                    mass.dissolved_on.isoformat() if mass.dissolved_on else "",
                )
                for mass in data["mass_orgs"]
            ],
            "instructors": [
                (
                    _person(post),
                    post.get_instructor_source_display(),
                    post.started_on.isoformat(),
                    post.ended_on.isoformat() if post.ended_on else "",
                )
                for post in data["instructors"]
            ],
            "plans": [
                (
                    plan.get_target_form_display(),
                    plan.measures,
                    plan.deadline.isoformat(),
                    plan.responsible_person,
                    str(plan.responsible_unit or ""),
                    plan.completed_on.isoformat() if plan.completed_on else _("未完成"),
                )
                for plan in data["plans"]
            ],
            "party_orgs": party_orgs,
            "members": [
                (
                    member.name,
                    member.get_gender_display(),
                    masked(member.id_number),
                    member.get_category_display(),
                    member.joined_on.isoformat(),
                    member.party_org.name if member.party_org_id else member.outside_holder,
                    member.get_workplace_role_display() if member.workplace_role else "",
                    mask_phone(member.phone),
                    _("是") if member.is_floating else "",
                )
                for member in data["members"]
            ],
            "member_count": len(data["members"]),
            "activity_count": len(data["activities"]),
            "many_party_orgs": many,
            "activities": [
                (
                    activity.held_on.isoformat(),
                    activity.party_org.name,
                    activity.get_kind_display(),
                    activity.topic,
                    activity.attendance,
                )
                for activity in data["activities"]
            ],
            "assessments": [
                (
                    assessment.party_org.name,
                    assessment.get_grade_display(),
                    assessment.get_higher_evaluation_display() or EMPTY,
                    assessment.get_members_evaluation_display() or EMPTY,
                    assessment.assessed_on.isoformat(),
                    str(assessment.assessed_by or EMPTY),
                )
                for assessment in data["assessments"]
            ],
            "grade_labels": [label for _value, label in Grade.choices],
            "reviews": [
                (
                    party_org.name,
                    [reviews[party_org.pk][grade] for grade in GRADES],
                    sum(reviews[party_org.pk].values()),
                )
                for party_org in data["party_orgs"]
                if party_org.pk in reviews
            ],
        }
        return self._parts(context)

    def _parts(self, context):
        """The dossier as one part, or, when its members and activities run long (an org
        of hundreds of members), as several rendered side by side: the archive and
        Party organizations, then the members and the activities in pieces."""
        members, activities = context["members"], context["activities"]
        if len(members) + len(activities) <= PART_ROWS:
            return [PdfPart(TEMPLATE, {**context, "sections": ALL_SECTIONS})]
        parts = [PdfPart(TEMPLATE, {**context, "sections": ("archive", "party_orgs")})]
        for start in range(0, len(members), PART_ROWS):
            piece = {"members": members[start : start + PART_ROWS], "continued": start > 0}
            parts.append(PdfPart(TEMPLATE, {**context, **piece, "sections": ("members",)}))
        pieces = [activities[i : i + PART_ROWS] for i in range(0, len(activities), PART_ROWS)]
        pieces = pieces or [[]]
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            sections = ("activities", "assessments") if last else ("activities",)
            piece = {"activities": piece, "continued": index > 0, "sections": sections}
            parts.append(PdfPart(TEMPLATE, {**context, **piece}))
        return parts

    # --- JSON ------------------------------------------------------------------------------

    def as_json(self):
        data = self.load()
        org = data["org"]
        reviews = data["reviews"]
        return {
            "year": self.year,
            "as_of": self.today.isoformat(),
            "org": as_dict(org),
            "year_record": as_dict(data["year_record"], exclude=("org",))
            if data["year_record"]
            else None,
            "documents": [
                {
                    "kind": document.kind,
                    "title": document.title,
                    "file_name": document.original_name,
                    "size": document.size,
                    "uploaded_on": timezone.localtime(document.uploaded_at).date(),
                }
                for document in data["documents"]
            ],
            "mass_organizations": [
                {
                    "kind": mass.kind,
                    "name": mass.name,
                    "founded_on": mass.founded_on,
                    "dissolved_on": mass.dissolved_on,
                }
                for mass in data["mass_orgs"]
            ],
            "instructors": [
                {
                    "name": _person(post),
                    "source": post.instructor_source,
                    "started_on": post.started_on,
                    "ended_on": post.ended_on,
                }
                for post in data["instructors"]
            ],
            "coverage_plans": [
                {
                    "target_form": plan.target_form,
                    "measures": plan.measures,
                    "deadline": plan.deadline,
                    "responsible_person": plan.responsible_person,
                    "responsible_unit": str(plan.responsible_unit or "") or None,
                    "completed_on": plan.completed_on,
                }
                for plan in data["plans"]
            ],
            "party_organizations": [
                {
                    "name": party_org.name,
                    "kind": party_org.kind,
                    "formation": party_org.formation,
                    "parent": party_org.parent.name if party_org.parent_id else None,
                    "secondary": party_org.is_secondary,
                    "founded_on": party_org.founded_on,
                    "dissolved_on": party_org.dissolved_on,
                    "term_started_on": party_org.term_start,
                    "term_due_on": rules.term_end(party_org.term_start, party_org.term_years),
                    "members_held": data["held_counts"].get(party_org.pk, 0),
                    "covered_orgs": [o.name for o in party_org.covered_orgs.all()],
                    "committee": [
                        {"post": post.kind, "name": _person(post), "started_on": post.started_on}
                        for post in data["posts"].get(party_org.pk, ())
                    ],
                }
                for party_org in data["party_orgs"]
            ],
            "members": [
                {
                    "name": member.name,
                    "gender": member.gender,
                    "id_number": masked(member.id_number),
                    "category": member.category,
                    "joined_on": member.joined_on,
                    "full_member_on": member.full_member_on,
                    "party_org": member.party_org.name if member.party_org_id else None,
                    "outside_holder": member.outside_holder,
                    "workplace_role": member.workplace_role,
                    "phone": mask_phone(member.phone),
                    "floating": member.is_floating,
                }
                for member in data["members"]
            ],
            "activities": [
                {
                    "party_org": activity.party_org.name,
                    "kind": activity.kind,
                    "held_on": activity.held_on,
                    "topic": activity.topic,
                    "attendance": activity.attendance,
                }
                for activity in data["activities"]
            ],
            "assessments": [
                {
                    "party_org": assessment.party_org.name,
                    "grade": assessment.grade,
                    "higher_evaluation": assessment.higher_evaluation,
                    "members_evaluation": assessment.members_evaluation,
                    "assessed_on": assessment.assessed_on,
                }
                for assessment in data["assessments"]
            ],
            "member_reviews": [
                {"party_org": party_org.name, **reviews[party_org.pk]}
                for party_org in data["party_orgs"]
                if party_org.pk in reviews
            ],
        }
