"""``python -m cgle`` is the ``cgle`` command."""

import sys

from cgle.cli import main

if __name__ == "__main__":
    sys.exit(main())
