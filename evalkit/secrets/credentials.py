"""Literal credentials in a submission: what each one is and where it is written.

One pass over the model finds them. SEC-HARDCODED-CREDENTIALS reports them, and the engine
masks their values in every output whichever checks a rubric enables, so the pass is a
function of the model alone and its result is kept on the model for both.

A credential is a literal: a value that only `terraform apply` knows (a generated password, a
Secrets Manager lookup, a reference inside a JSON template) is never one.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypeGuard

from evalkit.secrets.patterns import (
    ACCESS_KEY_ID,
    SECRET_KEY_ASSIGNED,
    SECRET_KEY_VALUE,
    may_hold_access_key_id,
    may_hold_secret_key,
)
from evalkit.terraform.blocks import literal_origin, nested_bodies
from evalkit.terraform.evaluator import UNKNOWN_PLACEHOLDER
from evalkit.terraform.model import Body, ModuleContext, Resource, TerraformModel
from evalkit.terraform.parse import Attribute
from evalkit.terraform.syntax import end_line
from evalkit.terraform.values import Unknown, known_text

SECRET_FIX = (
    "generate it (random_password), let AWS manage it, or read it from Secrets "
    "Manager instead of writing it in code."
)
PROVIDER_CREDENTIALS_FIX = (
    "remove it and let the provider read credentials from the "
    "environment, a shared profile or an IAM role."
)
KEY_FIX = (
    "generate keys outside the code (or with tls_private_key) and keep them in Secrets "
    "Manager or SSM."
)

# Attributes that store whatever value they are given as a secret (`secret_string` names its
# content, not what it is). What they hold is judged by its shape and by what the secret is
# for (see `_typed_slot_secret`). A write-only twin (`secret_string_wo`) is the same slot.
SECRET_ATTRIBUTES = frozenset(
    {"secret_string", "secret_binary", "private_key", "host_key", "host_key_body", "plaintext"}
)
# The suffix of the AWS provider's write-only arguments (`password_wo`, `secret_string_wo`):
# the value is kept out of the state, but it is still written in the code.
_WRITE_ONLY_WORD = "wo"
PROVIDER_SECRET_ATTRIBUTES = ("access_key", "secret_key", "token")
# A name is secret when its last word is one of these (`db_password`, `clientSecret`, `TOKEN`)
# or its last two words are one of the pairs (`apiKey`, `SECRET_ACCESS_KEY`). Names that
# merely contain such a word (`password_length`, `secret_rotation_schedule_expression`,
# `password_policy`, `secret_arn`) describe a secret, they do not hold one.
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "token",
        "credential",
        "credentials",
        "apikey",
        # a list of them: `aws_elasticache_user.passwords`
        "passwords",
        "passwds",
        "passphrases",
    }
)
_SECRET_PAIRS = frozenset(
    {("api", "key"), ("access", "key"), ("secret", "key"), ("private", "key"), ("auth", "key")}
)
# Tokens that are identifiers, not credentials.
_NOT_SECRET_NAMES = frozenset({"creation_token", "client_token", "idempotency_token"})
# Flags and keywords that a secret-named key may hold without holding a secret (a tag
# `Secret = "true"`).
_NOT_SECRET_VALUES = frozenset(
    {"true", "false", "yes", "no", "none", "null", "enabled", "disabled", "required", "optional"}
)
# Attributes that label or expand a resource rather than configure it: a `for_each` map of
# secrets is reported where it is written (a local, a variable) and where an instance uses it.
_NOT_CONFIGURATION = frozenset({"tags", "tags_all", "labels", "for_each", "count", "depends_on"})
# What every secret name holds in lowercase: each of `_SECRET_WORDS`, and the last word of
# each of `_SECRET_PAIRS`, contains one of these (the words of a name are ASCII and a
# substring of it).
_SECRET_NAME_PARTS = ("pass", "pwd", "secret", "token", "credential", "key")
_NAME_WORDS = re.compile(r"[^A-Za-z0-9]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# The key itself, not the first 40 characters of a longer string.
SECRET_KEY_ASSIGNMENT = re.compile(
    f"(?i){SECRET_KEY_ASSIGNED}({SECRET_KEY_VALUE})" + r"(?![A-Za-z0-9/+=])"
)
# An environment-style assignment in a script: `DB_PASSWORD=...`, `export API_KEY="..."`.
ASSIGNED_SECRET = re.compile(
    r"(?i)\b[A-Z_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY)[A-Z_]*\s*[=:]\s*[\"']?"
    r"(?!\$)([^\s\"'$]{4,})"
)
# A PEM private key (RSA, EC, DSA, OPENSSH, PKCS#8, encrypted PKCS#8), in a heredoc or in a
# quoted string with `\n` escapes. Its body must hold real key material: a placeholder such
# as `-----BEGIN RSA PRIVATE KEY-----\n...` is documentation.
PEM_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?P<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----"
    r"(?P<body>(?:[^-]|-(?!----END))*)"
    r"(?:-----END (?P=kind)-----)?"
)
PUTTY_PRIVATE_KEY = re.compile(
    r"PuTTY-User-Key-File-\d+:[^\n]*\n(?:[^\n]*\n){0,40}?[ \t]*Private-Lines:[ \t]*\d+[ \t]*\n"
    r"(?P<body>(?:[ \t]*[A-Za-z0-9+/=]{8,}[ \t]*(?:\n|$))+)"
)
_KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/=]{8,}")
_MIN_KEY_MATERIAL = 40
# `scheme://user:password@host`; a password written as a reference or placeholder
# (`${...}`, `<password>`, `{password}`, `****`) is not a literal.
URL_PASSWORD = re.compile(
    r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^:/@\s\"'${}<>]{1,100}:(?P<password>[^@/\s\"'${}<>*%]{3,200})@"
)
_BASE64_LITERAL = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")
_SCRIPT_ATTRIBUTES = ("user_data", "user_data_base64")


@dataclass(frozen=True)
class Credential:
    """One literal secret: where it is written, what it is, and the values to mask."""

    file: str
    line: int
    owner: str  # the address of the resource, provider, variable or module holding it
    message: str
    region: str = ""
    values: tuple[str, ...] = ()


def find_credentials(model: TerraformModel) -> tuple[Credential, ...]:
    """Every literal credential in the submission, in a stable order (kept on the model)."""
    cached = model.__dict__.get("_credentials")
    if cached is None:
        cached = tuple(_scan(model))
        # Kept beside the model's own fields: the engine and the check read the same result.
        model.__dict__["_credentials"] = cached
    return cached


def secret_values(model: TerraformModel) -> set[str]:
    """The literal secret values to mask in every output of this submission."""
    return {value for credential in find_credentials(model) for value in credential.values}


def is_secret_name(name: str) -> bool:
    """Whether a key or attribute named `name` holds a secret (see `_SECRET_WORDS`)."""
    lowered = name.lower()
    if not any(part in lowered for part in _SECRET_NAME_PARTS):
        return False  # most names (`Action`, `cidr_block`): no need to split them into words
    words = [w.lower() for w in _NAME_WORDS.split(_CAMEL_BOUNDARY.sub("_", name)) if w]
    if len(words) > 1 and words[-1] == _WRITE_ONLY_WORD:
        words = words[:-1]
    if not words or "_".join(words) in _NOT_SECRET_NAMES:
        return False
    return words[-1] in _SECRET_WORDS or tuple(words[-2:]) in _SECRET_PAIRS


def is_literal_secret(value: Any) -> TypeGuard[str]:
    """A known, non-empty string that is not a reference to where a secret lives."""
    if not isinstance(value, str) or not value.strip():
        return False
    if value.strip().lower() in _NOT_SECRET_VALUES:
        return False
    if UNKNOWN_PLACEHOLDER in value or "${" in value:
        return False
    # ARNs, SSM parameter paths and the like name where a secret lives; they are not secrets.
    if value.startswith(("arn:", "/", "alias/", "ssm:", "{{resolve:")):
        return False
    return not _REFERENCE_TEXT.match(value.strip())


# Text that names where a value comes from rather than being one: an environment or template
# variable (`$DB_PASSWORD`, `{{ db_password }}`, `%{x}`), a placeholder (`<password>`), or a
# Terraform reference written inside quotes (`"var.db_password"`). `$ecretPass` is a password.
_REFERENCE_TEXT = re.compile(
    r"^(?:\$\{?[A-Z_][A-Z0-9_]*\}?|\{\{.*\}\}|%\{.*\}|<[^<>\s]+>"
    r"|(?:var|local|data|module|each|self)\.[A-Za-z_][\w.\[\]\"-]*"
    r"|[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z_][\w-]*\.[A-Za-z_][\w.\[\]\"-]*)$"
)


def _scan(model: TerraformModel) -> Iterator[Credential]:
    # Resources first: a secret that a resource reads from a local or a variable is reported
    # once, at the line where it is written, against the resource that uses it.
    yield from _provider_credentials(model)
    for resource in [*model.resources(), *model.data_sources()]:
        yield from _resource_credentials(model, resource)
    yield from _module_argument_credentials(model)
    yield from _variable_credentials(model)
    yield from _local_credentials(model)
    yield from _text_credentials(model)


# --- values held by secret-named keys ------------------------------------------------------------


@dataclass(frozen=True)
class _Member:
    """A literal found inside a value: the key that names it and the text to locate it by."""

    key: str
    secret: str
    kind: str  # "named" (a secret-named key), "url", "script", "base64"
    values: tuple[str, ...]


def _secret_members(name: str, value: Any, depth: int = 0) -> Iterator[_Member]:
    """Literal secrets inside `value`, held under the key `name`, at any depth.

    Maps and objects (`jsonencode`, JSON heredocs, locals, defaults) are walked; a list of
    `{name = "DB_PASSWORD", value = "..."}` entries (container environments) counts as a map.
    """
    if depth > 32:
        return
    if isinstance(value, Unknown):
        if value.partial is not None:
            yield from _secret_members(name, value.partial, depth + 1)
        return
    if isinstance(value, dict):
        yield from _pair_member(value)
        for key, item in value.items():
            yield from _secret_members(str(key), item, depth + 1)
        return
    if isinstance(value, list | tuple):
        for item in value:
            yield from _secret_members(name, item, depth + 1)
        return
    if not isinstance(value, str):
        return
    loaded = _json_document(value)
    if loaded is not None:
        yield from _secret_members(name, loaded, depth + 1)
        return
    if is_secret_name(name) and is_literal_secret(value):
        yield _Member(name, value, "named", (value,))
        return
    yield from _members_in_text(name, value)


def _pair_member(entry: dict[str, Any]) -> Iterator[_Member]:
    lowered = {str(k).lower(): v for k, v in entry.items()}
    key = lowered.get("name", lowered.get("key"))
    secret = lowered.get("value")
    if isinstance(key, str) and is_secret_name(key) and is_literal_secret(secret):
        yield _Member(key, secret, "named", (secret,))


def _json_document(text: str) -> Any:
    stripped = text.strip()
    if not stripped.startswith(("{", "[")) or len(stripped) < 2:
        return None
    cleaned = re.sub(r'(?<!")\$\{\?\}(?!")', '"${?}"', stripped)
    try:
        loaded = json.loads(cleaned)
    except (json.JSONDecodeError, RecursionError):
        return None
    return loaded if isinstance(loaded, dict | list) else None


def _members_in_text(name: str, text: str) -> Iterator[_Member]:
    """Secrets in a free text value: a connection string, or base64 that hides one."""
    if "://" in text:  # in every connection string; most values hold none
        for match in URL_PASSWORD.finditer(text):
            password = match["password"]
            yield _Member(name, password, "url", (password,))
    for blob in _BASE64_LITERAL.findall(text):
        decoded = _decode_base64(blob)
        if decoded is None:
            continue
        hidden = list(_secrets_in_script(decoded))
        if hidden:
            yield _Member(name, blob, "base64", (blob, *hidden))


def _decode_base64(blob: str) -> str | None:
    """The text a base64 literal encodes, when it is printable text; else None."""
    if len(blob) % 4:
        return None
    try:
        raw = base64.b64decode(blob, validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
    return text if text and printable >= 0.95 * len(text) else None


def _secrets_in_script(text: str) -> Iterator[str]:
    """Secret values a script or document writes: keys, assignments, connection strings."""
    yield from ACCESS_KEY_ID.findall(text)
    yield from SECRET_KEY_ASSIGNMENT.findall(text)
    for match in PEM_PRIVATE_KEY.finditer(text):
        yield from _pem_values(match)
    for match in ASSIGNED_SECRET.finditer(text):
        if _is_script_literal(match.group(1)):
            yield match.group(1)
    yield from (m["password"] for m in URL_PASSWORD.finditer(text))


_CODE_REFERENCE = re.compile(r"^[A-Za-z_]\w*(?:\.\w+)+|[()\[\]]")


def _is_script_literal(value: str) -> bool:
    """A value a script assigns that is text, not a call, lookup or reference to one."""
    return is_literal_secret(value) and not _CODE_REFERENCE.search(value)


def _pem_values(match: re.Match[str]) -> tuple[str, ...]:
    material = _KEY_MATERIAL.findall(match["body"].replace("\\n", "\n"))
    if sum(len(m) for m in material) < _MIN_KEY_MATERIAL:
        return ()
    return (match.group(0), *material)


# --- where secrets are written -------------------------------------------------------------------


def _provider_credentials(model: TerraformModel) -> Iterator[Credential]:
    for module in model.modules:
        for key, block in module.providers.items():
            address = module.qualified(f"provider.{key}")
            body = Body(block, module, {}, address)
            region = body.get("region")
            for name in PROVIDER_SECRET_ATTRIBUTES:
                value = body.get(name)
                if is_literal_secret(value):
                    file, line = literal_origin(body, name, value)
                    yield Credential(
                        file,
                        line,
                        address,
                        f"{address} sets {name} to a literal value; {PROVIDER_CREDENTIALS_FIX}",
                        region if isinstance(region, str) else "",
                        (value,),
                    )


def _resource_credentials(model: TerraformModel, resource: Resource) -> Iterator[Credential]:
    seen: set[tuple[str, int, str]] = set()
    for instance in resource.instances:
        for body in nested_bodies(instance):
            if body.block.type.endswith("_units"):
                continue  # token_validity_units { access_token = "hours" }
            for name in body.block.attributes:
                if name in _NOT_CONFIGURATION:
                    continue
                for member in _attribute_members(resource, body, name):
                    file, line = _member_origin(body, name, member)
                    if (file, line, member.secret) in seen:
                        continue
                    seen.add((file, line, member.secret))
                    yield Credential(
                        file,
                        line,
                        resource.address,
                        _member_message(resource.address, name, member),
                        resource.location,
                        member.values,
                    )


def _attribute_members(resource: Resource, body: Body, name: str) -> Iterator[_Member]:
    value = body.get(name)
    if name in _SCRIPT_ATTRIBUTES:
        yield from _script_members(name, value)
        return
    # A secret-named attribute holding a JSON document (a secret_string) is judged by its
    # members: a username next to a generated password is no secret.
    if (
        _holds_a_secret(resource, body, name)
        and is_literal_secret(value)
        and _json_document(value) is None
    ):
        if _typed_slot_secret(body.context.root, resource, body, value):
            yield _Member(name, value, "named", (value,))
        return
    yield from _secret_members(name, value)


def _holds_a_secret(resource: Resource, body: Body, name: str) -> bool:
    """Whether `name` is a slot that stores its value as a secret, whatever the value is."""
    slot = name.removesuffix("_" + _WRITE_ONLY_WORD)
    if slot in SECRET_ATTRIBUTES:
        return True
    # An SSM SecureString parameter is a secret by its type, whatever it is called.
    return (
        resource.type == "aws_ssm_parameter"
        and slot == "value"
        and body.get("type") == "SecureString"
    )


def _typed_slot_secret(model: TerraformModel, resource: Resource, body: Body, value: str) -> bool:
    """Whether a literal in a slot typed as secret (`secret_string`, a SecureString value) is
    a secret.

    Such a slot stores any value encrypted: a timeout, a table name, an endpoint. A value is
    a secret when what the secret is for says so (a parameter `/app/db/password`, a Secrets
    Manager secret labelled `api_token`, a value `my-secret-password`), or when it has the
    shape of one: not a number, a duration, a flag, an address, or an identifier made of words.
    """
    return (
        any(is_secret_name(n) for n in _slot_names(model, resource, body))
        or not _NOT_SECRET_SHAPE.match(value.strip())
        or _says_secret(value)
    )


def _says_secret(value: str) -> bool:
    """A value made of words that say it is a secret (`my-secret-password`, `ApiToken`)."""
    words = [w.lower() for w in _NAME_WORDS.split(_CAMEL_BOUNDARY.sub("_", value)) if w]
    return any(word in _SECRET_WORDS for word in words) or any(
        pair in _SECRET_PAIRS for pair in pairwise(words)
    )


def _slot_names(model: TerraformModel, resource: Resource, body: Body) -> list[str]:
    """What names the secret a slot belongs to: the resource's label and `name`, and for a
    secret version the label and name of the secret it belongs to."""
    names = [resource.name]
    owners = [body]
    if resource.type == "aws_secretsmanager_secret_version":
        for secret in model.referenced_resources(body.get("secret_id")):
            names.append(secret.name)
            owners.extend(instance for instance in secret.instances[:1])
        names.extend(_last_segment(body.get("secret_id")))
    for owner in owners:
        for key in ("name", "name_prefix"):
            names.extend(_last_segment(owner.get(key)))
    return names


def _last_segment(value: Any) -> list[str]:
    """The last part of a known name or path (`prod/app/db-password` -> `db-password`)."""
    text = known_text(value).strip().rstrip("/")
    return [re.split(r"[/:]", text)[-1]] if text and not text.startswith("arn:") else []


# Values that a secret-typed slot may store and that are not secrets: numbers, durations,
# flags, hosts, IP addresses, e-mail addresses, URLs without credentials, and identifiers made
# of words (letters only) and numbers joined by separators (`orders-table`, `MyTable`,
# `app_users_2024`, `us-east-1`). A word with digits inside (`Passw0rd`, `admin123`) or any
# other character is the shape of a secret.
_NOT_SECRET_SHAPE = re.compile(
    r"""(?x)^(?:
        [-+]?\d+(?:\.\d+)?[a-zA-Z]{0,3}                  # 86400, 1.5, 30d, 512Mi
        | [A-Za-z]+(?:[-_.:/ ][A-Za-z]+|[-_.:/ ]\d+)*     # identifiers and plain words
        | (?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?::\d+)?    # an IP address or CIDR
        | [\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+      # an e-mail address
        | (?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/[^\s:@]*)?  # a host name
        | [A-Za-z][A-Za-z0-9+.-]*://[^\s:@/]+(?::\d+)?(?:/\S*)?  # a URL without user info
    )$"""
)


def _script_members(name: str, value: Any) -> Iterator[_Member]:
    """Secrets a boot script writes, also when it is given base64-encoded."""
    text = known_text(value)
    decoded = _decode_base64(text.strip()) if text.strip() else None
    script = decoded if decoded is not None else text
    values = tuple(dict.fromkeys(_secrets_in_script(script)))
    if not values:
        return
    if decoded is not None:
        yield _Member(name, text.strip(), "base64", (text.strip(), *values))
    else:
        yield _Member(name, values[0], "script", values)


def _member_origin(body: Body, name: str, member: _Member) -> tuple[str, int]:
    """The file and line where the member's literal is written.

    Followed through variables and locals; for a value reached through `each.value`, the
    `for_each` collection that holds it.
    """
    first = literal_origin(body, name, member.secret)
    # A base64 blob built by base64encode() is not in the source; the secret it hides is.
    sources = [name, "for_each"] if body.has("for_each") else [name]
    for source in sources:
        for value in member.values:
            file, line = literal_origin(body, source, value)
            if _line_holds(body, file, line, value):
                return file, line
    return first


def _line_holds(body: Body, file: str, line: int, text: str) -> bool:
    return line_holds(body.context.root, file, line, text)


def line_holds(model: TerraformModel, file: str, line: int, text: str) -> bool:
    """Whether line `line` of `file` shows (the first line of) `text`."""
    lines = model.file_lines(file)
    first = text.split("\n", 1)[0][:60]
    return bool(first) and 0 < line <= len(lines) and first in lines[line - 1]


def _writes_text(model: TerraformModel, attribute: Attribute) -> bool:
    end = end_line(attribute.expr, attribute.line)
    lines = model.file_lines(attribute.file)[attribute.line - 1 : end]
    return any('"' in line or "<<" in line for line in lines)


def _member_message(owner: str, name: str, member: _Member) -> str:
    if member.kind == "url":
        return (
            f"{owner} puts a literal password in a connection string in {name}; build it at "
            "run time from a Secrets Manager value."
        )
    if member.kind == "base64":
        return (
            f"{owner} hides a secret in base64 in {name}; fetch it at boot from Secrets "
            "Manager or SSM instead."
        )
    if member.kind == "script":
        return (
            f"{owner} writes a secret into {name}; fetch it at boot from Secrets Manager or "
            "SSM instead."
        )
    if member.key == name:
        return f"{owner} sets {name} to a literal value; {SECRET_FIX}"
    return f"{owner} writes a literal {member.key} in {name}; {SECRET_FIX}"


def _module_argument_credentials(model: TerraformModel) -> Iterator[Credential]:
    """Secrets passed as literals to a module, including registry modules evalkit cannot see."""
    for module in model.modules:
        for call in module.module_calls.values():
            address = module.qualified(f"module.{call.name}")
            body = Body(call.block, module, {}, address)
            for name in call.block.attributes:
                if name in ("source", "version"):
                    continue
                for member in _secret_members(name, body.get(name)):
                    file, line = literal_origin(body, name, member.secret)
                    yield Credential(
                        file,
                        line,
                        address,
                        _member_message(address, name, member),
                        "",
                        member.values,
                    )


def _variable_credentials(model: TerraformModel) -> Iterator[Credential]:
    """Literal defaults of variables, and their values in any .tfvars file.

    Every literal counts, not only the one Terraform would pick: an overridden default or a
    `-var-file` that is not auto-loaded is still a secret committed with the code. A
    secret-named variable holding a map (one secret per region or environment) holds several.
    """
    sources: list[tuple[ModuleContext | None, str, Attribute]] = [
        (module, name, block.attributes["default"])
        for module in model.modules
        for name, block in module.variables.items()
        if "default" in block.attributes
    ]
    sources.extend((None, attribute.name, attribute) for attribute in model.tfvars_attributes())
    for module, name, source in sources:
        value = (
            module.evaluate(source.expr, {})
            if module is not None
            else model.evaluate_constant(source.expr)
        )
        address = module.qualified(f"var.{name}") if module is not None else f"var.{name}"
        for member in _variable_members(name, value):
            yield Credential(
                source.file,
                model.line_containing(source, member.secret),
                address,
                _variable_message(name, member),
                "",
                member.values,
            )


def _variable_members(name: str, value: Any) -> Iterator[_Member]:
    if is_secret_name(name) and isinstance(value, dict):
        for item in dict.fromkeys(v for v in value.values() if is_literal_secret(v)):
            yield _Member(name, item, "named", (item,))
    yield from _secret_members(name, value)


def _variable_message(name: str, member: _Member) -> str:
    if member.kind != "named" or member.key == name:
        what = "a literal secret value" if member.kind == "named" else "a secret"
        return (
            f"variable {name} has {what}; leave it without a default and supply it at "
            "run time, or use Secrets Manager."
        )
    return (
        f"variable {name} holds a literal {member.key}; leave secrets out of defaults and "
        "supply them at run time, or use Secrets Manager."
    )


def _local_credentials(model: TerraformModel) -> Iterator[Credential]:
    """Secrets written in locals. A local whose own text holds no string can hold no
    literal secret (one it reads from a variable is reported at the variable), so it is
    not evaluated: answers with thousands of numeric locals stay fast."""
    for module in model.modules:
        for name, attribute in module.locals.items():
            if not _writes_text(model, attribute):
                continue
            address = module.qualified(f"local.{name}")
            for member in _secret_members(name, module.local_value(name)):
                yield Credential(
                    attribute.file,
                    model.line_containing(attribute, member.secret),
                    address,
                    _member_message(address, name, member),
                    "",
                    member.values,
                )


# --- secrets recognised by their shape, anywhere in any file -------------------------------------


def _text_credentials(model: TerraformModel) -> Iterator[Credential]:
    shapes = _shapes_by_file(model.files)
    for name in sorted(model.files):
        text = model.files[name]
        for shape in shapes[name]:
            if shape.what:
                yield _text_credential(model, name, text, shape.offset, shape.what, shape.values)
            else:
                yield _key_credential(model, name, text, shape.offset, shape.values)


@dataclass(frozen=True)
class _Shape:
    """A secret recognised by its shape in a file's text; `what` is empty for a private key."""

    offset: int
    what: str
    values: tuple[str, ...]


# The root configurations and deployments of a submission share its files, and each one's
# credential pass looks for the same shapes in them: the files last scanned are remembered with
# what was found, compared by content (so files that differ in any way are scanned again).
_last_scan: tuple[dict[str, str], dict[str, tuple[_Shape, ...]]] = ({}, {})


def _shapes_by_file(files: dict[str, str]) -> dict[str, tuple[_Shape, ...]]:
    global _last_scan
    scanned, shapes = _last_scan
    if scanned != files:
        shapes = {name: tuple(_shapes_in(text)) for name, text in files.items()}
        _last_scan = (dict(files), shapes)
    return shapes


def _shapes_in(text: str) -> Iterator[_Shape]:
    if may_hold_access_key_id(text):
        for match in ACCESS_KEY_ID.finditer(text):
            yield _Shape(match.start(), "an AWS access key id", (match.group(0),))
    if may_hold_secret_key(text):
        for match in SECRET_KEY_ASSIGNMENT.finditer(text):
            yield _Shape(match.start(), "an AWS secret access key", (match.group(1),))
    if "PRIVATE KEY-----" in text:
        for match in PEM_PRIVATE_KEY.finditer(text):
            values = _pem_values(match)
            if values:
                yield _Shape(match.start(), "", values)
    if "PuTTY-User-Key-File" in text:
        for match in PUTTY_PRIVATE_KEY.finditer(text):
            values = (match.group(0), *_KEY_MATERIAL.findall(match["body"]))
            yield _Shape(match.start(), "", values)


def _owner_at(model: TerraformModel, file: str, line: int) -> tuple[str, str]:
    """The address and location of what holds `line` of `file`: a resource or data source,
    else a local, variable, provider or `.tfvars` entry; empty when nothing does."""
    resource = model.resource_at(file, line)
    if resource is not None:
        return resource.address, resource.location
    for module in model.modules:
        for name, attribute in module.locals.items():
            if attribute.file == file and _spans(attribute, line):
                return module.qualified(f"local.{name}"), ""
        for kind, blocks in (("var", module.variables), ("provider", module.providers)):
            for name, block in blocks.items():
                if block.file == file and block.line <= line <= block.end_line:
                    return module.qualified(f"{kind}.{name}"), ""
    for attribute in model.tfvars_attributes():
        if attribute.file == file and _spans(attribute, line):
            return f"var.{attribute.name}", ""
    return "", ""


def _spans(attribute: Attribute, line: int) -> bool:
    end = end_line(attribute.expr, attribute.line)
    return attribute.line <= line <= end


def _text_credential(
    model: TerraformModel,
    file: str,
    text: str,
    offset: int,
    what: str,
    values: tuple[str, ...],
) -> Credential:
    line = text.count("\n", 0, offset) + 1
    owner, location = _owner_at(model, file, line)
    return Credential(
        file,
        line,
        owner,
        f"{owner or file} contains {what}; remove it and use an IAM role or "
        "environment credentials instead.",
        location,
        values,
    )


def _key_credential(
    model: TerraformModel, file: str, text: str, offset: int, values: tuple[str, ...]
) -> Credential:
    line = text.count("\n", 0, offset) + 1
    owner, location = _owner_at(model, file, line)
    return Credential(
        file, line, owner, f"{owner or file} contains a private key; {KEY_FIX}", location, values
    )
