"""Sign-in and accounts over HTTP: the sign-in page's API (config, me, login, logout, OIDC), a user's own API tokens,
the team's usage figures (leads) and users (admins). Who may call each is in advisor.api.access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from advisor.api.actor import log_access
from advisor.api.auth import CSRF_COOKIE, SESSION_COOKIE, cookies_of, is_https, trusted_networks
from advisor.api.deps import PrincipalDep, ServicesDep
from advisor.api.principal import Principal, Role
from advisor.auth.accounts import Account, NewToken, TokenInfo
from advisor.errors import Conflict, InvalidInput, NotFound, Unauthorized
from advisor.services import Services
from advisor.store.models import OwnerUsage

if TYPE_CHECKING:
    from advisor.auth.oidc import OIDCClient

router = APIRouter(prefix="/api", tags=["auth"])
SINGLE_USER = ("this server runs in single-user mode (ADVISOR_AUTH is off, loopback only): there are no accounts, "
               "sessions or tokens; set ADVISOR_AUTH=true to use them")


class AuthConfig(BaseModel):
    """What the sign-in page offers."""

    mode: Literal["single-user", "sign-in"]
    local: bool = Field(description="Name and password sign-in.")
    oidc: str | None = Field(None, description="The single sign-on button's label, when OIDC is configured.")
    proxy: bool = Field(description="Users come signed in by a trusted authenticating proxy.")


class Me(BaseModel):
    id: str
    name: str
    role: Role
    via: str
    mode: Literal["single-user", "sign-in"]
    csrf: str | None = Field(None, description="The token to send as X-CSRF-Token (sessions only).")


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    password: str = Field(..., min_length=1, max_length=1024)


class TokenBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=100, examples=["billing script"])


class UserBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., min_length=1, max_length=200)
    role: Role = "coder"
    password: str | None = Field(None, max_length=1024, description="For a local account (at least 10 characters).")
    sso: bool = Field(False, description="An account that signs in through OIDC (no password); its role applies "
                                        "when the user first signs in with this name.")


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    password: str | None = Field(None, max_length=1024)


def _mode(services: Services) -> Literal["single-user", "sign-in"]:
    return "sign-in" if services.settings.auth else "single-user"


def _require_accounts(services: Services) -> None:
    if not services.settings.auth:
        raise Conflict(SINGLE_USER, "auth")


def _sign_in(request: Request, response: Response, services: Services, principal: Principal) -> str:
    """Open a session for `principal` and set its cookies on `response`; returns the CSRF token."""
    cookie, csrf = services.accounts.open_session(principal)
    setting = services.settings.cookie_secure
    secure = setting == "always" if setting != "auto" else is_https(
        request.scope, trusted_networks(services.settings.trusted_proxies))
    age = int(services.settings.session_hours * 3600)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=age, path="/", secure=secure, httponly=True,
                        samesite="lax")
    response.set_cookie(CSRF_COOKIE, csrf, max_age=age, path="/", secure=secure, httponly=False,
                        samesite="strict")
    return csrf


def _sign_out(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


# --------------------------------------------------------------------------- signing in and out


@router.get("/auth/config", response_model=AuthConfig)
def auth_config(services: ServicesDep) -> AuthConfig:
    """How to sign in here (the sign-in page reads it; public)."""
    s = services.settings
    return AuthConfig(mode=_mode(services), local=s.auth, oidc=s.oidc_label if s.auth and s.oidc_enabled else None,
                      proxy=bool(s.auth and s.trusted_proxies))


@router.get("/auth/me", response_model=Me)
def auth_me(request: Request, services: ServicesDep, me: PrincipalDep) -> Me:
    """Who you are signed in as, your role, and (for a browser session) the CSRF token the page sends back."""
    csrf = None
    if me.via == "session":
        session = services.accounts.session(cookies_of(request.headers).get(SESSION_COOKIE, ""))
        csrf = session.csrf if session else None
    return Me(id=me.id, name=me.name, role=me.role, via=me.via, mode=_mode(services), csrf=csrf)


@router.post("/auth/login", response_model=Me)
def auth_login(body: LoginBody, request: Request, response: Response, services: ServicesDep) -> Me:
    """Sign in with a local account's name and password: sets the session cookie (HttpOnly, SameSite=Lax, Secure
    over https) and the CSRF cookie. A wrong name or password is a 401 that does not say which."""
    _require_accounts(services)
    principal = services.accounts.verify_password(body.name, body.password)
    if principal is None:
        log_access(request, "auth.sign_in_failed")  # not the name tried: it may be a password typed in its place
        raise Unauthorized("the name or the password is not right", "password")
    csrf = _sign_in(request, response, services, principal)
    log_access(request, "auth.sign_in", principal.id, actor=principal.id, via="password")
    return Me(id=principal.id, name=principal.name, role=principal.role, via="session", mode="sign-in", csrf=csrf)


@router.post("/auth/logout", status_code=204)
def auth_logout(request: Request, services: ServicesDep) -> Response:
    """Sign out: the session is deleted on the server and its cookies cleared."""
    cookie = cookies_of(request.headers).get(SESSION_COOKIE)
    if cookie and services.settings.auth:
        services.accounts.close_session(cookie)
        log_access(request, "auth.sign_out")
    response = Response(status_code=204)
    _sign_out(response)
    return response


def _oidc(request: Request, services: Services) -> OIDCClient:
    """The app's one OIDC client (its discovery document is cached on it)."""
    _require_accounts(services)
    if not services.settings.oidc_enabled:
        raise NotFound("single sign-on is not configured (ADVISOR_OIDC_ISSUER, ADVISOR_OIDC_CLIENT_ID)", "oidc")
    client = getattr(request.app.state, "oidc", None)
    if client is None:
        from advisor.auth.oidc import OIDCClient

        client = request.app.state.oidc = OIDCClient(services.settings)
    return client


