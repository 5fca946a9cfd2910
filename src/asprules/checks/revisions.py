"""Rulesets read from git objects: ``asprules diff REV1 REV2 [-- PATHS]`` and ``--base BRANCH``.

A CI job diffs a pull request against its base without a second checkout: the rule files
of a revision are listed with ``git ls-tree`` and read with ``git cat-file --batch`` (one
process for all blobs), then loaded from memory under names such as
``rules/grading.yaml@main``, so every problem and finding keeps a real ``file:line``.
``git`` runs as a subprocess; no library is needed for two plumbing commands.

Without PATHS, the rule files of a revision are its YAML files that declare a format
version (a top-level ``asprules:`` key), scenario files left out.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Sequence

from ..errors import Problem, RulesetError
from ..loader import RULE_SUFFIXES, SCENARIO_SUFFIX, Rulebook, load_named_texts

_DECLARES_FORMAT = re.compile(r"^asprules\s*:", re.MULTILINE)
REVISION_MARK = "@"  # ``path@rev``: a rule file read from a git object


class GitError(RulesetError):
    """A revision or path git cannot resolve (bad input: exit 2)."""


def _git(args: Sequence[str], cwd: str | Path | None, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False, timeout=120)
    except FileNotFoundError:
        raise GitError("git is not installed", [Problem("reading rules from git revisions needs the git command")]) from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed", [Problem(f"git {' '.join(args)}: {said[-1] if said else 'failed'}")])
    return done.stdout


def is_revision(rev: str, cwd: str | Path | None = None) -> bool:
    """Whether ``rev`` names a commit in the repository around ``cwd``."""
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd)
    except GitError:
        return False
    return True


def merge_base(base: str, head: str = "HEAD", cwd: str | Path | None = None) -> str:
    """The commit a branch forked from ``base``: what a pull request is compared with."""
    return _git(["merge-base", base, head], cwd).decode().strip()


def _is_rule_name(name: str) -> bool:
    return name.endswith(RULE_SUFFIXES) and not name.endswith(SCENARIO_SUFFIX)


def revision_texts(rev: str, paths: Sequence[str] = (), cwd: str | Path | None = None, label: str | None = None) -> list[tuple[str, str]]:
    """(``path@label``, text) of the rule files of ``rev`` under ``paths`` (relative to ``cwd``)."""
    if not is_revision(rev, cwd):
        raise GitError(f"{rev}: not a git revision", [Problem(f"{rev!r} is neither an existing path nor a git revision", file=rev)])
    listing = _git(["ls-tree", "-r", "-z", "--name-only", "--full-name", rev, "--", *paths], cwd)
    names = [n for n in listing.decode("utf-8").split("\0") if n and _is_rule_name(n)]
    if not names:
        where = ", ".join(paths) or "the repository"
        raise GitError(f"{rev}: no rule files", [Problem(f"no .yaml rule files under {where} at {rev}", file=f"{where}@{rev}")])
    top = _git(["rev-parse", "--show-toplevel"], cwd).decode().strip()
    prefix = _git(["rev-parse", "--show-prefix"], cwd).decode().strip()
    request = "".join(f"{rev}:{n}\n" for n in names).encode("utf-8")
    blobs = _read_batch(_git(["cat-file", "--batch"], top, request))
    out = []
    for name, text in zip(names, blobs):
        if not paths and not _DECLARES_FORMAT.search(text):
            continue  # some other YAML file (a CI config): not a ruleset
        shown = name[len(prefix):] if prefix and name.startswith(prefix) else name
        out.append((f"{shown}{REVISION_MARK}{label or rev}", text))
    if not out:
        raise GitError(f"{rev}: no rule files", [Problem(f"no YAML file at {rev} declares 'asprules:'", file=f"@{rev}")])
    return out


def _read_batch(raw: bytes) -> list[str]:
    """The blobs of ``git cat-file --batch`` output, in request order."""
    out, at = [], 0
    while at < len(raw):
        header_end = raw.index(b"\n", at)
        header = raw[at:header_end].decode()
        if header.endswith(" missing"):
            raise GitError("git object missing", [Problem(f"git has no object {header.split()[0]}")])
        size = int(header.rsplit(" ", 1)[1])
        body = raw[header_end + 1 : header_end + 1 + size]
        try:
            out.append(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise GitError("not UTF-8", [Problem(f"{header.split()[0]}: a rule file must be UTF-8 text")]) from None
        at = header_end + 1 + size + 1  # the blob is followed by a newline
    return out


def load_revision(rev: str, paths: Sequence[str] = (), cwd: str | Path | None = None, label: str | None = None) -> Rulebook:
    """The rulebook of the rule files at git revision ``rev`` (no checkout)."""
    return load_named_texts(revision_texts(rev, paths, cwd, label))


def worktree_rule_paths(paths: Sequence[str] = (), cwd: str | Path | None = None) -> list[str]:
    """The rule files of the working tree: ``paths`` as given, else the tracked and
    untracked (not ignored) YAML files that declare a format version."""
    if paths:
        return list(paths)
    base = Path(cwd or ".")
    listing = _git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd).decode("utf-8").split("\0")
    found = []
    for name in listing:
        if name and _is_rule_name(name) and (base / name).is_file():
            if _DECLARES_FORMAT.search((base / name).read_text(encoding="utf-8", errors="replace")):
                found.append(str(base / name) if cwd else name)
    if not found:
        raise GitError("no rule files", [Problem("no YAML file in the working tree declares 'asprules:'")])
    return found


def plain_file(name: str) -> str:
    """``rules/g.yaml@main`` → ``rules/g.yaml``: the path a CI annotation can point at."""
    head, mark, _ = name.rpartition(REVISION_MARK)
    return head if mark and head else name
