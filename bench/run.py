"""Benchmark: how building and notifying scale, side by side with one `mkdocs build` per version.

    python bench/run.py                 # N = 50 and N = 200, the full table
    python bench/run.py --sizes 20      # a quick run

Everything runs on this machine in one go, so compare ratios within one run: the machines
here are shared and their absolute speed varies.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
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
    one_more, _ = run_child(build, repo)
    return {"n": n, "full_s": full, "noop_s": noop, "one_more_s": one_more, "peak_mb": peak / 1024,
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


def bench_scaling(sizes: tuple[int, ...] = (1000, 2000, 4000, 8000, 16000), repeat: int = 2) -> list[tuple[int, float]]:
    """Comparison time against text size: a restructuring of `n` blocks (paragraphs) in 20 sections,
    where every block leaves its section for another and every third one is also edited.
    Words are drawn with Zipf's frequencies from a vocabulary that grows with the text, as real text's does."""
    import random

    from site_builder.compare.diffing import compare_texts, section_blocks
    from site_builder.source.models import LanguageText, SectionText

    out = []
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
        old, new = text(blocks, 0), text(edited, 7)
        section_blocks.cache_clear()
        for t in (old, new):  # rendering is not comparison: done before the clock starts
            for sec in t.sections:
                section_blocks(sec.body)
        times = []
        for _ in range(repeat):  # the least of `repeat`: a busy neighbour only ever adds time
            start = time.process_time()  # CPU time: the machines here are shared
            compare_texts(old, new, from_label="a", to_label="b")
            times.append(time.process_time() - start)
        out.append((n, min(times)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--per-version-sample", type=int, default=10, help="versions built the per-version way (x2 languages)")
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--diff-only", action="store_true", help="only the long-paragraph and corpus comparisons")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="policy-bench-"))
    os.environ.setdefault("POLICY_UNSUBSCRIBE_SECRET", "bench-only-secret-0123456789")  # https unsubscribe links are signed
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {dt.date.today()}")
    long = bench_long_paragraph(work)
    print(f"20,000-word paragraph, 100 words changed: ours {long['ours_ms']:.1f} ms in-process (rendering included), "
          f"git diff --word-diff {long['git_ms']:.1f} ms ({long['git_startup_ms']:.1f} ms of it git's start-up); "
          f"ratio {long['ours_ms'] / long['git_ms']:.1f}x; {long['marked']} words marked inserted")
    scaling = bench_scaling()
    print("| blocks | compare (restructuring, CPU) | x per doubling | target <= 2.5x |")
    print("|---|---|---|---|")
    for k, (n, sec) in enumerate(scaling):
        ratio = sec / scaling[k - 1][1] if k else None
        print(f"| {n:,} | {sec:.2f} s | {'' if ratio is None else f'{ratio:.2f}x'} | "
              f"{'' if ratio is None else ('PASS' if ratio <= 2.5 else 'FAIL')} |")
    worst = max((b / a for (_, a), (_, b) in zip(scaling, scaling[1:], strict=False)), default=0.0)
    print(f"comparison scaling: worst {worst:.2f}x per doubling (target <= 2.5x): {'PASS' if worst <= 2.5 else 'FAIL'}")
    for service, pair, ms in bench_corpus_largest():
        print(f"largest real change in the corpus, {service} {pair}: {ms:.0f} ms (render + compare, one language)")
    if args.diff_only:
        return
    rows, repo = [], None
    for n in args.sizes:
        started = time.perf_counter()
        repo = generate(work / f"repo-{n}", n)
        print(f"generated {n} releases in {time.perf_counter() - started:.0f}s", flush=True)
        rows.append(bench_build(repo, work, n))
    largest = rows[-1]
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
    print(f"one more release at N={largest['n']}: {largest['one_more_s']:.2f} s = "
          f"{largest['one_more_s'] / per_build:.1f} one-page mkdocs builds ({per_build:.2f} s each, measured in this run)")
    print(f"per-version approach: {per_build:.2f} s per mkdocs build (mean of {builds} real builds) x {2 * largest['n']} builds "
          f"= {per_version_total:.0f} s for N={largest['n']}; this tool: {largest['full_s']:.1f} s; ratio {per_version_total / largest['full_s']:.0f}x")
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
