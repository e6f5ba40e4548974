"""python manage.py import_data units|orgs|... FILE [--dry-run] [--user USERNAME]

Writes all rows or none. Exit status 1 with one `第N行 列名: 原因` line per problem.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from orgs.importing.registry import template_names
from orgs.importing.service import ImportPermissionError, import_file


class Command(BaseCommand):
    help = "导入名册（单位、社会组织…）：全部成功才写入，任何一行有误则不写入并逐行报告。"

    def add_arguments(self, parser):
        parser.add_argument("template", choices=template_names())
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument(
            "--user",
            help="以该用户的身份和管理范围导入（默认：第一个超级管理员）",
        )

    def handle(self, *args, template, file, dry_run, user, **options):
        account = self._user(user)
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        with file.open("rb") as handle:
            try:
                report = import_file(
                    template_name=template,
                    file=handle,
                    filename=file.name,
                    user=account,
                    dry_run=dry_run,
                )
            except ImportPermissionError as exc:
                raise CommandError(str(exc)) from exc
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            self.stderr.write(f"共{len(report.errors)}处错误，未写入任何数据。")
            raise SystemExit(1)
        self.stdout.write(report.summary() + f"（用时{report.seconds:.1f}秒）")

    def _user(self, username):
        User = get_user_model()
        if username:
            try:
                return User.objects.select_related("unit").get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"找不到用户：{username}") from None
        account = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if account is None:
            raise CommandError("没有可用的超级管理员；请用 --user 指定导入人")
        return account
