"""Sign-in: local accounts (argon2), server-side sessions, API tokens and OpenID Connect, in the project's database.
The HTTP side (who a request is, what its role may do) is advisor.api.auth; the commands are `advisor users`."""
