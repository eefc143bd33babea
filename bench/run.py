"""Benchmark: how building and notifying scale, side by side with one `mkdocs build` per version.

    python bench/run.py                 # N = 60 and N = 200, the full table and issue 22's targets
    python bench/run.py --sizes 20      # a quick run

Everything runs on this machine in one go, so compare ratios within one run: the machines
here are shared and their absolute speed varies.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import gc
import itertools
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.generate import generate, git, policy  # noqa: E402

TODAY = "2030-01-01"
ONE_MORE_RUNS = 5


def run_child(args: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time and peak memory (KiB) of one child process, started with the disk idle: what the
    steps before it wrote is flushed first (`sync`), so that no step pays for another's writes."""
    os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss


def policy_cmd() -> str:
    return shutil.which("policy") or str(Path(sys.executable).with_name("policy"))


def site_size(out: Path) -> tuple[int, int]:
    files = [p for p in out.rglob("*") if p.is_file()]
    return sum(1 for p in files if p.suffix == ".html"), sum(p.stat().st_size for p in files)


def bench_build(repo: Path, work: Path, n: int) -> dict:
    out = work / f"site-{n}"
    build = [policy_cmd(), "build", "--out", str(out), "--today", TODAY, "-q"]
    full, peak = run_child(build, repo)
    pages, size = site_size(out)
    noop, _ = run_child(build, repo)
    # one more release on top
    (repo / "policy/scope.md").write_text((repo / "policy/scope.md").read_text() + "\nOne more sentence.\n", encoding="utf-8")
    (repo / "translations/el/scope.md").write_text((repo / "translations/el/scope.md").read_text() + "\nΜία ακόμη πρόταση.\n", encoding="utf-8")
    policy(repo, "translations", "mark", "el", "scope")
    git(repo, "commit", "-qam", "one more")
    policy(repo, "release", f"{n + 1}.0", "--effective", "2029-12-31", "--kind", "minor", "--summary-en", "More.", "--summary-el", "Περισσότερα.")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "release")
    # Built ONE_MORE_RUNS times from the same state (the site and the remembered values put back
    # between runs, untimed): one run alone varies by a fifth on these machines.
    kept = work / f"kept-{n}"
    state = {out.parent / f".{out.name}.builds": kept / "builds", out: kept / "out", repo / ".git/policy-cache": kept / "cache"}
    for path, copy in state.items():
        shutil.copytree(path, copy, symlinks=True) if path.is_dir() and not path.is_symlink() else shutil.copy(path, copy, follow_symlinks=False)
    runs = []
    for _ in range(ONE_MORE_RUNS):
        for path, copy in state.items():
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
            shutil.copytree(copy, path, symlinks=True) if copy.is_dir() and not copy.is_symlink() else shutil.copy(copy, path, follow_symlinks=False)
        runs.append(run_child(build, repo)[0])
    one_more = statistics.median(runs)
    return {"n": n, "full_s": full, "noop_s": noop, "one_more_s": one_more, "one_more_runs": runs, "peak_mb": peak / 1024,
            "pages": pages, "bytes": size, "pages_per_release": pages / n, "kb_per_release": size / n / 1024,
            "ms_per_release": full / n * 1000}


