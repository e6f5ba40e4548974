"""The member list as a spreadsheet, in the 党员名册 columns, with the ID number masked.

An export is a copy that leaves the system, so it carries the masked number and the age,
never the birth date (together with the masked number it would give the number away).
A masked file cannot be imported back; the register is corrected in the admin or by
importing the office's own full file.
"""

from import_export import fields, resources

from members.models import Member
from members.privacy import age, masked

COLUMNS = {
    "name": "姓名",
    "id_number": "身份证号（脱敏）",
    "gender": "性别",
    "age": "年龄",
    "ethnicity": "民族",
    "education": "学历",
    "phone": "联系电话",
    "workplace": "工作单位",
    "workplace_code": "工作单位统一社会信用代码",
    "workplace_role": "社会组织职务",
    "category": "党员类别",
    "joined_on": "入党日期",
    "full_member_on": "转正日期",
    "party_org": "组织关系所在党组织",
    "outside_holder": "组织关系所在单位",
    "is_floating": "是否流动党员",
    "status": "党籍状态",
    "last_contact_on": "最近联系日期",
}


def _labels(choices):
    return {value: str(label) for value, label in choices}


def _date(value):
    return value.isoformat() if value else ""


class MemberExportResource(resources.ModelResource):
    """Rows are built by `values()` in one pass: django-import-export's per-field
    machinery (and Django's get_FOO_display) cost a millisecond a row, a minute and a
    half for a city's 150,000 members."""

    name = fields.Field(column_name=COLUMNS["name"])
    id_number = fields.Field(column_name=COLUMNS["id_number"])
    gender = fields.Field(column_name=COLUMNS["gender"])
    age = fields.Field(column_name=COLUMNS["age"])
    ethnicity = fields.Field(column_name=COLUMNS["ethnicity"])
    education = fields.Field(column_name=COLUMNS["education"])
    phone = fields.Field(column_name=COLUMNS["phone"])
    workplace = fields.Field(column_name=COLUMNS["workplace"])
    workplace_code = fields.Field(column_name=COLUMNS["workplace_code"])
    workplace_role = fields.Field(column_name=COLUMNS["workplace_role"])
    category = fields.Field(column_name=COLUMNS["category"])
    joined_on = fields.Field(column_name=COLUMNS["joined_on"])
    full_member_on = fields.Field(column_name=COLUMNS["full_member_on"])
    party_org = fields.Field(column_name=COLUMNS["party_org"])
    outside_holder = fields.Field(column_name=COLUMNS["outside_holder"])
    is_floating = fields.Field(column_name=COLUMNS["is_floating"])
    status = fields.Field(column_name=COLUMNS["status"])
    last_contact_on = fields.Field(column_name=COLUMNS["last_contact_on"])

    class Meta:
        model = Member
        fields = tuple(COLUMNS)
        export_order = tuple(COLUMNS)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Labels in the language of the request, looked up once per export.
        self._gender = _labels(Member.Gender.choices)
        self._role = _labels(Member.WorkplaceRole.choices)
        self._category = _labels(Member.Category.choices)
        self._status = _labels(Member.Status.choices)
        self._names = {}

    def values(self, member):
        workplace, party_org = member.workplace, member.party_org
        return {
            "name": member.name,
            "id_number": masked(member.id_number),
            "gender": self._gender.get(member.gender, ""),
            "age": age(member),
            "ethnicity": member.ethnicity,
            "education": member.education,
            "phone": member.phone,
            "workplace": workplace.name,
            "workplace_code": workplace.uscc or "",
            "workplace_role": self._role.get(member.workplace_role, ""),
            "category": self._category.get(member.category, ""),
            "joined_on": _date(member.joined_on),
            "full_member_on": _date(member.full_member_on),
            "party_org": party_org.name if party_org else "",
            "outside_holder": member.outside_holder,
            "is_floating": "是" if member.is_floating else "否",
            "status": self._status.get(member.status, ""),
            "last_contact_on": _date(member.last_contact_on),
        }

    def export_resource(self, instance, selected_fields=None, **kwargs):
        key = tuple(selected_fields or ())
        names = self._names.get(key)
        if names is None:
            fields_ = self.get_export_fields(selected_fields)
            names = self._names[key] = [self.get_field_name(field) for field in fields_]
        row = self.values(instance)
        return [row[name] for name in names]
