"""One exception base for the whole tool, one subclass per stage.

Every error carries a *hint*: what the user can do about it.  Only ``cli.py``
turns these into a one-line message and an exit code; library code raises them
with ``raise ... from exc`` so ``--debug`` still shows the cause.
"""
from __future__ import annotations


class AudiobookError(Exception):
    """Base class: a message saying what is wrong, and a hint saying how to fix it."""

    #: process exit code the CLI uses: 2 for usage and input errors, 1 for the rest
    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message and hint on one line, as the CLI prints it."""
        text = " ".join(self.message.split())
        if self.hint:
            text += f" ({' '.join(self.hint.split())})"
        return text


class InputError(AudiobookError):
    """The article (or another input the user named) cannot be used."""

    exit_code = 2


class LoadError(InputError):
    """An article file is missing, unreadable, empty or not text."""


class ProfileError(InputError):
    """A voice profile is malformed or asks for a voice this machine lacks."""


class OutputError(AudiobookError):
    """The episode cannot be written where the user asked."""

    exit_code = 2


#: what to do when the output folder's disk is full (an OutputError's hint)
DISK_FULL_HINT = "free some space on that disk, or choose another folder with -o, then build again"


class DependencyError(AudiobookError):
    """A program or library the tool needs (eSpeak NG, ffmpeg) is missing."""


class SynthesisError(AudiobookError):
    """The speech engine failed to produce a usable clip."""


class StitchError(AudiobookError):
    """Joining or encoding the audio failed."""


class TagError(AudiobookError):
    """Writing the ID3 tags failed."""