def bench_compare(repo: Path, older: str | None = None, newer: str | None = None) -> float:
    """Median ms to compare two full versions in Greek: the named ones, or the first and last release."""
    from site_builder.compare.diffing import compare_snapshots
    from site_builder.source.workspace import open_workspace

    ws = open_workspace(repo, include_uncommitted=False)
    old = ws.snapshot_at(older or ws.releases[0].version)
    new = ws.snapshot_at(newer or ws.releases[-1].version)
    times = []
    for _ in range(30):
        start = time.perf_counter()
        compare_snapshots(old, new, "el", from_label="a", to_label="b")
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bench_per_version(repo: Path, work: Path, sample: int) -> tuple[float, int]:
    """Today's approach (as mike does): one `mkdocs build` with Material per version and language.

    Builds `sample` versions for real and returns the mean seconds per build and the count.
    """
    from site_builder.source.workspace import open_workspace

    ws = open_workspace(repo, include_uncommitted=False)
    step = max(1, len(ws.releases) // sample)
    times = []
    for release in ws.releases[::step][:sample]:
        text = ws.snapshot_of(release)
        for lang in ("en", "el"):
            site = work / f"pv-{release.version}-{lang}"
            (site / "docs").mkdir(parents=True, exist_ok=True)
            lt = text.text(lang)
            body = "\n".join(f"## {s.title} {{ #{s.id} }}\n\n{s.body}" for s in lt.sections)
            (site / "docs/index.md").write_text(f"# {lt.title} {release.version}\n\n{body}", encoding="utf-8")
            (site / "mkdocs.yml").write_text(f"site_name: Policy\ntheme:\n  name: material\n  language: {lang}\n"
                                             "markdown_extensions: [attr_list, toc]\n", encoding="utf-8")
            elapsed, _ = run_child([sys.executable, "-m", "mkdocs", "build", "-q"], site)
            times.append(elapsed)
    return statistics.mean(times), len(times)


def markdown_of(text) -> str:  # noqa: ANN001 - a LanguageText
    return f"# {text.title}\n\n" + "\n".join(f"## {s.title} {{ #{s.id} }}\n\n{s.body}\n" for s in text.sections)


def mkdocs_alone(repo: Path, work: Path, name: str) -> tuple[float, int]:
    """MkDocs alone rendering the pages a build of `repo` renders: one `mkdocs build` (Material) of
    a site holding, per version and language, its text twice (the version page and its changes
    page, which shows the same text with the changed words marked). Seconds and page count."""
    from site_builder.source.workspace import open_workspace

    ws = open_workspace(repo, include_uncommitted=False)
    site = work / f"alone-{name}"
    pages = 0
    for release in ws.releases:
        snap = ws.snapshot_of(release)
        for lang in snap.languages:
            text = markdown_of(snap.text(lang))
            for page in ("index.md", "changes.md"):
                path = site / "docs" / lang / release.version / page
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                pages += 1
    (site / "mkdocs.yml").write_text("site_name: Policy\ntheme:\n  name: material\nmarkdown_extensions: [attr_list, toc, tables]\n",
                                     encoding="utf-8")
    elapsed, _ = run_child([sys.executable, "-m", "mkdocs", "build", "-q"], site)
    return elapsed, pages


def bench_synthetic(work: Path, releases: int = 60) -> dict:
    """The real-sized synthetic history (bench/synthetic.py): imported, built whole, and set
    against MkDocs alone rendering the same pages."""
    from bench.synthetic import synthetic_history

    versions = synthetic_history(work / "synthetic-versions", releases)
    words = [len(f.read_text(encoding="utf-8").split()) for f in sorted(versions.glob("*.md"))]
    repo = work / "synthetic"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    imported, _ = run_child([policy_cmd(), "import", str(versions), "-q"], repo)
    build = [policy_cmd(), "build", "--out", str(work / "synthetic-site"), "--today", TODAY, "-q"]
    full, _ = run_child(build, repo)
    pages, _ = site_size(work / "synthetic-site")
    alone, alone_pages = mkdocs_alone(repo, work, "synthetic")
    return {"releases": releases, "words": statistics.mean(words), "import_s": imported, "full_s": full, "pages": pages,
            "alone_s": alone, "alone_pages": alone_pages}


AREAS = (  # (name, path fragments of the functions whose own time counts there), first match wins
    ("MkDocs, Material, Jinja, Python-Markdown", ("/mkdocs/", "/material/", "/jinja2/", "/markdown/", "/pymdownx/", "/theme/", "engine_mkdocs")),
    ("comparison (compare/)", ("/compare/", "fast_diff_match_patch", "/blocks.py")),
    ("policy text to HTML (markdown-it, nh3)", ("/markdown_it/", "/mdit_py_plugins/", "/markup.py", "nh3")),
    ("reading git", ("/git/", "/source/", "gitdb")),
    ("pages and data (site/)", ("/site_builder/site/",)),
)


def profile_build(repo: Path, work: Path, name: str) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    """A full build in one process under cProfile: total seconds, then the share of each area and
    of the ten dearest functions (own time). Shares, not seconds: the profiler slows every call."""
    import pstats

    stats = work / f"profile-{name}.prof"
    code = ("import cProfile, datetime as dt, sys; from pathlib import Path; from site_builder.site.build import build_site; "
            "cProfile.run('build_site(Path(sys.argv[1]), out=Path(sys.argv[2]), today=dt.date(2030, 1, 1), quiet=True, "
            "parallel=False)', sys.argv[3])")
    elapsed, _ = run_child([sys.executable, "-c", code, str(repo), str(work / f"profile-site-{name}"), str(stats)], repo)
    table = pstats.Stats(str(stats)).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in table.values())
    areas: dict[str, float] = {}
    functions = []
    def area_of(path: str, func: str) -> str:
        return next((label for label, parts in AREAS if any(part in path or part in func for part in parts)), "other (Python, start-up)")

    for (path, line, func), row in table.items():
        if path == "~" and row[4]:  # a built-in (str.join, re, open ...): its time goes to whoever called it
            for (cpath, _, cfunc), called in row[4].items():
                area = area_of(cpath, cfunc)
                areas[area] = areas.get(area, 0.0) + called[2]
        else:
            area = area_of(path, func)
            areas[area] = areas.get(area, 0.0) + row[2]
        functions.append((f"{Path(path).name}:{line}({func})", row[2] / total))
    shares = sorted(((area, sec / total) for area, sec in areas.items()), key=lambda x: -x[1])
    return elapsed, shares, sorted(functions, key=lambda x: -x[1])[:10]


