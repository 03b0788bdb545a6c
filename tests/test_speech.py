"""Speech: what the engine hears, never what the script shows."""
from __future__ import annotations

import pytest

from audiobook.speech import spoken


@pytest.mark.parametrize(
    "display, heard",
    [
        ("It’s here", "It's here"),
        ("the ’90s and the '80s", "the '90s and the '80s"),
        ("calls it ‘a conservative estimate’, which", "calls it a conservative estimate, which"),
        ("Neither the PLP [Parliamentary Labour Party] nor", "Neither the PLP Parliamentary Labour Party nor"),
        ("a great guy - we have", "a great guy, we have"),
        ("the laity—we discovered", "the laity, we discovered"),
        ("  two   spaces ", "two spaces"),
        ("stray “mark", "stray mark"),
    ],
)
def test_spoken(display, heard):
    assert spoken(display) == heard
