"""Numbers set by regulations or local practice: one place, each with its source.

Code reads them through django.conf.settings. They are not read from the environment:
a locality that sets other values does so in a settings module of its own that imports
config.settings_production and overrides them (CITY_CODE alone comes from the environment).
"""

# 一社一档 (§三): an archive untouched for this many months is stale and shows up on
# worklists ("定期更新，动态管理").
ARCHIVE_STALE_MONTHS = 12

# Documents attached to an archive (scans, reports): accepted types and size.
ARCHIVE_DOCUMENT_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "docx", "doc", "xlsx", "xls", "ofd")
ARCHIVE_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024

# Import files (templates.md): accepted types, size and row count.
IMPORT_MAX_BYTES = 20 * 1024 * 1024
IMPORT_MAX_ROWS = 100_000

# 管理体制 (§八, domain.md §3 channel rule 1): professional sectors with strict access are
# managed by their sector's authority or Party committee, not by the fallback committee.
CHANNEL_STRICT_SECTORS = ("legal", "accounting", "tax")
CHANNEL_STRICT_KINDS = ("law_firm", "accounting_firm", "tax_firm")

# The city this deployment serves (GB/T 2260 code); 市级 units belong to it.
CITY_CODE = "320100"
# An .xlsx is a zip: refuse one that unpacks to more than this (a zip bomb).
IMPORT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024

# Party organizations (§四; 中国共产党支部工作条例 第四、六、八条; 党章 第三十条).
# Term lengths by kind, in years: 党委 5, 党总支 and 党支部 3.
PARTY_TERM_YEARS = {"committee": 5, "general_branch": 3, "branch": 3}
# A joint Party organization normally covers at most this many orgs; more needs a reason.
JOINT_PARTY_ORG_MAX_ORGS = 5
# A branch with this many full members or more needs a branch committee (支部委员会).
COMMITTEE_MIN_FULL_MEMBERS = 7

# Members (发展党员工作细则 2014; a 2026 revision exists, so these are settings).
MEMBER_MIN_JOIN_AGE = 18
# 转正 normally one year after 入党 (probation 12 months, extendable by 6–12 months):
# the accepted gap between 入党日期 and 转正日期, in days.
FULL_MEMBERSHIP_MIN_DAYS = 330
FULL_MEMBERSHIP_MAX_DAYS = 2 * 365 + 31
