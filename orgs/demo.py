"""Demo data for 南京市 (320100): pure generators behind `seed_demo`, no database access.

Units and orgs come out as rows in the published templates' Chinese columns
(templates.md), so `seed_demo` loads them through the import service exactly like an
office's spreadsheet. Org i draws everything from its own ``random.Random(f"{seed}:{i}")``:
rows 0..n-1 are the same whatever n is, so a larger ``--orgs`` only adds rows.

Every date is on or before DEMO_LAST_DAY, a fixed day in the past, so the rows do not
depend on the day they are generated (a rerun tomorrow must not change yesterday's rows).
"""

import csv
import datetime
import itertools
import random
from collections import Counter, defaultdict
from decimal import Decimal
from functools import cache

from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from orgs.regions import DEMO_CITY_CODE, DEMO_STREETS_FILE, DEMO_ZONES_FILE, city_districts

CITY = "南京市"
DEMO_FIRST_DAY = datetime.date(1995, 1, 1)
DEMO_LAST_DAY = datetime.date(2025, 12, 31)
# 《社会组织党建工作承诺书》 and the member survey were rolled out from this year (§三).
COMMITMENT_FIRST_DAY = datetime.date(2017, 1, 1)

UNIT_COLUMNS = ("单位名称", "单位类型", "级别", "所属区县", "所属街道", "管理行业")
ORG_COLUMNS = (
    "名称", "统一社会信用代码", "组织类型", "行业领域", "登记管理机关", "登记级别", "登记日期",
    "业务主管单位", "所属区县", "所属街道", "所在区域", "住所", "法定代表人", "从业人员数",
    "是否行业协会商会", "是否已脱钩", "是否社区社会组织", "是否重点社会组织", "党建入章程",
    "承诺书签订日期", "调查表填报日期", "状态",
)  # fmt: skip

# Kind labels as published (templates.md).
ASSOCIATION, SERVICE, FOUNDATION = "社会团体", "社会服务机构", "基金会"
LAW_FIRM, ACCOUNTING_FIRM, TAX_FIRM = "律师事务所", "会计师事务所", "税务师事务所"
COMMUNITY_FILED = "社区社会组织(备案)"
CIVIL_AFFAIRS_KINDS = (ASSOCIATION, SERVICE, FOUNDATION, COMMUNITY_FILED)

KIND_WEIGHTS = (
    (ASSOCIATION, 45),
    (SERVICE, 40),
    (FOUNDATION, 3),
    (LAW_FIRM, 5),
    (ACCOUNTING_FIRM, 2),
    (TAX_FIRM, 1),
    (COMMUNITY_FILED, 4),
)

# GB 32100: position 1 registering department (5 民政, 3 司法行政, 9 工商), position 2 the
# category; the body's first two characters follow the practice of each issuer.
USCC_PREFIX = {
    ASSOCIATION: "51",
    SERVICE: "52",
    FOUNDATION: "53",
    LAW_FIRM: "31",
    ACCOUNTING_FIRM: "91",
    TAX_FIRM: "91",
}
USCC_BODY_HEAD = {
    ASSOCIATION: "MJ",
    SERVICE: "MJ",
    FOUNDATION: "MJ",
    LAW_FIRM: "MD",
    ACCOUNTING_FIRM: "MA",
    TAX_FIRM: "MA",
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_TAIL_LENGTH = 7
_TAIL_SPACE = len(USCC_ALPHABET) ** _TAIL_LENGTH
# Multiplying by a number coprime to 31 permutes the tails: distinct i, distinct codes.
_TAIL_STEP = 16_777_619
assert _TAIL_STEP % 31

# ---------------------------------------------------------------------------------------
# Units

CIVIL_AFFAIRS = "南京市民政局"
TWO_NEW = "中共南京市委两新工委"
ORGANIZATION_DEPT = "中共南京市委组织部"
FALLBACK_COMMITTEE = "中共南京市社会组织委员会"
JUSTICE = "南京市司法局"
FINANCE = "南京市财政局"
TAXATION = "国家税务总局南京市税务局"

# Supervising units by the key the themes below use.
CITY_SUPERVISORS = {
    "edu": "南京市教育局",
    "health": "南京市卫生健康委员会",
    "housing": "南京市住房和城乡建设局",
    "justice": JUSTICE,
    "finance": FINANCE,
    "tax": TAXATION,
    "science": "南京市科学技术局",
    "culture": "南京市文化和旅游局",
    "sports": "南京市体育局",
    "fic": "南京市工商业联合会",
}
# A few district bureaus; a district-registered org of another district falls back to the
# city bureau.
DISTRICT_SUPERVISORS = {
    ("edu", "玄武区"): "南京市玄武区教育局",
    ("edu", "鼓楼区"): "南京市鼓楼区教育局",
    ("edu", "江宁区"): "南京市江宁区教育局",
    ("health", "江宁区"): "南京市江宁区卫生健康委员会",
    ("culture", "秦淮区"): "南京市秦淮区文化和旅游局",
}
INDUSTRY_COMMITTEES = (
    ("中共南京市律师行业委员会", "法律服务"),
    ("中共南京市注册会计师行业委员会", "会计"),
    ("中共南京市税务师行业委员会", "税务"),
)
PROFESSIONAL_AUTHORITY = {LAW_FIRM: JUSTICE, ACCOUNTING_FIRM: FINANCE, TAX_FIRM: TAXATION}
PROFESSIONAL_SECTOR = {LAW_FIRM: "法律服务", ACCOUNTING_FIRM: "会计", TAX_FIRM: "税务"}


@cache
def demo_districts() -> tuple[tuple[str, str], ...]:
    """(code, name) of the demo city's districts, from the shipped snapshot."""
    return tuple((d.code, d.name) for d in sorted(city_districts(DEMO_CITY_CODE), key=_code))


def _code(division):
    return division.code


@cache
def demo_streets() -> dict[str, tuple[str, ...]]:
    """Demo street names by district name, in file order."""
    names = dict(demo_districts())
    streets: dict[str, list[str]] = {name: [] for name in names.values()}
    with DEMO_STREETS_FILE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            streets[names[row["district_code"]]].append(row["street_name"])
    return {district: tuple(items) for district, items in streets.items()}


@cache
def demo_zones() -> dict[str, tuple[tuple[str, str, str], ...]]:
    """Demo zones (name, kind, street name or "") by district name, in file order."""
    names = dict(demo_districts())
    zones: dict[str, list[tuple[str, str, str]]] = {name: [] for name in names.values()}
    with DEMO_ZONES_FILE.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            zones[names[row["district_code"]]].append(
                (row["name"], row["kind"], row["street_name"])
            )
    return {district: tuple(items) for district, items in zones.items()}


@cache
def _district_codes() -> dict[str, str]:
    return {name: code for code, name in demo_districts()}


def district_civil_affairs(district: str) -> str:
    return f"南京市{district}民政局"


def street_committee(district: str, street: str) -> str:
    """中共南京市玄武区新街口街道工作委员会; a township has a 镇委员会 instead."""
    if street.endswith("镇"):
        return f"中共南京市{district}{street}委员会"
    return f"中共南京市{district}{street}工作委员会"


def _unit(name, kind, level, district="", street="", sector=""):
    return dict(zip(UNIT_COLUMNS, (name, kind, level, district, street, sector), strict=True))


# The city finance bureau is also the demo supervisor of accounting firms (FINANCE); its
# division that budgets Party-building funds is a unit of its own.
CITY_FINANCE = "南京市财政局行政政法处"


def demo_unit_rows() -> list[dict]:
    """The demo city's units in the 单位名册 columns, registration offices first."""
    districts = [name for _code, name in demo_districts()]
    rows = [_unit(CIVIL_AFFAIRS, "登记机关", "市级")]
    rows += [_unit(district_civil_affairs(d), "登记机关", "区县级", d) for d in districts]
    rows.append(_unit(TWO_NEW, "两新工委", "市级"))
    rows += [_unit(f"中共南京市{d}委两新工委", "两新工委", "区县级", d) for d in districts]
    rows.append(_unit(ORGANIZATION_DEPT, "组织部", "市级"))
    rows += [_unit(name, "业务主管单位", "市级") for name in CITY_SUPERVISORS.values()]
    rows += [
        _unit(name, "业务主管单位", "区县级", district)
        for (_key, district), name in DISTRICT_SUPERVISORS.items()
    ]
    rows += [_unit(name, "行业党委", "市级", sector=sector) for name, sector in INDUSTRY_COMMITTEES]
    for district, streets in demo_streets().items():
        rows += [
            _unit(street_committee(district, s), "街道党工委", "街道级", district, s)
            for s in streets
        ]
    rows.append(_unit(FALLBACK_COMMITTEE, "民政部门社会组织党委", "市级"))
    # Finance (subsidies): the city's and each district's, which budget and pay.
    rows.append(_unit(CITY_FINANCE, "财政部门", "市级"))
    rows += [_unit(f"南京市{d}财政局", "财政部门", "区县级", d) for d in districts]
    return rows


# ---------------------------------------------------------------------------------------
# Vocabulary of org names, addresses and people

# Relative number of orgs domiciled in each district; professional firms cluster downtown.
DISTRICT_WEIGHTS = {
    "玄武区": 9, "秦淮区": 9, "建邺区": 8, "鼓楼区": 12, "浦口区": 8, "栖霞区": 10,
    "雨花台区": 8, "江宁区": 16, "六合区": 7, "溧水区": 6, "高淳区": 7,
}  # fmt: skip
FIRM_DISTRICT_WEIGHTS = {
    "玄武区": 18, "秦淮区": 14, "建邺区": 20, "鼓楼区": 24, "浦口区": 3, "栖霞区": 4,
    "雨花台区": 5, "江宁区": 8, "六合区": 1, "溧水区": 1, "高淳区": 2,
}  # fmt: skip

ROADS = {
    "玄武区": ("中山路", "北京东路", "珠江路", "龙蟠路", "玄武大道", "长江路", "太平北路"),
    "秦淮区": ("中华路", "太平南路", "建康路", "应天大街", "中山南路", "白下路", "大明路"),
    "建邺区": ("江东中路", "庐山路", "嘉陵江东街", "河西大街", "梦都大街", "兴隆大街"),
    "鼓楼区": ("中山北路", "湖南路", "北京西路", "汉中路", "中央路", "广州路", "虎踞路"),
    "浦口区": ("浦珠路", "江浦大道", "浦口大道", "文德路", "凤凰大街", "丽岛路"),
    "栖霞区": ("仙林大道", "和燕路", "尧化门街", "文苑路", "马群街", "迈化路"),
    "雨花台区": ("雨花南路", "软件大道", "宁双路", "花神大道", "凤翔路", "西善桥路"),
    "江宁区": ("双龙大道", "天元中路", "胜太路", "秣周东路", "竹山路", "东山大街", "弘景大道"),
    "六合区": ("雄州东路", "龙津路", "泰山路", "延安路", "园林路"),
    "溧水区": ("珍珠南路", "天生桥大道", "交通路", "通济街", "中山东路"),
    "高淳区": ("宝塔路", "镇兴路", "石臼湖南路", "淳兴路", "双湖路"),
}  # fmt: skip

COMMUNITIES = (
    "丰富路", "汉府", "长江路", "进香河", "大树根", "龙江", "虹苑", "翠屏", "百家湖", "东山",
    "文昌", "金陵", "桃园", "红花", "白鹭", "钓鱼台", "莫愁", "南苑", "兴隆", "沙洲", "双和",
    "佳营", "天润", "樱铁", "月苑", "仙鹤", "紫东", "燕华", "尧林", "新城", "彩虹", "和平",
    "幸福", "阳光", "康乐", "景明", "怡康", "福园", "青年", "清凉", "宁海", "凤凰", "梅园",
)  # fmt: skip

_BRAND_FIRST = (
    "康博明瑞恒金紫华天永众德中立仁安福颐乐晨阳启新育英思睿智"
    "蓝春爱同和善慈鼎卓精诚汇鸿盛丰嘉润清崇尚致益惠怡知青"
)
_BRAND_SECOND = "宁雅德华信陵山泰衡和源达康乐美诚盛远心辉晖晨悦禾泽文明安祥瑞正仁恒通合"
BRANDS = tuple(a + b for a in _BRAND_FIRST for b in _BRAND_SECOND if a != b)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶"
    "黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国文辉力鹏宇浩晨欣怡婷雪梅兰红玲"
    "海波志斌峰俊林亮燕云飞凯宁琳颖佳思远晓东春"
)

