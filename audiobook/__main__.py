"""``python -m audiobook``: the same CLI as the ``audiobook`` command."""
from .program import run

run()
