"""jieba's main dictionary merged in piecewise (issue 17, index build <= 2 s): the same cuts and the same answers
as jieba's whole-dictionary load, for the knowledge base and every question of the evaluation sets."""

from __future__ import annotations

import functools
import marshal
import pickle
from pathlib import Path

import pytest

from smarthall.consult import dictionary, qa
from smarthall.consult.text import Tokeniser, clean
from tests.consult.helpers import demo_docs

BENCH = Path(__file__).resolve().parents[2] / "bench" / "consult"


def _questions() -> list[str]:
    out = []
    for tsv in sorted(BENCH.glob("*.tsv")):
        for line in tsv.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                out.append(line.split("\t", 2)[2])
    return out


@pytest.fixture(scope="module")
def both() -> tuple[qa.Index, qa.Index]:
    """The demo knowledge base indexed twice: piecewise (the default) and with jieba's whole dictionary."""
    docs = demo_docs()
    piecewise = qa.Index(docs)
    original = qa.Tokeniser
    qa.Tokeniser = functools.partial(Tokeniser, full_dictionary=True)  # type: ignore[misc]
    try:
        full = qa.Index(docs)
    finally:
        qa.Tokeniser = original  # type: ignore[misc]
    return piecewise, full


def test_every_evaluation_question_gets_the_same_answer(both: tuple[qa.Index, qa.Index]) -> None:
    piecewise, full = both
    questions = _questions()
    assert len(questions) >= 400  # questions.tsv, voices.tsv, fresh.tsv and probe.tsv
    for question in questions:
        a, b = piecewise.ask(question), full.ask(question)
        assert a.tokens == b.tokens, question
        assert [h.doc.key for h in a.hits] == [h.doc.key for h in b.hits], question
        assert a.confidence == pytest.approx(b.confidence), question
        assert [h.doc.key for h in a.clarify] == [h.doc.key for h in b.clarify], question


def test_knowledge_base_texts_cut_alike(both: tuple[qa.Index, qa.Index]) -> None:
    piecewise, full = both
    for doc in demo_docs():
        for text in (doc.title, doc.body, *doc.keywords, *doc.situations):
            cleaned = clean(text, simplify=False)
            assert piecewise.tokeniser.tokens(cleaned) == full.tokeniser.tokens(cleaned)
            assert piecewise.tokeniser.cut(cleaned) == full.tokeniser.cut(cleaned)
    # An added word wins over the main dictionary's frequency; the main dictionary fills in the rest.
    assert piecewise.tokeniser.is_common_word("公积金") == full.tokeniser.is_common_word("公积金")
    assert piecewise.tokeniser.is_common_word("试想") and full.tokeniser.is_common_word("试想")


def test_a_cached_index_merges_new_windows_after_loading(both: tuple[qa.Index, qa.Index]) -> None:
    piecewise, full = both
    restored = pickle.loads(pickle.dumps(piecewise))  # noqa: S301 - our own object
    question = "饕餮盛宴的饭馆要办什么许可"  # characters the knowledge base never uses
    assert restored.tokeniser.tokens(question) == full.tokeniser.tokens(question)
    assert restored.ask(question).hits[0].doc.key == full.ask(question).hits[0].doc.key


def test_a_torn_shard_file_is_derived_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "shards"
    path.write_bytes(b"not marshal")
    monkeypatch.setattr(dictionary, "_cache_path", lambda: path)
    monkeypatch.setattr(dictionary, "_loaded", [])
    main = dictionary.main_dictionary()
    version, total, singles, _ = marshal.loads(path.read_bytes())
    assert (version, total, len(singles)) == (dictionary.FORMAT, main.total, len(main.singles))
    assert main.entries("公积")["公积金"] > 0
    assert main.entries("\0\0") == {}
    monkeypatch.setattr(dictionary, "_loaded", [])
    assert dictionary.main_dictionary().total == main.total  # loaded from the file just written
