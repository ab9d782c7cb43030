"""click in the active locale: click's own messages and our commands' help, from the label file.

How click's text is translated: every click module imports ``gettext`` as a module-level name ``_``
(and ``ngettext``) and calls it when a message is *built* (an error raised, a help page formatted).
`install(labels)` rebinds those two names, in each click module, to lookups in the label file's
``click:`` section (English msgid -> template in the locale; a plural msgid maps to one template, or
to a [singular, plural] pair). Unknown msgids fall back to the English text, as gettext does.

Why this way rather than alternatives: a gettext catalogue (.po/.mo) would be a second source of
text next to the label file and a build step; subclassing every click exception, type and formatter
would re-implement click and miss messages. The rebinding touches no click internals beyond two
documented-by-convention names and covers every message, plural forms included.

What it cannot reach, and how that is handled:
* strings click computes once, at definition time: the `click.Path` type names (file/directory/path,
  used in its messages and metavars), `version_option`'s help, the usage metavars ``[OPTIONS]`` and
  ``COMMAND [ARGS]...``: `localize_commands` sets them on our command tree from the label file;
* a click upgrade that adds or rewords a msgid falls back to English: `tests/test_cli_i18n.py` runs
  ``--help`` of every command and a set of usage errors and fails on any English word left;
* text wrapping: click wraps with `textwrap`, which counts a CJK character as one column and breaks
  only at spaces; `install` also replaces click's `wrap_text`/`term_len` with versions that count
  display columns (CJK = 2) and may break between CJK characters;
* punctuation click glues around translated pieces (``'--out'`` quotes from ``repr``, a final "."
  after "Missing argument 'X'"): `show_error` swaps them for the locale's (``click._quotes``,
  ``click._full_stop``), so an apostrophe inside a file name in an error would be shown as “…” too;
  the section heading colon and the usage prefix come from `Formatter` (``help.heading``);
* click >= 8.1.8 caches each command's help option: `localize_commands` resets its help text.

Everything is installed for one run of the top-level command (`localized`) and restored after it.

Our help texts live under ``help:``, keyed by command (``xltool``, ``plan``, ``plan_show``,
``generate`` …) and parameter name; `localize_commands` applies them before click renders anything,
so `xltool --help` needs no import of pydantic or openpyxl.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from contextlib import contextmanager
from typing import Any, Iterator, Optional

import click

from .labels import Labels

_CLICK_MODULES = ("core", "exceptions", "parser", "types", "formatting", "decorators", "termui", "utils",
                  "_termui_impl", "shell_completion")


# --------------------------------------------------------------------------- click's own strings


class ClickTranslations:
    """gettext/ngettext over the ``click:`` section of one locale's labels."""

    def __init__(self, labels: Labels):
        table = labels.get("click") or {}
        self.table: dict[str, Any] = table if isinstance(table, dict) else {}

    def gettext(self, message: str) -> str:
        found = self.table.get(message)
        if isinstance(found, list):
            found = found[0] if found else None
        if not isinstance(found, str):
            MISSED.add(message)
            return message
        return found

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self.table.get(singular)
        if isinstance(found, list) and len(found) == 2:
            return found[0] if n == 1 else found[1]
        if isinstance(found, str):
            return found
        MISSED.add(singular)
        return singular if n == 1 else plural


# msgids click asked for that the label file does not translate (the tests check it stays empty).
MISSED: set[str] = set()


_current: Optional[ClickTranslations] = None


def gettext(message: str) -> str:
    """A click msgid in the installed locale (English when none is installed)."""
    return _current.gettext(message) if _current is not None else message


class Formatter(click.HelpFormatter):
    """click's help formatter with the heading and usage punctuation of the locale
    (``help.heading``: "{heading}：" instead of "Options:"; no space after "用法：")."""

    labels: Optional[Labels] = None

    def write_heading(self, heading: str) -> None:
        template = self.labels.get("help.heading", "{heading}:") if self.labels else "{heading}:"
        self.write(f"{'':>{self.current_indent}}{template.format(heading=heading)}\n")

    def write_usage(self, prog: str, args: str = "", prefix: Optional[str] = None) -> None:
        if prefix is None:
            word = gettext("Usage:")
            prefix = word if display_width(word[-1:]) == 2 else f"{word} "
        super().write_usage(prog, args, prefix)


def polish(message: str, labels: Labels) -> str:
    """Quotes and full stop of the locale in a click message built from English pieces
    ('--out' -> “--out”, a final "." -> "。"): ``click._quotes`` and ``click._full_stop``."""
    quotes = labels.get("click._quotes")
    if quotes and len(quotes) == 2:
        message = re.sub(r"'([^'\n]*)'", lambda m: f"{quotes[0]}{m.group(1)}{quotes[1]}", message)
    stop = labels.get("click._full_stop")
    if stop and message.endswith(".") and not message.endswith(".."):
        message = message[:-1] + stop
    return message


