"""How the portal reaches the hub's services.

A page handler names the services it calls, as the API's controllers do, and receives
them by dependency injection (`hub.services.DEPENDENCIES`, registered in `hub.app`):

    async def detail(self, user: LoggedIn, seals: NamedDependency[SealService], ...)

and passes them on to the helpers it calls; `user: LoggedIn` is the logged-in person
(the portal router's `user` dependency, hub.web.session.require_user; without a live
session the page redirects to the login page).

`services_of(app)` is the one other way in, for what runs outside a handler's signature
on every page: the session loader (the login sessions and their lifetime) and the
layout's bureau emblem (the branding directory), both reached from `render`. Nothing
else reads the container from `app.state`.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request

from hub.services import HubServices

AnyRequest = Request[Any, Any, Any]


def services_of(app: Litestar) -> HubServices:
    """The composition root's container (hub.services), held by the app's lifespan."""
    found: HubServices = app.state.services
    return found
