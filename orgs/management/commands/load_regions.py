"""load_regions CITY_CODE: a city and its districts from the shipped GB/T 2260 snapshot."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from orgs.regions import SNAPSHOT_DATE, city_districts, load_city


class Command(BaseCommand):
    # argparse needs real strings; commands are imported after django.setup(), so gettext works.
    help = _("从随附的 GB/T 2260 快照载入一个城市及其区县（可重复运行）")

    def add_arguments(self, parser):
        parser.add_argument(
            "city_code",
            help=_("地级市的六位区划代码，如 320100；直辖市可用 110000 或 110100"),
        )

    def handle(self, *args, city_code, **options):
        try:
            city = load_city(city_code)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("已载入 {name}（{code}）及其 {count} 个区县，快照日期 {date}").format(
                    name=city.name,
                    code=city.code,
                    count=len(city_districts(city.code)),
                    date=SNAPSHOT_DATE.isoformat(),
                )
            )
        )