# (theme, sector, supervisor key or "") for associations (社会团体), by theme group.
TRADE_THEMES = (
    "餐饮", "建筑业", "房地产业", "物业管理", "软件", "物流", "汽车流通", "旅游", "美容美发",
    "家政服务", "电子商务", "纺织服装", "机械工业", "建材", "装饰装修", "广告", "医药", "茶叶",
    "花木", "水产", "酒店", "保险", "连锁经营", "文化产业", "养老服务业", "集成电路", "人工智能",
    "光伏", "会展", "印刷", "食品", "珠宝", "眼镜", "网络安全", "金融科技", "快递", "农业机械",
)  # fmt: skip
HOUSING_TRADES = frozenset({"建筑业", "房地产业", "物业管理", "装饰装修", "建材"})
HOMETOWNS = (
    "温州", "福建", "浙江", "安徽", "河南", "湖北", "江西", "山东", "潮汕", "泉州", "台州",
    "宁波", "湖南", "四川", "重庆", "广东", "莆田", "晋江", "义乌", "盐城", "苏州", "徐州",
    "无锡", "常州", "南通", "扬州", "泰州", "淮安", "连云港", "宿迁", "镇江", "金华", "绍兴",
    "丽水", "宁德", "厦门", "汕头", "揭阳", "陕西", "山西", "河北", "黑龙江", "吉林", "辽宁",
    "内蒙古", "广西", "云南", "贵州", "甘肃", "新疆", "海南", "天津", "上海", "北京", "香港",
)  # fmt: skip
ASSOCIATION_THEMES = {
    "科技": (
        "science",
        ("计算机", "机械工程", "电子", "人工智能", "环境科学", "生态", "气象", "测绘",
         "土木建筑", "化学化工", "物理", "数学", "地理", "植物", "科普", "青少年科技教育",
         "信息技术", "自动化", "光学", "材料"),
        ("学会", "研究会", "协会"),
    ),
    "文化": (
        "culture",
        ("书法", "摄影", "美术", "收藏", "楹联", "诗词", "戏剧", "民间文艺", "非物质文化遗产保护",
         "昆曲", "京剧", "古琴", "金陵刻经", "云锦", "秦淮灯彩", "篆刻", "茶文化", "民俗文化"),
        ("协会", "研究会", "学会"),
    ),
    "体育": (
        "sports",
        ("篮球", "足球", "围棋", "象棋", "太极拳", "游泳", "跆拳道", "马拉松", "钓鱼", "羽毛球",
         "乒乓球", "网球", "登山", "自行车", "武术", "健身气功", "桥牌", "龙舟", "广场舞"),
        ("协会", "运动协会"),
    ),
    "社会服务": (
        "",
        ("志愿者", "慈善", "老年", "残疾人福利", "社会工作", "婚姻家庭", "养老服务", "助残",
         "关心下一代", "心理卫生", "社区服务", "红十字志愿"),
        ("协会", "研究会", "促进会"),
    ),
    "教育": (
        "edu",
        ("教育", "家庭教育", "民办教育", "职业教育", "陶行知", "学前教育", "成人教育",
         "教育装备", "特殊教育"),
        ("学会", "研究会", "协会"),
    ),
    "卫生健康": (
        "health",
        ("医学", "护理", "中医药", "预防医学", "医师", "健康管理", "康复医学", "中西医结合",
         "药学", "口腔医学"),
        ("学会", "协会"),
    ),
    "其他": (
        "",
        ("老科技工作者", "档案", "地方志", "知识产权", "质量", "标准化", "人才", "品牌建设"),
        ("协会", "学会", "研究会"),
    ),
}  # fmt: skip
ASSOCIATION_SECTOR_WEIGHTS = (
    ("行业协会商会", 30),
    ("科技", 14),
    ("文化", 14),
    ("体育", 12),
    ("社会服务", 14),
    ("教育", 8),
    ("卫生健康", 6),
    ("其他", 2),
)
# Who an association gathers, for the sectors where that is part of real names.
QUALIFIERS = {
    "体育": ("青少年", "老年", "职工", "女子", "大学生"),
    "文化": ("老年", "青年", "职工", "女"),
    "社会服务": ("青年", "老年", "退役军人", "女性"),
}

