"""`d2l admin export grades`: the cohort's records as a CSV file for organizers."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from sqlalchemy import select

from handlers.context import Context, UsageError
from handlers.progress._common import load
from handlers.text import plural
from handlers.types import Reply, ReplyFile
from models.progress import ItemResult, MemberProgress, WorkItem
from models.progress_tables import Certificate
from models.tables import Identity

# Spreadsheets run cells that start with these as formulas: such names get a leading quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


async def export(ctx: Context) -> Reply:
    if [a.lower() for a in ctx.args] != ["grades"]:
        raise UsageError("Say `d2l admin export grades`.")
    items, progress = await load(ctx)
    ids = [p.member_id for p in progress]
    identities: dict[int, list[str]] = defaultdict(list)
    for identity in await ctx.db.scalars(
        select(Identity).where(Identity.member_id.in_(ids)).order_by(Identity.id)
    ):
        identities[identity.member_id].append(
            f"{identity.platform}:{identity.workspace_id}:{identity.user_id}"
        )
    codes = {
        c.member_id: c.code
        for c in await ctx.db.scalars(
            select(Certificate).where(Certificate.cohort_id == ctx.cohort.id)
        )
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_header(items))
    for p in progress:
        writer.writerow(_row(p, "; ".join(identities[p.member_id]), codes.get(p.member_id, "")))
    eligible = sum(p.eligible for p in progress)
    day = ctx.now.strftime("%Y-%m-%d")
    return Reply(
        text=f"Grades of {ctx.cohort.name}: {plural(len(progress), 'member')}, "
        f"{plural(len(items), 'piece')} of "
        f"required work, {eligible} eligible for the certificate.",
        files=(ReplyFile(f"grades-{day}.csv", buffer.getvalue().encode(), "text/csv"),),
        ephemeral=True,
    )


def _header(items: list[WorkItem]) -> list[str]:
    header = ["member", "member_id", "identities"]
    for item in items:
        name = f"{item.kind} {item.ref}"
        header += [f"{name} done", f"{name} score", f"{name} late"]
    return [*header, "done", "required", "share", "eligible", "certificate"]


def _row(p: MemberProgress, identities: str, code: str) -> list[str]:
    row = [_safe(p.name), str(p.member_id), identities]
    for result in p.results:
        row += [_yes(result.done), _score(result), _yes(result.late) if result.done else ""]
    return [*row, str(p.done), str(p.total), f"{p.share:.3f}", _yes(p.eligible), code]


def _score(result: ItemResult) -> str:
    return "" if result.score is None else f"{result.score:g}"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text
