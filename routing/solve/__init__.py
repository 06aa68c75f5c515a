"""The solve stage: Scenario + MatrixSet + SolveParams → Plan (see ``routing.solve.solve``).

Kept free of imports so that ``routing.model`` can use ``routing.solve.params``.
"""
