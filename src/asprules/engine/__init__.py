"""The engine: validated documents compiled into evaluators, and the decisions they make.

Conditions become closures (:mod:`.compile`) or one generated function per grading
ruleset (:mod:`.codegen`); :mod:`.grading` and :mod:`.authorization` apply hit policies,
adjustments and approval chains; :mod:`.decisions` holds the frozen results with their
traces; :mod:`.rulebook` groups what one load compiled. Pure: no I/O, no wall clock.
"""
