"""seed_demo [--orgs N] [--seed S] [--password P]: a demo city (南京市) with one account per role.

Deterministic for a seed and idempotent: units, orgs, Party organizations and members go
through the import service (the one write path, all-or-nothing) and only those not yet in
the database are imported, so a rerun creates nothing and keeps what users changed in the
demo data. Workstations have no import template and are created directly. It resets the
demo accounts' passwords and units, so the printed table is always true.
"""

import csv
import datetime
import io
import os
import time
import unicodedata

from django.conf import ENVIRONMENT_VARIABLE, settings
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from members.models import Member
from orgs import demo
from orgs.importing.registry import get_template
from orgs.importing.service import import_file
from orgs.models import (
    OrgYearRecord,
    PartyOrganization,
    SocialOrg,
    Unit,
    User,
    Workstation,
    Zone,
)
from orgs.regions import DEMO_CITY_CODE, load_city, load_demo_streets, load_demo_zones
from orgs.scopes import Scope

# Rows per import file: well inside IMPORT_MAX_ROWS and IMPORT_MAX_BYTES (about 350 bytes
# a row); every file is imported inside one transaction, so the run stays all-or-nothing.
IMPORT_CHUNK = 20_000
# Member rows are shorter (about 200 bytes); one file per 50,000 stays well inside limits.
MEMBER_IMPORT_CHUNK = 50_000
QUERY_CHUNK = 5_000
BATCH_SIZE = 500
RECENT_YEARS = 3  # year records for the last three completed years
CHANGE_REASON = "演示数据"
SHOWN_ERRORS = 20

# (username, unit name); the street committee is chosen once the orgs exist.
DEMO_ACCOUNTS = (
    ("dengji", "南京市玄武区民政局"),
    ("liangxin", demo.TWO_NEW),
    ("zuzhibu", demo.ORGANIZATION_DEPT),
    ("zhuguan", demo.CITY_SUPERVISORS["edu"]),
    ("hangye", demo.INDUSTRY_COMMITTEES[0][0]),
    ("jiedao", None),
    ("tuodi", demo.FALLBACK_COMMITTEE),
)
ADMIN = "admin"
# The org Party secretary's account: a Party organization, no unit.
SECRETARY = "shuji"
SECRETARY_ROLE = "社会组织党组织书记"


