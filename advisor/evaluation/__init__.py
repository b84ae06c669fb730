"""`advisor eval ...`: evaluation commands, one typer sub-app (`eval_app`).

`advisor eval retrieval` is registered here. The answer eval becomes the default command by adding
`@eval_app.callback(invoke_without_command=True)` (check `ctx.invoked_subcommand is None`) in its own module
and importing that module below.
"""

from __future__ import annotations

import typer

from advisor.retrieval.commands import eval_retrieval_cmd

eval_app = typer.Typer(help="Evaluate retrieval and answers against the eval/ sets.")
eval_app.command("retrieval")(eval_retrieval_cmd)

# `advisor eval` itself (the answer/check evaluation) registers as eval_app's callback; imports stay light.
from advisor.evaluation import commands as _commands  # noqa: E402,F401

__all__ = ["eval_app"]
