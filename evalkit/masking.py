"""Masking of secrets in every text evalkit writes.

Three layers: the literal secrets the engine's credential pass found in a submission, literal
values assigned to secret-named keys anywhere in a submission's text or metadata
(`find_secrets`: this also covers files that do not parse and fields no check reads), and
patterns that are secrets wherever they appear (AWS access key ids, secret keys in
assignments).

A secret is masked by where it can be. A long one (`LONG_SECRET` characters or more) that
is not made of words alone is masked wherever it appears: no word of feedback or identifier
is that long and random. A short one (`pass`, `admin1`) or one made of words (`password`,
`changeme`) is masked only where it stands as a value, the shape in which it was found
(`"pass"`, `password=pass`, `user:pass@host`, `--password pass`), never inside an identifier
or as a key: generated feedback such as "pass it at run time", `random_password`,
`var.password` and the key of `password = "password"` keep their words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

from evalkit.records import Finding, Submission, SubmissionResult
from evalkit.secrets.patterns import (
    ACCESS_KEY_ID,
    SECRET_KEY_ASSIGNED,
    SECRET_KEY_VALUE,
    may_hold_access_key_id,
    may_hold_secret_key,
)

MASK = "****"
# An AWS access key id (`ACCESS_KEY_ID`) keeps its first 8 characters readable; a secret
# access key in an assignment keeps the assignment.
_SECRET_KEY = re.compile(f"(?i)({SECRET_KEY_ASSIGNED}){SECRET_KEY_VALUE}")
# Shorter values are never secrets worth masking: the credential check reports them anyway.
_MIN_SECRET_LENGTH = 4
LONG_SECRET = 8
# How much of a long secret's start, cut short where a message stops quoting, is masked.
_MIN_CUT_SHORT = 16

# A secret-named key (the name ends with it: `db_password`, `DB_PASSWORD`, `"password"`, but
# not `password_length` or `secret_name`) assigned a literal. The name is matched from its
# last word only, so the scan stays linear on long lines.
# A write-only argument (`password_wo`) and a list of passwords (`passwords = ["..."]`, its
# first item) are assignments too.
_ASSIGNED_SECRET = re.compile(
    r"""(?i)(?:password|passwd|secret|token|api_?key|access_?key|secret_?key|private_?key)
        s?(?:_wo)?["']?[ \t]*[:=][ \t]*\[?[ \t]*
        (?:"([^"\n]{4,200})"|'([^'\n]{4,200})'|([^\s"',;{}()\[\]]{4,200}))""",
    re.VERBOSE,
)
# The words every name `_ASSIGNED_SECRET` matches contains, lowercase: `password` and
# `passwd`, `secret`, `token`, and `key` (`api_key`, `accessKey`, `secret_key`, ...). No part
# of that pattern matches a newline, so each match lies within one line, and in ASCII text
# (where ignoring case is lowercasing) only on a line whose lowercase holds one of these words.
_SECRET_NAME_WORD = re.compile(r"passw|secret|token|key")
# user:password@host in connection strings.
_URL_PASSWORD = re.compile(r"://[^:/@\s]{1,100}:([^@/\s]{4,200})@")
# Unquoted values that are code, not secrets: references, interpolations, keywords.
_NOT_A_LITERAL = re.compile(
    r"(?i)^(?:[A-Za-z_][\w-]*(?:\.[\w\-\[\]\"*]+)+|\$.*|true|false|null|none|required)$"
)
# A secret made of words only, which feedback or code may use as a word or an identifier.
_WORDS_ONLY = re.compile(r"[A-Za-z]+(?:[-_ ][A-Za-z]+)*")
_IDENTIFIER_CHARACTER = re.compile(r"[\w.\-/]")
_NAME_CONTINUES = re.compile(r"\w|[.\-]\w")
# A key or a block label: the text after it is an assignment (`password = `, `"password": `,
# not `==` or `://`) or the rest of a block header (`variable "password" {`).
_KEY_AFTER = re.compile(r"""["'`]?[ \t]*(?:=(?!=)|:(?!//))|"[ \t]*(?:\{|"[\w-]*"[ \t]*\{)""")
# A command-line option right before a value: `--password `, `-p `, `-p` glued to it.
_OPTION_BEFORE = re.compile(r"(?:^|\s)(?:--?[A-Za-z][\w-]*[ =]|-[A-Za-z])$")


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret and every key-shaped string replaced by a mask."""
    if not text:
        return text
    for secret in sorted(
        {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}, key=len, reverse=True
    ):
        if len(secret) >= LONG_SECRET and not _WORDS_ONLY.fullmatch(secret):
            text = _mask_cut_short(text.replace(secret, MASK), secret)
        else:
            text = _mask_cut_short(_mask_values(text, secret), secret)
    if may_hold_access_key_id(text):
        text = ACCESS_KEY_ID.sub(lambda m: m.group(0)[:8] + MASK, text)
    if may_hold_secret_key(text):
        text = _SECRET_KEY.sub(lambda m: m.group(1) + MASK, text)
    return text


def _mask_values(text: str, secret: str) -> str:
    """Mask the places where `secret` stands as a value, not as a word or a name."""
    if secret not in text:
        return text
    pieces: list[str] = []
    last = 0
    for match in re.finditer(re.escape(secret), text):
        if _is_value_position(text, match.start(), match.end()):
            pieces.extend((text[last : match.start()], MASK))
            last = match.end()
    return "".join(pieces) + text[last:] if pieces else text


def _is_value_position(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` stands as a value: quoted, assigned, given to an option or
    as a URL's password, and neither part of a longer name nor a key."""
    before = text[max(0, start - 64) : start]
    after = text[end : end + 8]
    if _NAME_CONTINUES.match(after):
        return False  # the start of a longer name: `password_length`, `password.length`
    if _OPTION_BEFORE.search(before):
        return True  # `--password pass`, `-ppass`
    if before[-1:] and _IDENTIFIER_CHARACTER.match(before[-1]):
        return False  # inside a name: `random_password`, `var.password`, `db-password`
    if _KEY_AFTER.match(after):
        return False  # a key or label: `"password": ...`, `variable "password" {`
    stripped = before.rstrip(" \t")
    return before[-1:] in ('"', "'", "`") or stripped[-1:] in (":", "=")