class Command(BaseCommand):
    help = "生成演示城市（南京市）的单位、社会组织、年度记录和各角色演示账号；可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=2000, help="社会组织数量（默认2000）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认1）")
        parser.add_argument(
            "--password", default="demo12345", help="演示账号的密码（默认demo12345）"
        )

    def handle(self, *args, orgs, seed, password, **options):
        module = settings.SETTINGS_MODULE or os.environ.get(ENVIRONMENT_VARIABLE, "")
        if module.endswith("settings_production"):
            raise CommandError(f"生产环境配置（{module}）下不能生成演示数据。")
        if settings.CITY_CODE != DEMO_CITY_CODE:
            raise CommandError(
                f"演示数据只适用于南京市（{DEMO_CITY_CODE}），"
                f"当前 CITY_CODE 为 {settings.CITY_CODE}。"
            )
        if orgs < 0:
            raise CommandError("--orgs 不能为负数。")
        if not password:
            raise CommandError("--password 不能为空。")
        self.timings = []
        started = time.perf_counter()
        with transaction.atomic():
            city = self._step("区划", self._regions)
            admin = self._ensure_admin()
            self._step("单位", self._units, admin)
            rows, org_ids, created = self._step("社会组织", self._orgs, orgs, seed, admin)
            self._step("年度记录", self._year_records, rows, org_ids, seed, admin)
            self._step("档案更新时间", self._stale, org_ids, created, seed)
            self._step("区域党建工作站", self._workstations)
            party_rows = self._step("党组织", self._party_orgs, rows, seed, admin)
            self._step("党员", self._members, rows, party_rows, seed, admin)
            accounts = self._step("演示账号", self._accounts, city, admin, password)
        self._print_accounts(accounts, password)
        steps = "，".join(f"{name}{seconds:.1f}秒" for name, seconds in self.timings)
        self.stdout.write(f"用时：{steps}；合计{time.perf_counter() - started:.1f}秒")

    def _step(self, name, function, *args):
        started = time.perf_counter()
        result = function(*args)
        self.timings.append((name, time.perf_counter() - started))
        return result

    # -- reference data ------------------------------------------------------------------

    def _regions(self):
        city = load_city(DEMO_CITY_CODE)
        streets = load_demo_streets(city)
        zones = load_demo_zones(city)
        self.stdout.write(f"区划：{city.name}，新增街道{streets}个、区域{zones}个")
        return city

    def _ensure_admin(self):
        admin, created = User.objects.get_or_create(
            username=ADMIN, defaults={"is_superuser": True, "is_staff": True}
        )
        if created:
            admin.set_unusable_password()  # the accounts step sets the real one
            admin.save(update_fields=["password"])
        elif not (admin.is_superuser and admin.is_staff and admin.is_active):
            admin.is_superuser = admin.is_staff = admin.is_active = True
            admin.save(update_fields=["is_superuser", "is_staff", "is_active"])
        return admin

    def _units(self, admin):
        rows = demo.demo_unit_rows()
        existing = set(
            Unit.objects.filter(name__in=[r["单位名称"] for r in rows]).values_list(
                "name", flat=True
            )
        )
        new = [row for row in rows if row["单位名称"] not in existing]
        if new:
            self._import("units", demo.UNIT_COLUMNS, new, admin)
        self.stdout.write(f"单位：新增{len(new)}个，共{len(rows)}个演示单位")

    # -- orgs ----------------------------------------------------------------------------

    def _orgs(self, n, seed, admin):
        """Import the orgs not yet in the database; return rows, {index: pk}, new indexes."""
        rows = demo.demo_org_rows(n, seed)
        keys = [_org_key(row) for row in rows]
        ids = _existing_org_ids(keys)
        new = [i for i, key in enumerate(keys) if key not in ids]
        for start in range(0, len(new), IMPORT_CHUNK):
            chunk = [rows[i] for i in new[start : start + IMPORT_CHUNK]]
            self._import("orgs", demo.ORG_COLUMNS, chunk, admin)
        if new:
            ids = _existing_org_ids(keys)
        org_ids = {i: ids[key] for i, key in enumerate(keys)}
        self.stdout.write(f"社会组织：新增{len(new)}个，共{n}个演示社会组织")
        return rows, org_ids, new

    def _import(self, template, columns, rows, admin):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        report = import_file(
            template_name=template,
            file=io.BytesIO(buffer.getvalue().encode("utf-8")),
            filename=f"seed_demo_{template}.csv",
            user=admin,
        )
        if not report.ok:
            lines = [str(error) for error in report.errors[:SHOWN_ERRORS]]
            more = len(report.errors) - len(lines)
            if more > 0:
                lines.append(f"……另有{more}处错误")
            raise CommandError(
                f"演示{report.title}未通过导入校验，未写入任何数据：\n" + "\n".join(lines)
            )
        return report

    def _year_records(self, rows, org_ids, seed, admin):
        this_year = timezone.localdate().year
        years = range(this_year - RECENT_YEARS, this_year)
        existing = set()
        ids = list(org_ids.values())
        for start in range(0, len(ids), QUERY_CHUNK):
            existing.update(
                OrgYearRecord.objects.filter(
                    org_id__in=ids[start : start + QUERY_CHUNK], year__in=years
                ).values_list("org_id", "year")
            )
        new = [
            OrgYearRecord(org_id=org_ids[i], year=year, **values)
            for i, year, values in demo.demo_year_records(rows, seed, years)
            if (org_ids[i], year) not in existing
        ]
        if new:
            bulk_create_with_history(
                new,
                OrgYearRecord,
                batch_size=BATCH_SIZE,
                default_user=admin,
                default_change_reason=CHANGE_REASON,
            )
        self.stdout.write(f"年度记录（{years[0]}–{years[-1]}年）：新增{len(new)}条")

    def _stale(self, org_ids, created, seed):
        """Age about 20% of the archives created in this run to 13–36 months ago."""
        now = timezone.now()
        stale = []
        for i in created:
            months = demo.demo_stale_months(i, seed)
            if months is not None:
                updated = now - datetime.timedelta(days=months * 365.25 / 12)
                stale.append(SocialOrg(pk=org_ids[i], archive_updated_at=updated))
        # archive_updated_at is not part of the audit history (SocialOrg.history excludes it).
        SocialOrg.objects.bulk_update(stale, ["archive_updated_at"], batch_size=BATCH_SIZE)
        self.stdout.write(f"档案更新时间：新建档案中{len(stale)}个设为13–36个月前（待更新）")

    # -- Party organizations and members -------------------------------------------------

    def _workstations(self):
        rows = demo.demo_workstation_rows()
        existing = set(
            Workstation.objects.filter(name__in=[r["name"] for r in rows]).values_list(
                "name", flat=True
            )
        )
        zones = dict(
            Zone.objects.filter(name__in=[r["zone"] for r in rows]).values_list("name", "pk")
        )
        new = [
            Workstation(
                name=row["name"],
                zone_id=zones[row["zone"]],
                address=row["address"],
                founded_on=row["founded_on"],
            )
            for row in rows
            if row["name"] not in existing
        ]
        if new:
            bulk_create_with_history(
                new, Workstation, default_change_reason=CHANGE_REASON, batch_size=BATCH_SIZE
            )
        self.stdout.write(f"区域党建工作站：新增{len(new)}个，共{len(rows)}个")

    def _party_orgs(self, org_rows, seed, admin):
        """Import the Party organizations not yet in the database; return all rows.

        A joint branch that was still open when fewer orgs were seeded is imported again
        when it has gained orgs, so the orgs it covers follow the larger --orgs.
        """
        rows = demo.demo_party_org_rows(org_rows, seed)
        stored = _stored_covered_orgs([r["党组织名称"] for r in rows])
        new = [row for row in rows if _party_org_is_new_or_grown(row, stored)]
        # Rows list a committee before its secondary branches, so a file that splits them
        # still finds the committee stored.
        for start in range(0, len(new), IMPORT_CHUNK):
            self._import(
                "party_orgs", demo.PARTY_ORG_COLUMNS, new[start : start + IMPORT_CHUNK], admin
            )
        added = sum(row["党组织名称"] not in stored for row in new)
        grown = f"，{len(new) - added}个联合党组织增加了覆盖的社会组织" if len(new) > added else ""
        self.stdout.write(f"党组织：新增{added}个{grown}，共{len(rows)}个演示党组织")
        return rows

    def _members(self, org_rows, party_rows, seed, admin):
        rows = demo.demo_member_rows(
            org_rows, party_rows, seed, as_of=max(timezone.localdate(), demo.DEMO_LAST_DAY)
        )
        # Every stored number, whatever the member's status: a demo member a user marked
        # 已转出 or 去世 is not brought back. One query: faster than chunks of IN (...).
        existing = set(Member.objects.values_list("id_number", flat=True))
        new = [row for row in rows if row["身份证号"] not in existing]
        seconds = 0.0
        for start in range(0, len(new), MEMBER_IMPORT_CHUNK):
            chunk = new[start : start + MEMBER_IMPORT_CHUNK]
            seconds += self._import("members", demo.MEMBER_COLUMNS, chunk, admin).seconds
        # The import's own time (bench/run.py reads it), apart from generating the rows.
        self.stdout.write(
            f"党员：新增{len(new)}名，共{len(rows)}名演示党员（导入用时{seconds:.1f}秒）"
        )

    # -- accounts ------------------------------------------------------------------------

    def _accounts(self, city, admin, password):
        units = {unit.name: unit for unit in Unit.objects.select_related("region")}
        accounts = [(admin, "系统管理员", "—")]
        for username, unit_name in DEMO_ACCOUNTS:
            unit = units.get(unit_name) if unit_name else _street_committee_for(username, city)
            if unit is None:
                raise CommandError(f"找不到演示账号 {username} 的单位：{unit_name or '街道党工委'}")
            user, created = User.objects.get_or_create(
                username=username, defaults={"unit": unit, "is_staff": True}
            )
            changed = [
                field
                for field, value in (("unit", unit), ("is_staff", True), ("is_active", True))
                if getattr(user, field) != value
            ]
            if changed and not created:
                user.unit, user.is_staff, user.is_active = unit, True, True
                user.save(update_fields=changed)
            accounts.append((user, str(unit.get_kind_display()), unit.name))
        secretary = self._secretary_account()
        if secretary:
            accounts.append((secretary, SECRETARY_ROLE, secretary.party_org.name))
        _set_passwords([user for user, _role, _place in accounts], password)
        return accounts

    def _secretary_account(self):
        """`shuji`: the secretary of a joint Party organization with several orgs and members."""
        party_org = _secretary_party_org()
        if party_org is None:
            return None  # --orgs 0: no Party organizations
        user, created = User.objects.get_or_create(
            username=SECRETARY, defaults={"party_org": party_org, "is_staff": True}
        )
        wanted = {"party_org": party_org, "unit": None, "is_staff": True, "is_active": True}
        changed = [field for field, value in wanted.items() if getattr(user, field) != value]
        if changed and not created:
            for field, value in wanted.items():
                setattr(user, field, value)
            user.save(update_fields=changed)
        return user

    def _print_accounts(self, accounts, password):
        header = ("用户名", "角色", "单位/党组织", "密码", "可见社会组织")
        table = [header]
        for user, role, place in accounts:
            seen = SocialOrg.objects.for_scope(Scope.for_user(user)).count()
            table.append((user.username, role, place, password, seen))
        widths = [max(_width(str(row[col])) for row in table) for col in range(len(header))]
        self.stdout.write("演示账号（登录 /admin/）：")
        for row in table:
            cells = [_pad(str(cell), width) for cell, width in zip(row, widths, strict=True)]
            self.stdout.write("  ".join(cells).rstrip())


