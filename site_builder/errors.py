"""The problems users see: one small class per kind, and `path:line: message` reports."""

from __future__ import annotations

from dataclasses import dataclass

import click


class PolicyError(click.ClickException):
    """A user error: printed as one clear message, exit code 1, never a traceback."""

    exit_code = 1

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"Error: {self.format_message()}", err=True)


class GitError(PolicyError):
    """Git refused or the folder is not a usable git repository."""


class ContentError(PolicyError):
    """The policy content has errors; `problems` lists each one."""

    def __init__(self, problems: list[Problem], hint: str = "run `policy check` for details") -> None:
        self.problems = problems
        lines = [p.format() for p in problems if p.severity == "error"]
        super().__init__("\n".join(lines) + (f"\n{len(lines)} error(s); {hint}" if hint else ""))


@dataclass(frozen=True)
class Problem:
    """One finding of `policy check`, located in a file."""

    path: str
    line: int
    message: str
    severity: str = "error"  # error | warning

    def format(self) -> str:
        """`path:line: message`, the form editors and editors' tools understand."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


def errors_in(problems: list[Problem]) -> list[Problem]:
    """The problems that stop a build."""
    return [p for p in problems if p.severity == "error"]