@router.get("/auth/oidc/start", response_class=RedirectResponse, status_code=302)
async def oidc_start(request: Request, services: ServicesDep) -> RedirectResponse:
    """Begin single sign-on: a redirect to the OIDC provider."""
    client = _oidc(request, services)
    redirect_uri = services.settings.oidc_redirect_url or str(request.url_for("oidc_callback"))
    return RedirectResponse(await client.start(services.accounts, redirect_uri), status_code=302)


@router.get("/auth/oidc/callback", response_class=RedirectResponse, status_code=303, name="oidc_callback")
async def oidc_callback(request: Request, services: ServicesDep,
                        state: Annotated[str, Query(min_length=1, max_length=256)],
                        code: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
                        error: Annotated[str | None, Query(max_length=200)] = None) -> RedirectResponse:
    """Where the provider sends the browser back: the id_token is verified, the account found or made (role
    ADVISOR_NEW_USER_ROLE on first sign-in), a session opened, and the browser sent to the page. A provider that
    refused (`error=access_denied`...) is a 401 saying so."""
    client = _oidc(request, services)
    if error is not None or code is None:
        raise Unauthorized(f"the OIDC provider did not sign you in ({error or 'no code'}); try again", "oidc")
    identity = await client.finish(services.accounts, code, state)
    principal = await run_in_threadpool(services.accounts.external_user, identity.name, "oidc",
                                        services.settings.new_user_role, identity.subject)
    response = RedirectResponse("/", status_code=303)
    await run_in_threadpool(_sign_in, request, response, services, principal)
    await run_in_threadpool(lambda: log_access(request, "auth.sign_in", principal.id, actor=principal.id, via="oidc"))
    return response


# --------------------------------------------------------------------------- your API tokens


@router.get("/tokens", response_model=list[TokenInfo])
def list_tokens(services: ServicesDep, me: PrincipalDep) -> list[TokenInfo]:
    """Your API tokens (names, first characters, when made and last used, revoked); never the tokens."""
    _require_accounts(services)
    return services.accounts.list_tokens(me)


@router.post("/tokens", response_model=NewToken, status_code=201)
def create_token(body: TokenBody, services: ServicesDep, me: PrincipalDep, request: Request) -> NewToken:
    """A new API token for scripts, MCP and OpenAI clients (`Authorization: Bearer <token>`), acting as you with
    your role. `token` is shown this once: only its hash is kept."""
    _require_accounts(services)
    token = services.accounts.create_token(me, body.name)
    log_access(request, "token.create", token.id)
    return token


@router.delete("/tokens/{token_id}", response_model=TokenInfo)
def revoke_token(token_id: str, services: ServicesDep, me: PrincipalDep, request: Request) -> TokenInfo:
    """Revoke one of your tokens: it stops working at once (another user's token id is a 404)."""
    _require_accounts(services)
    revoked = services.accounts.revoke_token(me, token_id)
    log_access(request, "token.revoke", token_id)
    return revoked


# --------------------------------------------------------------------------- leads: the team's usage


@router.get("/usage", response_model=list[OwnerUsage])
def team_usage(services: ServicesDep, days: Annotated[int, Query(ge=1, le=3650)] = 30) -> list[OwnerUsage]:
    """Per account over the last `days`: questions asked, conversations active, corrections, thumbs up and down
    (no question text)."""
    figures = services.store.usage(datetime.now(UTC) - timedelta(days=days))
    if services.settings.auth:
        known = {a.id: a for a in services.accounts.list_users()}
        figures = [f.model_copy(update={"name": known[f.owner].name, "role": known[f.owner].role})
                   if f.owner in known else f for f in figures]
    return figures


# --------------------------------------------------------------------------- admins: users


@router.get("/users", response_model=list[Account])
def list_users(services: ServicesDep) -> list[Account]:
    """Every account: name, role, how it signs in."""
    _require_accounts(services)
    return services.accounts.list_users()


@router.post("/users", response_model=Account, status_code=201)
def add_user(body: UserBody, services: ServicesDep, request: Request) -> Account:
    """Add a local account (with a password) or an SSO one (`sso: true`); a name taken is a 409."""
    _require_accounts(services)
    if body.sso == (body.password is not None):
        raise InvalidInput("give a password for a local account, or sso: true for one that signs in through "
                           "OIDC (not both)", "password")
    account = services.accounts.add_user(body.name, body.role, body.password, origin="oidc" if body.sso else "local")
    log_access(request, "user.create", account.id, role=account.role)
    return account


@router.patch("/users/{name}", response_model=Account)
def change_user(name: str, body: UserChange, services: ServicesDep, request: Request) -> Account:
    """Change an account's role and/or password (a new password signs its sessions out)."""
    _require_accounts(services)
    if body.role is None and body.password is None:
        raise InvalidInput("nothing to change: send role and/or password", "role")
    account = services.accounts.get_user(name)
    if body.role is not None:
        account = services.accounts.set_role(name, body.role)
    if body.password is not None:
        account = services.accounts.set_password(name, body.password)
    log_access(request, "user.update", account.id, role=account.role, password=body.password is not None)
    return account


@router.delete("/users/{name}", response_model=Account)
def remove_user(name: str, services: ServicesDep, me: PrincipalDep, request: Request) -> Account:
    """Remove an account with its sessions, tokens and history. You cannot remove yourself."""
    _require_accounts(services)
    if services.accounts.get_user(name).id == me.id:
        raise Conflict("you cannot remove your own account; another admin can", "name")
    removed = services.accounts.remove_user(name)
    log_access(request, "user.delete", removed.id)
    return removed
