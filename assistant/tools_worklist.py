"""The worklist tool for the assistant: "who on my watchlist is high risk?", "which cases do I own that are still
new?", "who was enrolled in a program?". Reads the same worklist selector as the page and the API, as the asking
user (restricted reasons folded); registered in assistant.tools.TOOLS with core.work_risk_list."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from assistant.tool_schemas import Band, LocationArgs, ToolInputError


class WorklistArgs(LocationArgs):
    band: Band | None = None
    status: Literal["new", "contacted", "action_agreed", "closed"] | None = None
    mine: bool = Field(False, description="Only cases the asking user owns.")
    watched: bool = Field(False, description="Only the asking user's watchlist.")
    sort: Literal["score", "-score", "name", "status", "-status", "updated", "-updated"] = "-score"
    limit: int = Field(10, ge=1, le=50)


def worklist(*, user, args: WorklistArgs) -> dict:
    from assistant.tool_common import location
    from worklist.selectors import WorklistFilters
    from worklist.selectors import worklist as worklist_rows

    f = WorklistFilters(**location(args), band=args.band, status=args.status, owner="me" if args.mine else None,
                        watched=args.watched, sort=args.sort)  # fmt: skip
    try:
        page = worklist_rows(user=user, filters=f, limit=args.limit)
    except ValueError as exc:
        raise ToolInputError(str(exc)) from None
    return {
        "count": page["count"], "as_of": page["as_of"],
        "items": [{k: r[k] for k in ("employee_id", "name", "district", "trade", "band", "status", "owner",
                                     "watched", "programs", "note")} | {"score": round(r["score"], 3),
                  "top_reasons": [c["label"] for c in r["top_contributions"]]} for r in page["items"]],
    }  # fmt: skip


def tools() -> list:
    from assistant.tool_schemas import Tool

    return [
        Tool("worklist", "worklist", "The risk worklist: scored technicians with their owner, status (new / contacted / action agreed / closed), latest note, programs they are enrolled in and whether the asker watches them; filter by place, band, status, the asker's own cases or watchlist.", WorklistArgs, worklist),
    ]  # fmt: skip
