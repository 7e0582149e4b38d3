"""``python -m employers.client``: see :mod:`employers.client.cli`."""

import sys

from employers.client.cli import main

sys.exit(main())