def _org_key(row):
    """The import's own matching key for a 社会组织名册 row (USCC, or name for 备案 orgs)."""
    return get_template("orgs").key({"uscc": row["统一社会信用代码"], "name": row["名称"]})


def _existing_org_ids(keys):
    """{key: pk} of the stored orgs, found as the import finds them."""
    return {key: org.pk for key, org in get_template("orgs").load_existing(keys).items()}


def _stored_covered_orgs(names):
    """{Party organization name: {USCC or name of each org it covers}} for those stored.

    Standalone ones are left empty: they cover one org and never grow. Whole tables in
    two queries: faster than chunks of IN (...) for the demo's thousands of names.
    """
    wanted = set(names)
    found = {
        name: set()
        for name in PartyOrganization.objects.values_list("name", flat=True)
        if name in wanted
    }
    pairs = PartyOrganization.covered_orgs.through.objects.exclude(
        partyorganization__formation=PartyOrganization.Formation.STANDALONE
    ).values_list("partyorganization__name", "socialorg__uscc", "socialorg__name")
    for party_org, code, org_name in pairs:
        if party_org in found:
            found[party_org].add(code or org_name)
    return found


def _party_org_is_new_or_grown(row, stored):
    name = row["党组织名称"]
    if name not in stored:
        return True
    if row["组建方式"] == demo.STANDALONE:
        return False
    return set(row["覆盖社会组织"].split(demo.COVERED_SEPARATOR)) > stored[name]


