"""Texts in two languages as values: :class:`LocalText` (a ruleset's ``{en, zh}``) and
:class:`Message` (a catalog key with its arguments, rendered in either language on demand).

Split from :mod:`asprules.i18n` because these are pydantic models: the catalogs and the
error texts there are needed by every command, these only once a ruleset is read or a
decision made.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, NamedTuple, Union

from pydantic import BaseModel, ConfigDict, Field

from .i18n import CATALOGS, DEFAULT_LANGUAGE, EN, check_language, printable


class LocalText(BaseModel):
    """Text in English and, where the handbook has the term, Chinese."""

    # The ruleset documents' settings; defer_build keeps validators out of import time.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)
    en: Annotated[str, Field(min_length=1)]
    zh: str | None = None


Arg = Union[str, LocalText]


class Message(BaseModel):
    """A catalog key with its arguments; rendered in any language on demand.

    Arguments that are names (steps, channels) are :class:`LocalText` so each language
    shows its own word: ``no technical approval recorded`` / ``未记录技术授权审批``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built on first validation, not at import
    key: str
    args: tuple[tuple[str, Arg], ...] = ()

    def render(self, lang: str = DEFAULT_LANGUAGE) -> str:
        lang = check_language(lang)
        shown = {k: printable(_plain(v, lang) if isinstance(v, LocalText) else v) for k, v in self.args}
        return CATALOGS[lang][self.key].format(**shown)


def _plain(value: LocalText, lang: str) -> str:
    return (value.zh or value.en) if lang == "zh" else value.en


class Note(NamedTuple):
    """A message and its English text, as decisions store them."""

    message: Message
    english: str


def note(key: str, **args: Arg) -> Note:
    """The catalog message ``key`` with ``args``, and its English text."""
    plain = tuple((k, v if isinstance(v, str) else (v.en, v.zh)) for k, v in args.items())
    return _note(key, plain)


# Notes are built for every unsatisfied step of every decision, and the same few recur
# (the same step missing, the same role refused), so each is made once. The cache is
# keyed on plain strings because hashing pydantic models is slow; the key is checked
# here and the arguments come from validated facts and rulesets, so pydantic's
# validation is skipped.
@lru_cache(maxsize=4096)
def _note(key: str, plain: tuple[tuple[str, str | tuple[str, str | None]], ...]) -> Note:
    args = tuple((k, v if isinstance(v, str) else _local_text(v[0], v[1])) for k, v in plain)
    return _made(key, args)


def fresh_note(key: str, **args: Arg) -> Note:
    """Like :func:`note`, for a message that names the fact's own times (``approved at
    2026-12-01T03:10+08:00, after the start``): made each time and never cached, since no
    two facts share it and caching it would push out the notes that do recur."""
    return _made(key, tuple(args.items()))


def _made(key: str, args: tuple[tuple[str, Arg], ...]) -> Note:
    """The note for a catalog key and validated arguments (``Message.model_construct``
    without its per-call bookkeeping: every decision with a reason makes some)."""
    if key not in EN:
        raise KeyError(f"no message {key!r} in the catalog")
    msg = assembled(Message, {"key": key, "args": args}, {"key", "args"})
    return Note(msg, _render_en(key, args))


def _render_en(key: str, args: tuple[tuple[str, Arg], ...]) -> str:
    """``Message(key, args).render("en")``."""
    return EN[key].format(**{k: printable(v.en if isinstance(v, LocalText) else v) for k, v in args})


def _local_text(en: str, zh: str | None) -> LocalText:
    return assembled(LocalText, {"en": en, "zh": zh}, {"en", "zh"})


def assembled(cls: type[BaseModel], data: dict[str, Any], fields_set: set[str]) -> Any:
    """A model instance over values already validated, without validating them again: what
    ``model_construct`` makes, minus its per-call bookkeeping. The one place that knows the
    layout of a pydantic instance; ``data`` is used as it is (the instance's ``__dict__``),
    and ``fields_set`` may be shared between instances, as pydantic never changes it."""
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", data)
    object.__setattr__(obj, "__pydantic_fields_set__", fields_set)
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


# Constructed, not validated: the texts are literals, and validating them here would build
# LocalText's validator at import (a tenth of `asprules --help`).
CHANNEL_NAMES: dict[str, LocalText] = {
    "email": LocalText.model_construct(en="email", zh="邮件"),
    "sms": LocalText.model_construct(en="sms", zh="短信"),
}