# Service orgs (社会服务机构 / 民办非企业单位): (theme, form) by sector; "key" marks the
# key sectors of §四 (民办学校, 民办医院).
SERVICE_THEMES = {
    "教育": (
        "edu",
        True,
        ("幼儿园", "培训学校", "职业培训学校", "艺术培训学校", "外国语学校", "实验学校",
         "体育培训学校", "技工学校", "学校"),
    ),
    "卫生健康": (
        "health",
        True,
        ("医院", "中医医院", "康复医院", "护理院", "口腔医院", "门诊部", "眼科医院", "中医诊所"),
    ),
    "社会服务": (
        "",
        False,
        ("养老服务中心", "社会工作服务中心", "社工事务所", "居家养老服务中心", "残疾人托养中心",
         "公益服务中心", "青少年服务中心", "心理咨询服务中心", "家庭服务中心", "社区服务中心",
         "志愿服务中心", "颐养院", "儿童发展中心"),
    ),
    "文化": (
        "culture",
        False,
        ("博物馆", "艺术馆", "文化发展中心", "书院", "美术馆", "非遗传习所", "图书馆", "剧社"),
    ),
    "体育": (
        "sports",
        False,
        ("体育俱乐部", "围棋俱乐部", "足球俱乐部", "健身中心", "武术馆", "游泳俱乐部",
         "棋院", "体育发展中心"),
    ),
    "科技": (
        "science",
        False,
        ("科技研究院", "技术研究所", "科技服务中心", "创新研究院", "智能技术研究院",
         "环境技术研究所", "科普中心"),
    ),
    "其他": ("", False, ("人才服务中心", "人民调解中心", "评估中心", "公共事务研究中心")),
}  # fmt: skip
SERVICE_SECTOR_WEIGHTS = (
    ("教育", 30),
    ("卫生健康", 12),
    ("社会服务", 35),
    ("文化", 8),
    ("体育", 7),
    ("科技", 5),
    ("其他", 3),
)
FOUNDATION_THEMES = (
    ("慈善", "社会服务"),
    ("教育发展", "教育"),
    ("见义勇为", "社会服务"),
    ("青少年发展", "社会服务"),
    ("扶贫济困", "社会服务"),
    ("文化发展", "文化"),
    ("体育发展", "体育"),
    ("医疗救助", "卫生健康"),
    ("助学", "教育"),
    ("科技创新", "科技"),
    ("关爱老人", "社会服务"),
    ("生态环境保护", "其他"),
)
COMMUNITY_ASSOCIATION_THEMES = (
    ("志愿者协会", "社会服务"),
    ("慈善协会", "社会服务"),
    ("老年人协会", "社会服务"),
    ("邻里互助协会", "社会服务"),
    ("社区社会组织联合会", "社会服务"),
    ("文体协会", "文化"),
    ("书画协会", "文化"),
    ("健身协会", "体育"),
    ("治安志愿者协会", "社会服务"),
    ("残疾人协会", "社会服务"),
    ("家长学校协会", "教育"),
    ("楼道文化促进会", "文化"),
)
FILED_THEMES = (
    ("夕阳红舞蹈队", "文化"),
    ("合唱团", "文化"),
    ("志愿服务队", "社会服务"),
    ("书画社", "文化"),
    ("太极拳队", "体育"),
    ("邻里互助会", "社会服务"),
    ("读书会", "文化"),
    ("健身队", "体育"),
    ("平安巡逻队", "社会服务"),
    ("乒乓球队", "体育"),
    ("京剧票友会", "文化"),
    ("环保志愿队", "社会服务"),
    ("助老服务队", "社会服务"),
    ("红娘服务队", "社会服务"),
    ("花卉种植协会", "其他"),
)


# ---------------------------------------------------------------------------------------
# Orgs


def _pick(rng, weighted):
    items = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
    return rng.choices([k for k, _w in items], weights=[w for _k, w in items])[0]