def _secretary_party_org():
    """The secretary account's Party organization: the one it has, if it still exists;
    else the joint branch (not a workstation's) covering the most orgs, with the most
    members, so the account shows a scope of several orgs."""
    current = PartyOrganization.objects.filter(users__username=SECRETARY, dissolved_on=None)
    if current.exists():
        return current.first()
    return (
        PartyOrganization.objects.filter(
            dissolved_on=None, formation=PartyOrganization.Formation.JOINT
        )
        .annotate(
            orgs=Count("covered_orgs", distinct=True),
            held=Count("members", filter=Q(members__status=Member.Status.ACTIVE), distinct=True),
        )
        .filter(held__gte=3)
        .order_by("-orgs", "-held", "name")
        .first()
    )


def _street_committee_for(username, city):
    """The account's street committee if its street has community orgs, else the busiest.

    Keeping the current one means a rerun with another --orgs does not move the account.
    """
    current = (
        Unit.objects.filter(users__username=username, kind=Unit.Kind.STREET_COMMITTEE)
        .select_related("region")
        .first()
    )
    if current and SocialOrg.objects.filter(is_community=True, street=current.region).exists():
        return current
    return _busiest_street_committee(city)


def _busiest_street_committee(city):
    """The street committee with the most community orgs (so its account sees some)."""
    busiest = (
        SocialOrg.objects.filter(is_community=True, street__parent__parent=city)
        .values("street")
        .annotate(orgs=Count("pk"))
        .order_by("-orgs", "street")
        .first()
    )
    committees = Unit.objects.filter(kind=Unit.Kind.STREET_COMMITTEE).order_by("pk")
    if busiest:
        committees = committees.filter(region_id=busiest["street"])
    return committees.select_related("region").first()


def _set_passwords(users, password):
    """Give every user `password`, leaving those that already have it untouched.

    PBKDF2 costs a quarter of a second a run. The demo accounts share one published
    password, so they share one hash too (its salt protects nothing here): a first run
    hashes once, a rerun checks once.
    """
    verified = {}
    stale = []
    for user in users:
        if user.password not in verified:
            verified[user.password] = _has_password(user.password, password)
        if not verified[user.password]:
            stale.append(user)
    if stale:
        hashed = make_password(password)
        for user in stale:
            user.password = hashed
            user.save(update_fields=["password"])


def _has_password(encoded, password):
    # Not check_password(): for an empty or unusable hash it spends a dummy PBKDF2 run
    # against timing attacks, which a command line does not need.
    try:
        hasher = identify_hasher(encoded)
    except ValueError:
        return False
    return hasher.verify(password, encoded) and not hasher.must_update(encoded)


def _width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text, width):
    return text + " " * (width - _width(text))
