"""`d2l help` and `d2l help COMMAND`."""

from __future__ import annotations

from dataclasses import replace

from handlers.context import Context, Refused
from handlers.router import Command, Router
from handlers.types import Choice, Reply, ReplyField
from models.members import MEMBER


def register(router: Router) -> None:
    async def show_help(ctx: Context) -> Reply:
        if ctx.args:
            return _command_help(router, ctx.args)
        reply = _overview(router, ctx.is_organizer)
        if ctx.enrollment.status != MEMBER:
            note = "You're reading as a visitor: `d2l join` makes you a member."
            join = Choice("Join the study group", "join")
            reply = replace(reply, text=f"{reply.text}\n{note}", choices=(join,))
        return reply

    router.add(
        Command(
            name="help",
            usage="help [COMMAND]",
            summary="list the commands, or explain one",
            handler=show_help,
            examples=("help", "help next"),
        )
    )


def _overview(router: Router, is_organizer: bool) -> Reply:
    groups: dict[str, list[str]] = {}
    for command in router.commands.values():
        if command.organizer_only and not is_organizer:
            continue
        groups.setdefault(command.group, []).append(f"`d2l {command.usage}` — {command.summary}")
    fields = tuple(
        ReplyField(name=g, value="\n".join(lines), inline=False) for g, lines in groups.items()
    )
    return Reply(
        title="studybot — your Dive into Deep Learning study group",
        text="The commands are the same on every platform, e.g. `d2l next`.",
        fields=fields,
        footer="`d2l help COMMAND` explains one command.",
        ephemeral=True,
    )


def _command_help(router: Router, args: list[str]) -> Reply:
    found = router.match(args)
    family = [c for c in router.commands.values() if c.name.startswith(args[0] + " ")]
    if found is None and family:  # `help admin`, `help quiz live`'s first word
        lines = [f"`d2l {c.usage}` — {c.summary}" for c in family]
        return Reply(
            title=f"`d2l {args[0]} …`",
            text="\n".join(lines),
            footer="`d2l help COMMAND` explains one command.",
            ephemeral=True,
        )
    if found is None:
        close = router.suggest(args)
        hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else ""
        raise Refused(f"There is no command `{' '.join(args[:2])}`.{hint}")
    command = found[0]
    lines = [f"`d2l {command.usage}`", command.summary[:1].upper() + command.summary[1:] + "."]
    if command.details:
        lines.append(command.details)
    if command.organizer_only:
        lines.append("For organizers.")
    lines.extend(f"Example: `d2l {example}`" for example in command.examples)
    return Reply(title=f"`d2l {command.name}`", text="\n".join(lines), ephemeral=True)
