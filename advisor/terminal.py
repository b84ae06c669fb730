"""Markdown for a terminal: `advisor ask` prints its answer rendered (headings, bold, lists, tables) with rich, in
colour on a terminal and as clean text when piped; `--plain` keeps the raw Markdown."""

from __future__ import annotations

import io
import shutil
import sys

PIPED_WIDTH = 100  # columns when stdout is not a terminal (no size to read)


def render_markdown(text: str) -> str:
    """The Markdown text as the terminal shows it (ANSI styles only when stdout is a terminal)."""
    from rich.console import Console
    from rich.markdown import Markdown

    tty = sys.stdout.isatty()
    width = shutil.get_terminal_size((PIPED_WIDTH, 24)).columns if tty else PIPED_WIDTH
    out = io.StringIO()
    Console(file=out, force_terminal=tty, no_color=not tty, width=width, highlight=False,
            emoji=False).print(Markdown(text, hyperlinks=False))
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))  # rich pads to the width


__all__ = ["render_markdown"]
