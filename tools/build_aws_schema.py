"""Build evalkit's offline AWS provider schema from the pinned jsii provider wheels.

`terraform validate` checks a configuration against the provider's schema, which needs
`terraform init` and the network. The same schema ships on the Python registry inside the
generated CDK bindings of the AWS provider, as a jsii assembly (``_jsii/*.jsii.tgz``): one
JSON document describing a class per resource, data source and ephemeral resource, the
struct of its arguments and the structs of its nested blocks, plus the generated JavaScript
that says, per argument, whether it is a list or a set.

This script reads a wheel and writes a compact, sorted JSON of one provider major,
gzip-compressed with a zero timestamp, so that regenerating from the same wheel gives the
same bytes. The wheels are build inputs only, never dependencies of evalkit.

Regenerate the files shipped in ``evalkit/aws/schemas/`` (needs the network once, ~130 MB of
downloads into a temporary directory, about 1 GB of memory while an assembly is read)::

    python tools/build_aws_schema.py            # downloads the pinned wheels with pip
    python tools/build_aws_schema.py WHEEL ...  # or reads wheels you already have

The pinned wheels (`PINNED`) are ``cdktn-provider-aws==25.8.1`` (AWS provider 6.69.1) and
``cdktf-cdktf-provider-aws==19.65.1`` (AWS provider 5.99.1). To move to a newer provider,
change the pins, regenerate, and run the schema check's fixtures.

The format (``format`` 1)::

    {"format": 1, "package": "<name>==<version>", "provider": "<aws provider version>",
     "resource": {TYPE: BODY}, "data": {TYPE: BODY}, "ephemeral": {TYPE: BODY}}
    BODY  = {"a": {NAME: "<r|o> <type>"},    # arguments: required/optional and type
             "b": {NAME: BLOCK},             # nested blocks
             "f": {NAME: BODY}}              # fields of object-typed arguments
    BLOCK = BODY + {"n": "single|list|set", "min": N, "max": N, "x": 1}

Types read ``string``, ``number``, ``bool``, ``any``, ``object``, ``list(T)``, ``set(T)``,
``map(T)``. ``min`` is 1 for a required block, ``max`` 1 for a single-instance one (absent
means 0 and unlimited). ``"x": 1`` marks a block whose content has no schema (the provider
takes any JSON-like content there); empty keys are left out.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

PINNED = ("cdktn-provider-aws==25.8.1", "cdktf-cdktf-provider-aws==19.65.1")
FORMAT = 1
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "evalkit" / "aws" / "schemas"

_KIND_OF_BASE = {
    "TerraformResource": "resource",
    "TerraformDataSource": "data",
    "TerraformEphemeralResource": "ephemeral",
}
_TYPE_LINK = re.compile(
    r"\{@link https://registry\.terraform\.io/providers/hashicorp/aws/"
    r"([0-9][^/]*)/docs/[a-z-]+/[a-z0-9_]+ (aws_[a-z0-9_]+)\}"
)
_ANCHOR = re.compile(r"#([A-Za-z0-9_]+) [A-Za-z0-9_]+#[A-Za-z0-9_]+\}")
_BLOCK_SUMMARY = re.compile(r"^([A-Za-z0-9_]+) block\.$")
# In the generated JavaScript: where one struct's (or the class's) arguments are listed,
# and per argument its Terraform name, whether it is a block and whether list or set.
_JS_SECTION = re.compile(
    r"^function (\w+)ToHclTerraform\(struct\)|^class (\w+) extends cdkt[nf]\.(Terraform\w+)"
    r"|^    (synthesizeHclAttributes)\(\)",
    re.MULTILINE,
)
_JS_ENTRY = re.compile(
    r"^\s+(\w+): \{\n\s+value: [^\n]*\n\s+isBlock: (?:true|false),\n\s+type: \"(\w+)\"",
    re.MULTILINE,
)


# --- reading a wheel ----------------------------------------------------------------------------


def read_wheel(wheel: Path) -> tuple[dict[str, Any], dict[str, dict[str, str]], str]:
    """The assembly's types, the list/set kinds from its JavaScript, and ``name==version``."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in sorted(archive.namelist()) if n.endswith(".jsii.tgz"))
        tgz = archive.read(name)
    types: dict[str, Any] = {}
    collections: dict[str, dict[str, str]] = {}
    package = ""
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if not member.isfile():
                continue
            if member.name.endswith("/index.js") and "/lib/" in member.name:
                _read_js(_read_member(tar, member).decode("utf-8"), collections)
            elif member.name == "package/.jsii":
                # One ~155 MB document: loaded once, only its types are kept.
                document = json.loads(_read_member(tar, member))
                types = document["types"]
                package = f"{document['name']}=={document['version']}"
                del document
    return types, collections, package


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise ValueError(f"cannot read {member.name}")
    return handle.read()


