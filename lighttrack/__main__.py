import sys

from lighttrack.cli import main

sys.exit(main())
