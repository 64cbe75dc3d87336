from django.conf import settings
from django.db import models


class Hall(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, default="Asia/Shanghai")
    address = models.CharField("地址", max_length=200, blank=True, help_text="预约确认页上告诉办事人去哪里")

    class Meta:
        verbose_name = verbose_name_plural = "大厅"

    def __str__(self) -> str:
        return self.name

    @property
    def event_ref(self) -> str:
        return self.code


class Window(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="windows")
    code = models.SlugField(max_length=32)
    name = models.CharField(max_length=50)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = verbose_name_plural = "窗口"
        ordering = ["hall", "code"]
        constraints = [models.UniqueConstraint(fields=["hall", "code"], name="window_code_per_hall")]

    def __str__(self) -> str:
        return self.name

    @property
    def event_ref(self) -> str:
        return self.code


class Staff(models.Model):
    """A user working in one hall; roles come from the user's groups."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    hall = models.ForeignKey(Hall, on_delete=models.PROTECT, related_name="staff")
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    display_name = models.CharField(max_length=50)
    desk = models.SlugField(max_length=32, blank=True, help_text="导引台或自助机编号，用于选择打印机")
    department = models.CharField(max_length=100, blank=True, help_text="后台人员所属部门，决定其工作清单")
    compare_halls = models.ManyToManyField(
        Hall, blank=True, related_name="+", verbose_name="可对比的大厅",
        help_text="数据分析人员可查看并对比这些大厅的汇总指标（不含任何个人信息）",
    )  # fmt: skip

    class Meta:
        verbose_name = verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return self.display_name
