"""Pure programme rules: allocation, working days, due dates, cohorts, policy.

Nothing in this package touches a database, Prefect, HTTP or templates (a test keeps it so),
so every rule can be read and tested alone. Every rule that depends on "today" takes it as an
argument.
"""
