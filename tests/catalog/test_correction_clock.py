"""Whether a matter's promised time limit stops during 补正 is catalog data: YAML in, the table, YAML out."""

import copy

import pytest
import yaml

from onevisit.catalog.importer import CatalogImportError, export_catalog, import_catalog
from onevisit.catalog.models import Matter
from tests.catalog.test_importer import BASE, write
from tests.conftest import nothing_written

pytestmark = pytest.mark.django_db


def test_the_rule_is_imported_defaults_to_pausing_and_is_exported(tmp_path):
    doc = copy.deepcopy(BASE)
    doc["matters"][0]["correction_pauses_clock"] = False
    import_catalog(write(tmp_path, doc))
    assert Matter.objects.get(code="licence").correction_pauses_clock is False
    assert Matter.objects.get(code="sign").correction_pauses_clock is True  # not said: the clock stops
    exported = yaml.safe_load(export_catalog(tmp_path / "out").read_text("utf-8"))
    rules = {m["code"]: m["correction_pauses_clock"] for m in exported["matters"]}
    assert rules["licence"] is False and rules["sign"] is True


def test_a_rule_that_is_not_true_or_false_is_refused_naming_the_matter(tmp_path):
    doc = copy.deepcopy(BASE)
    doc["matters"][0]["correction_pauses_clock"] = "sometimes"
    with nothing_written(), pytest.raises(CatalogImportError) as err:
        import_catalog(write(tmp_path, doc, "shop.yaml"))
    assert "shop.yaml: 事项 licence: correction_pauses_clock 须为 true 或 false" in str(err.value)


def test_the_seed_matters_say_it_for_every_matter_with_a_time_limit(catalog):
    from tests.conftest import SEED_CATALOG

    for path in SEED_CATALOG.glob("*.yaml"):
        for m in yaml.safe_load(path.read_text("utf-8")).get("matters") or []:
            if m.get("time_limit_days"):
                assert isinstance(m.get("correction_pauses_clock"), bool), f"{path.name}: {m['code']}"
    assert Matter.objects.get(code="gxzy").correction_pauses_clock is True
    assert Matter.objects.get(code="social-security-card").correction_pauses_clock is False