def _read_js(text: str, collections: dict[str, dict[str, str]]) -> None:
    """Record, per struct or class name, each argument's collection kind (list/set/...)."""
    sections = list(_JS_SECTION.finditer(text))
    current_class = ""
    for index, match in enumerate(sections):
        if match.group(2):
            current_class = match.group(2)
            continue
        owner = match.group(1)
        owner = owner[:1].upper() + owner[1:] if owner else current_class
        end = sections[index + 1].start() if index + 1 < len(sections) else len(text)
        kinds = collections.setdefault(owner, {})
        for entry in _JS_ENTRY.finditer(text, match.end(), end):
            kinds.setdefault(entry.group(1), entry.group(2))


# --- turning the assembly into the schema -------------------------------------------------------


class Builder:
    def __init__(self, types: dict[str, Any], collections: dict[str, dict[str, str]]) -> None:
        self.types = types
        self.collections = collections

    def build(self, package: str) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "format": FORMAT,
            "package": package,
            "provider": "",
            "resource": {},
            "data": {},
            "ephemeral": {},
        }
        for fqn in sorted(self.types):
            spec = self.types[fqn]
            kind = _kind_of(spec)
            link = _TYPE_LINK.search(spec.get("docs", {}).get("summary", ""))
            if kind is None or link is None:
                continue
            config = _config_struct(spec)
            if config is None or config not in self.types:
                continue
            schema["provider"] = schema["provider"] or link.group(1)
            body = self.body(config, spec.get("name", ""), (), top=True)
            schema[kind].setdefault(link.group(2), body)
        return schema

    def body(
        self, fqn: str, js_owner: str, ancestors: tuple[str, ...], top: bool = False
    ) -> dict[str, Any]:
        """The arguments, blocks and object fields of one struct (`top`: a type's config
        struct, which also holds the meta-arguments)."""
        if fqn in ancestors:  # a self-recursive struct: its inner levels are not described
            return {"x": 1}
        struct = self.types[fqn]
        kinds = self.collections.get(js_owner or struct.get("name", ""), {})
        arguments: dict[str, str] = {}
        blocks: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        for prop in struct.get("properties", []):
            if top and prop["name"] in _META_PROPERTIES:
                continue
            docs = prop.get("docs", {})
            block = _BLOCK_SUMMARY.match(docs.get("summary", ""))
            name = block.group(1) if block else _terraform_name(prop)
            required = not prop.get("optional", False)
            element, many = _element_of(prop["type"])
            nested = element.get("fqn", "")
            is_struct = bool(nested) and self.types.get(nested, {}).get("datatype", False)
            if block:
                blocks[name] = self._block(
                    name, element, many, required, kinds.get(name, "list"), (*ancestors, fqn)
                )
                continue
            arguments[name] = ("r " if required else "o ") + self._type(prop["type"], kinds, name)
            if is_struct:
                fields[name] = self.body(nested, "", (*ancestors, fqn))
        out: dict[str, Any] = {}
        if arguments:
            out["a"] = dict(sorted(arguments.items()))
        if blocks:
            out["b"] = dict(sorted(blocks.items()))
        if fields:
            out["f"] = dict(sorted(fields.items()))
        return out

    def _block(
        self,
        name: str,
        element: dict[str, Any],
        many: bool,
        required: bool,
        nesting: str,
        ancestors: tuple[str, ...],
    ) -> dict[str, Any]:
        nested = element.get("fqn", "")
        if not nested or nested not in self.types:
            content: dict[str, Any] = {"x": 1}
        else:
            content = self.body(nested, "", ancestors)
        block: dict[str, Any] = {"n": (nesting if nesting in ("list", "set") else "list")}
        if not many:
            block = {"n": "single", "max": 1}
        if required:
            block["min"] = 1
        block.update(content)
        return dict(sorted(block.items()))

    def _type(self, jsii_type: dict[str, Any], kinds: dict[str, str], name: str) -> str:
        """A Terraform type expression for a jsii property type."""
        jsii_type = _unwrap(jsii_type)
        if "primitive" in jsii_type:
            return {"boolean": "bool", "json": "any"}.get(
                jsii_type["primitive"], jsii_type["primitive"]
            )
        if "collection" in jsii_type:
            collection = jsii_type["collection"]
            inner = self._type(collection["elementtype"], {}, "")
            if collection["kind"] == "map":
                return f"map({inner})"
            kind = kinds.get(name, "list")
            return f"{kind if kind in ('list', 'set') else 'list'}({inner})"
        fqn = jsii_type.get("fqn", "")
        if self.types.get(fqn, {}).get("datatype", False):
            return "object"
        return "any"


