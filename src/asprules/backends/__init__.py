"""Other ways to evaluate the same compiled rulesets, proven equal to the engine's.

:mod:`.rete` runs them on durable-rules' Rete network and keeps incident timelines.
"""

BACKENDS: tuple[str, ...] = ("compiled", "rete")  # the names ``backend=`` accepts
