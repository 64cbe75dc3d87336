"""The factories' named traits give what they name: a trait that silently gave nothing once let two cross-hall
tests pass on a missing role instead of on the hall check they were written for."""

import pytest

from onevisit.accounts import roles
from onevisit.accounts.services import actor_for
from tests.factories import StaffFactory, signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("trait", "role"),
    [
        ("guide", roles.GUIDE),
        ("clerk", roles.CLERK),
        ("analyst", roles.ANALYST),
        ("legal", roles.LEGAL),
        ("office", roles.OFFICE),
        ("it", roles.IT),
        ("kiosk", roles.KIOSK),
        ("admin", roles.HALL_ADMIN),
    ],
)
def test_each_role_trait_gives_that_role_and_no_other(trait, role):
    staff = StaffFactory(**{trait: True})
    assert list(staff.user.groups.values_list("name", flat=True)) == [role]
    assert actor_for(staff.user).hall == staff.hall


def test_the_admin_trait_is_a_superuser_and_the_others_are_not():
    assert StaffFactory(admin=True).user.is_superuser
    assert not StaffFactory(clerk=True).user.is_superuser


def test_a_signed_in_client_is_that_staff_member():
    staff = StaffFactory(analyst=True)
    assert signed_in(staff).get("/metrics/").wsgi_request.user == staff.user
