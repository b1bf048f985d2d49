import sys

from backpack_emulator.cli import main

sys.exit(main())
