"""Sizes read as a person says them: never "0.0 MB" for a 9 KB file."""

from __future__ import annotations

import pytest

from dashboard.labels import file_size


@pytest.mark.parametrize(
    ("size", "text"),
    [(512, "512 bytes"), (9_200, "9 KB"), (999_499, "999 KB"), (2_060_000, "2.1 MB")],
)
def test_file_size(size, text):
    assert file_size(size) == text