def _date_between(rng, start, end):
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _registered_on(rng, first_year=DEMO_FIRST_DAY.year):
    # More orgs were registered in recent years: year weight grows linearly.
    years = range(first_year, DEMO_LAST_DAY.year + 1)
    year = rng.choices(years, weights=[y - first_year + 3 for y in years])[0]
    return _date_between(rng, datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def _staff_count(rng, kind, key_sector):
    if kind == COMMUNITY_FILED:
        return rng.choice((0, 0, 0, 1, 1, 2, 3, 5))
    if kind == FOUNDATION:
        return rng.randint(2, 20)
    r = rng.random()
    small, medium = (0.55, 0.94) if key_sector else (0.84, 0.985)
    if r < small:
        return 1 + int(29 * rng.random() ** 1.6)
    if r < medium:
        return 30 + int(270 * rng.random() ** 2)
    return rng.randint(301, 2000)


def _person(rng):
    given = rng.choice(GIVEN_CHARS)
    if rng.random() < 0.75:
        given += rng.choice(GIVEN_CHARS)
    return rng.choice(SURNAMES) + given


def _address(rng, district, zone):
    road = rng.choice(ROADS[district])
    address = f"{CITY}{district}{road}{rng.randint(1, 399)}号"
    if zone:
        return (
            f"{address}{zone}{rng.randint(1, 12)}幢{rng.randint(1, 28)}{rng.randint(1, 30):02d}室"
        )
    if rng.random() < 0.4:
        address += f"{rng.randint(1, 20)}幢{rng.randint(1, 20)}{rng.randint(1, 20):02d}室"
    return address


def _uscc(kind, district_code, seed, i):
    tail_number = (i * _TAIL_STEP + _seed_offset(seed)) % _TAIL_SPACE
    tail = ""
    for _ in range(_TAIL_LENGTH):
        tail_number, digit = divmod(tail_number, len(USCC_ALPHABET))
        tail = USCC_ALPHABET[digit] + tail
    body = USCC_PREFIX[kind] + district_code + USCC_BODY_HEAD[kind] + tail
    return body + stdnum_uscc.calc_check_digit(body)


@cache
def _seed_offset(seed):
    return random.Random(f"uscc:{seed}").randrange(_TAIL_SPACE)


def _area(level, district):
    return CITY if level == "市级" else f"{CITY}{district}"


def _short_street(street):
    return street.removesuffix("街道").removesuffix("镇")


def _association(rng, org):
    """Sector, theme and name builder of a 社会团体 that is not a community org."""
    sector = _pick(rng, ASSOCIATION_SECTOR_WEIGHTS)
    area = _area(org["登记级别"], org["所属区县"])
    if sector == "行业协会商会":
        org["是否行业协会商会"] = "是"
        if org["登记级别"] == "市级" and rng.random() < 0.25:
            # 异地商会: chambers of entrepreneurs from another place, some by trade.
            def chamber():
                trade = rng.choice(TRADE_THEMES) if rng.random() < 0.5 else ""
                return f"{CITY}{rng.choice(HOMETOWNS)}{trade}商会"

            return sector, "fic", chamber
        theme = rng.choice(TRADE_THEMES)
        key = "housing" if theme in HOUSING_TRADES else "fic"
        forms = ("行业协会", "协会", "商会", "同业公会", "行业联合会")

        def name():
            brand = rng.choice(BRANDS) if rng.random() < 0.3 else ""
            return f"{area}{brand}{theme}{rng.choice(forms)}"

        return sector, key, name
    key, themes, forms = ASSOCIATION_THEMES[sector]

    qualifiers = QUALIFIERS.get(sector, ())
    # A district association may carry its street's name (南京市江宁区东山书画协会).
    street = org["所属街道"] if org["登记级别"] == "区县级" else ""

    def name():
        prefix = ""
        r = rng.random()
        if r < 0.3:
            prefix = rng.choice(BRANDS)
        elif r < 0.45 and street:
            prefix = _short_street(street)
        qualifier = rng.choice(qualifiers) if qualifiers and rng.random() < 0.3 else ""
        return f"{area}{prefix}{qualifier}{rng.choice(themes)}{rng.choice(forms)}"

    return sector, key, name


def _service(rng, org):
    sector = _pick(rng, SERVICE_SECTOR_WEIGHTS)
    key, key_sector, forms = SERVICE_THEMES[sector]
    area = _area(org["登记级别"], org["所属区县"])
    # Hospitals and schools are usually named after the city, not the district.
    city_style = sector in ("卫生健康", "文化") or rng.random() < 0.2

    def name():
        head = "南京" if city_style else area
        return f"{head}{rng.choice(BRANDS)}{rng.choice(forms)}"

    return sector, key, key_sector, name


def _firm_name(rng, kind):
    brand = rng.choice(BRANDS)
    if rng.random() < 0.15:
        brand += rng.choice(_BRAND_SECOND)
    r = rng.random()
    if kind == LAW_FIRM:
        if r < 0.65:
            return f"江苏{brand}律师事务所"
        if r < 0.8:
            return f"北京{brand}（南京）律师事务所"
        if r < 0.9:
            return f"上海{brand}（南京）律师事务所"
        return f"江苏{brand}（南京）律师事务所"
    if kind == ACCOUNTING_FIRM:
        if r < 0.5:
            return f"江苏{brand}会计师事务所有限公司"
        if r < 0.8:
            return f"南京{brand}会计师事务所（普通合伙）"
        return f"江苏{brand}会计师事务所（特殊普通合伙）"
    if r < 0.6:
        return f"江苏{brand}税务师事务所有限公司"
    return f"南京{brand}税务师事务所有限公司"


def _supervisor(key, org):
    if not key:
        return ""
    if org["登记级别"] == "区县级":
        district_unit = DISTRICT_SUPERVISORS.get((key, org["所属区县"]))
        if district_unit:
            return district_unit
    return CITY_SUPERVISORS[key]


def _place(rng, org, kind, community):
    """District (set before), zone and street: a zone only in the org's own district."""
    district = org["所属区县"]
    if not community and rng.random() < (0.25 if kind in PROFESSIONAL_AUTHORITY else 0.09):
        zone, _zone_kind, zone_street = rng.choice(demo_zones()[district])
        org["所在区域"] = zone
        if zone_street:
            org["所属街道"] = zone_street
    if not org["所属街道"] and (community or rng.random() < 0.56):
        org["所属街道"] = rng.choice(demo_streets()[district])


def _blank_row():
    return dict.fromkeys(ORG_COLUMNS, "") | {
        "是否行业协会商会": "否",
        "是否已脱钩": "否",
        "是否社区社会组织": "否",
        "是否重点社会组织": "否",
        "党建入章程": "否",
        "状态": "正常",
    }


def _org_row(i, seed, used_names):
    rng = random.Random(f"{seed}:{i}")
    org = _blank_row()
    kind = _pick(rng, KIND_WEIGHTS)
    community = kind == COMMUNITY_FILED or (kind == ASSOCIATION and rng.random() < 0.11)
    professional = kind in PROFESSIONAL_AUTHORITY
    district = _pick(rng, FIRM_DISTRICT_WEIGHTS if professional else DISTRICT_WEIGHTS)
    district_code = _district_codes()[district]
    org["组织类型"] = kind
    org["所属区县"] = district

    # Registration: 民政 kinds at the city (~30%) or their district's office; professional
    # firms by the licensing authority, at city level.
    if professional:
        org["登记管理机关"], org["登记级别"] = PROFESSIONAL_AUTHORITY[kind], "市级"
    else:
        city_share = 0.85 if kind == FOUNDATION else 0.0 if community else 0.3
        if rng.random() < city_share:
            org["登记管理机关"], org["登记级别"] = CIVIL_AFFAIRS, "市级"
        else:
            org["登记管理机关"] = district_civil_affairs(district)
            org["登记级别"] = "区县级"
    _place(rng, org, kind, community)
    registered = _registered_on(rng, 2012 if community else DEMO_FIRST_DAY.year)
    org["登记日期"] = registered.isoformat()

    key_sector = professional
    supervisor_key, supervisor_share = "", 0.0
    street = org["所属街道"]
    if kind == COMMUNITY_FILED:
        theme, sector = rng.choice(FILED_THEMES)
        org["是否社区社会组织"] = "是"

        def name():
            return f"{district}{street}{rng.choice(COMMUNITIES)}社区{theme}"

        name_builder = name
    elif community:
        theme, sector = rng.choice(COMMUNITY_ASSOCIATION_THEMES)
        org["是否社区社会组织"] = "是"

        def name():
            community_name = f"{rng.choice(COMMUNITIES)}社区" if rng.random() < 0.6 else ""
            return f"{CITY}{district}{street}{community_name}{theme}"

        name_builder = name
    elif kind == ASSOCIATION:
        sector, supervisor_key, name_builder = _association(rng, org)
        if org["是否行业协会商会"] == "是" and rng.random() < 0.65:
            org["是否已脱钩"] = "是"  # 脱钩: no supervising unit any more
        else:
            supervisor_share = 0.6
    elif kind == SERVICE:
        sector, supervisor_key, key_sector, name_builder = _service(rng, org)
        supervisor_share = 0.9 if key_sector else 0.55
    elif kind == FOUNDATION:
        theme, sector = rng.choice(FOUNDATION_THEMES)
        supervisor_key = {"教育": "edu", "卫生健康": "health", "文化": "culture"}.get(sector, "")
        supervisor_share = 0.4

        def name():
            brand = rng.choice(BRANDS) if rng.random() < 0.6 else ""
            return f"{_area(org['登记级别'], district)}{brand}{theme}基金会"

        name_builder = name
    else:
        sector = PROFESSIONAL_SECTOR[kind]

        def name():
            return _firm_name(rng, kind)

        name_builder = name
    org["行业领域"] = sector
    if supervisor_key and rng.random() < supervisor_share:
        org["业务主管单位"] = _supervisor(supervisor_key, org)

    org["统一社会信用代码"] = "" if kind == COMMUNITY_FILED else _uscc(kind, district_code, seed, i)
    org["住所"] = _address(rng, district, org["所在区域"])
    org["法定代表人"] = _person(rng)
    org["从业人员数"] = str(_staff_count(rng, kind, key_sector))
    org["是否重点社会组织"] = "是" if rng.random() < 0.03 else "否"
    org["党建入章程"] = "是" if rng.random() < 0.55 else "否"
    if rng.random() < 0.6:
        start = max(registered, COMMITMENT_FIRST_DAY)
        org["承诺书签订日期"] = _date_between(rng, start, DEMO_LAST_DAY).isoformat()
        if rng.random() < 0.9:
            org["调查表填报日期"] = _date_between(rng, start, DEMO_LAST_DAY).isoformat()
    elif rng.random() < 0.1:
        start = max(registered, COMMITMENT_FIRST_DAY)
        org["调查表填报日期"] = _date_between(rng, start, DEMO_LAST_DAY).isoformat()
    r = rng.random()
    org["状态"] = "正常" if r < 0.95 else "注销" if r < 0.99 else "撤销"

    # The name comes last: redrawing it on a clash changes nothing else about this org.
    org["名称"] = _unique_name(rng, name_builder, used_names)
    return org


def _unique_name(rng, builder, used):
    for _attempt in range(40):
        name = builder()
        if name not in used:
            used.add(name)
            return name
    base = builder()
    for number in range(2, 10_000):
        # Only when the vocabulary is exhausted: a distinguishing number, as 分会 do.
        name = f"{base}（{number}）"
        if name not in used:
            used.add(name)
            return name
    raise AssertionError("unreachable")


def demo_org_rows(n: int, seed: int) -> list[dict]:
    """n orgs in the 社会组织名册 columns; row i is the same for every n > i."""
    used: set[str] = set()
    return [_org_row(i, seed, used) for i in range(n)]


# ---------------------------------------------------------------------------------------
# Year records and stale archives

STALE_SHARE = 0.2


def demo_stale_months(i: int, seed: int) -> float | None:
    """Months since org i's archive was last updated, for about 20% of orgs; else None."""
    rng = random.Random(f"{seed}:{i}:stale")
    if rng.random() < STALE_SHARE:
        return rng.uniform(13, 36)
    return None


def demo_year_records(rows: list[dict], seed: int, years) -> list[tuple[int, int, dict]]:
    """(row index, year, OrgYearRecord field values) for a realistic share of active orgs.

    Filed community orgs have no 年检 and get none; an org whose archive is stale has a
    record only for the earliest of ``years``. Evaluation (评估) is for 民政 kinds only.
    """
    years = sorted(years)
    records = []
    for i, row in enumerate(rows):
        kind = row["组织类型"]
        if row["状态"] != "正常" or kind == COMMUNITY_FILED:
            continue
        registered = datetime.date.fromisoformat(row["登记日期"])
        stale = demo_stale_months(i, seed) is not None
        for year in years:
            if registered.year > year or (stale and year != years[0]):
                continue
            rng = random.Random(f"{seed}:{i}:{year}")
            if rng.random() >= 0.88:
                continue
            records.append((i, year, _year_record(rng, kind, registered, year)))
    return records


def _year_record(rng, kind, registered, year):
    values = {
        "registration_info_captured": rng.random() < (0.75 if registered.year >= 2017 else 0.35)
    }
    r = rng.random()
    result = "absent" if r < 0.07 else "failed" if r < 0.09 else "basic" if r < 0.15 else "passed"
    values["inspection_result"] = result
    checked = result != "absent" and rng.random() < 0.8
    values["inspection_party_checked"] = checked
    if checked:
        values["inspection_party_notes"] = rng.choice(
            (
                "已同步检查党建工作情况",
                "党建工作情况已随年检报告填报",
                "已签订党建工作承诺书",
                "党员情况已报送，需加强党建工作",
                "章程已写入党建工作内容",
            )
        )
    # 评估 (by 民政) needs two years since registration; a grade is valid five years.
    if kind in CIVIL_AFFAIRS_KINDS and year - registered.year >= 2 and rng.random() < 0.15:
        grade = rng.choices(("1A", "2A", "3A", "4A", "5A"), weights=(5, 15, 45, 25, 10))[0]
        low = {"1A": 60, "2A": 65, "3A": 70, "4A": 80, "5A": 88}[grade]
        values["evaluation_grade"] = grade
        values["evaluation_date"] = datetime.date(year, rng.randint(3, 11), rng.randint(1, 28))
        values["party_building_score"] = Decimal(rng.randint(low * 100, 10000)) / 100
    return values


# ---------------------------------------------------------------------------------------
# Regional Party-building workstations (区域党建工作站)

# Zones with a workstation; orgs there with one or two full members join the station's
# joint branches (依托区域党建工作站) rather than one of their sector.
WORKSTATION_ZONES = (
    "新街口商圈", "徐庄软件园", "河西中央商务区", "南京金融城", "紫峰大厦",
    "江北新区产业技术研创园", "南京软件谷", "江宁经济技术开发区",
)  # fmt: skip


def workstation_name(zone: str) -> str:
    return f"{zone}区域党建工作站"


def demo_workstation_rows() -> list[dict]:
    """Workstations as creation data: name, zone (name), address, founded_on.

    There is no import template for workstations; seed_demo creates them directly.
    """
    districts = {z[0]: district for district, items in demo_zones().items() for z in items}
    rows = []
    for zone in WORKSTATION_ZONES:
        rng = random.Random(f"workstation:{zone}")
        district = districts[zone]
        road = rng.choice(ROADS[district])
        rows.append(
            {
                "name": workstation_name(zone),
                "zone": zone,
                "address": f"{CITY}{district}{road}{rng.randint(1, 399)}号{zone}党群服务中心",
                "founded_on": _date_between(
                    rng, datetime.date(2016, 1, 1), datetime.date(2020, 12, 31)
                ),
            }
        )
    return rows


# ---------------------------------------------------------------------------------------
# Party organizations (党组织名册)

PARTY_ORG_COLUMNS = (
    "党组织名称", "组织建制", "组建方式", "覆盖社会组织", "上级党组织", "是否二级党组织",
    "成立日期", "届期开始",
)  # fmt: skip
COMMITTEE, GENERAL_BRANCH, BRANCH = "党委", "党总支", "党支部"
STANDALONE, JOINT, AT_WORKSTATION = "单独组建", "联合组建", "依托区域党建工作站"
TERM_YEARS = {COMMITTEE: 5, GENERAL_BRANCH: 3, BRANCH: 3}  # settings.PARTY_TERM_YEARS
COVERED_SEPARATOR = "；"

# Size thresholds (支部工作条例; settings say "may", the demo mostly does).
GENERAL_BRANCH_MEMBERS = 50
COMMITTEE_MEMBERS = 100
# Members the Party committee (or general branch) of a big org holds itself: its
# committee; everyone else belongs to one of its secondary branches.
TOP_COMMITTEE_SIZE = {COMMITTEE: (5, 9), GENERAL_BRANCH: (5, 7)}
# Party earliest founding for the demo: Party building in social orgs took off in the 2000s.
PARTY_FIRST_DAY = datetime.date(2003, 1, 1)

# What joint branches of a district are called, by the sector of their orgs.
JOINT_LABELS = {"法律服务": "律师行业", "会计": "注册会计师行业", "税务": "税务师行业"}
JOINT_DEFAULT_LABEL = "社会组织"

# The party ratio (members / staff) of an org with three or more full members, by sector.
SECTOR_PARTY_FACTOR = {
    "法律服务": 1.8, "会计": 1.4, "税务": 1.4, "教育": 1.2, "卫生健康": 1.2, "科技": 1.2,
    "行业协会商会": 1.0, "社会服务": 0.8, "文化": 0.8, "体育": 0.7, "其他": 0.9,
}  # fmt: skip


def _chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三, 105 → 一百零五, 1010 → 一千零一十 (0 < n < 10000)."""
    digits = "零一二三四五六七八九"
    parts, zero, started = [], False, False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            parts.append(("零" if zero else "") + digits[digit] + unit)
            started, zero = True, False
        elif started:
            zero = True
    text = "".join(parts)
    return text[1:] if 10 <= n < 20 else text


def org_key(row: dict) -> str:
    """How the templates name an org: its USCC, or its name for a filed (备案) org."""
    return row["统一社会信用代码"] or row["名称"]


def demo_member_plan(row: dict, i: int, seed: int) -> tuple[int, int]:
    """(full, probationary) members working in org i; (0, 0) for orgs that are not 正常.

    About 45% of active orgs have no full member, 25% one or two, 30% three or more;
    the bigger the staff, the likelier more members, and firms, schools, hospitals and
    research institutes have more than clubs.
    """
    if row["状态"] != "正常":
        return 0, 0
    staff = int(row["从业人员数"])
    if staff == 0:
        return 0, 0
    rng = random.Random(f"{seed}:{i}:members:plan")
    factor = SECTOR_PARTY_FACTOR.get(row["行业领域"], 1.0)
    if staff < 3:
        none, few = 0.60, 1.0
    elif staff < 10:
        none, few = 0.56, 0.84
    elif staff < 30:
        none, few = 0.40, 0.68
    elif staff < 100:
        none, few = 0.22, 0.40
    else:
        none, few = 0.08, 0.16
    # More members in sectors with a high party ratio.
    none /= factor
    r = rng.random()
    if r < none:
        return 0, 0
    if r < few:
        full = min(staff, 1 if rng.random() < 0.6 else 2)
        probationary = 1 if staff > full and rng.random() < 0.12 else 0
        return full, probationary
    ratio = rng.lognormvariate(-2.03, 0.5) * factor
    total = max(3, min(staff, round(staff * ratio)))
    probationary = min(total - 3, round(total * rng.uniform(0.0, 0.17)))
    return total - probationary, probationary


def _founded_on(rng, earliest):
    """A founding day on or after `earliest` (and PARTY_FIRST_DAY), not after DEMO_LAST_DAY."""
    start = max(earliest, PARTY_FIRST_DAY)
    if start >= DEMO_LAST_DAY:
        return DEMO_LAST_DAY
    gap = int(rng.expovariate(1 / 900))
    return min(DEMO_LAST_DAY, start + datetime.timedelta(days=gap))


def _term_start(rng, kind, founded):
    """The current term's first day; about one in eight terms is left past its length."""
    years = TERM_YEARS[kind]
    terms = 0
    while _add_years(founded, (terms + 1) * years) <= DEMO_LAST_DAY:
        terms += 1
    if terms and rng.random() < 0.12:
        terms -= 1  # 换届 overdue
    if not terms:
        return None
    day = _add_years(founded, terms * years) + datetime.timedelta(days=rng.randint(-20, 60))
    return max(founded, min(day, DEMO_LAST_DAY))


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _registered(row):
    return datetime.date.fromisoformat(row["登记日期"])


def _party_row(name, kind, formation, covered, founded, term, parent="", secondary=False):
    return {
        "党组织名称": name,
        "组织建制": kind,
        "组建方式": formation,
        "覆盖社会组织": COVERED_SEPARATOR.join(covered),
        "上级党组织": parent,
        "是否二级党组织": "是" if secondary else "否",
        "成立日期": founded.isoformat(),
        "届期开始": term.isoformat() if term else "",
    }


def _standalone_rows(org, i, seed, full, probationary, used):
    """An org's own Party organization, and its secondary branches when it is big."""
    rng = random.Random(f"{seed}:{i}:party")
    total = full + probationary
    kind = BRANCH
    if total >= COMMITTEE_MEMBERS:
        kind = COMMITTEE if rng.random() < 0.85 else GENERAL_BRANCH
    elif total >= GENERAL_BRANCH_MEMBERS and rng.random() < 0.8:
        kind = GENERAL_BRANCH
    suffix = {COMMITTEE: "委员会", GENERAL_BRANCH: "总支部委员会", BRANCH: "支部委员会"}[kind]
    name = _unique_party_name(f"中共{org['名称']}{suffix}", used)
    founded = _founded_on(rng, _registered(org) + datetime.timedelta(days=60))
    key = org_key(org)
    rows = [_party_row(name, kind, STANDALONE, [key], founded, _term_start(rng, kind, founded))]
    if kind != BRANCH:
        low = 3 if kind == COMMITTEE else 2
        high = 12 if kind == COMMITTEE else 5
        branches = max(low, min(high, round(total / rng.uniform(22, 40))))
        for number in range(1, branches + 1):
            branch = _unique_party_name(
                f"中共{org['名称']}第{_chinese_number(number)}支部委员会", used
            )
            branch_founded = min(
                DEMO_LAST_DAY, founded + datetime.timedelta(days=rng.randint(0, 400))
            )
            term = _term_start(rng, BRANCH, branch_founded)
            rows.append(
                _party_row(
                    branch, BRANCH, STANDALONE, [key], branch_founded, term, name, secondary=True
                )
            )
    return rows


def _unique_party_name(name, used):
    if name in used:  # never for the demo's names; kept so a clash cannot break an import
        base, number = name, 2
        while name in used:
            name, number = f"{base}（{number}）", number + 1
    used.add(name)
    return name


def demo_party_org_rows(org_rows: list[dict], seed: int) -> list[dict]:
    """Party organizations in the 党组织名册 columns, for the active orgs with members.

    An org with three or more full members mostly has its own (单独组建) branch; with 50
    or more members a general branch or committee with secondary branches under it. Orgs
    with one or two are joined in 联合组建 branches of 2–5 orgs of one district and
    sector, or in their zone's workstation (依托区域党建工作站). A few orgs with members
    have no Party organization, and a few with three or more are still in a joint branch
    (ready to stand alone). Parents come before their secondary branches.

    Orgs are taken in row order and a joint branch closes when it reaches its size, so a
    longer ``org_rows`` only adds rows, except that a joint branch still open at the end
    of the shorter list may gain orgs (and a later founding day) in the longer one.
    """
    used: set[str] = set()
    entries: list = []  # rows of standalone orgs, or a joint group (a dict), in order
    open_groups: dict[tuple, dict] = {}
    numbers: Counter = Counter()
    stations = {row["zone"]: row["founded_on"] for row in demo_workstation_rows()}
    for i, org in enumerate(org_rows):
        full, probationary = demo_member_plan(org, i, seed)
        if not full:
            continue
        rng = random.Random(f"{seed}:{i}:formation")
        r = rng.random()
        if full >= 3:
            formation = None if r < 0.05 else JOINT if r < 0.13 else STANDALONE
        else:
            formation = None if r < 0.12 else JOINT
        if formation is None:
            continue
        if formation == STANDALONE:
            entries.append(_standalone_rows(org, i, seed, full, probationary, used))
            continue
        district = org["所属区县"]
        if org["所在区域"] in stations:
            bucket = ("zone", org["所在区域"])
        else:
            bucket = ("sector", district, org["行业领域"])
        group = open_groups.get(bucket)
        if group is None:
            group_rng = random.Random(f"{seed}:{i}:group")
            if bucket[0] == "zone":
                label = workstation_name(bucket[1])
                numbers[label] += 1
                prefix = f"中共{label}"
            else:
                label = JOINT_LABELS.get(org["行业领域"], JOINT_DEFAULT_LABEL)
                numbers[(district, label)] += 1
                prefix = f"中共{CITY}{district}{label}"
            number = numbers[label if bucket[0] == "zone" else (district, label)]
            group = {
                "name": _unique_party_name(
                    f"{prefix}第{_chinese_number(number)}联合支部委员会", used
                ),
                "formation": AT_WORKSTATION if bucket[0] == "zone" else JOINT,
                "station": bucket[1] if bucket[0] == "zone" else None,
                "size": group_rng.choices((2, 3, 4, 5), weights=(30, 35, 20, 15))[0],
                "rng": group_rng,
                "orgs": [],
            }
            open_groups[bucket] = group
            entries.append(group)
        group["orgs"].append(org)
        if len(group["orgs"]) >= group["size"]:
            del open_groups[bucket]
    rows = []
    for entry in entries:
        if isinstance(entry, list):
            rows += entry
            continue
        rng = random.Random(f"{seed}:{entry['name']}")
        earliest = max(_registered(org) for org in entry["orgs"]) + datetime.timedelta(days=30)
        if entry["station"]:
            earliest = max(earliest, stations[entry["station"]])
        founded = _founded_on(rng, earliest)
        rows.append(
            _party_row(
                entry["name"],
                BRANCH,
                entry["formation"],
                [org_key(org) for org in entry["orgs"]],
                founded,
                _term_start(rng, BRANCH, founded),
            )
        )
    return rows


# ---------------------------------------------------------------------------------------
# Members (党员名册)

MEMBER_COLUMNS = (
    "姓名", "身份证号", "民族", "学历", "联系电话", "工作单位", "社会组织职务", "党员类别",
    "入党日期", "转正日期", "组织关系所在党组织", "组织关系所在单位", "党内职务", "是否流动党员",
    "最近联系日期",
)  # fmt: skip
FULL, PROBATIONARY = "正式党员", "预备党员"
SECRETARY, DEPUTY, COMMITTEE_MEMBER = "书记", "副书记", "委员"
HEAD, MANAGEMENT, BACKBONE, STAFF = "负责人", "管理层", "业务骨干", "职工"
ROLE_RANK = {HEAD: 0, MANAGEMENT: 1, BACKBONE: 2, STAFF: 3, "": 4}

# 转正 one year after 入党, give or take (settings.FULL_MEMBERSHIP_MIN_DAYS is 330).
FULL_AFTER_DAYS = (330, 400)
FIRST_JOIN_YEAR = 1978
OLDEST_BIRTH_YEAR = 1950
OUTSIDE_SHARE = 0.10  # relationship held outside the system (原单位, 人才服务中心, 社区)
FLOATING_SHARE = 0.01  # 流动党员: seed_demo gives each an open floating record
OUT_OF_TOUCH_SHARE = 0.003  # last contacted 6 to 18 months ago (失联 or about to be)
NO_COMMITTEE_SHARE = 0.15  # of branches with ≥ 7 full members: the flag has cases

ETHNICITIES = (
    ("汉族", 960), ("回族", 12), ("满族", 6), ("蒙古族", 3), ("壮族", 3), ("苗族", 3),
    ("土家族", 3), ("彝族", 2), ("朝鲜族", 2), ("侗族", 1), ("布依族", 1), ("畲族", 1),
    ("白族", 1), ("瑶族", 1), ("藏族", 1),
)  # fmt: skip
ETHNICITY_NAMES = tuple(name for name, _weight in ETHNICITIES)
ETHNICITY_CUM_WEIGHTS = tuple(itertools.accumulate(weight for _name, weight in ETHNICITIES))
EDUCATIONS = ("研究生", "大学本科", "大学专科", "中专", "高中", "初中及以下")
EDUCATION_WEIGHTS = (10, 44, 27, 7, 8, 4)
# Professional firms, schools, hospitals and research institutes employ graduates.
GRADUATE_SECTORS = frozenset({"法律服务", "会计", "税务", "教育", "卫生健康", "科技"})
GRADUATE_EDUCATION_WEIGHTS = (34, 56, 8, 1, 1, 0)
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "173", "177", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "199",
)  # fmt: skip
UNIVERSITIES = (
    "南京大学", "东南大学", "南京师范大学", "河海大学", "南京航空航天大学", "南京理工大学",
    "南京农业大学", "南京医科大学", "南京中医药大学", "南京财经大学", "南京工业大学",
)  # fmt: skip
# Birthplaces of members from outside the city: provinces around Jiangsu and beyond.
OTHER_PROVINCES = ("34", "33", "37", "41", "36", "42", "43", "51", "13", "23", "61", "45")


