"""The ruleset format: typed ruleset documents (the AST), their well-foundedness, calendars.

``source`` turns text into data with positions; this wing turns that data into frozen
documents (:mod:`.document`), checks every reference they make (:mod:`.validate`) and
reads calendar documents into absolute intervals (:mod:`.calendars`). It knows the fact
catalog, because rules name fact fields, but nothing of how rules are evaluated.
"""
