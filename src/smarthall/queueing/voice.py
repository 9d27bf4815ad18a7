"""Server-side voice for call announcements: espeak-ng (Mandarin) to WAV where installed, a clear "unavailable"
otherwise. Browsers use their own speech synthesis first; this is the fallback."""

from __future__ import annotations

import shutil
import subprocess  # noqa: S404 - a fixed binary with an argument list, never a shell

ESPEAK = "espeak-ng"


def available() -> bool:
    return shutil.which(ESPEAK) is not None


def synthesize(text: str, lang: str = "cmn") -> bytes | None:
    binary = shutil.which(ESPEAK)
    if binary is None:
        return None
    voice = "cmn" if lang == "zh" or lang == "cmn" else "en"
    result = subprocess.run(  # noqa: S603
        [binary, "-v", voice, "-s", "150", "--stdout", text], capture_output=True, timeout=20, check=False
    )
    if result.returncode != 0 or not result.stdout.startswith(b"RIFF"):
        return None
    return result.stdout