@cache
def _birth_areas() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """County-level codes (GB/T 2260 snapshot): Nanjing, the rest of Jiangsu, elsewhere."""
    from orgs.regions import snapshot

    nanjing = tuple(code for code, _name in demo_districts())
    districts = [d.code for d in snapshot().values() if d.level == "district"]
    jiangsu = tuple(c for c in districts if c.startswith("32") and not c.startswith("3201"))
    other = tuple(c for c in districts if c[:2] in OTHER_PROVINCES)
    return nanjing, jiangsu, other


@cache
def _other_cities() -> tuple[str, ...]:
    from orgs.regions import snapshot

    return tuple(
        d.name for d in snapshot().values() if d.level == "city" and d.code[:2] in OTHER_PROVINCES
    )


def _id_number(rng, birth, used):
    """A GB 11643 number for `birth`, unique among `used` (which it joins)."""
    nanjing, jiangsu, other = _birth_areas()
    r = rng.random()
    areas = nanjing if r < 0.5 else jiangsu if r < 0.75 else other
    area = rng.choice(areas)
    stem = f"{area}{birth:%Y%m%d}"
    while True:
        body = f"{stem}{rng.randint(0, 999):03d}"
        number = body + stdnum_ric.calc_check_digit(body + "0")
        if number not in used:
            used.add(number)
            return number


