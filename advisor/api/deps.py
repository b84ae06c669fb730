"""FastAPI dependencies: the app's Services (advisor.services), which tests override through app.state, and the
request's principal (set by advisor.api.auth before any route runs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from advisor.api.principal import Principal, principal_of
from advisor.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_principal(request: Request) -> Principal:
    return principal_of(request.state)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
