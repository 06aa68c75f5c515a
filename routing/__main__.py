"""``python -m routing ...``: the command line (see ``routing.cli``)."""

from routing.cli import run

run()
