from core.roles import user_can_view_sensitive, user_role


def roles(request):
    user = getattr(request, "user", None)
    return {"can_view_sensitive": user_can_view_sensitive(user), "user_role": user_role(user)}
