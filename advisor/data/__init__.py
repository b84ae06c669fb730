"""Official CMS tables (NCCI PTP, MUE, MPFS RVU indicators): import the published files into a local SQLite rules
database and read them back for the rules engine. Importing this package opens nothing."""
