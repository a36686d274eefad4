"""Admin authentication: bearer tokens mapped to roles (operator, auditor).

An operator may change the election's state (load a manifest, open and close channels, run the tally);
an auditor may read the administrative views but change nothing. Tokens are compared in constant time.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mobile_api.errors import ApiError
from voting_server.settings import Role

_bearer = HTTPBearer(auto_error=False, description="An admin token (role operator or auditor).")


def _role_of(token: str, tokens: dict[str, Role]) -> Role | None:
    found: Role | None = None
    for known, role in tokens.items():
        # Every token is compared so the time taken does not reveal which one matched.
        if hmac.compare_digest(known.encode(), token.encode()):
            found = role
    return found


def require_role(*allowed: Role) -> Callable[..., Coroutine[Any, Any, Role]]:
    """A dependency that admits a request only with a token of one of the ``allowed`` roles."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Role:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise ApiError("an admin bearer token is required", code="unauthorized")
        role = _role_of(credentials.credentials, request.app.state.admin_tokens)
        if role is None:
            raise ApiError("the admin token is not valid", code="unauthorized")
        if role not in allowed:
            raise ApiError(f"the role {role.value} may not do this", code="forbidden")
        return role

    return dependency


OperatorRole = Annotated[Role, Depends(require_role(Role.OPERATOR))]
AnyAdminRole = Annotated[Role, Depends(require_role(Role.OPERATOR, Role.AUDITOR))]
