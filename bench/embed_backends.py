"""Compare the embedding backends: load time, throughput, memory and agreement.

For each configuration (torch fp32, torch bf16, onnx fp32, onnx int8), in a fresh
process of its own, it measures:

* export: seconds to export (and quantise) the ONNX graph into an empty cache (onnx only);
* load: seconds to import newsdesk.embed and build the Embedder with the export cached;
* headlines/s: UCI News Aggregator titles (max_tokens 128; titles never reach it);
* docs/s at max_tokens 128 and 256: ECB+ full texts;
* peak RSS of the process (resource.getrusage) after the 128-token runs;
* agreement: mean (and min) cosine with the torch fp32 vectors of the same texts;
* self: mean (and min) cosine between a headline embedded within its batch and alone.

The data is read at run time from ../shared/data beside the repository (or --data).
Each throughput is timed on four quarters of the texts, --repeat times each, and
the fastest run of each quarter counts, so that bursts of other work on the machine
spoil fewer figures; the load average is printed all the same.

    .venv/bin/python bench/embed_backends.py --n 2000 --docs 200
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
CONFIGS = ("torch-fp32", "torch-bf16", "onnx-fp32", "onnx-int8")
REFERENCE = "torch-fp32"


def headlines(data: Path, n: int) -> list[str]:
    titles: list[str] = []
    for path in sorted((data / "uci_headlines").glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            titles.extend(row["TITLE"] for row in csv.DictReader(fh))
    return titles[:n]


def documents(data: Path, n: int) -> list[str]:
    texts: list[str] = []
    with open(data / "ecbplus" / "dev.jsonl", encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
    return texts[:n]


def check_data(data: Path) -> None:
    wanted = [data / "ecbplus" / "dev.jsonl"]
    missing = [str(p) for p in wanted if not p.is_file()]
    if not list((data / "uci_headlines").glob("*.csv")):
        missing.append(str(data / "uci_headlines" / "*.csv"))
    if missing:
        sys.exit(
            "embed_backends: the evaluation data is absent (" + ", ".join(missing) + "); "
            "it lives in ../shared/data beside the repository, or pass --data DIR"
        )


# --------------------------------------------------------------------------- child


def _best_rate(emb, texts: list[str], repeat: int, chunks: int = 4) -> float:
    """Texts per second, from the fastest of `repeat` runs of each chunk (robust to bursts of other load)."""
    size = -(-len(texts) // chunks)
    parts = [texts[i : i + size] for i in range(0, len(texts), size)]
    best = [float("inf")] * len(parts)
    for _ in range(repeat):
        for i, part in enumerate(parts):
            started = time.perf_counter()
            emb.encode(part)
            best[i] = min(best[i], time.perf_counter() - started)
    return len(texts) / sum(best)


def child(args: argparse.Namespace) -> None:
    import resource

    backend, precision = args.child.split("-")
    work = Path(args.work)
    started = time.perf_counter()
    from newsdesk.embed import Embedder

    kwargs = dict(
        backend=backend, precision=precision, cache_dir=Path(args.cache_dir), batch_size=args.batch_size, threads=args.threads
    )
    emb = Embedder(max_tokens=128, **kwargs)
    load = time.perf_counter() - started

    import numpy as np

    heads = headlines(Path(args.data), args.n)
    docs = documents(Path(args.data), args.docs)
    emb.encode(heads[:64])  # warm-up
    head_rate = _best_rate(emb, heads, args.repeat)
    doc_rate = _best_rate(emb, docs, args.repeat)
    head_vecs, doc_vecs = emb.encode(heads), emb.encode(docs)
    alone = np.vstack([emb.encode([t]) for t in heads[:100]])
    self_cos = (alone * head_vecs[:100]).sum(axis=1)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    emb256 = Embedder(max_tokens=256, **kwargs)
    emb256.encode(docs[:8])
    doc256_rate = _best_rate(emb256, docs, args.repeat)
    doc256_vecs = emb256.encode(docs)

    np.save(work / f"{args.child}-heads.npy", head_vecs)
    np.save(work / f"{args.child}-docs128.npy", doc_vecs)
    np.save(work / f"{args.child}-docs256.npy", doc256_vecs)
    result = {
        "config": args.child,
        "model_version": emb.model_version,
        "load_s": load,
        "headlines_per_s": head_rate,
        "docs128_per_s": doc_rate,
        "docs256_per_s": doc256_rate,
        "peak_rss_mb": rss_mb,
        "self_mean": float(self_cos.mean()),
        "self_min": float(self_cos.min()),
    }
    print(json.dumps(result))


# --------------------------------------------------------------------------- parent


def run_child(config: str, args: argparse.Namespace, work: Path, cache_dir: Path) -> dict:
    cmd = [
        sys.executable, __file__, "--child", config, "--work", str(work), "--cache-dir", str(cache_dir),
        "--data", str(args.data), "--n", str(args.n), "--docs", str(args.docs), "--repeat", str(args.repeat),
        "--batch-size", str(args.batch_size),
    ]  # fmt: skip
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"embed_backends: {config} failed:\n{proc.stderr.strip()}")
    if proc.stderr.strip():
        print(f"[{config} wrote to stderr]\n{proc.stderr.strip()}", file=sys.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def export_seconds(config: str, cache_dir: Path) -> float:
    backend, precision = config.split("-")
    code = (
        "import time, sys; from pathlib import Path; t = time.perf_counter();"
        "from newsdesk.embed import Embedder;"
        f"Embedder(backend={backend!r}, precision={precision!r}, cache_dir=Path(sys.argv[1]));"
        "print(time.perf_counter() - t)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(cache_dir)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"embed_backends: exporting {config} failed:\n{proc.stderr.strip()}")
    return float(proc.stdout.strip().splitlines()[-1])


def agreement(work: Path, config: str, part: str) -> tuple[float, float] | None:
    import numpy as np

    ref = work / f"{REFERENCE}-{part}.npy"
    if not ref.exists():
        return None
    cos = (np.load(work / f"{config}-{part}.npy") * np.load(ref)).sum(axis=1)
    return float(cos.mean()), float(cos.min())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="headlines to embed (default 2000)")
    parser.add_argument("--docs", type=int, default=200, help="ECB+ full texts to embed (default 200)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs of each quarter of the texts; the fastest counts (default 3)"
    )
    parser.add_argument("--batch-size", type=int, default=64, help="Embedder batch_size (default 64)")
    parser.add_argument("--threads", type=int, default=None, help="inference threads (default: all cores)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated, from {','.join(CONFIGS)}")
    parser.add_argument("--data", type=Path, default=DATA, help=f"evaluation data directory (default {DATA})")
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="ONNX cache to reuse (default: a fresh one, so export time is measured)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    check_data(args.data)
    if args.child:
        child(args)
        return
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error(f"unknown config(s): {', '.join(unknown)}")
    if REFERENCE in configs:  # the reference runs first so the others can be compared with it
        configs.remove(REFERENCE)
        configs.insert(0, REFERENCE)

    with tempfile.TemporaryDirectory(prefix="embed-bench-") as tmp:
        work = Path(tmp)
        cache_dir = args.cache_dir or work / "cache"
        print(
            f"embed_backends: {args.n} UCI headlines, {args.docs} ECB+ texts, batch_size {args.batch_size}, "
            f"threads {args.threads or os.cpu_count()}, fastest of {args.repeat} runs per quarter; "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        rows = []
        for config in configs:
            before = os.getloadavg()[0]
            export: float | str | None = None
            if config.startswith("onnx"):
                cached = list(Path(cache_dir).glob(f"*_{config.split('-')[1]}_*.onnx"))
                export = "cached" if cached else export_seconds(config, cache_dir)
            result = run_child(config, args, work, cache_dir)
            result["export_s"] = export
            rows.append(result)
            print(f"  {config}: done (load average {before:.2f} before, {os.getloadavg()[0]:.2f} after)", flush=True)

        def fmt(pair: tuple[float, float] | None) -> str:
            return "-" if pair is None else f"{pair[0]:.5f} ({pair[1]:.4f})"

        header = (
            f"{'config':<11} {'export s':>8} {'load s':>6} {'headl/s':>8} {'docs128/s':>9} {'docs256/s':>9} "
            f"{'RSS MB':>7}  {'agree headl':<17} {'agree docs128':<17} {'agree docs256':<17} {'self':<17}"
        )
        print(header)
        print("-" * len(header))
        for r in rows:
            c = r["config"]
            export = r["export_s"]
            export = "-" if export is None else export if isinstance(export, str) else f"{export:.1f}"
            print(
                f"{c:<11} {export:>8} {r['load_s']:>6.2f} {r['headlines_per_s']:>8.0f} {r['docs128_per_s']:>9.1f} "
                f"{r['docs256_per_s']:>9.1f} {r['peak_rss_mb']:>7.0f}  {fmt(agreement(work, c, 'heads')):<17} "
                f"{fmt(agreement(work, c, 'docs128')):<17} {fmt(agreement(work, c, 'docs256')):<17} "
                f"{fmt((r['self_mean'], r['self_min'])):<17}"
            )
        print(f"model versions: {', '.join(r['model_version'] for r in rows)}")
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
