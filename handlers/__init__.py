"""Platform-neutral use cases. Each command group registers itself here, in one place."""

from __future__ import annotations

from handlers import admin, help, schedule
from handlers.router import Router


def build_router() -> Router:
    router = Router()
    for group in (help, schedule, admin):
        group.register(router)
    return router
