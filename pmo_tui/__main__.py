import sys

from pmo_tui.cli import main

sys.exit(main())