def show_error(exc: click.ClickException, labels: Labels) -> None:
    """Show a click error (usage line, hint, message) in the locale."""
    plain = exc.format_message
    exc.format_message = lambda: polish(plain(), labels)  # type: ignore[method-assign]
    exc.show()


def install(labels: Labels) -> ClickTranslations:
    """Make click speak the locale of `labels` (its messages, wrapping by display width)."""
    global _current
    tr = _current = ClickTranslations(labels)
    Formatter.labels = labels
    click.Context.formatter_class = Formatter
    for name in _CLICK_MODULES:
        module = sys.modules.get(f"click.{name}")
        if module is None:
            continue
        if hasattr(module, "_"):
            module._ = tr.gettext
        if hasattr(module, "ngettext"):
            module.ngettext = tr.ngettext
    formatting = sys.modules["click.formatting"]
    formatting.wrap_text = wrap_text
    formatting.term_len = display_width
    return tr


# --------------------------------------------------------------------------- our commands' help


def localize_commands(root: click.Command, labels: Labels, tr: Optional[ClickTranslations] = None) -> None:
    """Set help, short help, parameter help and word metavars of `root` and its subcommands from
    ``help.<command>`` (command key: the path below the root joined by "_", the root is "xltool")."""
    tr = tr or ClickTranslations(labels)
    _localize(root, "xltool", labels, tr)


def _localize(cmd: click.Command, key: str, labels: Labels, tr: ClickTranslations) -> None:
    section = labels.get(f"help.{key}") or {}
    original = _originals(cmd)
    cmd.help = _markers(section.get("help", original["help"]))
    cmd.short_help = section.get("short", original["short_help"])
    cmd.options_metavar = labels.get("help.options_metavar", original["options_metavar"])
    if isinstance(cmd, click.Group):
        cmd.subcommand_metavar = labels.get("help.subcommand_metavar", original["subcommand_metavar"])
    cached_help = getattr(cmd, "_help_option", None)  # click >= 8.1.8 builds it once and keeps it
    if cached_help is not None:
        cached_help.help = tr.gettext("Show this message and exit.")
    params = section.get("params") or {}
    for param in cmd.params:
        p_orig = _originals(param)
        if param.name in params:
            param.help = params[param.name]
        elif param.name == "version":
            param.help = tr.gettext("Show the version and exit.")
        if isinstance(param.type, click.Path):
            t = param.type
            t.name = tr.gettext("file" if t.file_okay and not t.dir_okay
                                else "directory" if t.dir_okay and not t.file_okay else "path")
        word = p_orig["metavar"]
        if word is None and isinstance(param, click.Argument):
            word = param.name.upper()
            word = word if param.required else f"[{word}]"
            word += "..." if param.nargs != 1 else ""
        if word is None and not getattr(param, "is_flag", False) and param.type.name in ("text", "integer"):
            word = param.type.name.upper()
        if word is not None:
            param.metavar = _metavar(labels, word)
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            _localize(sub, name if key == "xltool" else f"{key}_{name}", labels, tr)


def _markers(text: Optional[str]) -> Optional[str]:
    """A line ``\\b`` in the label file is click's no-rewrap marker (a backspace character)."""
    return None if text is None else re.sub(r"(?m)^(\s*)\\b$", "\\1\b", text)


def _originals(obj: Any) -> dict[str, Any]:
    """The English attributes set in cli.py, kept on first use so another locale can be applied later."""
    saved = getattr(obj, "_xltool_original", None)
    if saved is None:
        saved = {name: getattr(obj, name, None) for name in
                 ("help", "short_help", "options_metavar", "subcommand_metavar", "metavar")}
        obj._xltool_original = saved
    return saved


def _metavar(labels: Labels, word: str) -> str:
    """PLAN -> 计划, [PLAN] -> [计划], PATHS... stays shaped the same; unknown words stay as written."""
    words = labels.get("help.metavars") or {}
    return re.sub(r"[A-Z][A-Z_]*", lambda m: str(words.get(m.group(0), m.group(0))), word)


# --------------------------------------------------------------------------- wrapping by display width

