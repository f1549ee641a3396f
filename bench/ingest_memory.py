"""Peak memory of ingesting one big HTML page (the file_max_bytes limit is 50 MB).

    python bench/ingest_memory.py [--sizes 50,10,1] [--shapes text,script,tags]

Each run is a fresh ``newsdesk ingest PAGE.html`` in its own process on a fresh store; the
figure is that process's own peak resident set (ru_maxrss), imports included. A tiny page
is measured first: the difference is what the page itself costs. Generated page shapes:

  text    one article whose body is <p> paragraphs up to the size (the worst honest case)
  script  a normal 600-word article plus one huge inline <script> (and <style>) blob
  tags    a normal article inside a page of small empty <div><span> elements up to the size

Prints one line per run: shape, size, peak RSS in MB, seconds, and what ingest said.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# newsdesk in a child process that writes its own peak RSS (KiB, ru_maxrss) to the last argument on exit
CHILD = (
    "import atexit, resource, sys\n"
    "out = sys.argv.pop()\n"
    "atexit.register(lambda: open(out, 'w').write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))\n"
    "sys.argv[0] = 'newsdesk'\n"
    "from newsdesk.cli import main\n"
    "main()\n"
)
PARAGRAPH = (
    "Harbour officials in the invented town of Port Elsin said on Monday that the north pier would stay "
    "closed for at least three weeks while divers inspect the pilings, after a survey found cracks in two supports. "
)
ARTICLE = "".join(f"<p>{PARAGRAPH}Paragraph {i}.</p>\n" for i in range(20))
HEAD = "<!doctype html><html><head><title>North pier closed</title></head><body><article><h1>North pier closed</h1>\n"
TAIL = "</article></body></html>\n"


def page(shape: str, size: int) -> bytes:
    """A generated HTML page of about ``size`` bytes."""
    if shape == "text":
        filler = f"<p>{PARAGRAPH}</p>\n"
        body = filler * max(1, (size - len(HEAD) - len(TAIL)) // len(filler))
        return (HEAD + body + TAIL).encode()
    if shape == "script":
        blob = max(0, size - len(HEAD) - len(ARTICLE) - len(TAIL) - 64) // 2
        return (
            "<!doctype html><html><head><title>North pier closed</title><style>"
            + ".x{color:red}" * (blob // 13)
            + "</style><script>var d = '"
            + "a" * blob
            + "';</script></head><body><article><h1>North pier closed</h1>\n"
            + ARTICLE
            + TAIL
        ).encode()
    if shape == "tags":
        filler = "<div><span></span></div>"
        pad = filler * max(0, (size - len(HEAD) - len(ARTICLE) - len(TAIL)) // len(filler))
        return (HEAD.replace("<article>", "") + pad + "<article>" + ARTICLE + TAIL).encode()
    raise SystemExit(f"unknown shape {shape!r}")


def run(path: Path, db: Path) -> tuple[float, float, str]:
    """Peak RSS (MB) and seconds of one ingest process, and its last line on standard error."""
    peak_file = db.with_suffix(".rss")
    env = {**os.environ, "NEWSDESK_CONFIG": str(db.with_suffix(".toml"))}
    db.with_suffix(".toml").write_text("")
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, "--db", str(db), "ingest", str(path), str(peak_file)],
        capture_output=True, text=True, env=env,
    )
    seconds = time.perf_counter() - start
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    said = (lines[-1] if lines else f"exit {proc.returncode}")[:100]
    return int(peak_file.read_text()) / 1024, seconds, said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50", help="page sizes in MB (default 1,10,50)")
    parser.add_argument("--shapes", default="text,script,tags", help="page shapes (default text,script,tags)")
    args = parser.parse_args()
    sizes = [float(s) for s in args.sizes.split(",")]
    print(f"{'shape':7} {'page':>9} {'peak RSS':>11} {'time':>8}  ingest said", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        tiny = tmp_path / "tiny.html"
        tiny.write_bytes((HEAD + ARTICLE + TAIL).encode())
        rss, secs, said = run(tiny, tmp_path / "tiny.db")
        print(f"{'tiny':7} {len(tiny.read_bytes()) / 1e6:6.3f} MB {rss:8.0f} MB {secs:6.1f} s  {said}", flush=True)
        for shape in args.shapes.split(","):
            for mb in sizes:
                path = tmp_path / f"{shape}-{mb:g}.html"
                path.write_bytes(page(shape, int(mb * 1_000_000)))
                rss, secs, said = run(path, tmp_path / f"{shape}-{mb:g}.db")
                print(f"{shape:7} {mb:6g} MB {rss:8.0f} MB {secs:6.1f} s  {said}", flush=True)
                path.unlink()


if __name__ == "__main__":
    main()
