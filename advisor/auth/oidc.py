"""OpenID Connect single sign-on (authorization code flow with PKCE and a nonce), on authlib (its httpx OAuth 2 client)
and joserfc (authlib's own JOSE library, which replaces the deprecated authlib.jose) for the id_token.

`start` makes the provider's authorization URL and remembers the attempt (state, nonce, PKCE verifier) in the
database, so any worker process can finish it; `finish` trades the code for tokens at the provider, verifies the
id_token's signature against the provider's JWKS and its issuer, audience, expiry and nonce, and returns who signed
in. Nothing here runs at import; the provider is contacted only when someone signs in.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.errors import AdvisorError, InvalidInput, Unauthorized
from advisor.settings import Settings

if TYPE_CHECKING:
    from advisor.auth.accounts import AccountStore

log = logging.getLogger("advisor.auth")
DISCOVERY_TTL_S = 3600
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]  # never "none" or HMAC
TIMEOUT_S = 10.0


class ProviderError(AdvisorError):
    """The OIDC provider could not be reached or answered something unusable (HTTP 502)."""

    status_code = 502


@dataclass(frozen=True)
class Identity:
    name: str
    subject: str  # issuer + " " + sub: unique across providers


class OIDCClient:
    def __init__(self, settings: Settings) -> None:
        if not settings.oidc_enabled:
            raise InvalidInput("single sign-on is not configured: set ADVISOR_OIDC_ISSUER, ADVISOR_OIDC_CLIENT_ID "
                               "and ADVISOR_OIDC_CLIENT_SECRET", "oidc")
        self.settings = settings
        self.issuer = str(settings.oidc_issuer).rstrip("/")
        self._meta: dict[str, Any] | None = None
        self._meta_at = 0.0

    def _client(self, redirect_uri: str) -> Any:
        from authlib.integrations.httpx_client import AsyncOAuth2Client

        return AsyncOAuth2Client(self.settings.oidc_client_id, self.settings.oidc_client_secret,
                                 scope=self.settings.oidc_scopes, redirect_uri=redirect_uri,
                                 code_challenge_method="S256", timeout=TIMEOUT_S)

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (cached for an hour)."""
        if self._meta is not None and time.monotonic() - self._meta_at < DISCOVERY_TTL_S:
            return self._meta
        import httpx

        url = self.issuer + "/.well-known/openid-configuration"
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
                response = await http.get(url)
                response.raise_for_status()
                meta = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderError(f"the OIDC provider's discovery document {url} could not be read "
                                f"({type(exc).__name__})", "oidc_issuer") from None
        if str(meta.get("issuer", "")).rstrip("/") != self.issuer:
            raise ProviderError(f"the provider says its issuer is {meta.get('issuer')!r}, not ADVISOR_OIDC_ISSUER "
                                f"{self.issuer!r}", "oidc_issuer")
        self._meta, self._meta_at = meta, time.monotonic()
        return meta

    async def start(self, accounts: AccountStore, redirect_uri: str) -> str:
        """The provider's authorization URL for a new sign-in (state, nonce and PKCE verifier remembered)."""
        from anyio import to_thread

        meta = await self.metadata()
        state, nonce, verifier = (secrets.token_urlsafe(24) for _ in range(3))
        verifier += secrets.token_urlsafe(24)  # PKCE wants 43-128 characters
        url, _ = self._client(redirect_uri).create_authorization_url(
            meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier)
        await to_thread.run_sync(accounts.save_attempt, state, nonce, verifier, redirect_uri)
        return str(url)

    async def finish(self, accounts: AccountStore, code: str, state: str) -> Identity:
        """Who signed in, from the provider's answer to `start` (a replayed, unknown or stale state is a 401)."""
        from anyio import to_thread
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        attempt = await to_thread.run_sync(accounts.take_attempt, state)
        if attempt is None:
            raise Unauthorized("this sign-in is unknown, already used or older than 10 minutes; start again",
                               "state")
        meta = await self.metadata()
        import httpx

        try:
            async with self._client(attempt.redirect_uri) as client:
                token = await client.fetch_token(meta["token_endpoint"], code=code, code_verifier=attempt.verifier)
                jwks = (await client.get(meta["jwks_uri"])).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderError(f"the OIDC provider did not complete the sign-in ({type(exc).__name__})",
                                "oidc") from None
        except Exception as exc:  # noqa: BLE001 - authlib's OAuth errors (invalid_grant, ...): the provider said no
            raise Unauthorized(f"the OIDC provider refused the sign-in ({type(exc).__name__})", "oidc") from None
        id_token = token.get("id_token")
        if not id_token:
            raise ProviderError("the OIDC provider sent no id_token (is 'openid' in ADVISOR_OIDC_SCOPES?)", "oidc")
        try:
            token_ = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=ID_TOKEN_ALGORITHMS)
            claims = token_.claims
            jwt.JWTClaimsRegistry(
                leeway=60, iss={"essential": True, "values": [self.issuer, self.issuer + "/"]},
                aud={"essential": True, "value": str(self.settings.oidc_client_id)}, sub={"essential": True},
                exp={"essential": True}, nonce={"essential": True, "value": attempt.nonce},
            ).validate(claims)
        except (JoseError, ValueError, TypeError) as exc:
            log.warning("an id_token was refused: %s", type(exc).__name__)
            raise Unauthorized(f"the id_token did not verify ({type(exc).__name__}); sign in again", "id_token") \
                from None
        name = next((str(claims[c]) for c in (self.settings.oidc_name_claim, "preferred_username", "sub")
                     if claims.get(c)), "")
        return Identity(name=name, subject=f"{self.issuer} {claims['sub']}")
