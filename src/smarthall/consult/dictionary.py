"""jieba's main dictionary, loaded piecewise: only the words that can occur in the text being cut.

jieba loads its whole prefix dictionary (about 500,000 words and prefixes) before it cuts anything, and that load
was most of an index build (issue 17: 4.2-4.6 s against a 2 s target). Yet cutting a text only ever looks up
fragments of that text: a one-character fragment, or a longer one that starts with one of the text's two-character
windows. So the dictionary is stored sharded by a word's first two characters (single characters apart), and a
tokenizer merges in the shards of the windows of each text before jieba cuts it. The result is the same dictionary
as far as that text can tell, so the same cut (``tests/consult/test_dictionary.py`` checks it against jieba's own
load), at a fraction of the cost: the knowledge base needs about 4 % of the words.

The shards are derived once per machine from jieba's own load and kept, as jieba keeps its cache, under the
temporary directory (marshal, data only), in a folder only this user can write; a file that does not load is
derived again.
"""

from __future__ import annotations

import logging
import marshal
import os
import tempfile
import threading
from array import array
from pathlib import Path
from typing import Any

FORMAT = 2
_lock = threading.Lock()
_loaded: list[MainDictionary] = []


class MainDictionary:
    """jieba's main dictionary: its total, its single characters, and the rest sharded by first two characters."""

    def __init__(self, total: int, singles: dict[str, int], shards: dict[str, bytes]) -> None:
        self.total = total
        self.singles = singles
        # First character -> marshal of (the second characters, one string; the shards' marshalled dicts end to
        # end; where each ends, uint32): opening a first character's shards makes three objects, not thousands.
        self._shards = shards
        self._by_char: dict[str, tuple[str, bytes, memoryview]] = {}
        self._by_gram: dict[str, dict[str, int]] = {}
        self._lock = threading.Lock()

    def entries(self, gram: str) -> dict[str, int]:
        """The words and prefixes (length >= 2) that start with the two characters ``gram``; {} when none."""
        found = self._by_gram.get(gram)
        if found is not None:
            return found
        with self._lock:
            opened = self._by_char.get(gram[0])
            if opened is None:
                blob = self._shards.get(gram[0])
                seconds, joined, ends = marshal.loads(blob) if blob else ("", b"", b"")  # noqa: S302 - see _cache_path
                opened = self._by_char[gram[0]] = (seconds, joined, memoryview(ends).cast("I"))
            seconds, joined, ends = opened
            i = seconds.find(gram[1:2]) if len(gram) == 2 else -1
            found = marshal.loads(joined[ends[i - 1] if i else 0 : ends[i]]) if i >= 0 else {}  # noqa: S302
            self._by_gram[gram] = found
        return found

    @classmethod
    def from_full(cls, freq: dict[str, int], total: int) -> MainDictionary:
        singles: dict[str, int] = {}
        nested: dict[str, dict[str, dict[str, int]]] = {}
        for word, count in freq.items():
            if len(word) == 1:
                singles[word] = count
            else:
                nested.setdefault(word[0], {}).setdefault(word[1], {})[word] = count
        shards: dict[str, bytes] = {}
        for first, by_second in nested.items():
            seconds = "".join(sorted(by_second))
            parts = [marshal.dumps(by_second[c]) for c in seconds]
            ends = array("I")
            position = 0
            for part in parts:
                position += len(part)
                ends.append(position)
            shards[first] = marshal.dumps((seconds, b"".join(parts), ends.tobytes()))
        return cls(total, singles, shards)

    def dump(self) -> bytes:
        return marshal.dumps((FORMAT, self.total, self.singles, self._shards))


def full_jieba() -> Any:
    """jieba's own tokenizer with its whole main dictionary loaded (the reference the shards are derived from)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def _cache_path() -> Path:
    """The shard file, in a directory of the temporary one that only this user can write (created 0700; another
    owner's or a group- or world-writable directory is not trusted: marshal data is loaded only from our own)."""
    import jieba

    source = Path(jieba.__file__).parent / "dict.txt"
    stamp = f"{source.stat().st_size}-{source.stat().st_mtime_ns}" if source.exists() else "none"
    version = getattr(jieba, "__version__", "0")
    folder = Path(tempfile.gettempdir()) / f"smarthall-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    if folder.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise OSError(f"{folder} is not this user's own directory")
    return folder / f"jieba-{version}-{stamp}-v{FORMAT}.shards"


def main_dictionary() -> MainDictionary:
    """The process's sharded main dictionary: from the machine's shard file, else derived from jieba and stored."""
    with _lock:
        if _loaded:
            return _loaded[0]
        try:
            path: Path | None = _cache_path()
        except OSError:
            logging.getLogger(__name__).warning("no private directory for the jieba shard file; deriving in memory")
            path = None
        loaded: MainDictionary | None = None
        if path is not None and path.exists():
            try:
                version, total, singles, shards = marshal.loads(path.read_bytes())  # noqa: S302 - see _cache_path
                if version == FORMAT and isinstance(singles, dict) and isinstance(shards, dict):
                    loaded = MainDictionary(total, singles, shards)
            except Exception:  # a torn or foreign file: derive again
                logging.getLogger(__name__).warning("jieba shard file %s unreadable; deriving again", path.name)
        if loaded is None:
            full = full_jieba()
            loaded = MainDictionary.from_full(full.FREQ, full.total)
            try:
                if path is not None:
                    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
                    tmp.write_bytes(loaded.dump())
                    os.replace(tmp, path)
            except OSError:
                logging.getLogger(__name__).warning("jieba shard file not written to %s", path and path.parent)
        _loaded.append(loaded)
        return loaded