def _join_dates(rng, full, as_of):
    """(birth, joined, full member day or None): at least 18 at joining, 转正 a year later."""
    if not full:
        joined = as_of - datetime.timedelta(days=rng.randint(0, 364))
        # The birth date (and so the ID number) must not move with as_of: counted back
        # from the earliest day such a member can have joined, they were 18 or older.
        age = 18 + min(int(rng.expovariate(1 / 8)), 30)
        earliest = DEMO_LAST_DAY - datetime.timedelta(days=364)
        birth = _add_years(earliest, -age) - datetime.timedelta(days=rng.randint(0, 364))
        return birth, joined, None
    latest = DEMO_LAST_DAY - datetime.timedelta(days=FULL_AFTER_DAYS[1])
    years, cum_weights = _join_years()
    while True:
        year = rng.choices(years, cum_weights=cum_weights)[0]
        joined = _date_between(
            rng, datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), latest)
        )
        # Most join young (students at university), some later at work.
        age = 18 + min(int(rng.expovariate(1 / 6)), 32)
        birth = _add_years(joined, -age) - datetime.timedelta(days=rng.randint(0, 364))
        if birth.year >= OLDEST_BIRTH_YEAR:
            break
    full_on = joined + datetime.timedelta(days=rng.randint(*FULL_AFTER_DAYS))
    return birth, joined, full_on


