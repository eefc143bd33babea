"""Where a command may write: folders compared by what they are, not by how they are named."""

from __future__ import annotations

import os
from pathlib import Path

CONTENT = ("policy", "translations", "changelog")  # the policy text, under the repository


def is_within(place: Path, folder: Path) -> bool:
    """`place` is `folder` or lies below it, by the identity of the folders on the way up."""
    try:
        wanted = os.stat(folder)
    except OSError:
        return False
    probe = place.absolute()
    while True:
        try:
            found = os.stat(probe)
            if (found.st_dev, found.st_ino) == (wanted.st_dev, wanted.st_ino):
                return True
        except OSError:
            pass
        if probe.parent == probe:
            return False
        probe = probe.parent


def repository_place(place: Path, repo: Path) -> str | None:
    """Why `place` belongs to the repository and must not be written by a command, or None."""
    if is_within(repo, place):
        return "that is the policy repository or a folder that holds it"
    if is_within(place, repo / ".git"):
        return "that is inside the repository's .git folder"
    for name in CONTENT:
        if is_within(place, repo / name):
            return f"that is inside the repository's {name}/ folder, which holds the policy text"
    return None