def bench_notify(repo: Path, work: Path, count: int) -> dict:
    """Notices per second to a local aiosmtpd (its own process), and the sender's peak memory."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"])
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        results = {}
        results["ceiling"] = _smtp_ceiling(port, 2000)
        for size in (count // 10, count):
            csv = work / f"people-{size}.csv"
            csv.write_text("".join(f"reader{i}@example.com,{'el' if i % 2 else 'en'}\n" for i in range(size)), encoding="utf-8")
            last = sorted((repo / "changelog").glob("*.yml"), key=lambda p: [int(x) for x in p.stem.split(".")])[-1].stem
            args = [policy_cmd(), "notify", last, "--send", "--recipients", str(csv), "--smtp", f"127.0.0.1:{port}",
                    "--journal", str(work / f"journal-{size}.sqlite"), "-q"]
            elapsed, peak = run_child(args, repo)
            results[size] = {"seconds": elapsed, "per_second": size / elapsed, "peak_mb": peak / 1024}
        return results
    finally:
        server.terminate()
        server.wait()


def _smtp_ceiling(port: int, count: int) -> dict:
    """Bare smtplib sending a small fixed message on one connection: what the server allows at best."""
    import smtplib

    conn = smtplib.SMTP("127.0.0.1", port)
    body = b"Subject: ceiling\r\n\r\n" + (b"The quick brown fox jumps over the lazy dog.\r\n" * 60)
    start = time.perf_counter()
    for i in range(count):
        conn.sendmail("bench@example.com", [f"c{i}@example.com"], body)
    elapsed = time.perf_counter() - start
    conn.quit()
    return {"seconds": elapsed, "per_second": count / elapsed, "peak_mb": 0}


def bench_long_paragraph(work: Path, words: int = 20_000, edits: int = 100) -> dict:
    """One paragraph of `words` words with `edits` words changed: our comparison against git's word diff."""
    import random

    from site_builder.compare.diffing import compare_texts
    from site_builder.source.models import LanguageText, SectionText

    rng = random.Random(7)
    old = [f"w{rng.randrange(5000)}" for _ in range(words)]
    new = list(old)
    for k in rng.sample(range(words), edits):
        new[k] = f"changed{k}"
    a, b = " ".join(old) + "\n", " ".join(new) + "\n"
    text = lambda body: LanguageText("en", "P", (SectionText("s", "S", body, 1, "source"),))  # noqa: E731
    ours = []
    for _ in range(5):
        from site_builder.compare import diffing  # a fresh text each round: no cache helps
        diffing.section_blocks.cache_clear()
        start = time.perf_counter()
        changes = compare_texts(text(a), text(b), from_label="a", to_label="b")
        ours.append(time.perf_counter() - start)
    (work / "old.txt").write_text(a)
    (work / "new.txt").write_text(b)
    cmd = ["git", "diff", "--no-index", "--word-diff=porcelain", "--word-diff-regex=[[:alnum:]_]+|[^[:space:]]",
           str(work / "old.txt"), str(work / "new.txt")]
    gits = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL)
        gits.append(time.perf_counter() - start)
    start = time.perf_counter()
    subprocess.run(["git", "--version"], stdout=subprocess.DEVNULL)
    startup = time.perf_counter() - start
    marked = changes.totals()["words_inserted"]
    return {"ours_ms": statistics.median(ours) * 1000, "git_ms": statistics.median(gits) * 1000,
            "git_startup_ms": startup * 1000, "marked": marked}


