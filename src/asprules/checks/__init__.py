"""What CI asks of rule changes: static analysis, scenario tests, coverage, diff, reports.

:mod:`.analysis` models rules as boxes over the input domains; :mod:`.scenarios` and
:mod:`.scenario_runs` run scenario files, :mod:`.coverage` counts the rules they reach,
:mod:`.diff` compares two rulebooks, :mod:`.report` renders findings for people and CI,
:mod:`.schema` publishes the JSON Schemas of every file kind.
"""
