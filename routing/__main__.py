"""``python -m routing ...``: the command line (see ``routing.cli``)."""

import sys

from routing.cli import main

sys.exit(main())
