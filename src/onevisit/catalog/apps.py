from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "onevisit.catalog"
    label = "catalog"
    verbose_name = "事项目录"
