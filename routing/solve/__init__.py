"""The solve stage: Scenario + MatrixSet + SolveParams → Plan (see ``routing.solve.solve``).

``params`` (settings and the pipeline's stages and shares), ``objective`` (what a plan costs
every search), ``backends/`` (OR-Tools, PyVRP), ``search/`` (servability, windows, schedules,
relaxation, repair, insertion, ruin and recreate), ``hybrid`` (the pipeline), ``assemble``
(solver visits into routes) and ``solve`` (orchestration and portfolio).
"""
