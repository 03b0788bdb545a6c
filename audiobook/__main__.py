"""``python -m audiobook``: the same CLI as the ``audiobook`` command."""
from .cli import run

run()
