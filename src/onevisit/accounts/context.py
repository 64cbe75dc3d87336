from onevisit.accounts import roles, signin
from onevisit.accounts.models import Staff


def staff(request):
    """Template context: the signed-in staff member and their roles, for the navigation bar."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    actor = getattr(request, "actor", None)  # set by staff_page: no second lookup
    if actor is not None:
        member, names = actor.staff, set(actor.roles)
    else:
        member = Staff.objects.select_related("hall", "window").filter(user=user).first()
        names = set(user.groups.values_list("name", flat=True))
    # The admin's link, for whoever works there: a staff member of the hall too (the audit administrator's
    # sign-in records are there), not only an account with no staff record.
    admin_link = user.is_staff or bool(names & set(roles.ADMIN_ROLES))
    # Before the one-time code, every page but the code step sends them back to it: no links to follow yet.
    pending = signin.needs_second_factor(user, frozenset(names)) and not user.is_verified()
    return {
        "staff_member": member,
        "staff_roles": names,
        "admin_link": admin_link,
        "second_factor_pending": pending,
    }