# Properties every config struct inherits from the meta-arguments interface.
_META_PROPERTIES = frozenset(
    {"connection", "count", "dependsOn", "forEach", "lifecycle", "provider", "provisioners"}
)


def _kind_of(spec: dict[str, Any]) -> str | None:
    if spec.get("kind") != "class":
        return None
    base = str(spec.get("base", "")).rsplit(".", 1)[-1]
    return _KIND_OF_BASE.get(base)


def _config_struct(spec: dict[str, Any]) -> str | None:
    for parameter in spec.get("initializer", {}).get("parameters", []):
        if parameter.get("name") == "config":
            return str(parameter["type"].get("fqn", "")) or None
    return None


def _unwrap(jsii_type: dict[str, Any]) -> dict[str, Any]:
    """A union with ``IResolvable`` (a token may stand for any value) is its other member."""
    union = jsii_type.get("union")
    if union:
        others = [t for t in union["types"] if not str(t.get("fqn", "")).endswith(".IResolvable")]
        return others[0] if len(others) == 1 else {"primitive": "any"}
    if str(jsii_type.get("fqn", "")).endswith(".IResolvable"):
        return {"primitive": "any"}
    return jsii_type


def _element_of(jsii_type: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A block's element type and whether it repeats (an array of structs)."""
    jsii_type = _unwrap(jsii_type)
    collection = jsii_type.get("collection")
    if collection and collection.get("kind") == "array":
        return _unwrap(collection["elementtype"]), True
    return jsii_type, False


def _terraform_name(prop: dict[str, Any]) -> str:
    """The argument's Terraform name: the anchor of its registry link, which keeps names
    that the camelCase property name does not (``self``, ``address_line_1``)."""
    docs = prop.get("docs", {})
    for text in (docs.get("summary", ""), docs.get("remarks", "")):
        anchor = _ANCHOR.search(text)
        if anchor:
            return anchor.group(1)
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", prop["name"]).lower()


# --- writing ------------------------------------------------------------------------------------


def encode(schema: dict[str, Any]) -> bytes:
    """The schema as sorted, compact JSON, gzip-compressed without a timestamp or name."""
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as out:
        out.write(text.encode("ascii"))
    return buffer.getvalue()


def build_from_wheel(wheel: Path) -> dict[str, Any]:
    types, collections, package = read_wheel(wheel)
    return Builder(types, collections).build(_registry_package(wheel, package))


def _registry_package(wheel: Path, fallback: str) -> str:
    """``name==version`` as the Python registry names the wheel."""
    parts = wheel.name.split("-")
    if len(parts) >= 2 and wheel.suffix == ".whl":
        return f"{parts[0].replace('_', '-')}=={parts[1]}"
    return fallback


def output_name(schema: dict[str, Any]) -> str:
    major = str(schema["provider"]).split(".", 1)[0]
    return f"aws-{major}.json.gz"


def _download(directory: Path) -> list[Path]:
    for requirement in PINNED:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--quiet",
                "-d",
                str(directory),
                requirement,
            ],
            check=True,
        )
    return sorted(directory.glob("*.whl"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "wheels",
        nargs="*",
        type=Path,
        help="provider wheels (default: download the pinned ones into a temporary directory)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temporary:
        wheels = args.wheels or _download(Path(temporary))
        for wheel in wheels:
            schema = build_from_wheel(wheel)
            target = args.out / output_name(schema)
            target.write_bytes(encode(schema))
            counts = ", ".join(f"{len(schema[k])} {k}" for k in ("resource", "data", "ephemeral"))
            print(f"{target}: {schema['package']} (AWS provider {schema['provider']}): {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