def _mask_cut_short(text: str, secret: str) -> str:
    """Mask a quoted piece that is the start of a long secret cut short (a parse error shows
    only the first characters of a token): no part of a long secret may leak either."""
    if len(secret) <= _MIN_CUT_SHORT or secret[:_MIN_CUT_SHORT] not in text:
        return text
    head = secret[:_MIN_CUT_SHORT]
    start = text.find(head)
    while start >= 0:
        end = start + _MIN_CUT_SHORT
        while end < len(text) and text[end] == secret[end - start]:
            end += 1
        if end == len(text) or text[end] in "\"'`":
            text = text[:start] + MASK + text[end:]
        start = text.find(head, start + 1)
    return text


def find_secrets(text: str) -> set[str]:
    """Literal values that `text` assigns to secret-named keys, or puts in a URL as password.

    Meant for source files, scripts and metadata: whatever evalkit later quotes from them (a
    parse error shows the offending token, metadata is copied to the tables) is masked.
    """
    found: set[str] = set()
    if not text:
        return found
    for match in _assigned_secrets(text):
        quoted = match.group(1) or match.group(2)
        value = quoted if quoted is not None else match.group(3)
        if "${" in value or (quoted is None and _NOT_A_LITERAL.match(value)):
            continue
        found.add(value)
    found.update(match.group(1) for match in _URL_PASSWORD.finditer(text))
    return found


def _assigned_secrets(text: str) -> Iterator[re.Match[str]]:
    """`_ASSIGNED_SECRET.finditer(text)`, in order, scanning only the lines that can hold a
    match (see `_SECRET_NAME_WORD`): most lines of a submission name no secret."""
    if not text.isascii():
        # Ignoring case, `ſ` matches `s`: text that is not ASCII is scanned whole.
        yield from _ASSIGNED_SECRET.finditer(text)
        return
    line_end = -1
    for word in _SECRET_NAME_WORD.finditer(text.lower()):
        if word.start() < line_end:
            continue  # another word on a line already scanned
        line_start = text.rfind("\n", 0, word.start()) + 1
        line_end = text.find("\n", word.end())
        if line_end < 0:
            line_end = len(text)
        yield from _ASSIGNED_SECRET.finditer(text, line_start, line_end)


def source_secrets(submission: Submission) -> set[str]:
    """Literal secrets written anywhere in the submission's files, found by their shape.

    The credential pass only sees what parses; a parse error quotes the offending token,
    and that token may be a password.
    """
    found: set[str] = set()
    for text in submission.files.values():
        found |= find_secrets(text)
    return found


def masked(result: SubmissionResult, secrets: Iterable[str]) -> SubmissionResult:
    """The result with every secret masked, so that nothing downstream ever holds one.

    Secrets written in the metadata itself (a record's notes, its config) are found here, so
    every path that builds a result (graded, failed, cached, crashed) masks them.
    """
    known = set(secrets)
    for value in (result.submission_id, *result.meta.values()):
        if isinstance(value, str):
            known |= find_secrets(value)

    def clean(text: str) -> str:
        return mask_text(text, known)

    def clean_finding(item: Finding) -> Finding:
        return replace(
            item, file=clean(item.file), resource=clean(item.resource), message=clean(item.message)
        )

    checks = tuple(
        replace(r, findings=tuple(clean_finding(f) for f in r.findings), note=clean(r.note))
        if r.findings or r.note
        else r
        for r in result.results
    )
    meta = {k: clean(v) if isinstance(v, str) else v for k, v in result.meta.items()}
    return replace(
        result,
        submission_id=clean(result.submission_id),
        meta=meta,
        message=clean(result.message),
        results=checks,
        problems=tuple(clean(p) for p in result.problems),
        files={clean(name): clean(text) for name, text in result.files.items()},
    )
