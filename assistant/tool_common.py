"""Helpers the assistant's tool modules share: lazy access to other apps, resolving a district or region the
model names (code or name, case-insensitive), a retention program by id or name."""

from __future__ import annotations

from django.db.models import Q

from assistant.tool_schemas import LocationArgs, NotAvailable, ToolInputError


def lazy_module(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise NotAvailable(f"not available yet: {module} ({exc})") from None


def app_attr(module: str, name: str):
    mod = lazy_module(module)
    if not hasattr(mod, name):
        raise NotAvailable(f"not available yet: {module}.{name}")
    return getattr(mod, name)


def resolve_district(value: str | None) -> str | None:
    from technicians.models import District

    if not value:
        return None
    v = value.strip()
    d = (
        District.objects.filter(Q(code__iexact=v) | Q(name__iexact=v)).first()
        or District.objects.filter(name__icontains=v).order_by("name").first()
    )
    if d is None:
        known = ", ".join(District.objects.order_by("name").values_list("name", flat=True)[:30])
        raise ToolInputError(f"Unknown district {value!r}. Known districts: {known}.")
    return d.code


def resolve_region(value: str | None) -> str | None:
    from technicians.models import Region

    if not value:
        return None
    v = value.strip()
    bare = v[len("region ") :] if v.lower().startswith("region ") else v
    r = (
        Region.objects.filter(
            Q(code__iexact=v) | Q(name__iexact=v) | Q(code__iexact=bare) | Q(name__iexact=bare)
        ).first()
        or Region.objects.filter(name__icontains=bare).order_by("name").first()
    )
    if r is None:
        known = ", ".join(Region.objects.order_by("name").values_list("name", flat=True)[:30])
        raise ToolInputError(f"Unknown region {value!r}. Known regions: {known}.")
    return r.code


def location(args: LocationArgs) -> dict:
    return {"region": resolve_region(args.region), "district": resolve_district(args.district), "trade": args.trade}


def program_lookup(value: str):
    RetentionProgram = app_attr("predictions.models", "RetentionProgram")
    qs = RetentionProgram.objects.all()
    v = value.strip()
    prog = None
    if v.isdigit():
        prog = qs.filter(pk=int(v)).first()
    if prog is None:
        try:
            prog = qs.filter(pk=v).first()
        except Exception:  # noqa: BLE001 - pk may be int or uuid; a malformed literal is "not found"
            prog = None
    prog = prog or qs.filter(name__iexact=v).first() or qs.filter(name__icontains=v).order_by("name").first()
    if prog is None:
        known = ", ".join(str(n) for n in qs.values_list("name", flat=True)[:20]) or "none defined yet"
        raise ToolInputError(f"No retention program matches {value!r}. Programs: {known}.")
    return prog
