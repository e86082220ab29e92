"""Running a command under which a file's mode bits bind, whoever runs the tests."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def mode_bits_bind() -> list[str]:
    """A command prefix under which `chmod 000` makes a file unreadable, or a skip when none
    is possible.

    As root, mode bits alone mean nothing: dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH
    makes the kernel enforce them for root too. Root stays root, so a checkout in a private
    folder (`mktemp -d` is 0700) is still readable, as it would not be for another user.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("running as root and setpriv is missing: chmod 000 cannot be enforced")
    prefix = [setpriv, "--inh-caps=-dac_override,-dac_read_search",
              "--bounding-set=-dac_override,-dac_read_search", "--"]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE here: "
                    + probe.stderr.decode(errors="replace").strip())
    return prefix
