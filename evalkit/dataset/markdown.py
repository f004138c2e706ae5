"""Turn a model's markdown answer into the files it describes.

Answers arrive in many shapes: fenced blocks tagged ``hcl``/``terraform``/``tf`` or not at
all, file names in the fence info, in a heading, a bold line, a short intro sentence or a
first-line comment, reasoning traces with draft code before the final answer, truncated
output with an unclosed fence, or bare HCL without any fences. `extract_files` maps all of
them onto ``{relative file name: text}``.

The parser is a single pass over lines with a handful of compiled regular expressions, so
it stays fast on very large answers, and it never raises: whatever the input, the worst
outcome is an empty or imperfect mapping.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_HCL_FILE",
    "extract_files",
    "looks_like_hcl",
    "normalise_file_name",
]

DEFAULT_HCL_FILE = "main.tf"

# Extensions a file name in prose may carry. Kept explicit so that words such as
# "e.g." or "us-west-2" are never mistaken for file names.
_KNOWN_EXTENSIONS = (
    "tf.json|tfvars.json|tftest.hcl|tfvars|tftpl|tf|hcl|"
    "json|yaml|yml|sh|bash|zsh|ps1|py|ts|tsx|js|mjs|go|mod|sum|rb|java|"
    "md|txt|csv|tpl|j2|sql|toml|ini|cfg|conf|env|xml|html|rego|sentinel|"
    "example|sample|template|dist|lock"
)
_NAME_PATTERN = rf"(?:[\w.\-]+/)*[\w\-][\w.\-]*\.(?:{_KNOWN_EXTENSIONS})|Dockerfile|Makefile"
_NAME_AT_START = re.compile(rf"^(?P<name>{_NAME_PATTERN})(?=$|[\s:,;(\[\-–—])", re.IGNORECASE)
# "NEW FILE: backend.tf", "Module Example: modules/rds/main.tf (CORRECTED)"
_NAME_AFTER_LABEL = re.compile(
    rf"^[A-Za-z][\w ]{{0,30}}:\s*(?P<name>{_NAME_PATTERN})(?=$|[\s:,;(\[\-–—])", re.IGNORECASE
)
_NAME_AT_END = re.compile(rf"(?:^|[\s(\[])\(?(?P<name>{_NAME_PATTERN})\)?$", re.IGNORECASE)

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_FENCE_CLOSE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*$")
# Some answers glue the closing fence to the last line of code (``}```).
_GLUED_CLOSE = re.compile(r"^(?P<body>[^`]*\S)[ \t]*(?P<fence>`{3,})[ \t]*$")

_TOP_LEVEL_BLOCK = re.compile(
    r"^(?:resource|data|module|variable|output|provider|terraform|locals|moved|import|"
    r"check|removed|run)\b[^\n]*\{",
    re.MULTILINE,
)
_TOP_LEVEL_ASSIGNMENT = re.compile(r"^[A-Za-z_][\w-]*\s*=", re.MULTILINE)
_TREE_CHARS = re.compile(r"[├└│┌┐┘┬┴┼─]")
_SHELL_PROMPT = re.compile(r"^\s*\$ \S", re.MULTILINE)

_HEADING = re.compile(r"^\s{0,3}(?P<hashes>#{1,6})\s*(?P<text>.*?)\s*#*\s*$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_NUMBERING = re.compile(r"^(?:step\s*)?(?:\d+|[a-z])[.):]?\s+", re.IGNORECASE)
_LABEL = re.compile(r"^(?:file(?:name)?|path|source)\s*[:\-–—]\s*", re.IGNORECASE)
_TRAILING_WORDS = re.compile(
    r"\s+(?:(?:file|files)(?:\s+(?:with|containing|like))?|with|as follows)$", re.IGNORECASE
)
_RULE = re.compile(r"^\s*(?:[-*_=]\s*){3,}$")
_DECORATION = re.compile(r"^[\W_]*$")

_COMMENT_LINE = re.compile(r"^\s*(?:#+!?|//+|--|/\*+|;+|<!--)\s*(?P<text>.*?)\s*(?:\*/|-->)?\s*$")

_ANSWER_HEADING = re.compile(
    r"^[ ]{0,3}(?:#{1,6}[ \t]*|\*\*)[ \t]*(?:final[ \t]+(?:answer|solution|response|code)|answer)"
    r"[ \t]*:?[ \t]*(?:\*\*)?[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# A cheap test that must pass before `_ANSWER_HEADING` runs: its words, in lowercase text.
# str.lower() maps every letter that re.IGNORECASE matches to a letter of those words onto
# it, except these three (found by trying every code point), whose presence skips the test.
_ANSWER_WORD = "answer"
_FINAL_WORDS = re.compile(r"final[ \t]+(?:solution|response|code)")
_CASELESS_ODDITIES = ("\u0130", "\u0131", "\u017f")  # İ ı ſ: match "i", "i", "s"
_THINKING_SPAN = re.compile(
    r"<(?P<tag>thinking|think|reasoning)>.*?</(?P=tag)>", re.IGNORECASE | re.DOTALL
)

_LANG_ALIASES: dict[str, str] = {
    "hcl": "hcl",
    "hcl2": "hcl",
    "terraform": "hcl",
    "tf": "hcl",
    "tfvars": "hcl",
    "opentofu": "hcl",
    "json": "json",
    "jsonc": "json",
    "bash": "sh",
    "sh": "sh",
    "shell": "sh",
    "zsh": "sh",
    "console": "sh",
    "shell-session": "sh",
    "ts": "ts",
    "typescript": "ts",
    "js": "js",
    "javascript": "js",
    "go": "go",
    "golang": "go",
    "python": "py",
    "py": "py",
    "python3": "py",
    "yaml": "yaml",
    "yml": "yaml",
    "markdown": "md",
    "md": "md",
    "text": "txt",
    "txt": "txt",
    "plaintext": "txt",
    "plain": "txt",
    "csv": "csv",
    "sql": "sql",
    "dockerfile": "dockerfile",
    "powershell": "ps1",
    "ps1": "ps1",
    "ruby": "rb",
    "rb": "rb",
    "java": "java",
    "toml": "toml",
    "ini": "ini",
    "xml": "xml",
    "html": "html",
    "rego": "rego",
}
_KNOWN_LANGS = frozenset(_LANG_ALIASES.values())
_SNIPPET_EXTENSIONS: dict[str, str] = {
    "sh": ".sh",
    "ts": ".ts",
    "js": ".js",
    "go": ".go",
    "py": ".py",
    "json": ".json",
    "yaml": ".yaml",
    "md": ".md",
    "csv": ".csv",
    "sql": ".sql",
    "ps1": ".ps1",
    "rb": ".rb",
    "java": ".java",
    "toml": ".toml",
    "ini": ".ini",
    "xml": ".xml",
    "html": ".html",
    "rego": ".rego",
}
_TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
_TERRAFORM_FAMILY = (*_TERRAFORM_SUFFIXES, ".hcl")
_GLUED_COMMENT_MARK = re.compile(r"^(?P<lang>hcl2?|terraform|tf|opentofu)#+[ \t]*", re.IGNORECASE)
_INFO_ATTRIBUTE = re.compile(
    r"(?:title|file(?:name)?|name|path)\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>\S+))",
    re.IGNORECASE,
)


# How many prose lines before a block are kept to look for its name.
_CONTEXT_LINES = 12


_UNKNOWN = "\x00unknown"


@dataclass
class _Block:
    """One fenced code block and the prose lines just before it.

    What the prose says (a file name, "Example:") is worked out only when needed, since
    most blocks are named by their fence or the first candidate already.
    """

    lang: str
    body: str
    info_name: str | None = None
    prose: tuple[str, ...] = ()
    _context_name: str | None = field(default=_UNKNOWN, repr=False)

    @property
    def context_name(self) -> str | None:
        if self._context_name == _UNKNOWN:
            self._context_name = _name_from_context(self.prose)
        return self._context_name

    @property
    def example(self) -> bool:
        return _is_example_context(self.prose)


@dataclass
class _Scan:
    """Result of the line scan: each block with the first and last line it covers."""

    blocks: list[tuple[int, int, _Block]]
    saw_fence: bool


def extract_files(text: str) -> dict[str, str]:
    """Return the files a markdown answer describes, as ``{name: text}``.

    Named blocks keep their name, blocks naming the same file are joined in order, unnamed
    HCL goes to ``main.tf`` and other unnamed code becomes ``snippet_N.<ext>``. Bare HCL
    without fences is returned as one file (split where a ``# name.tf`` line starts a new
    one). Markdown with no code gives ``{}``. An internal failure raises `ExtractionError`,
    which the loader turns into that submission's load error rather than an empty answer.
    """
    try:
        return _extract_files(text)
    except Exception as error:
        raise ExtractionError(
            f"internal error extracting code from the answer: {type(error).__name__}: {error}"
        ) from error


class ExtractionError(RuntimeError):
    """Extraction failed on an answer; the batch records it and goes on."""


def looks_like_hcl(text: str) -> bool:
    """Whether `text` holds at least one top-level Terraform block (``resource "x" "y" {``)."""
    return bool(_TOP_LEVEL_BLOCK.search(text))


def normalise_file_name(raw: str) -> str | None:
    """Clean a file name taken from an answer; None when nothing usable is left.

    Quotes, backticks, a leading ``./`` and trailing punctuation are stripped. Names that
    would escape the submission (absolute paths, ``..`` components) fall back to their
    base name, so a file is never written or graded outside its submission.
    """
    name = raw.strip().strip("`'\"*").strip()
    name = name.rstrip(":;,.)").lstrip("(")
    name = name.replace("\\", "/")
    if not name or any(ch.isspace() for ch in name) or "\x00" in name:
        return None
    absolute = name.startswith("/") or re.match(r"^[A-Za-z]:/", name) is not None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts:
        return None
    if absolute or ".." in parts:
        parts = [parts[-1]]
        if parts[0] == "..":
            return None
    cleaned = posixpath.join(*parts)
    return cleaned or None


# --------------------------------------------------------------------------------------
# Driver


def _extract_files(text: str) -> dict[str, str]:
    if not isinstance(text, str) or not text.strip():
        return {}
    text = _normalise_newlines(text)
    text = _drop_thinking_spans(text)
    lines = text.split("\n")
    scan = _scan_blocks(lines)
    if not scan.saw_fence:
        return _extract_bare(_unescape_markdown(lines))
    blocks = _final_answer_blocks(text, scan.blocks)
    return _assemble(blocks)


def _normalise_newlines(text: str) -> str:
    text = text.lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _drop_thinking_spans(text: str) -> str:
    """Remove ``<thinking>...</thinking>`` spans when something remains after them."""
    if "<" not in text:
        return text
    stripped = _THINKING_SPAN.sub("", text)
    return stripped if stripped.strip() else text


def _final_answer_blocks(text: str, blocks: list[tuple[int, int, _Block]]) -> list[_Block]:
    """Keep only the blocks after an ``### Answer`` heading that ends a reasoning part.

    Reasoning traces often hold draft code that the final answer replaces; grading the
    drafts too would duplicate every resource. The split applies only when code exists
    after the marker, so a stray "Answer" heading cannot empty a submission.
    """
    marker = _last_answer_marker(text, blocks)
    everything = [block for _, _, block in blocks]
    if marker is None:
        return everything
    after = [block for start, _, block in blocks if start > marker]
    return after or everything


def _last_answer_marker(text: str, blocks: list[tuple[int, int, _Block]]) -> int | None:
    """Line index of the last answer heading outside code, if any.

    A heading inside an untagged block that holds no code before it counts too: a stray
    fence in the reasoning opened that block, and the heading ends the reasoning all the
    same.
    """
    if not _may_hold_answer_heading(text):
        return None
    starts = [start for start, _, _ in blocks]
    for match in reversed(list(_ANSWER_HEADING.finditer(text))):
        line = text.count("\n", 0, match.start())
        position = bisect.bisect_right(starts, line) - 1
        if position < 0 or blocks[position][1] < line:
            return line
        start, _, block = blocks[position]
        if block.lang == "" and _opened_by_a_stray_fence(block, line - start - 1):
            return line
    return None


def _may_hold_answer_heading(text: str) -> bool:
    """False only when `_ANSWER_HEADING` cannot match `text`; far cheaper than running it,
    since the engine tries its ``^`` at every character and few answers hold its words."""
    if any(odd in text for odd in _CASELESS_ODDITIES):
        return True
    lowered = text.lower()
    return _ANSWER_WORD in lowered or _FINAL_WORDS.search(lowered) is not None


def _opened_by_a_stray_fence(block: _Block, heading_index: int) -> bool:
    before = "\n".join(block.body.split("\n")[: max(heading_index, 0)])
    return not (looks_like_hcl(before) or _TOP_LEVEL_ASSIGNMENT.search(before))


# --------------------------------------------------------------------------------------
# Line scanner


def _scan_blocks(lines: list[str]) -> _Scan:
    """Split the answer into fenced blocks, remembering the prose just before each."""
    blocks: list[tuple[int, int, _Block]] = []
    prose: list[str] = []
    saw_fence = False
    index = 0
    while index < len(lines):
        line = lines[index]
        opened = _match_opening_fence(line)
        if opened is None:
            prose.append(line)
            index += 1
            continue
        saw_fence = True
        indent, fence, info = opened
        end, body_lines, cut_short = _find_block_end(lines, index, indent, fence, info)
        lang, info_name = _parse_info(info)
        block = _Block(
            lang=lang,
            body="\n".join(body_lines),
            info_name=info_name,
            prose=tuple(prose[-_CONTEXT_LINES:]),
        )
        blocks.append((index, end, block))
        prose = []
        if cut_short:
            # The next fence ended this block: its last lines introduce that one.
            block.body, prose = _split_trailing_prose(block)
        index = end + 1
    return _Scan(blocks=blocks, saw_fence=saw_fence)


def _split_trailing_prose(block: _Block) -> tuple[str, list[str]]:
    """Separate the heading or sentence that introduced the next block from HCL code.

    Only HCL is split, after its last closing brace at the start of a line; other
    languages keep their text, since prose and code are not told apart there.
    """
    lines = block.body.split("\n")
    if block.lang not in ("hcl", ""):
        return block.body, lines[-_CONTEXT_LINES:]
    last_brace = max((i for i, line in enumerate(lines) if line.startswith("}")), default=-1)
    if last_brace < 0:
        return block.body, lines[-_CONTEXT_LINES:]
    last_brace = _end_of_open_comment(lines, 0, last_brace)
    return "\n".join(lines[: last_brace + 1]), lines[last_brace + 1 :]


def _match_opening_fence(line: str) -> tuple[str, str, str] | None:
    if "```" not in line and "~~~" not in line:
        return None
    match = _FENCE_OPEN.match(line)
    if match is None:
        return None
    fence, info = match["fence"], match["info"]
    # A line such as ```terraform init``` is inline code in prose, not a fence.
    if fence[0] in info:
        return None
    return match["indent"], fence, info.strip()


def _find_block_end(
    lines: list[str], start: int, indent: str, fence: str, info: str
) -> tuple[int, list[str], bool]:
    """Find where a block ends: the index of its last line, its body lines, and whether
    it was cut short by the next block's opening fence (it was left unclosed)."""
    is_markdown = _normalise_lang(info) == "md"
    is_hcl = _normalise_lang(info) in ("hcl", "")
    probe = fence[0] * 3
    depth = 1
    body: list[str] = []
    strip_width = len(indent.expandtabs(4))
    skip_to = start
    for index in range(start + 1, len(lines)):
        line = lines[index]
        if index <= skip_to:
            continue
        if is_hcl and "<<" in line:
            heredoc_end = _protected_heredoc_end(lines, index, probe)
            if heredoc_end is not None:
                body.extend(_dedent(text, strip_width) for text in lines[index : heredoc_end + 1])
                skip_to = heredoc_end
                continue
        if probe not in line:
            # Most lines hold no fence at all; skip the regular expressions for them.
            body.append(_dedent(line, strip_width) if strip_width else line)
            continue
        closing = _FENCE_CLOSE.match(line)
        if closing and _closes(closing["fence"], fence):
            if is_markdown and _opens_nested_block(lines, index, depth, body):
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    return index, body, False
        elif is_markdown:
            nested = _match_opening_fence(line)
            if nested and nested[2] and _closes(nested[1], fence):
                depth += 1
        elif _opens_new_block(line):
            # A tagged fence is never code: the previous block was left unclosed.
            return index - 1, body, True
        elif probe == "```":
            glued = _GLUED_CLOSE.match(line)
            if glued and _closes(glued["fence"], fence):
                body.append(_dedent(glued["body"], strip_width))
                return index, body, False
        body.append(_dedent(line, strip_width))
    # Truncated output: the block runs to the end of the text.
    return len(lines) - 1, body, False


_HEREDOC_OPEN = re.compile(r"<<-?(?P<tag>[A-Za-z_][\w-]*)[ \t]*$")
# How far a heredoc is followed to find its closing marker.
_MAX_HEREDOC_LINES = 2000


def _protected_heredoc_end(lines: list[str], index: int, probe: str) -> int | None:
    """The line that closes a heredoc opened on `lines[index]`, when fence lines inside it
    belong to the heredoc (a README or runbook with its own code blocks); else None.

    Inside a heredoc, fences come in pairs that each open and then close a block. A heredoc
    left unclosed before the answer's closing fence would instead show a bare closing fence
    followed by a tagged opening one; such a heredoc protects nothing.
    """
    opened = _HEREDOC_OPEN.search(lines[index])
    if opened is None:
        return None
    tag = opened["tag"]
    fences: list[str] = []
    for end in range(index + 1, min(len(lines), index + _MAX_HEREDOC_LINES)):
        line = lines[end]
        if line.strip() == tag:
            break
        if probe in line and (line.lstrip().startswith(probe)):
            fences.append(line.strip()[3:].strip("`~").strip())
    else:
        return None
    if not fences or len(fences) % 2:
        return None
    closers = fences[1::2]
    return end if all(not info for info in closers) else None


def _opens_new_block(line: str) -> bool:
    opened = _match_opening_fence(line)
    return opened is not None and _normalise_lang(opened[2]) in _KNOWN_LANGS


def _closes(candidate: str, fence: str) -> bool:
    return candidate[0] == fence[0] and len(candidate) >= len(fence)


def _opens_nested_block(lines: list[str], index: int, depth: int, body: list[str]) -> bool:
    """Decide whether a bare fence inside a ``markdown`` block opens a nested block.

    A README written inside a markdown fence uses bare fences for trees and diagrams. At
    the outermost level a bare fence closes the README unless it follows a heading or a
    line ending in a colon, or is followed by a drawing.
    """
    if depth != 1:
        return False
    previous = next((line for line in reversed(body) if line.strip()), "")
    if previous.lstrip().startswith("#") or previous.rstrip().endswith(":"):
        return True
    following = next((line for line in lines[index + 1 : index + 4] if line.strip()), "")
    return bool(_TREE_CHARS.search(following))


def _dedent(line: str, width: int) -> str:
    if width == 0 or not line:
        return line
    expanded = line.expandtabs(4) if line.startswith("\t") else line
    leading = len(expanded) - len(expanded.lstrip(" "))
    return expanded[min(leading, width) :]


@functools.lru_cache(maxsize=256)
def _parse_info(info: str) -> tuple[str, str | None]:
    """Split a fence info string into a language and an optional file name.

    Handles ``hcl``, ``hcl - main.tf``, ``hcl title="vpc.tf"``, ``hcl:main.tf``,
    ``hcl main.tf`` and a bare ``main.tf``.
    """
    info = info.strip().strip("{}").strip()
    if not info:
        return "", None
    # ```hcl# main.tf: a comment marker glued to the language still names the file.
    info = _GLUED_COMMENT_MARK.sub(r"\g<lang> ", info, count=1)
    attribute = _INFO_ATTRIBUTE.search(info)
    if attribute:
        raw = attribute["dq"] or attribute["sq"] or attribute["bare"] or ""
        head = info[: attribute.start()]
        return _normalise_lang(head), normalise_file_name(raw) if raw else None
    head, _, rest = [*re.split(r"([\s:|]+)", info, maxsplit=1), "", ""][:3]
    head = head.lstrip(".")
    rest = rest.strip().lstrip("-–—:|#").strip()
    if not rest and _NAME_AT_START.match(head) and "." in head:
        name = normalise_file_name(head)
        return _lang_from_name(name or ""), name
    name = None
    if rest:
        match = _NAME_AT_START.match(rest.strip("`'\""))
        if match:
            name = normalise_file_name(match["name"])
    return _normalise_lang(head), name


@functools.lru_cache(maxsize=256)
def _normalise_lang(raw: str) -> str:
    token = raw.strip().lstrip(".").split(maxsplit=1)[0].lower() if raw.strip() else ""
    token = _GLUED_COMMENT_MARK.sub(r"\g<lang>", token.split(":", 1)[0], count=1)
    return _LANG_ALIASES.get(token, token)


def _lang_from_name(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith((*_TERRAFORM_SUFFIXES, ".hcl")):
        return "json" if lowered.endswith(".json") else "hcl"
    suffix = lowered.rsplit(".", 1)[-1] if "." in lowered else ""
    return _LANG_ALIASES.get(suffix, suffix)


# --------------------------------------------------------------------------------------
# File names from prose and comments


def _name_from_context(prose: Sequence[str]) -> str | None:
    """Find a file name in the last few prose lines before a block.

    The nearest heading, bold line or short intro sentence that names a file wins. A
    heading without a name ends the search: the block belongs to that unnamed section.
    One plain sentence between a naming heading and the block is allowed.
    """
    seen = 0
    for line in reversed(prose):
        if not line.strip() or _RULE.match(line):
            continue
        heading = _HEADING.match(line)
        if heading:
            text = heading["text"]
            name = _name_in_title(text)
            if name:
                return name
            if _DECORATION.match(text) or text.isupper():
                continue
            return None
        name = _name_in_title(line) if _is_title_like(line) else _name_in_sentence(line)
        if name:
            return name
        seen += 1
        if seen >= 2:
            return None
    return None


_EXAMPLE_LINE = re.compile(
    r"^(?:for\s+)?example(?:\s+usage)?s?\s*:?$|^(?:example\s+)?usage(?:\s+example)?s?\s*:?$",
    re.IGNORECASE,
)
_EXAMPLE_HEADING = re.compile(r"\b(?:examples?|usage|sample)\b", re.IGNORECASE)


def _is_example_context(prose: Sequence[str]) -> bool:
    """Whether the prose introduces the next block as a usage example rather than a file."""
    for line in reversed(prose[-6:]):
        if not line.strip():
            continue
        heading = _HEADING.match(line)
        if heading:
            return bool(_EXAMPLE_HEADING.search(heading["text"]))
        if _EXAMPLE_LINE.match(_clean_title(line)):
            return True
    return False


def _is_title_like(line: str) -> bool:
    """Bold lines and list items that start with a bold or code span act like headings."""
    stripped = _LIST_MARKER.sub("", line.strip(), count=1)
    return stripped.startswith(("**", "__", "`"))


def _clean_title(text: str) -> str:
    # Prose is markdown: a name written `tap\_stack.tf` there reads tap_stack.tf.
    text = _MARKDOWN_ESCAPE.sub(r"\1", text) if "\\" in text else text
    text = text.replace("`", "").replace("*", "")
    text = _LIST_MARKER.sub("", text.strip(), count=1)
    text = _NUMBERING.sub("", text, count=1)
    text = _LABEL.sub("", text, count=1)
    return text.strip().strip("\"'").strip()


def _name_in_title(text: str) -> str | None:
    """A heading-like line names a file if it starts with the name, or is short and ends with it."""
    cleaned = _clean_title(text)
    match = _NAME_AT_START.match(cleaned) or _NAME_AFTER_LABEL.match(cleaned)
    if match:
        return normalise_file_name(match["name"])
    return _name_at_end(cleaned, max_words=8)


def _name_in_sentence(line: str) -> str | None:
    """An intro sentence such as "Create `outputs.tf`:" names a file when it ends with it."""
    cleaned = _clean_title(line)
    if not cleaned:
        return None
    match = _NAME_AT_START.match(cleaned)
    if match and match.end() == len(cleaned.rstrip(":. ")):
        return normalise_file_name(match["name"])
    return _name_at_end(cleaned, max_words=14)


def _name_at_end(text: str, max_words: int) -> str | None:
    text = text.rstrip().rstrip(":.").rstrip()
    text = _TRAILING_WORDS.sub("", text).rstrip(":. ")
    if len(text.split()) > max_words:
        return None
    match = _NAME_AT_END.search(text)
    return normalise_file_name(match["name"]) if match else None


def _name_from_first_comment(body: str) -> str | None:
    """Read ``# main.tf``, ``// File: tap_stack.tf`` or ``# VPC (vpc.tf)`` from the first lines."""
    checked = 0
    for line in body.split("\n", 8)[:8]:
        if not line.strip():
            continue
        if line.startswith("#!"):
            continue
        comment = _COMMENT_LINE.match(line)
        if comment is None:
            return None
        text = comment["text"]
        if _DECORATION.match(text):
            continue
        checked += 1
        name = _name_in_title(text)
        if name:
            return name
        if checked >= 2:
            return None
    return None


# --------------------------------------------------------------------------------------
# Assembling blocks into files


@dataclass
class _Part:
    """A block's body bound for a file, before same-name parts are joined."""

    name: str
    body: str
    named: bool
    order: int


# How `_assemble` treats a block.
_NAMED, _DEFAULT, _SNIPPET, _EXAMPLE = "named", "default", "snippet", "example"


def _assemble(blocks: Iterable[_Block]) -> dict[str, str]:
    classified = [
        (block, *_classify(block)) for block in _split_marked_blocks(blocks) if block.body.strip()
    ]
    # Usage examples stay out of the root module unless they are the only Terraform given.
    has_terraform = any(
        kind == _DEFAULT or (kind == _NAMED and _is_terraform_name(name or ""))
        for _, kind, name in classified
    )
    parts: list[_Part] = []
    snippet_count = 0
    continued: str | None = None  # the module file an unnamed block may continue
    for block, kind, name in classified:
        if kind == _EXAMPLE and not has_terraform:
            kind = _DEFAULT
        if kind == _DEFAULT and continued and _continues_module_file(block, continued):
            kind, name = _NAMED, continued
        if kind == _NAMED and name is not None:
            continued = name if _is_terraform_name(name) and posixpath.dirname(name) else None
        elif kind != _DEFAULT or _section_heading(block.prose):
            continued = None
        if kind == _DEFAULT:
            name = DEFAULT_HCL_FILE
        elif kind != _NAMED or name is None:
            snippet_count += 1
            name = f"snippet_{snippet_count}{_snippet_extension(block)}"
        parts.append(_Part(name, block.body.strip("\n"), kind == _NAMED, len(parts)))
    return _join_parts(_drop_redundant_parts(parts))


# What a module file rarely holds: providers, backend settings, module calls, or references
# to module outputs (a module's own code reads its resources and variables).
_ROOT_ONLY_BLOCK = re.compile(r"^(?:provider|terraform|module)\b|\bmodule\.[A-Za-z_]", re.MULTILINE)


def _continues_module_file(block: _Block, name: str) -> bool:
    """Whether an unnamed block goes on with the module file named just before it.

    "The module also creates the subnet:" followed by a block continues that file: no
    heading opens a new section between them, and the block holds nothing a module file
    rarely does (providers, backend settings, calls to modules, such as the root module's
    call to this one, or reads of module outputs).
    """
    return not _section_heading(block.prose) and not _ROOT_ONLY_BLOCK.search(block.body)


def _section_heading(prose: Sequence[str]) -> bool:
    return any(_HEADING.match(line) for line in prose if line.strip())


def _classify(block: _Block) -> tuple[str, str | None]:
    """Whether a block is a named file, default HCL, a usage example or a snippet."""
    name = _choose_name(block)
    if name is not None:
        if _is_terraform_name(name) and not _fits_terraform(block):
            # "Add this inside the bucket resource" fragments would break the named file.
            return _SNIPPET, None
        return _NAMED, name
    if _is_hcl_config(block):
        return (_EXAMPLE if block.example else _DEFAULT), None
    return _SNIPPET, None


_MARKER_COMMENT = re.compile(
    rf"^(?:#+|//)\s*(?:(?:file(?:name)?|path)\s*:\s*)?`?(?P<name>{_NAME_PATTERN})`?\s*$",
    re.IGNORECASE,
)


def _split_marked_blocks(blocks: Iterable[_Block]) -> Iterable[_Block]:
    """Split a block that starts with ``# dev.tfvars`` and holds more such marker lines.

    Some answers put several small files in one fence, each introduced by a comment that
    is nothing but its name. Only blocks that open with such a marker are split, so an
    ordinary comment mentioning a file inside code never cuts it.
    """
    for block in blocks:
        first = block.body.lstrip().split("\n", 1)[0]
        if not _MARKER_COMMENT.match(first):
            yield block
            continue
        lines = block.body.split("\n")
        cuts = [
            index
            for index, line in enumerate(lines)
            if index > 0 and not lines[index - 1].strip() and _MARKER_COMMENT.match(line)
        ]
        if not cuts:
            yield block
            continue
        yield _Block(block.lang, "\n".join(lines[: cuts[0]]), block.info_name, block.prose)
        for start, end in zip(cuts, [*cuts[1:], len(lines)], strict=True):
            marker = _MARKER_COMMENT.match(lines[start])
            name = normalise_file_name(marker["name"]) if marker else None
            yield _Block(block.lang, "\n".join(lines[start:end]), name, block.prose)


def _join_parts(parts: list[_Part]) -> dict[str, str]:
    files: dict[str, list[str]] = {}
    for part in parts:
        files.setdefault(part.name, []).append(part.body)
    return {name: "\n\n".join(bodies) + "\n" for name, bodies in files.items()}


def _choose_name(block: _Block) -> str | None:
    """Fence info beats the prose before the block, which beats a first-line comment."""
    if block.info_name and _name_suits_block(block.info_name, block):
        return block.info_name
    if block.context_name and _name_suits_block(block.context_name, block):
        return block.context_name
    if block.example:
        return None
    comment_name = _name_from_first_comment(block.body)
    if comment_name and _name_suits_block(comment_name, block):
        return comment_name
    return None


def _name_suits_block(name: str, block: _Block) -> bool:
    """Reject a Terraform file name for a block that is plainly something else (a shell session)."""
    lowered = name.lower()
    if not lowered.endswith(_TERRAFORM_FAMILY):
        return True
    return block.lang in ("", "hcl", "json", "txt") and not _looks_like_tree(block.body)


def _is_hcl_config(block: _Block) -> bool:
    return (
        block.lang in ("hcl", "")
        and not _looks_like_tree(block.body)
        and looks_like_hcl(block.body)
    )


def _fits_terraform(block: _Block) -> bool:
    """A block bound for a ``.tf`` file must hold Terraform blocks, not a fragment."""
    return looks_like_hcl(block.body) or _only_comments(block.body)


def _only_comments(body: str) -> bool:
    return all(
        not line.strip() or (_COMMENT_LINE.match(line) and not line.strip().startswith("/*"))
        for line in body.split("\n")
    )


def _is_terraform_name(name: str) -> bool:
    return name.lower().endswith((".tf", ".tf.json"))


def _snippet_extension(block: _Block) -> str:
    if block.lang == "hcl" and not _looks_like_tree(block.body):
        if _TOP_LEVEL_ASSIGNMENT.search(block.body) and not looks_like_hcl(block.body):
            return ".tfvars"
        return ".hcl"
    return _SNIPPET_EXTENSIONS.get(block.lang, ".txt")


def _looks_like_tree(body: str) -> bool:
    """Directory trees, diagrams and shell transcripts are never Terraform."""
    head = body[:20000]
    # Tree characters are all non-ASCII and a prompt holds "$ ": text without them cannot
    # match, and telling so costs far less than running the expressions over it.
    if not head.isascii():
        first = _TREE_CHARS.search(head)
        if first and _TREE_CHARS.search(head, head.find("\n", first.end()) + 1 or len(head)):
            return True
    return "$ " in head and bool(_SHELL_PROMPT.search(head))


# --------------------------------------------------------------------------------------
# Excerpts that repeat code given in full elsewhere

# A declaration starts a line. The pattern starts with the newline before it and is run over
# the body with a newline put in front: the regex engine then jumps from newline to newline
# instead of trying a ``^`` at every character, and finds the same declarations (a match
# ends with ``{``, so no match can hold the newline the next one starts with).
_DECLARATION = re.compile(
    r'\n(?:(?P<kind>resource|data)\s+"?(?P<type>[\w-]+)"?\s+"?(?P<label>[\w-]+)"?\s*\{'
    r'|(?P<single>module|variable|output)\s+"?(?P<name>[\w-]+)"?\s*\{)'
)
# Comparing every pair of parts is quadratic; past this many the pass is skipped.
_MAX_PARTS_TO_COMPARE = 300


@dataclass
class _Fingerprint:
    part: _Part
    declarations: frozenset[str]
    flat: str
    directory: str  # the part's folder, compared for every pair of parts


def _drop_redundant_parts(parts: list[_Part]) -> list[_Part]:
    """Drop Terraform excerpts whose declarations another part already holds.

    Answers often quote a resource while explaining it and give the complete file
    elsewhere, or show an "update this resource" snippet for a file already given. Joining
    those would declare the same resource twice, which no Terraform configuration can do,
    so the quoted copy is dropped and the fuller part kept.
    """
    terraform = [part for part in parts if part.name.lower().endswith(".tf")]
    if len(terraform) < 2 or len(terraform) > _MAX_PARTS_TO_COMPARE:
        return parts
    prints = [_fingerprint(part) for part in terraform]
    redundant: set[int] = set()
    for candidate in prints:
        if any(other is not candidate and _covers(other, candidate) for other in prints):
            redundant.add(candidate.part.order)
    return [part for part in parts if part.order not in redundant]


def _fingerprint(part: _Part) -> _Fingerprint:
    declarations = frozenset(
        f"{match['kind']}.{match['type']}.{match['label']}"
        if match["kind"]
        else f"{match['single']}.{match['name']}"
        for match in _DECLARATION.finditer("\n" + part.body)
    )
    flat = " ".join(part.body.split())
    return _Fingerprint(part, declarations, flat, posixpath.dirname(part.name))


def _covers(full: _Fingerprint, excerpt: _Fingerprint) -> bool:
    """Whether `full` makes `excerpt` redundant (see `_drop_redundant_parts`)."""
    if excerpt.part.named and full.directory != excerpt.directory:
        return False
    if len(excerpt.flat) >= 40 and len(full.flat) > len(excerpt.flat) and excerpt.flat in full.flat:
        return True
    if not excerpt.declarations or not excerpt.declarations <= full.declarations:
        return False
    if len(full.declarations) > len(excerpt.declarations):
        return True
    if full.part.named and not excerpt.part.named:
        return True
    return full.part.name == excerpt.part.name and full.part.order < excerpt.part.order


# --------------------------------------------------------------------------------------
# Answers without fences


_BARE_FILE_MARKER = re.compile(
    rf"^#{{1,6}}\s+(?:(?:file(?:name)?|path)\s*:\s*)?`?(?P<name>{_NAME_PATTERN})`?"
    r"(?:\s+[-–—:].*)?\s*$",
    re.IGNORECASE,
)
# A line that is nothing but a file name, maybe listed, labelled, emphasised or followed by a
# note in brackets: `FILE: main.tf`, `main.tf:`, `**outputs.tf**`, `B) lib/x.tf`,
# `FILE: x.tf (providers)`. No Terraform line looks like this outside a heredoc.
_BARE_NAME_LINE = re.compile(
    r"^[ \t]*[`*_]*(?P<item>(?:[A-Za-z]|\d{1,3})[.)][ \t]+|[-+][ \t]+)?[`*_]*"
    r"(?:(?:file(?:name)?|path)[ \t]*[:\-–—][ \t]*)?[`*_]*"
    rf"(?P<name>{_NAME_PATTERN})[`*_]*[ \t]*:?(?:[ \t]*\([^()\n]*\))?[ \t]*:?[ \t]*$",
    re.IGNORECASE,
)


def _extract_bare(lines: list[str]) -> dict[str, str]:
    """Handle an answer with no fences: bare HCL, possibly split into files by lines that
    name them (``# name.tf``, ``FILE: name.tf``, a bare ``name.tf``)."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    heredoc: str | None = None
    listed = _listed_file_names(lines)
    for index, line in enumerate(lines):
        if heredoc is not None:
            heredoc = None if line.strip() == heredoc else heredoc
            sections[-1][1].append(line)
            continue
        name, keep = (None, False) if index in listed else _bare_file_marker(line)
        if name:
            sections.append((name, [line] if keep else []))
            continue
        sections[-1][1].append(line)
        opened = _HEREDOC_OPEN.search(line)
        heredoc = opened["tag"] if opened else None
    files: dict[str, list[str]] = {}
    for name, section_lines in sections:
        body = "\n".join(section_lines)
        if name is None:
            if not looks_like_hcl(body):
                continue
            name = DEFAULT_HCL_FILE
            body = _trim_prose(section_lines)
        elif _is_terraform_name(name):
            if not looks_like_hcl(body):
                continue
            body = _trim_prose(section_lines)
        elif name.lower().endswith(".tfvars"):
            body = _trim_prose(section_lines, assignments=True)
        body = body.strip("\n")
        if body.strip():
            files.setdefault(name, []).append(body)
    return {name: "\n\n".join(parts) + "\n" for name, parts in files.items()}


# What a markdown converter escapes in prose: `*` and `_` become `\*` and `\_`. Neither is
# valid in HCL outside a heredoc (an unknown escape in a quoted string, a stray backslash
# elsewhere), so seeing them there means the whole answer went through such a converter.
_MARKDOWN_ESCAPE = re.compile(r"(?<!\\)\\([*_])")


def _unescape_markdown(lines: list[str]) -> list[str]:
    r"""Undo markdown escaping (``aws\_s3\_bucket``, ``"s3:Get\*"``) in an answer without
    fences, when the escapes show outside heredocs, where Terraform would reject them.

    An answer whose only ``\*`` sits inside a heredoc is left alone: a shell script or a
    regular expression there may mean it. Fenced code never comes here: markdown keeps
    backslashes inside code blocks as written.
    """
    if not any("\\" in line for line in lines) or not _escaped_outside_heredocs(lines):
        return lines
    return [_MARKDOWN_ESCAPE.sub(r"\1", line) if "\\" in line else line for line in lines]


def _escaped_outside_heredocs(lines: list[str]) -> bool:
    heredoc: str | None = None
    for line in lines:
        if heredoc is not None:
            heredoc = None if line.strip() == heredoc else heredoc
            continue
        if _MARKDOWN_ESCAPE.search(line):
            return True
        opened = _HEREDOC_OPEN.search(line)
        heredoc = opened["tag"] if opened else None
    return False


def _listed_file_names(lines: list[str]) -> set[int]:
    """Lines of a bulleted or numbered list of file names ("- main.tf", "- variables.tf"):
    prose that tells what the answer holds, not markers that each start a file."""
    items = [
        index
        for index, line in enumerate(lines)
        if "." in line and (match := _BARE_NAME_LINE.match(line)) and match["item"]
    ]
    listed: set[int] = set()
    for first, second in itertools.pairwise(items):
        if all(not line.strip() for line in lines[first + 1 : second]):
            listed.update((first, second))
    return listed


def _bare_file_marker(line: str) -> tuple[str | None, bool]:
    """The file a marker line names, and whether the line is a comment to keep in the file."""
    if "." not in line:
        return None, False
    marker = _BARE_FILE_MARKER.match(line)
    if marker:
        return normalise_file_name(marker["name"]), True
    marker = _BARE_NAME_LINE.match(line)
    if marker:
        return normalise_file_name(marker["name"]), False
    return None, False


def _trim_prose(lines: list[str], assignments: bool = False) -> str:
    """Cut prose before the first HCL line and after the last closing brace (or, in a
    ``.tfvars`` file, the last assignment), keeping a block comment that is still open."""
    code_start = re.compile(
        r"^(?:[A-Za-z_][\w-]*\s*=|#|//|/\*)" if assignments else r"^(?:#|//|/\*)"
    )
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if _TOP_LEVEL_BLOCK.match(line) or code_start.match(line)
        ),
        0,
    )
    closing = re.compile(r"^(?:[}\]]|[A-Za-z_][\w-]*\s*=)") if assignments else re.compile(r"^\}")
    end = max((i for i, line in enumerate(lines) if closing.match(line)), default=len(lines) - 1)
    end = _end_of_open_comment(lines, start, end)
    return "\n".join(lines[start : end + 1])


def _end_of_open_comment(lines: list[str], start: int, end: int) -> int:
    """`end`, or the line of the ``*/`` that closes a block comment left open at `end` (a
    commented-out resource after the last one: cutting there would leave the comment open)."""
    kept = "\n".join(lines[start : end + 1])
    if kept.rfind("/*") <= kept.rfind("*/"):
        return end
    return next((i for i in range(end + 1, len(lines)) if "*/" in lines[i]), end)
