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
        site = (
            f"http://{settings.ONEVISIT_HOST}:{settings.ONEVISIT_PORT}"  # where `make demo` serves (PORT=…)
        )
        sms = (settings.ONEVISIT_SMS_GATEWAY_URL or "http://127.0.0.1:8025").rstrip("/")
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"  guide desk 导引台   {site}/guide/    login daoban",
                    f"  window 窗口         {site}/window/   login chuangkou1 / chuangkou2 / chuangkou3",
                    f"  back office 后台    {site}/office/   login houtai1 / houtai2",
                    f"  metrics 指标        {site}/metrics/  login fenxi",
                    f"  kiosk 自助取号      {site}/guide/kiosk/  login zizhu",
                    f"  display board 叫号屏 {site}/board/demo/  no login",
                    f"  booking 网上预约    {site}/book/demo/   no login; the result comes by SMS:",
                    f"  SMS 短信模拟网关    {sms}/  type the phone booked with to read its messages",
                    f"  jobs 后台任务       {site}/admin/django_q/  login admin (sent by `onevisit jobs`; "
                    "短信 lists each message)",
                    f"  notice 办事指南     {site}/notice/   no login (public)",
                    f"  legal 法制审核      {site}/notice/review/  login fazhi",
                    f"  info centre 信息中心 {site}/ferry/    login xinxi (data ferry, audit chain)",
                    f"  admin 管理后台      {site}/admin/    login admin (系统管理员: the hall's set-up)",
                    "                                                      anquan (安全管理员: accounts, roles, unlock)",
                    "                                                      shenji (审计管理员: sign-in records)",
                    f"  API docs            {site}/api/docs",
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
