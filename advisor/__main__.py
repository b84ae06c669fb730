"""`python -m advisor` runs the same CLI as the `advisor` script."""

from advisor.cli import main

main()
