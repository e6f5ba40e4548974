"""Delete expired export files (run it from cron, e.g. hourly; every export does it too)."""

from django.core.management.base import BaseCommand

from ledger import jobs


class Command(BaseCommand):
    help = (
        "删除已过期的后台导出文件（保留 EXPORT_KEEP_HOURS 小时），将长时间未完成的导出标记为失败，"
        "并清除无任务对应的残留文件"
    )

    def handle(self, *args, **options):
        counts = jobs.purge()
        self.stdout.write(
            f"已删除过期文件 {counts['expired']} 个，标记中断的导出 {counts['stale']} 个，"
            f"清除残留文件 {counts['stray']} 个"
        )
