from django.db import models


class Matter(models.Model):
    """事项: one thing a department handles, e.g. 参保登记."""

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    department = models.CharField(max_length=100)
    time_limit_days = models.PositiveIntegerField(default=0, help_text="承诺时限(工作日)，0 为即办")

    class Meta:
        verbose_name = verbose_name_plural = "事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def event_ref(self) -> str:
        return self.code


class Material(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="materials")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    original_required = models.BooleanField(default=False)
    tolerable = models.BooleanField(default=False, help_text="可容缺: may be promised later")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "材料"
        ordering = ["matter", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["matter", "code"], name="material_code_per_matter")]

    def __str__(self) -> str:
        return self.name
