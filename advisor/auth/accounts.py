"""AccountStore: users with a role, their sign-in sessions and API tokens, and OIDC sign-ins under way, in the
project's database (the conversation store's engine: SQLite under data_dir, or PostgreSQL via ADVISOR_DATABASE_URL).

Nothing that grants access is stored as given: passwords are argon2id hashes (argon2-cffi's defaults), session
cookies and API tokens are stored as their SHA-256 (they are long random values, so a fast hash suffices), and a
token is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, delete, insert, select, update

from advisor.api.principal import ROLES, Principal, Role
from advisor.errors import Conflict, InvalidInput, NotFound
from advisor.store.conversations import ConversationStore
from advisor.store.db import api_tokens, oidc_attempts, sessions, users

log = logging.getLogger("advisor.auth")

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}")
MIN_PASSWORD = 10
TOKEN_PREFIX = "pca_"
ATTEMPT_MINUTES = 10


class Account(BaseModel):
    """A user as listed (never with the password hash)."""

    id: str
    name: str
    role: Role
    origin: str
    created: datetime
    password: bool


class TokenInfo(BaseModel):
    """An API token as listed: never the token itself."""

    id: str
    name: str
    prefix: str
    created: datetime
    last_used: datetime | None = None
    revoked: datetime | None = None


class NewToken(TokenInfo):
    """A token just made: `token` is shown this once and never again."""

    token: str


@dataclass(frozen=True)
class SignedIn:
    """A valid session: who, and the CSRF token the page must send back with every state-changing request."""

    principal: Principal
    csrf: str


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not NAME_RE.fullmatch(name):
        raise InvalidInput("a user name is 1-200 letters, digits and . _ @ + - (starting with a letter or digit), "
                           f"got {name[:60]!r}", "name")
    return name


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, got {role!r}", "role")
    return role


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters", "password")
    if len(password) > 1024:
        raise InvalidInput("a password is at most 1024 characters", "password")
    return password


def _account(row: Any) -> Account:
    return Account(id=row.id, name=row.name, role=row.role, origin=row.origin, created=_utc(row.created),
                   password=row.password_hash is not None)


def _token(row: Any) -> TokenInfo:
    return TokenInfo(id=row.id, name=row.name, prefix=row.prefix, created=_utc(row.created),
                     last_used=_utc(row.last_used) if row.last_used else None,
                     revoked=_utc(row.revoked) if row.revoked else None)


class AccountStore:
    """Users, sessions, tokens. Safe to share across threads (each call is one short transaction)."""

    def __init__(self, store: ConversationStore, session_hours: float = 12) -> None:
        self.store = store
        self.session_life = timedelta(hours=session_hours)

    @cached_property
    def hasher(self) -> Any:
        from argon2 import PasswordHasher

        return PasswordHasher()

    @cached_property
    def _dummy_hash(self) -> str:
        """Verified against when the user does not exist, so a wrong name takes as long as a wrong password."""
        return str(self.hasher.hash(secrets.token_urlsafe(16)))

    # ------------------------------------------------------------------ users

    def add_user(self, name: str, role: str = "coder", password: str | None = None, origin: str = "local",
                 subject: str | None = None) -> Account:
        """A new account (a name already taken is a Conflict). Local accounts need a password."""
        name, role = check_name(name), check_role(role)
        if origin == "local" and password is None:
            raise InvalidInput("a local account needs a password", "password")
        hashed = self.hasher.hash(check_password(password)) if password is not None else None
        row = {"id": uuid.uuid4().hex, "name": name, "role": role, "password_hash": hashed, "origin": origin,
               "subject": subject, "created": _now()}

        def work(conn: Connection) -> None:
            if conn.execute(select(users.c.id).where(users.c.name == name)).first() is not None:
                raise Conflict(f"a user named {name!r} already exists", "name")
            conn.execute(insert(users).values(**row))

        self.store.write(work)
        log.info("user %s added (%s, %s)", row["id"], role, origin)
        return Account(id=row["id"], name=name, role=role, origin=origin, created=row["created"],
                       password=hashed is not None)

    def _row(self, conn: Connection, name: str) -> Any:
        row = conn.execute(select(users).where(users.c.name == name)).first()
        if row is None:
            raise NotFound(f"no user named {name!r}", "name")
        return row

    def get_user(self, name: str) -> Account:
        with self.store.reading() as conn:
            return _account(self._row(conn, name))

    def list_users(self) -> list[Account]:
        with self.store.reading() as conn:
            return [_account(r) for r in conn.execute(select(users).order_by(users.c.name)).all()]

    def set_role(self, name: str, role: str) -> Account:
        role = check_role(role)

        def work(conn: Connection) -> Account:
            row = self._row(conn, name)
            conn.execute(update(users).where(users.c.id == row.id).values(role=role))
            return _account(row).model_copy(update={"role": role})

        return self.store.write(work)

    def set_password(self, name: str, password: str) -> Account:
        hashed = self.hasher.hash(check_password(password))

        def work(conn: Connection) -> Account:
            row = self._row(conn, name)
            conn.execute(update(users).where(users.c.id == row.id).values(password_hash=hashed))
            conn.execute(delete(sessions).where(sessions.c.user_id == row.id))  # a new password signs out
            return _account(row).model_copy(update={"password": True})

        return self.store.write(work)

    def remove_user(self, name: str) -> Account:
        """Remove the account, its sessions and tokens, and its history (conversations may hold PHI)."""
        def work(conn: Connection) -> Account:
            row = self._row(conn, name)
            conn.execute(delete(sessions).where(sessions.c.user_id == row.id))
            conn.execute(delete(api_tokens).where(api_tokens.c.user_id == row.id))
            conn.execute(delete(users).where(users.c.id == row.id))
            return _account(row)

        account = self.store.write(work)
        self.store.delete_history(account.id)
        log.info("user %s removed", account.id)
        return account

    def verify_password(self, name: str, password: str) -> Principal | None:
        """The principal when the name and password match a local account, else None (same work either way)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        with self.store.reading() as conn:
            row = conn.execute(select(users).where(users.c.name == (name or "").strip())).first()
        stored = row.password_hash if row is not None and row.password_hash else self._dummy_hash
        try:
            self.hasher.verify(stored, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.password_hash:
            return None
        if self.hasher.check_needs_rehash(stored):
            self.store.write(lambda c: c.execute(update(users).where(users.c.id == row.id)
                                                  .values(password_hash=self.hasher.hash(password))))
        return Principal(id=row.id, name=row.name, role=row.role, via="session")

    def external_user(self, name: str, origin: str, role: str, subject: str | None = None) -> Principal:
        """The account an OIDC provider or the trusted proxy vouches for, made on first sight with `role`.

        OIDC: matched by issuer+subject; an account an admin made beforehand for that name (`advisor users add NAME
        --sso`, no subject yet) is claimed, so its role applies. A local account of that name is never taken over
        (Conflict). Proxy: the proxy is trusted with the name, so the account of that name is used."""
        name, role = check_name(name), check_role(role)

        def work(conn: Connection) -> Principal:
            row = None
            if subject is not None:
                row = conn.execute(select(users).where(users.c.subject == subject)).first()
            if row is None:
                row = conn.execute(select(users).where(users.c.name == name)).first()
                if row is not None and origin == "oidc":
                    if row.origin != "oidc" or row.subject is not None:
                        raise Conflict(f"an account named {name!r} exists that does not sign in through this "
                                       "provider; an admin can remove or rename it", "name")
                    conn.execute(update(users).where(users.c.id == row.id).values(subject=subject))
            if row is None:
                row_id = uuid.uuid4().hex
                conn.execute(insert(users).values(id=row_id, name=name, role=role, password_hash=None, origin=origin,
                                                  subject=subject, created=_now()))
                return Principal(id=row_id, name=name, role=role, via=origin)
            return Principal(id=row.id, name=row.name, role=row.role, via=origin)

        return self.store.write(work)

    # ------------------------------------------------------------------ sessions

    def open_session(self, principal: Principal) -> tuple[str, str]:
        """A new session for the principal: (the cookie value, its CSRF token). Expired sessions are swept."""
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = _now()

        def work(conn: Connection) -> None:
            conn.execute(delete(sessions).where(sessions.c.expires < now))
            conn.execute(insert(sessions).values(id_hash=_digest(cookie), user_id=principal.id, csrf=csrf,
                                                 created=now, expires=now + self.session_life))

        self.store.write(work)
        return cookie, csrf

    def session(self, cookie: str) -> SignedIn | None:
        """The session a cookie names, if it exists and has not expired."""
        query = (select(sessions.c.csrf, sessions.c.expires, users.c.id, users.c.name, users.c.role)
                 .join(users, users.c.id == sessions.c.user_id).where(sessions.c.id_hash == _digest(cookie)))
        with self.store.reading() as conn:
            row = conn.execute(query).first()
        if row is None or _utc(row.expires) <= _now():
            return None
        return SignedIn(Principal(id=row.id, name=row.name, role=row.role, via="session"), row.csrf)

    def close_session(self, cookie: str) -> None:
        self.store.write(lambda conn: conn.execute(delete(sessions).where(sessions.c.id_hash == _digest(cookie))))

    # ------------------------------------------------------------------ API tokens

    def create_token(self, principal: Principal, name: str) -> NewToken:
        name = (name or "").strip()
        if not 1 <= len(name) <= 100:
            raise InvalidInput("a token's name is 1-100 characters (what it is for, e.g. 'billing script')", "name")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = {"id": uuid.uuid4().hex, "user_id": principal.id, "name": name, "token_hash": _digest(token),
               "prefix": token[:10], "created": _now()}
        self.store.write(lambda conn: conn.execute(insert(api_tokens).values(**row)))
        log.info("token %s made for user %s", row["id"], principal.id)
        return NewToken(id=row["id"], name=name, prefix=row["prefix"], created=row["created"], token=token)

    def list_tokens(self, principal: Principal) -> list[TokenInfo]:
        query = select(api_tokens).where(api_tokens.c.user_id == principal.id).order_by(api_tokens.c.created)
        with self.store.reading() as conn:
            return [_token(r) for r in conn.execute(query).all()]

    def revoke_token(self, principal: Principal, token_id: str) -> TokenInfo:
        """Revoke one of the principal's tokens (another user's is NotFound); it stops working at once."""
        now = _now()

        def work(conn: Connection) -> TokenInfo:
            mine = (api_tokens.c.id == token_id, api_tokens.c.user_id == principal.id)
            row = conn.execute(select(api_tokens).where(*mine)).first()
            if row is None:
                raise NotFound(f"no token {token_id!r}", "token_id")
            if row.revoked is None:
                conn.execute(update(api_tokens).where(*mine).values(revoked=now))
            return _token(row).model_copy(update={"revoked": row.revoked or now})

        return self.store.write(work)

    def token_principal(self, token: str) -> Principal | None:
        """Who a bearer token belongs to (None: unknown or revoked)."""
        query = (select(api_tokens.c.id, api_tokens.c.last_used, users.c.id.label("uid"), users.c.name, users.c.role)
                 .join(users, users.c.id == api_tokens.c.user_id)
                 .where(api_tokens.c.token_hash == _digest(token), api_tokens.c.revoked.is_(None)))
        with self.store.reading() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        now = _now()
        if row.last_used is None or now - _utc(row.last_used) > timedelta(minutes=1):
            self.store.write(lambda c: c.execute(update(api_tokens).where(api_tokens.c.id == row.id)
                                                  .values(last_used=now)))
        return Principal(id=row.uid, name=row.name, role=row.role, via="token")

    # ------------------------------------------------------------------ OIDC sign-ins under way

    def save_attempt(self, state: str, nonce: str, verifier: str, redirect_uri: str) -> None:
        now = _now()

        def work(conn: Connection) -> None:
            stale = now - timedelta(minutes=ATTEMPT_MINUTES)
            conn.execute(delete(oidc_attempts).where(oidc_attempts.c.created < stale))
            conn.execute(insert(oidc_attempts).values(state=state, nonce=nonce, verifier=verifier,
                                                      redirect_uri=redirect_uri, created=now))

        self.store.write(work)

    def take_attempt(self, state: str) -> Any | None:
        """The sign-in `state` started (used once: it is deleted), or None if unknown or older than 10 minutes."""
        def work(conn: Connection) -> Any | None:
            row = conn.execute(select(oidc_attempts).where(oidc_attempts.c.state == state)).first()
            if row is not None:
                conn.execute(delete(oidc_attempts).where(oidc_attempts.c.state == state))
            return row

        row = self.store.write(work)
        if row is None or _now() - _utc(row.created) > timedelta(minutes=ATTEMPT_MINUTES):
            return None
        return row
