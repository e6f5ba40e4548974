"""The member list as a spreadsheet, in the 党员名册 columns, with the ID number masked.

An export is a copy that leaves the system, so it carries the masked number and the age,
never the birth date (together with the masked number it would give the number away).
A masked file cannot be imported back; the register is corrected in the admin or by
importing the office's own full file.
"""

from import_export import fields, resources
from import_export.widgets import BooleanWidget, DateWidget

from members.models import Member
from members.privacy import age, masked


class YesNoWidget(BooleanWidget):
    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"


class MemberExportResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="姓名")
    id_number = fields.Field(column_name="身份证号（脱敏）")
    gender = fields.Field(column_name="性别")
    age = fields.Field(column_name="年龄")
    ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
    education = fields.Field(attribute="education", column_name="学历")
    phone = fields.Field(attribute="phone", column_name="联系电话")
    workplace = fields.Field(column_name="工作单位")
    workplace_code = fields.Field(column_name="工作单位统一社会信用代码")
    workplace_role = fields.Field(column_name="社会组织职务")
    category = fields.Field(column_name="党员类别")
    joined_on = fields.Field(attribute="joined_on", column_name="入党日期", widget=DateWidget())
    full_member_on = fields.Field(
        attribute="full_member_on", column_name="转正日期", widget=DateWidget()
    )
    party_org = fields.Field(column_name="组织关系所在党组织")
    outside_holder = fields.Field(attribute="outside_holder", column_name="组织关系所在单位")
    is_floating = fields.Field(
        attribute="is_floating", column_name="是否流动党员", widget=YesNoWidget()
    )
    status = fields.Field(column_name="党籍状态")
    last_contact_on = fields.Field(
        attribute="last_contact_on", column_name="最近联系日期", widget=DateWidget()
    )

    class Meta:
        model = Member
        fields = (
            "name", "id_number", "gender", "age", "ethnicity", "education", "phone",
            "workplace", "workplace_code", "workplace_role", "category", "joined_on",
            "full_member_on", "party_org", "outside_holder", "is_floating", "status",
            "last_contact_on",
        )  # fmt: skip
        export_order = fields

    def dehydrate_id_number(self, member):
        return masked(member.id_number)

    def dehydrate_gender(self, member):
        return member.get_gender_display()

    def dehydrate_age(self, member):
        return age(member)

    def dehydrate_workplace(self, member):
        return member.workplace.name

    def dehydrate_workplace_code(self, member):
        return member.workplace.uscc or ""

    def dehydrate_workplace_role(self, member):
        return member.get_workplace_role_display()

    def dehydrate_category(self, member):
        return member.get_category_display()

    def dehydrate_party_org(self, member):
        return member.party_org.name if member.party_org_id else ""

    def dehydrate_status(self, member):
        return member.get_status_display()
