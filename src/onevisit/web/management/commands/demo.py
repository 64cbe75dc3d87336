from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from onevisit.web import demo


class Command(BaseCommand):
    help = "Load the demo hall, matters and staff (idempotent). Needs ONEVISIT_DEMO=1: demo logins share a password."

    def handle(self, *args, **options):
        if not settings.ONEVISIT_DEMO:
            raise CommandError("demo accounts use a published password; set ONEVISIT_DEMO=1 to load them")
        try:
            hall = demo.load()
        except demo.MissingCatalog as exc:
            raise CommandError(f"{exc}: run `onevisit catalog import data/catalog` first") from None
        self.stdout.write(self.style.SUCCESS(f"demo data ready: {hall.name}"))
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "  guide desk 导引台   http://127.0.0.1:8000/guide/    login daoban",
                    "  window 窗口         http://127.0.0.1:8000/window/   login chuangkou1 / chuangkou2 / chuangkou3",
                    "  back office 后台    http://127.0.0.1:8000/office/   login houtai1 / houtai2",
                    "  metrics 指标        http://127.0.0.1:8000/metrics/  login fenxi",
                    "  kiosk 自助取号      http://127.0.0.1:8000/guide/kiosk/  login zizhu",
                    "  display board 叫号屏 http://127.0.0.1:8000/board/demo/  no login",
                    "  booking 网上预约    http://127.0.0.1:8000/book/demo/   no login; the result comes by SMS:",
                    "  SMS 短信模拟网关    http://127.0.0.1:8025/  type the phone booked with to read its messages",
                    "  notice 办事指南     http://127.0.0.1:8000/notice/   no login (public)",
                    "  legal 法制审核      http://127.0.0.1:8000/notice/review/  login fazhi",
                    "  info centre 信息中心 http://127.0.0.1:8000/ferry/    login xinxi (data ferry, audit chain)",
                    "  admin 管理后台      http://127.0.0.1:8000/admin/    login admin (系统管理员: the hall's set-up)",
                    "                                                      anquan (安全管理员: accounts, roles, unlock)",
                    "                                                      shenji (审计管理员: sign-in records)",
                    "  API docs            http://127.0.0.1:8000/api/docs",
                    f"  password for every demo login: {demo.DEMO_PASSWORD}",
                    f"  {', '.join(demo.SECOND_FACTOR_LOGINS)} also ask for a one-time code (动态口令): "
                    "`onevisit totp <login>` prints it,",
                    "  or add the key below to an authenticator app (TOTP, 6 digits, 30 s):",
                    *(f"    {login:8} {key}" for login, key in demo.totp_secrets().items()),
                    "  the back-end simulators know e.g. 林星石 and 王桂英: their resident IDs are in",
                    "  (data/ferry/population.yaml); switch a fault: onevisit legacy-sim --set-fault social_insurance=down",
                    "",
                ]
            )
        )
