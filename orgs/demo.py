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
import random
from decimal import Decimal
from functools import cache

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
