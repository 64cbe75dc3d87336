"""Factories with named traits for the tables tests need beyond the demo hall."""

from __future__ import annotations

import itertools
import random
from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from onevisit.accounts import roles
from onevisit.accounts.models import Department, Hall, Staff, Window
from onevisit.catalog.models import ChecklistVersion, Material, Matter
from onevisit.core.ids import check_digit
from onevisit.queueing.models import Queue

_SEQ = itertools.count(random.randint(0, 999))


def resident_id(region: str = "110105", born: date = date(1985, 6, 15), seq: str | None = None) -> str:
    """A valid 18-digit resident ID (correct check digit) for tests."""
    seq = seq or f"{next(_SEQ) % 1000:03d}"  # distinct within a test: one ID is one citizen (issue 13 item 8)
    first17 = f"{region}{born:%Y%m%d}{seq}"
    return first17 + check_digit(first17)


class HallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hall
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"hall{n}")
    name = factory.Sequence(lambda n: f"测试大厅{n}")


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Window

    hall = factory.SubFactory(HallFactory)
    code = factory.Sequence(lambda n: f"win{n}")
    name = factory.Sequence(lambda n: f"{n}号窗口")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = "test-dept"
    name = factory.LazyAttribute(lambda d: "测试部门" if d.code == "test-dept" else f"测试部门{d.code}")


class MatterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Matter
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"matter{n}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    department = factory.SubFactory(DepartmentFactory)

    @factory.post_generation
    def materials(self, create, extracted, **kwargs):
        """A published checklist version 1 with the given (code, tolerable) materials."""
        if self.checklists.exists():
            return
        version = ChecklistVersion.objects.create(matter=self, number=1, created_at=timezone.now())
        for position, (code, tolerable) in enumerate(extracted or [("id-card", False), ("photo", True)]):
            Material.objects.create(
                checklist=version,
                matter=self,
                code=code,
                name=f"材料{code}",
                tolerable=tolerable,
                position=position,
            )
        ChecklistVersion.objects.filter(pk=version.pk).update(status="published", published_at=timezone.now())


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue
        skip_postgeneration_save = True

    hall = factory.SubFactory(HallFactory)
    code = factory.Sequence(lambda n: f"q{n}")
    name = factory.Sequence(lambda n: f"队列{n}")
    prefix = factory.Sequence(lambda n: "ABCDEFGHJKLMNPQRSTUVWXYZ"[n % 24] + ("" if n < 24 else "Z"))

    @factory.post_generation
    def matters(self, create, extracted, **kwargs):
        if extracted:
            self.matters.set(extracted)

    @factory.post_generation
    def windows(self, create, extracted, **kwargs):
        if extracted:
            self.windows.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    password = factory.django.Password("test-password-1")


class StaffFactory(factory.django.DjangoModelFactory):
    """Staff with a role trait: StaffFactory(clerk=True, window=w), StaffFactory(guide=True, hall=h)."""

    class Meta:
        model = Staff
        skip_postgeneration_save = True

    class Params:
        guide = factory.Trait(groups__roles=[roles.GUIDE])
        clerk = factory.Trait(groups__roles=[roles.CLERK])
        analyst = factory.Trait(groups__roles=[roles.ANALYST])
        legal = factory.Trait(groups__roles=[roles.LEGAL])
        office = factory.Trait(groups__roles=[roles.OFFICE])
        it = factory.Trait(groups__roles=[roles.IT])
        kiosk = factory.Trait(groups__roles=[roles.KIOSK])
        # The system administrator, as the demo's `admin`: the hall-admin role and the admin site, not a superuser
        # (三员分立: the security and audit administrators are other accounts).
        admin = factory.Trait(
            groups__roles=[roles.HALL_ADMIN],
            user=factory.SubFactory(UserFactory, is_staff=True),
        )
        security_admin = factory.Trait(
            groups__roles=[roles.SECURITY_ADMIN],
            user=factory.SubFactory(UserFactory, is_staff=True),
        )
        auditor = factory.Trait(
            groups__roles=[roles.AUDITOR],
            user=factory.SubFactory(UserFactory, is_staff=True),
        )

    user = factory.SubFactory(UserFactory)
    hall = factory.SubFactory(HallFactory)
    display_name = factory.Sequence(lambda n: f"工作人员{n}")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or kwargs.get("roles", []):
            self.user.groups.add(Group.objects.get_or_create(name=name)[0])


def signed_in(staff: Staff) -> Client:
    """A browser session of this staff member, as after the login page."""
    from tests.conftest import code_given

    client = Client()
    client.force_login(staff.user)
    return code_given(client, staff.user)
