"""``python -m audiobook``: the same CLI as the ``audiobook`` command."""
from .cli import main

main(prog_name="audiobook")
