"""Where the catalog's values and the knowledge documents get their support: primary sources first.

`policy` reads the source policy (primary hosts, unreliable sites) from the catalog's sources.yaml, its one home;
`audit` lists every sourced value (catalog tables, rules, knowledge documents) with its support and the problems
`advisor sources --check` fails on; `commands` is the CLI.
"""
