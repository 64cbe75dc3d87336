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
        ("security_admin", roles.SECURITY_ADMIN),
        ("auditor", roles.AUDITOR),
    ],
)
def test_each_role_trait_gives_that_role_and_no_other(trait, role):
    staff = StaffFactory(**{trait: True})
    assert list(staff.user.groups.values_list("name", flat=True)) == [role]
    assert actor_for(staff.user).hall == staff.hall


def test_the_three_administrators_reach_the_admin_and_none_is_a_superuser():
    """三员分立 (issue 16): the system administrator no longer holds every power as a superuser."""
    for trait in ("admin", "security_admin", "auditor"):
        user = StaffFactory(**{trait: True}).user
        assert user.is_staff and not user.is_superuser
    assert not StaffFactory(clerk=True).user.is_superuser and not StaffFactory(clerk=True).user.is_staff


def test_a_signed_in_client_is_that_staff_member():
    staff = StaffFactory(analyst=True)
    assert signed_in(staff).get("/metrics/").wsgi_request.user == staff.user
