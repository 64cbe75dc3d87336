from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django_otp.plugins.otp_totp.models import TOTPDevice

from onevisit.accounts import roles


class Hall(models.Model):
    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    timezone = models.CharField("时区", max_length=64, default="Asia/Shanghai", help_text="如 Asia/Shanghai")
    address = models.CharField("地址", max_length=200, blank=True, help_text="预约确认页上告诉办事人去哪里")

    class Meta:
        verbose_name = verbose_name_plural = "大厅"

    def __str__(self) -> str:
        return self.name

    @property
    def event_ref(self) -> str:
        return self.code


class Window(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="windows", verbose_name="大厅")
    code = models.SlugField("代码", max_length=32)
    name = models.CharField("名称", max_length=50)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "窗口"
        ordering = ["hall", "code"]
        constraints = [models.UniqueConstraint(fields=["hall", "code"], name="window_code_per_hall")]

    def __str__(self) -> str:
        return self.name

    @property
    def event_ref(self) -> str:
        return self.code


class Department(models.Model):
    """部门: a government body or service provider that owns matters and works back-office tasks.

    Not tied to one hall: a district's 社保经办机构 staffs windows and back offices in several halls; which hall's
    work a member sees comes from their own hall. `parent` records where a body sits (派出所 under 公安分局) for
    pickers and reports; it widens no one's scope (a member sees their own department's work only)."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="上级部门",
    )

    class Meta:
        verbose_name = verbose_name_plural = "部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def event_ref(self) -> str:
        return self.code

    def clean(self):
        seen, up = {self.pk}, self.parent
        while up is not None:
            if up.pk in seen:
                raise ValidationError({"parent": "上级部门不能是本部门或其下级部门"})
            seen.add(up.pk)
            up = up.parent


class Staff(models.Model):
    """A user working in one hall; roles come from the user's groups."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff", verbose_name="登录账号"
    )
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="staff", verbose_name="大厅")
    window = models.ForeignKey(
        Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="岗位窗口"
    )
    display_name = models.CharField("显示名称", max_length=50)
    desk = models.SlugField(
        "台位编号", max_length=32, blank=True, help_text="导引台或自助机编号，用于选择打印机"
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        verbose_name="所属部门",
        help_text="后台人员所属部门，决定其工作清单",
    )
    compare_halls = models.ManyToManyField(
        Hall,
        blank=True,
        related_name="+",
        verbose_name="可对比的大厅",
        help_text="数据分析人员可查看并对比这些大厅的汇总指标（不含任何个人信息）",
    )

    class Meta:
        verbose_name = verbose_name_plural = "工作人员"

    def clean(self):
        if self.window_id and self.hall_id and self.window.hall_id != self.hall_id:
            raise ValidationError({"window": f"{self.window}不在{self.hall}，请选择本大厅的窗口"})

    def __str__(self) -> str:
        return self.display_name


class Role(Group):
    """A role as the admin shows it: the group whose name is the role's code, read by its Chinese name."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "角色"

    def __str__(self) -> str:
        return role_label(self)


def role_label(group: Group) -> str:
    """法制审核 for the group `legal`; a group that is not a role keeps its own name."""
    return roles.LABELS.get(group.name, group.name)


# ---- sign-in records and second-factor devices, as the security and audit administrators read them ----------------
# Proxies of django-axes' and django-otp's tables (no table of their own): the admin shows them in Chinese, under
# this app, with permissions the three administrators' duties name (accounts.duties).


class SignInLockout(AccessAttempt):
    """登录失败计数: django-axes' count of wrong passwords per login name, address and browser; a login name is
    locked after a few in all, an address after many more (accounts.lockout)."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "登录失败计数"

    def __str__(self) -> str:
        return f"{self.username or self.ip_address} 的登录失败计数"


class SignInFailure(AccessFailureLog):
    """登录失败记录: one row per wrong password, kept after an unlock (the audit administrator reads them)."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "登录失败记录"

    def __str__(self) -> str:
        return f"{self.username or self.ip_address} 的登录失败"


class SignIn(AccessLog):
    """登录记录: each successful sign-in and its sign-out."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "登录记录"

    def __str__(self) -> str:
        return f"{self.username or self.ip_address} 的登录"


class SecondFactorDevice(TOTPDevice):
    """动态口令设备: a staff member's authenticator app; deleting it makes them enrol a new one at next sign-in."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "动态口令设备"

    def __str__(self) -> str:
        return f"{self.user.get_username()} 的动态口令设备"
