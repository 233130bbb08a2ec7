"""``python -m rateshop.store [URL]``: bring the store's database to the newest schema."""

import sys

from rateshop.store.migrate import main

raise SystemExit(main(sys.argv[1:]))