@cache
def _join_years():
    """Years a full member may have joined in, and their cumulative weights: more recent
    years weigh more (the members of social orgs are mostly young)."""
    latest = DEMO_LAST_DAY - datetime.timedelta(days=FULL_AFTER_DAYS[1])
    years = tuple(range(FIRST_JOIN_YEAR, latest.year + 1))
    return years, tuple(itertools.accumulate(y - FIRST_JOIN_YEAR + 4 for y in years))


def _outside_holder(rng, org):
    r = rng.random()
    if r < 0.35:
        district = org["所属区县"] if rng.random() < 0.5 else rng.choice(list(demo_streets()))
        street = rng.choice(demo_streets()[district])
        return f"中共{CITY}{district}{street}{rng.choice(COMMUNITIES)}社区委员会"
    if r < 0.55:
        return rng.choice(("中共南京市人才服务中心委员会", "中共江苏省人才流动服务中心委员会"))
    if r < 0.7:
        return f"中共{rng.choice(_other_cities())}人才服务中心委员会"
    if r < 0.8:
        return f"中共{rng.choice(UNIVERSITIES)}委员会"
    return f"中共江苏{rng.choice(BRANDS)}集团有限公司委员会"


def _role(rng, first, head_taken):
    if first and not head_taken and rng.random() < 0.45:
        return HEAD
    r = rng.random()
    if r < 0.16:
        return MANAGEMENT
    if r < 0.50:
        return BACKBONE
    if r < 0.95:
        return STAFF
    return ""