def bench_corpus_largest() -> list[tuple[str, str, float]]:
    """The biggest real change of each corpus history (most bytes changed), compared in-process."""
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus"
    if not corpus.is_dir():
        return []
    from site_builder.compare.diffing import compare_texts, section_blocks
    from site_builder.importing import auto_level, cut_version
    from site_builder.source.models import LanguageText, SectionText

    out = []
    for service in ("reddit", "pinterest", "x"):
        files = sorted((corpus / service).glob("*.md"))
        texts = [f.read_text(encoding="utf-8") for f in files]
        level = auto_level(texts) or 2
        pair = max(range(1, len(texts)), key=lambda i: abs(len(texts[i]) - len(texts[i - 1])))
        def as_text(doc: str, level: int = level) -> LanguageText:
            _, cuts = cut_version(doc, level)
            return LanguageText("en", "P", tuple(SectionText(f"s{i}-{c.title[:20]}", c.title, c.body, None, "source")
                                                 for i, c in enumerate(cuts)))
        section_blocks.cache_clear()
        old, new = as_text(texts[pair - 1]), as_text(texts[pair])
        start = time.perf_counter()
        compare_texts(old, new, from_label="a", to_label="b")
        out.append((service, f"{files[pair - 1].stem} -> {files[pair].stem}", (time.perf_counter() - start) * 1000))
    return out


