"""Allow ``python -m eah_eval``."""

import sys

from eah_eval.cli import main

sys.exit(main())
