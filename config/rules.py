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

# Member lifecycle (domain.md §3). Development: 发展党员工作细则 (2014) 第八、十、十五、二十八–
# 三十条; members: 党员教育管理工作条例 第二十四–三十四条; 介绍信: 中组部 组织关系接转规定.
# A Party organization talks with an applicant within a month of the application.
DEVELOPMENT_TALK_MONTHS = 1
# An activist is trained and observed at least this long before becoming a candidate.
DEVELOPMENT_ACTIVIST_MONTHS = 12
# Probation (预备期) lasts a year and may be extended once, by 6 to 12 months.
PROBATION_MONTHS = 12
PROBATION_EXTENSION_MONTHS = (6, 12)
# A transfer's receipt (回执) is due within a month; a letter is valid for at most 3 months.
TRANSFER_RECEIPT_MONTHS = 1
TRANSFER_LETTER_MAX_MONTHS = 3
# A member away this long at a fixed place should transfer their relationship.
FLOATING_TRANSFER_MONTHS = 6
# Out of contact this long: a lost-contact member (失联党员), handled towards 停止党籍.
LOST_CONTACT_MONTHS = 6
# 限期改正 lasts at most this long.
CORRECTION_MAX_MONTHS = 12
# Worklists show what falls due within this many days, besides what is overdue.
WORKLIST_DUE_SOON_DAYS = 30

# Coverage (两个覆盖, §四; domain.md §3). An org with this many full members working in it
# can set up its own Party organization (单独组建); fewer join one (联合组建) or a zone's
# workstation; none: an instructor and mass organizations (工作覆盖).
STANDALONE_MIN_FULL_MEMBERS = 3
# Key sectors that must have a Party organization at this size (§四 "原则上"): 民办学校 and
# 民办医院 (社会服务机构 of education and health), 律师 / 会计师 / 税务师事务所. Pairs of
# (kind, sector); an empty sector means any.
KEY_SECTORS = (
    ("service", "education"),
    ("service", "health"),
    ("law_firm", ""),
    ("accounting_firm", ""),
    ("tax_firm", ""),
)
KEY_SECTOR_MIN_STAFF = 30
# Size (党和国家机关基层组织工作条例 第五–七条): members from which a branch may become a
# 党总支, and a 党总支 (or branch) a 党委.
GENERAL_BRANCH_MIN_MEMBERS = 50
PARTY_COMMITTEE_MIN_MEMBERS = 100
# New Party organizations are watched in their first months (§四 "防止边建边散"): at risk
# without an activity for this many days (once activities are recorded), without a
# secretary, or with fewer full members than STANDALONE_MIN_FULL_MEMBERS.
NEW_PARTY_ORG_WATCH_MONTHS = 12
NEW_PARTY_ORG_IDLE_DAYS = 90

# Organizational life (中国共产党支部工作条例 第十一–十三条; 党员教育管理工作条例 第十六–
# 十八条; domain.md §3): each required activity, how often, and what the Party
# organization must have for it to apply ("committee": a 支部委员会 with members besides
# the secretary; "groups": 党小组). A period without it is a compliance gap. 党课 quarterly
# is local practice.
ACTIVITY_REQUIREMENTS = (
    ("general_meeting", "quarter", ""),  # 支部党员大会
    ("committee_meeting", "month", "committee"),  # 支委会
    ("group_meeting", "month", "groups"),  # 党小组会
    ("party_lecture", "quarter", ""),  # 党课
    ("theme_day", "month", ""),  # 主题党日
    ("life_meeting", "year", ""),  # 组织生活会
    ("member_review", "year", ""),  # 民主评议党员
)

# Annual assessment of a Party organization (§五, §九): the grade suggested from its year.
# Share of the year's required activities (ACTIVITY_REQUIREMENTS, periods over) that may
# be missing for 合格 and for 基本合格; 优秀 needs none missing and both 双述双评
# evaluations 好. Without a secretary in post at the end of the year, at most 基本合格.
ASSESSMENT_PASS_MAX_GAP_SHARE = 0.2
# A year is assessed once over; its own December onwards, the year-end review may start.
ASSESSMENT_FROM_MONTH = 12
ASSESSMENT_BASIC_MAX_GAP_SHARE = 0.5

# Money (§五, §十; domain.md §3). Minimums a locality may raise but never go below, in
# yuan a year: the secretary's post allowance by the kind of Party organization (when
# its annual assessment is 合格 or 优秀; none for secondary organizations), the activity
# fund of each Party organization that is not secondary, and the fund per member.
FUNDING_MINIMUMS = {
    "branch_allowance": "3000.00",  # 党支部书记
    "general_branch_allowance": "5000.00",  # 党总支书记
    "committee_allowance": "8000.00",  # 党委书记
    "activity_fund": "3000.00",  # per Party organization
    "member_fund": "150.00",  # per member
}
# A secretary in post for part of the year gets the allowance by months (a month counts
# for whoever was in post on its last day); without pro rata, the full year goes to the
# last secretary in post that year (at its end, or the last one before the post fell
# vacant or the Party organization was dissolved).
SECRETARY_ALLOWANCE_PRO_RATA = True
# A Party organization founded or dissolved during the year gets its activity fund for
# the months it existed on their last day.
ACTIVITY_FUND_PRO_RATA = True

# Party dues (中组发〔2008〕3号): monthly rate by the member's monthly after-tax income,
# the first band that holds it (upper bound inclusive; None: no bound). Retirees have
# their own bands; students, the unemployed and 低保 recipients pay a fixed amount.
DUES_RATES = {
    "employed": ((3000, "0.005"), (5000, "0.01"), (10000, "0.015"), (None, "0.02")),
    "retired": ((5000, "0.005"), (None, "0.01")),
}
DUES_FIXED_MONTHLY = "0.20"
# Dues unpaid this many months in a row: in arrears (党章第四条: 连续六个月不交纳党费
# is treated as leaving the Party, after help). Months are counted from the later of the
# member's joining and DUES_RECORDED_FROM, the month this system began keeping dues.
DUES_ARREARS_MONTHS = 6
DUES_RECORDED_FROM = "2026-01"