def bench_scaling(sizes: tuple[int, ...] = (1000, 2000, 4000, 8000, 16000), repeat: int = 5) -> list[tuple[int, float]]:
    """Comparison time against text size: a restructuring of `n` blocks (paragraphs) in 20 sections,
    where every block leaves its section for another and every third one is also edited.
    Words are drawn with Zipf's frequencies from a vocabulary that grows with the text, as real text's does.

    The sizes are timed in turns (1k, 2k, ... 16k, then again), `repeat` times, and each keeps its
    least time: a neighbour that slows the machine for a while slows every size, not one row."""
    import random

    from site_builder.compare.diffing import compare_texts, section_blocks
    from site_builder.source.models import LanguageText, SectionText

    pairs = []
    for n in sizes:
        rng = random.Random(n)
        vocab = [f"w{k}" for k in range(5 * n)]
        # cumulative weights made once: `choices(vocab, weights)` sums them again on every call,
        # which made this set-up grow with the square of n (minutes at 16k blocks)
        cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocab))))
        blocks = [" ".join(rng.choices(vocab, cum_weights=cumulative, k=rng.randint(12, 25))) + "." for _ in range(n)]
        edited = [b.replace(" ", " changed ", 1) if k % 3 == 0 else b for k, b in enumerate(blocks)]
        def text(parts: list[str], shift: int) -> LanguageText:
            secs = [[] for _ in range(20)]  # type: list[list[str]]
            for k, part in enumerate(parts):
                secs[(k + shift) % 20].append(part)
            return LanguageText("en", "P", tuple(SectionText(f"s{k}", f"S{k}", "\n\n".join(b), k + 1, "source")
                                                 for k, b in enumerate(secs)))
        pairs.append((text(blocks, 0), text(edited, 7)))
    times: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(repeat):
        for n, (old, new) in zip(sizes, pairs, strict=True):
            section_blocks.cache_clear()  # new blocks each round: nothing remembered of the last one helps
            for t in (old, new):  # rendering is not comparison: done before the clock starts
                for sec in t.sections:
                    section_blocks(sec.body)
            gc.collect()  # the garbage of the rounds before is not this round's
            start = time.process_time()  # CPU time: the machines here are shared
            compare_texts(old, new, from_label="a", to_label="b")
            times[n].append(time.process_time() - start)
    return [(n, min(times[n])) for n in sizes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 200])
    parser.add_argument("--per-version-sample", type=int, default=10, help="versions built the per-version way (x2 languages)")
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--diff-only", action="store_true", help="only the long-paragraph and corpus comparisons")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled build of the largest N")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="policy-bench-"))
    # The tool as installed: pip compiles a wheel's modules to bytecode; an editable install under
    # PYTHONDONTWRITEBYTECODE=1 (set on the machines here) would compile ours again in every process.
    import site_builder

    compileall.compile_dir(Path(site_builder.__file__).parent, quiet=1)
    os.environ.setdefault("POLICY_UNSUBSCRIBE_SECRET", "bench-only-secret-0123456789")  # https unsubscribe links are signed
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {dt.date.today()}")
    long = bench_long_paragraph(work)
    print(f"20,000-word paragraph, 100 words changed: ours {long['ours_ms']:.1f} ms in-process (rendering included), "
          f"git diff --word-diff {long['git_ms']:.1f} ms ({long['git_startup_ms']:.1f} ms of it git's start-up); "
          f"ratio {long['ours_ms'] / long['git_ms']:.1f}x; {long['marked']} words marked inserted")
    # In a child process: the 16,000-block texts would stay in this one, and every process it starts
    # later would report them in its peak memory (Linux keeps the figure across fork and exec).
    child = subprocess.run([sys.executable, "-c", "import json, sys; sys.path.insert(0, sys.argv[1]); "
                            "from bench.run import bench_scaling; print(json.dumps(bench_scaling()))",
                            str(Path(__file__).resolve().parents[1])], capture_output=True, text=True, check=True)
    scaling = [tuple(row) for row in json.loads(child.stdout)]
    print("| blocks | compare (restructuring, CPU) | x per doubling | target <= 2.5x |")
    print("|---|---|---|---|")
    for k, (n, sec) in enumerate(scaling):
        ratio = sec / scaling[k - 1][1] if k else None
        print(f"| {n:,} | {sec:.2f} s | {'' if ratio is None else f'{ratio:.2f}x'} | "
              f"{'' if ratio is None else ('PASS' if ratio <= 2.5 else 'FAIL')} |")
    worst = max((b / a for (_, a), (_, b) in zip(scaling, scaling[1:], strict=False)), default=0.0)
    mean = (scaling[-1][1] / scaling[0][1]) ** (1 / max(len(scaling) - 1, 1)) if scaling else 0.0
    print(f"comparison scaling: worst {worst:.2f}x per doubling (target <= 2.5x): {'PASS' if worst <= 2.5 else 'FAIL'}; "
          f"{mean:.2f}x per doubling from the first row to the last (each row is its own random text, so rows vary)")
    for service, pair, ms in bench_corpus_largest():
        print(f"largest real change in the corpus, {service} {pair}: {ms:.0f} ms (render + compare, one language)")
    if args.diff_only:
        return
    synthetic = bench_synthetic(work)
    syn_ratio = synthetic["full_s"] / synthetic["alone_s"]
    print(f"synthetic history: {synthetic['releases']} releases of {synthetic['words']:,.0f} words on average, one wholesale "
          f"restructuring (bench/synthetic.py, seed 22): import {synthetic['import_s']:.1f} s, full build {synthetic['full_s']:.1f} s "
          f"({synthetic['pages']} pages); MkDocs alone (one `mkdocs build` of the same {synthetic['alone_pages']} version and "
          f"changes texts) {synthetic['alone_s']:.1f} s; ratio {syn_ratio:.2f}x", flush=True)
    rows, repo = [], None
    for n in args.sizes:
        started = time.perf_counter()
        repo = generate(work / f"repo-{n}", n)
        print(f"generated {n} releases in {time.perf_counter() - started:.0f}s", flush=True)
        rows.append(bench_build(repo, work, n))
    largest = rows[-1]
    at60 = next((r for r in rows if r["n"] == 60), rows[0])
    profiled = None if args.no_profile else profile_build(repo, work, str(largest["n"]))
    compare_ms = bench_compare(repo)
    real_ms = bench_compare(Path(__file__).resolve().parents[1], "1.1", "2.0")
    per_build, builds = bench_per_version(repo, work, args.per_version_sample)
    per_version_total = per_build * 2 * largest["n"]
    notify = bench_notify(repo, work, args.notices)
    print()
    print("| N | full build | no-op rebuild | +1 release | peak memory | pages/release | KiB/release | ms/release |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']} | {r['full_s']:.1f} s | {r['noop_s']:.2f} s | {r['one_more_s']:.1f} s | {r['peak_mb']:.0f} MB | "
              f"{r['pages_per_release']:.2f} | {r['kb_per_release']:.0f} | {r['ms_per_release']:.0f} |")
    print()
    print(f"compare two full versions: {real_ms:.1f} ms for this policy's 1.1 -> 2.0, {compare_ms:.1f} ms for the first -> "
          f"last generated release (median of 30, one language)")
    for r in rows:
        print(f"one more release at N={r['n']}: {r['one_more_s']:.2f} s (median of {len(r['one_more_runs'])} runs from the same state: "
              f"{min(r['one_more_runs']):.2f}-{max(r['one_more_runs']):.2f} s) = "
              f"{r['one_more_s'] / per_build:.2f} one-page mkdocs builds ({per_build:.2f} s each, measured in this run)")
    print(f"per-version approach: {per_build:.2f} s per mkdocs build (mean of {builds} real builds) x {2 * largest['n']} builds "
          f"= {per_version_total:.0f} s for N={largest['n']}; this tool: {largest['full_s']:.1f} s; ratio {per_version_total / largest['full_s']:.0f}x")
    if profiled is not None:
        seconds, shares, functions = profiled
        print(f"\nprofile of a full build at N={largest['n']} in one process (cProfile, {seconds:.0f} s with the profiler), "
              "share of the time by area (built-ins counted where they were called from):")
        for area, share in shares:
            print(f"  {share:5.1%}  {area}")
        print("  dearest functions (own time): " + "; ".join(f"{name} {share:.1%}" for name, share in functions[:6]))
    per60 = per_build * 2 * at60["n"]
    one_more = max(r["one_more_s"] for r in rows) / per_build
    verdict = lambda ok: "PASS" if ok else "FAIL"  # noqa: E731
    print("\nissue 22 targets, this run:")
    print(f"- own policy, N={at60['n']}: full build {at60['full_s']:.1f} s against one mkdocs build per version and language "
          f"({2 * at60['n']} x {per_build:.2f} s = {per60:.0f} s, extrapolated from {builds} sample builds): "
          f"{per60 / at60['full_s']:.1f}x faster (target >= 50x): {verdict(per60 / at60['full_s'] >= 50)}")
    print(f"- synthetic history: full build {syn_ratio:.2f}x MkDocs alone on its pages (target <= 5x): {verdict(syn_ratio <= 5)}")
    print(f"- one more release: at most {one_more:.2f} one-page builds (target <= 1): {verdict(one_more <= 1)}")
    ceiling = notify.pop("ceiling")
    for size, res in notify.items():
        print(f"notices: {size} in {res['seconds']:.1f} s = {res['per_second']:.0f}/s, peak memory {res['peak_mb']:.0f} MB")
    print(f"SMTP server ceiling (bare smtplib, small message, one connection): {ceiling['per_second']:.0f}/s")
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        marginal = (b["bytes"] - a["bytes"]) / (b["n"] - a["n"]) / 1024
        print(f"marginal cost of one release between N={a['n']} and N={b['n']}: {marginal:.0f} KiB, "
              f"{(b['full_s'] - a['full_s']) / (b['n'] - a['n']) * 1000:.0f} ms (the rest is fixed: theme assets, start-up)")
        print(f"growth {a['n']} -> {b['n']}: time/release x{b['ms_per_release'] / a['ms_per_release']:.2f}, "
              f"bytes/release x{b['kb_per_release'] / a['kb_per_release']:.2f} (1.00 = linear)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
