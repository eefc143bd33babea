"""`policy import`: one file (text, Markdown, HTML) and one file's git history, with --map."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import PolicyRepo

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_9ce927ab4bf4adff.txt"


def target(tmp_path: Path) -> PolicyRepo:
    repo = PolicyRepo(tmp_path / "imported")
    repo.root.mkdir(parents=True)
    repo.git("init", "-q", "-b", "main")
    return repo


def section_ids(repo: PolicyRepo) -> list[str]:
    return yaml.safe_load(repo.read("policy/policy.yml"))["sections"]


def test_plain_text_page_is_split_at_its_numbered_headings(tmp_path: Path) -> None:
    source = tmp_path / "policy.txt"
    source.write_bytes(SEED.read_bytes() if SEED.is_file() else
                       "Privacy Policy\n\nWe respect you.\n\n1. To whom does this Policy apply?\n\nEveryone.\n\n"
                       "2. What personal data do we collect?\n\n  • Name\n  • E-mail\n".encode())
    repo = target(tmp_path)
    done = repo.policy("import", str(source))
    ids = section_ids(repo)
    assert ids[:3] == ["introduction", "to-whom-does-this-policy-apply", "what-personal-data-do-we-collect"]
    assert yaml.safe_load(repo.read("policy/policy.yml"))["title"] == "Privacy Policy"
    front = repo.read("policy/to-whom-does-this-policy-apply.md").split("---\n")[1]
    assert yaml.safe_load(front) == {"title": "To whom does this Policy apply?"}  # numbered: its number is generated
    assert "numbered: false" in repo.read("policy/introduction.md")
    assert "sections cut at heading level 2" in done.stdout
    repo.policy("build", "--out", str(tmp_path / "site"), "--today", "2030-01-01")
    page = (tmp_path / "site/en/1.0/index.html").read_text()
    assert "2. What personal data do we collect?" in page and "• " not in page


def test_markdown_and_html_files(tmp_path: Path) -> None:
    md = tmp_path / "policy.md"
    md.write_text("Acme Privacy Policy\n===================\n\nIntro text.\n\nWhat we collect\n---------------\n\n"
                  "Data:\n- name\n  - first name\n\n### Cookies we set\n\nSee [cookies](#cookies-we-set).\n\n"
                  "Your rights\n-----------\n\nAsk us.\n", encoding="utf-8")
    repo = target(tmp_path / "a")
    repo.policy("import", str(md))
    assert section_ids(repo) == ["introduction", "what-we-collect", "your-rights"]
    assert repo.policy("check").stdout == ""
    html = tmp_path / "policy.html"
    html.write_text("<html><body><h1>Acme</h1><p>Intro.</p><h2>What we collect</h2><ul><li>Name</li></ul>"
                    "<h2>Your rights</h2><p>Ask <a href='https://acme.example/form'>here</a>.</p></body></html>", encoding="utf-8")
    repo = target(tmp_path / "b")
    repo.policy("import", str(html))
    assert section_ids(repo) == ["introduction", "what-we-collect", "your-rights"]
    assert "[here](https://acme.example/form)" in repo.read("policy/your-rights.md")


def test_git_history_with_a_rewrite_and_map(tmp_path: Path) -> None:
    source = PolicyRepo(tmp_path / "website")
    source.root.mkdir()
    source.git("init", "-q", "-b", "main")
    doc = "# Policy\n\nHello.\n\n## Data we collect\n\nNames and e-mail addresses of customers.\n\n## Your choices\n\nYou may object.\n"
    source.write("docs/privacy.md", doc)
    source.write("README.md", "site\n")
    source.commit("First privacy policy")
    source.write("README.md", "site, edited\n")
    source.commit("Unrelated change")
    source.write("docs/privacy.md", doc.replace("Names and", "Names, phone numbers and"))
    source.commit("Collect phone numbers")
    rewritten = ("# Policy\n\nHello.\n\n## Information we gather\n\nNames, phone numbers and e-mail addresses of customers.\n\n"
                 "## Controls you have\n\nYou may object at any time.\n")
    source.write("docs/privacy.md", rewritten)
    source.commit("Rewrite the headings")
    repo = target(tmp_path)
    done = repo.policy("import", str(source.root), "--history", "docs/privacy.md",
                       "--map", "Controls you have=your-choices")
    assert section_ids(repo) == ["introduction", "data-we-collect", "your-choices"]
    assert "keeps the id `data-we-collect`" in done.stdout  # close text under a new title
    versions = json.loads(repo.policy("diff", "2", "3", "--format", "json").stdout)
    assert {s["id"]: s["retitled"] for s in versions["sections"]} == {"data-we-collect": True, "your-choices": True}
    records = sorted((repo.root / "changelog").glob("*.yml"))
    assert [p.stem for p in records] == ["1", "2", "3"]  # one release per commit that changed the file
    assert yaml.safe_load(records[1].read_text())["summary"]["en"] == "Collect phone numbers"
    repo.policy("build", "--out", str(tmp_path / "site"), "--today", "2030-01-01")


def test_bad_history_path_and_existing_policy(tmp_path: Path, repo: PolicyRepo) -> None:
    done = target(tmp_path).policy("import", str(repo.root), "--history", "nothing.md", check=False)
    assert done.returncode == 1 and "'nothing.md' has no commits" in done.stderr
    other = tmp_path / "p.md"
    other.write_text("# T\n\n## A\n\nx\n\n## B\n\ny\n", encoding="utf-8")
    done = repo.policy("import", str(other), check=False)
    assert done.returncode == 1 and "has a policy already" in done.stderr
