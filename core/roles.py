"""The three roles. Groups are created by a migration (core/migrations/0002_roles.py)."""

HR_ADMIN = "HR admin"
RECRUITER = "Recruiter"
API_CONSUMER = "API consumer"
ALL_ROLES = (HR_ADMIN, RECRUITER, API_CONSUMER)

# The permission that unlocks pay/performance fields everywhere (pages, API, assistant, exports).
SENSITIVE_PERMISSION = "technicians.view_sensitive_fields"


def user_can_view_sensitive(user) -> bool:
    """True for HR admins (and superusers). Anonymous users and recruiters never see pay/performance."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.has_perm(SENSITIVE_PERMISSION)


def user_role(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    if user_can_view_sensitive(user):
        return HR_ADMIN
    names = getattr(user, "_group_names", None)  # read with the permissions (core.auth.permissions_prime)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
    for role in (RECRUITER, API_CONSUMER):
        if role in names:
            return role
    return "user"