_ANSI_PATTERN = r"\033\[[;?0-9]*[a-zA-Z]"
_NO_LINE_START = set("，。、；：？！）》」』”’】〕…—·")


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "WF"


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal: CJK and full-width characters count two."""
    if "\033" in text:
        text = re.sub(_ANSI_PATTERN, "", text)
    return sum(2 if _wide(c) else 1 for c in text)


def _tokens(text: str) -> list[str]:
    """Runs of spaces, single wide (CJK) characters, and runs of other characters (words)."""
    out: list[str] = []
    for c in text:
        if c.isspace():
            if out and out[-1][-1:].isspace():
                out[-1] += c
            else:
                out.append(c)
        elif _wide(c) or c in "“”":
            out.append(c)
        elif out and not out[-1][-1:].isspace() and not _wide(out[-1][-1]) and out[-1][-1] not in "“”":
            out[-1] += c
        else:
            out.append(c)
    return out


def _fill(text: str, width: int, initial: str, subsequent: str) -> str:
    lines: list[str] = []
    line, used, space = initial, display_width(initial), False
    has_content = False
    for tok in _tokens(text):
        if tok.isspace():
            space = has_content
            continue
        w = display_width(tok) + (1 if space else 0)
        fits = used + w <= width or tok[0] in _NO_LINE_START
        if has_content and not fits:
            lines.append(line.rstrip())
            line, used, space = subsequent, display_width(subsequent), False
            w = display_width(tok)
        if space:
            line, used = line + " ", used + 1
        line, used, space, has_content = line + tok, used + display_width(tok), False, True
    lines.append(line.rstrip())
    return "\n".join(lines)


def wrap_text(text: str, width: int = 78, initial_indent: str = "", subsequent_indent: str = "",
              preserve_paragraphs: bool = False) -> str:
    """click.formatting.wrap_text, counting display columns (same paragraph rules, incl. ``\\b``)."""
    text = text.expandtabs()
    if not preserve_paragraphs:
        return _fill(text, width, initial_indent, subsequent_indent)
    paragraphs: list[tuple[int, bool, str]] = []
    buf: list[str] = []
    indent: Optional[int] = None

    def flush() -> None:
        if buf:
            if buf[0].strip() == "\b":
                paragraphs.append((indent or 0, True, "\n".join(buf[1:])))
            else:
                paragraphs.append((indent or 0, False, " ".join(buf)))
            buf.clear()

    for raw in text.splitlines():
        if not raw:
            flush()
            indent = None
            continue
        if indent is None:
            stripped = raw.lstrip()
            indent = len(raw) - len(stripped)
            raw = stripped
        buf.append(raw)
    flush()
    out = []
    for extra, verbatim, body in paragraphs:
        first, rest = initial_indent + " " * extra, subsequent_indent + " " * extra
        if verbatim:
            out.append("\n".join((first if i == 0 else rest) + line for i, line in enumerate(body.splitlines())))
        else:
            out.append(_fill(body, width, first, rest))
    return "\n\n".join(out)


# --------------------------------------------------------------------------- one run in one locale


def locale_from(args: list[str], environ: Optional[dict] = None) -> Optional[str]:
    """The locale asked for: ``--locale X`` / ``--locale=X`` among the top-level options (before the
    command), else ``XLTOOL_LOCALE``. Read before click parses, so help and usage errors follow it."""
    from .labels import LOCALE_ENV

    environ = os.environ if environ is None else environ
    found = environ.get(LOCALE_ENV) or None
    tokens = iter(args)
    for token in tokens:
        if token == "--locale":
            found = next(tokens, found)
        elif token.startswith("--locale="):
            found = token.split("=", 1)[1]
        elif token == "--" or not token.startswith("-"):
            break
    return found


@contextmanager
def localized(root: click.Command, args: list[str]) -> Iterator[Labels]:
    """Run `root` in the locale `args`/the environment ask for: labels, click's messages and our help.

    The previous locale and click's own gettext names are restored afterwards (tests run many
    commands in one process). An unknown locale raises `LocaleError` with zh-CN installed, so the
    error itself is shown in Chinese.
    """
    from .labels import LocaleError, active_locale, get_labels, set_locale

    saved_locale = active_locale()
    saved = {name: (getattr(m, "_", None), getattr(m, "ngettext", None)) for name in _CLICK_MODULES
             if (m := sys.modules.get(f"click.{name}")) is not None}
    formatting = sys.modules["click.formatting"]
    saved_fmt = (formatting.wrap_text, formatting.term_len, click.Context.formatter_class, _current)
    try:
        try:
            set_locale(locale_from(args))
        except LocaleError:
            set_locale(None)
            labels = get_labels()
            localize_commands(root, labels, install(labels))
            raise
        labels = get_labels()
        localize_commands(root, labels, install(labels))
        yield labels
    finally:
        set_locale(saved_locale)
        for name, (gettext, ngettext) in saved.items():
            module = sys.modules[f"click.{name}"]
            if gettext is not None:
                module._ = gettext
            if ngettext is not None:
                module.ngettext = ngettext
        formatting.wrap_text, formatting.term_len, click.Context.formatter_class, current = saved_fmt
        globals()["_current"] = current