def _last_contact(rng, joined, as_of):
    """Mostly within 5 months of as_of; OUT_OF_TOUCH_SHARE 190–540 days before it; 3% never.

    The draws are those of when 3% were out of touch, so the members after this one in
    their org (ID numbers included) stay those an existing demo database holds.
    """
    r = rng.random()
    if r >= 0.97:
        return ""
    days = rng.randint(0, 150) if r < 0.94 else rng.randint(190, 540)
    if 0.94 <= r < 0.97 - OUT_OF_TOUCH_SHARE:
        days = (days - 190) * 150 // 350  # contacted recently after all
    return max(as_of - datetime.timedelta(days=days), joined).isoformat()


def _member_row(rng, org, full, holder, role, as_of, used_ids):
    birth, joined, full_on = _join_dates(rng, full, as_of)
    name = org["法定代表人"] if role == HEAD and rng.random() < 0.7 else _person(rng)
    graduate = org["行业领域"] in GRADUATE_SECTORS
    education = rng.choices(
        EDUCATIONS, weights=GRADUATE_EDUCATION_WEIGHTS if graduate else EDUCATION_WEIGHTS
    )[0]
    return {
        "姓名": name,
        "身份证号": _id_number(rng, birth, used_ids),
        "民族": rng.choices(ETHNICITY_NAMES, cum_weights=ETHNICITY_CUM_WEIGHTS)[0],
        "学历": education,
        "联系电话": rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        "工作单位": org_key(org),
        "社会组织职务": role,
        "党员类别": FULL if full else PROBATIONARY,
        "入党日期": joined.isoformat(),
        "转正日期": full_on.isoformat() if full_on else "",
        "组织关系所在党组织": holder,
        "组织关系所在单位": "" if holder else _outside_holder(rng, org),
        "党内职务": "",
        "是否流动党员": "是" if rng.random() < FLOATING_SHARE else "否",
        "最近联系日期": _last_contact(rng, joined, as_of),
    }


def demo_member_rows(
    org_rows: list[dict], party_org_rows: list[dict], seed: int, as_of=DEMO_LAST_DAY
) -> list[dict]:
    """Members in the 党员名册 columns: demo_member_plan's numbers for each org.

    Most members' relationship is held by the Party organization covering their org (in
    a big org: the committee members by the committee, the others by its secondary
    branches); about 10%, and everyone in an org without one, are held outside. Every
    Party organization gets exactly one 书记 from the members it holds (for a joint
    branch, from its first org), and a committee (副书记, 委员) when it holds 7 or more
    full members, except some on purpose. ID numbers are unique across all rows.

    ``as_of`` (DEMO_LAST_DAY or later; seed_demo passes today) anchors what must be
    recent whenever the demo is loaded: probationary members joined within the year
    before it, and most were contacted in the 5 months before it. Everything else, the
    ID numbers included, is the same whatever ``as_of`` is, and on or before DEMO_LAST_DAY.
    """
    if as_of < DEMO_LAST_DAY:
        raise ValueError(f"as_of ({as_of}) must not be before DEMO_LAST_DAY")
    covering = defaultdict(list)
    for party in party_org_rows:
        for key in party["覆盖社会组织"].split(COVERED_SEPARATOR):
            covering[key].append(party)
    rows: list[dict] = []
    full_of: list[bool] = []  # by row
    held: dict[str, list[int]] = defaultdict(list)  # Party organization → its rows
    used_ids: set[str] = set()
    for i, org in enumerate(org_rows):
        full, probationary = demo_member_plan(org, i, seed)
        if not full + probationary:
            continue
        rng = random.Random(f"{seed}:{i}:members")
        parties = covering.get(org_key(org), [])
        top = next((p for p in parties if not p["上级党组织"]), None)
        branches = [
            p["党组织名称"] for p in parties if top and p["上级党组织"] == top["党组织名称"]
        ]
        # Who must be held inside: the secretary (first member); in a big org the
        # committee and one secretary per secondary branch.
        committee = rng.randint(*TOP_COMMITTEE_SIZE[top["组织建制"]]) if branches else 0
        forced = committee + len(branches) if branches else 1 if top else 0
        inside = 0
        head_taken = False
        for k in range(full + probationary):
            is_full = k < full
            holder = ""
            if top and (k < forced or rng.random() >= OUTSIDE_SHARE):
                if not branches or inside < committee:
                    holder = top["党组织名称"]
                else:
                    holder = branches[(inside - committee) % len(branches)]
                inside += 1
            role = _role(rng, k == 0, head_taken)
            head_taken = head_taken or role == HEAD
            held[holder].append(len(rows))
            full_of.append(is_full)
            rows.append(_member_row(rng, org, is_full, holder, role, as_of, used_ids))
    held.pop("", None)
    for party in party_org_rows:
        _assign_posts(party, held.get(party["党组织名称"], []), rows, full_of, seed)
    return rows


def _assign_posts(party, members, rows, full_of, seed):
    """One 书记; a committee when ≥ 7 full members (a big org's top: always)."""
    full = [m for m in members if full_of[m]]
    if not full:
        return
    rng = random.Random(f"{seed}:{party['党组织名称']}:posts")
    first_org = party["覆盖社会组织"].split(COVERED_SEPARATOR)[0]
    candidates = [m for m in full if rows[m]["工作单位"] == first_org] or full
    if rng.random() < 0.6:
        secretary = min(candidates, key=lambda m: ROLE_RANK[rows[m]["社会组织职务"]])
    else:
        secretary = candidates[0]
    rows[secretary]["党内职务"] = SECRETARY
    others = [m for m in full if m != secretary]
    kind = party["组织建制"]
    if kind in TOP_COMMITTEE_SIZE and party["是否二级党组织"] == "否" and len(others) >= 4:
        size = len(others) + 1  # a big org's committee holds exactly its committee members
        deputies = rng.randint(1, 2) if kind == COMMITTEE else 1
    elif len(full) >= 7 and rng.random() >= NO_COMMITTEE_SHARE:
        size = rng.randint(3, 5)
        deputies = 1 if rng.random() < 0.5 else 0
    else:
        return
    chosen = rng.sample(others, size - 1)
    for k, m in enumerate(chosen):
        rows[m]["党内职务"] = DEPUTY if k < deputies else COMMITTEE_MEMBER
