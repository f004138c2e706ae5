"""The offline AWS provider schema: its build script, the shipped data, the major a
configuration is judged against, and the deprecation notes."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from evalkit.aws.schema import load_schema, select_major
from evalkit.checks import REGISTRY
from evalkit.records import CheckResult, SubmissionResult
from evalkit.results.journal import result_from_dict, result_to_dict
from evalkit.terraform.model import build_model

REPO = Path(__file__).resolve().parent.parent


def _build_script() -> ModuleType:
    path = REPO / "tools" / "build_aws_schema.py"
    spec = importlib.util.spec_from_file_location("build_aws_schema", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --- the build script, on a tiny synthetic assembly ---------------------------------------------

_LINK = "https://registry.terraform.io/providers/hashicorp/aws/6.1.0/docs/resources/thing"


def _prop(name: str, anchor: str, type_: dict[str, Any], optional: bool = True) -> dict[str, Any]:
    docs = {"summary": f"Docs at Terraform Registry: {{@link {_LINK}#{anchor} Thing#{anchor}}}."}
    return {"name": name, "docs": docs, "type": type_} | ({"optional": True} if optional else {})


def _block(name: str, tf_name: str, type_: dict[str, Any], optional: bool = True) -> dict[str, Any]:
    docs = {"summary": f"{tf_name} block.", "remarks": f"{{@link {_LINK}#{tf_name} Thing#x}}"}
    return {"name": name, "docs": docs, "type": type_} | ({"optional": True} if optional else {})


def _array(fqn: str) -> dict[str, Any]:
    element = {"collection": {"kind": "array", "elementtype": {"fqn": fqn}}}
    return {"union": {"types": [{"fqn": "cdktn.IResolvable"}, element]}}


_TYPES: dict[str, Any] = {
    "p.thing.Thing": {
        "kind": "class",
        "base": "cdktn.TerraformResource",
        "name": "Thing",
        "docs": {"summary": f"Represents a {{@link {_LINK} aws_thing}}."},
        "initializer": {"parameters": [{"name": "config", "type": {"fqn": "p.thing.ThingConfig"}}]},
    },
    "p.thing.ThingConfig": {
        "kind": "interface",
        "datatype": True,
        "name": "ThingConfig",
        "properties": [
            _prop("name", "name", {"primitive": "string"}, optional=False),
            _prop("selfAttribute", "self", {"primitive": "boolean"}),
            _prop("addressLine1", "address_line_1", {"primitive": "string"}),
            _prop(
                "tags",
                "tags",
                {"collection": {"kind": "map", "elementtype": {"primitive": "string"}}},
            ),
            _prop("ingress", "ingress", _array("p.thing.ThingIngress")),
            _prop("count", "count", {"primitive": "number"}),
            _block("rule", "rule", _array("p.thing.ThingRule"), optional=False),
            _block("setting", "setting", {"fqn": "p.thing.ThingSettingConfig"}),
            _block("definition", "definition", {"primitive": "any"}),
        ],
    },
    "p.thing.ThingRule": {
        "kind": "interface",
        "datatype": True,
        "name": "ThingRule",
        "properties": [_prop("action", "action", {"primitive": "string"}, optional=False)],
    },
    "p.thing.ThingSettingConfig": {
        "kind": "interface",
        "datatype": True,
        "name": "ThingSettingConfig",
        "properties": [
            _prop("value", "value", {"primitive": "number"}),
            # A nested struct's own argument, not the meta-argument of the same name.
            _prop("provider", "provider", {"primitive": "string"}),
        ],
    },
    "p.thing.ThingIngress": {
        "kind": "interface",
        "datatype": True,
        "name": "ThingIngress",
        "properties": [_prop("fromPort", "from_port", {"primitive": "number"})],
    },
}

_JS = """\
function thingRuleToHclTerraform(struct) {
    const attrs = {
        action: {
            value: cdktn.stringToHclTerraform(struct.action),
            isBlock: false,
            type: "simple",
            storageClassType: "string",
        },
    };
}
class Thing extends cdktn.TerraformResource {
    synthesizeHclAttributes() {
        const attrs = {
            ingress: {
                value: cdktn.listMapperHcl(thingIngressToHclTerraform, false)(this._ingress),
                isBlock: true,
                type: "set",
                storageClassType: "ThingIngressList",
            },
            rule: {
                value: cdktn.listMapperHcl(thingRuleToHclTerraform, true)(this._rule),
                isBlock: true,
                type: "set",
                storageClassType: "ThingRuleList",
            },
        };
    }
}
"""


def _wheel(directory: Path, js: str = _JS) -> Path:
    document = {"name": "@p/provider-thing", "version": "1.0.0", "types": _TYPES}
    tgz = io.BytesIO()
    with tarfile.open(fileobj=tgz, mode="w:gz") as tar:
        for name, data in (
            ("package/.jsii", json.dumps(document).encode()),
            ("package/lib/thing/index.js", js.encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    wheel = directory / "provider_thing-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("provider_thing/_jsii/provider-thing@1.0.0.jsii.tgz", tgz.getvalue())
    return wheel


def test_build_script_reads_a_synthetic_assembly_deterministically(tmp_path: Path) -> None:
    script = _build_script()
    wheel = _wheel(tmp_path)
    first = script.encode(script.build_from_wheel(wheel))
    second = script.encode(script.build_from_wheel(wheel))
    assert first == second
    assert first[4:8] == b"\0\0\0\0"  # gzip header without a timestamp
    assert script.main([str(wheel), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "aws-6.json.gz").read_bytes() == first

    schema = json.loads(gzip.decompress(first))
    assert schema["package"] == "provider-thing==1.0.0" and schema["provider"] == "6.1.0"
    assert schema["format"] == 2
    body = json.loads(schema["resource"]["aws_thing"])  # each body is a JSON text of its own
    assert body["a"] == {
        "address_line_1": "o string",
        "ingress": "o set(object)",
        "name": "r string",
        "self": "o bool",
        "tags": "o map(string)",
    }  # meta-arguments (count) are not the provider's
    assert body["b"]["rule"] == {"a": {"action": "r string"}, "min": 1, "n": "set"}
    setting = {"a": {"provider": "o string", "value": "o number"}, "max": 1, "n": "single"}
    assert body["b"]["setting"] == setting
    assert body["b"]["definition"] == {"n": "single", "max": 1, "x": 1}
    assert body["f"]["ingress"] == {"a": {"from_port": "o number"}}


def test_build_script_reads_bindings_that_do_not_say_list_or_set(tmp_path: Path) -> None:
    """Older generated JavaScript (the 4.x wheel) has no per-argument list/set entries:
    collections then read ``list``, and nothing else changes."""
    script = _build_script()
    wheel = _wheel(tmp_path, js="class Thing extends cdktf.TerraformResource {\n}\n")
    body = script.build_from_wheel(wheel)["resource"]["aws_thing"]
    assert body["a"]["ingress"] == "o list(object)"
    assert body["b"]["rule"] == {"a": {"action": "r string"}, "min": 1, "n": "list"}
    assert body["b"]["setting"]["n"] == "single" and body["a"]["self"] == "o bool"


# --- the shipped data -----------------------------------------------------------------------------


def test_shipped_schemas_load_once_and_describe_three_majors() -> None:
    six, five, four = load_schema(6), load_schema(5), load_schema(4)
    assert load_schema(6) is six
    assert six.provider == "6.69.1" and six.package == "cdktn-provider-aws==25.8.1"
    assert five.provider == "5.99.1" and five.package == "cdktf-cdktf-provider-aws==19.65.1"
    assert four.provider == "4.67.0" and four.package == "cdktf-cdktf-provider-aws==15.0.0"
    counts = {
        m: tuple(len(load_schema(m).type_names(k)) for k in ("managed", "data", "ephemeral"))
        for m in (6, 5, 4)
    }
    assert counts == {6: (1735, 685, 11), 5: (1514, 608, 0), 4: (1213, 494, 0)}
    bucket = six.type_schema("managed", "aws_s3_bucket")
    assert bucket is not None and bucket.argument("bucket") is not None
    versioning = bucket.block("versioning")
    assert versioning is not None and versioning.max_items == 1
    group = six.type_schema("managed", "aws_security_group")
    assert group is not None
    ingress = group.argument("ingress")
    assert ingress is not None and ingress.accepts_block_syntax
    tags = group.argument("tags")
    assert tags is not None and not tags.accepts_block_syntax
    listener = six.type_schema("managed", "aws_lb_listener")
    assert listener is not None and "default_action" in listener.required_blocks()
    deployment = "aws_api_gateway_deployment"
    stage_5 = five.type_schema("managed", deployment)
    stage_6 = six.type_schema("managed", deployment)
    assert stage_5 is not None and stage_5.argument("stage_name") is not None
    assert stage_6 is not None and stage_6.argument("stage_name") is None
    assert six.type_schema("data", "aws_region") is not None
    # 4.x: what 5.0 removed is there, what 5.x added is not; blocks and lists read as in 5.x.
    db_4, db_5 = (
        four.type_schema("managed", "aws_db_instance"),
        five.type_schema("managed", "aws_db_instance"),
    )
    assert db_4 is not None and db_4.argument("name") is not None
    assert db_5 is not None and db_5.argument("name") is None
    assert db_4.argument("db_name") is not None
    assert four.type_schema("data", "aws_subnet_ids") is not None
    assert five.type_schema("data", "aws_subnet_ids") is None
    group_4 = four.type_schema("managed", "aws_security_group")
    assert group_4 is not None
    ingress_4 = group_4.argument("ingress")
    assert ingress_4 is not None and ingress_4.accepts_block_syntax
    bucket_4 = four.type_schema("managed", "aws_s3_bucket")
    assert bucket_4 is not None and bucket_4.argument("encryption_enabled") is None
    versioning_4 = bucket_4.block("versioning")
    assert versioning_4 is not None and versioning_4.max_items == 1
    listener_4 = four.type_schema("managed", "aws_lb_listener")
    assert listener_4 is not None and "default_action" in listener_4.required_blocks()
    with pytest.raises(ValueError):
        load_schema(3)


# Regenerating from the pinned wheels gives these bytes (checked with `cmp`); a change to the
# build script or the files that alters them shows here.
_SHIPPED_SHA256 = {
    6: "d866740fb03ca47165b585537a981c7f0f0e1d146b6e6ac948c122dcc55d6bc7",
    5: "47f29637eafa233f99d3e3545c209eacd577e96a46b078586696d1b44de98819",
    4: "3baccad0d81d7cad200da45b0eada29e2e8d8bf94c1858703595375d9ba1ad01",
}


def test_shipped_files_are_the_generated_ones() -> None:
    for major, digest in _SHIPPED_SHA256.items():
        data = (REPO / "evalkit" / "aws" / "schemas" / f"aws-{major}.json.gz").read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, major


@pytest.mark.parametrize(
    ("constraints", "major"),
    [
        ([], 6),
        ([">= 5.0"], 6),
        ([">= 4.0"], 6),
        (["~> 6.0"], 6),
        (["~> 5"], 6),
        (["~> 5.0"], 5),
        (["~> 5.31.0"], 5),
        (["= 5.31.0"], 5),
        ([">= 4.0, < 6.0"], 5),
        (["~> 5.0", ">= 5.10"], 5),
        (["~> 4.0"], 4),
        (["~> 4.67"], 4),
        (["<= 4.67"], 4),
        ([">= 4.0, < 5.0"], 4),
        (["= 4.67.0"], 4),
        (["4.60.0"], 4),
        (["~> 4.0", "!= 4.67.0"], 4),
        ([">= 3.0, < 5.0"], 4),
        (["~> 3.0"], None),
        (["< 4.0"], None),
        (["= 3.76.1"], None),
        ([">= 7.0"], None),
        (["~> 4.0", ">= 5.0"], None),
        (["latest"], 6),  # unreadable: narrows nothing
    ],
)
def test_major_is_the_newest_the_constraints_allow(constraints: list[str], major: int) -> None:
    choice = select_major(constraints)
    assert choice.major == major, choice.reason
    if major is None:
        assert "4.x" in choice.reason


def _run(text: str) -> CheckResult:
    return REGISTRY.get("IAC-SCHEMA-VIOLATION").run(build_model({"main.tf": text}))


def test_constraint_read_from_required_providers_string_and_provider_block() -> None:
    removed = 'resource "aws_eip" "nat" {\n  vpc = true\n}\n'
    pinned = 'terraform {\n  required_providers {\n    aws = "~> 5.0"\n  }\n}\n'
    assert _run(pinned + removed).status == "pass"
    legacy = 'provider "aws" {\n  version = "~> 5.0"\n}\n'
    assert _run(legacy + removed).status == "pass"
    failed = _run(removed)
    assert failed.status == "fail"
    assert 'removed in AWS provider 6.0; use domain = "vpc"' in failed.findings[0].message


def test_deprecations_are_noted_on_a_pass_and_kept_in_results() -> None:
    result = _run(
        'data "aws_region" "here" {}\n'
        'resource "aws_s3_bucket" "b" {\n'
        '  bucket = "logs-${data.aws_region.here.name}"\n'
        "  versioning {\n    enabled = true\n  }\n}\n"
    )
    assert result.status == "pass" and not result.findings
    assert "aws_s3_bucket.b: `versioning` is deprecated" in result.note
    assert "`data.aws_region.here.name` is deprecated in AWS provider 6.x" in result.note
    submission = SubmissionResult("s", {}, "ok", "", (result,), 0.0)
    assert result_from_dict(result_to_dict(submission)).results[0].note == result.note


def test_below_4_is_not_applicable_with_the_reason() -> None:
    result = _run(
        'terraform {\n  required_providers {\n    aws = { version = "~> 3.0" }\n  }\n}\n'
        'resource "aws_s3_bucket" "b" {\n  made_up = 1\n}\n'
    )
    assert result.status == "n/a"
    assert "allows only AWS provider 3.x or older" in result.note


def test_explain_names_the_shipped_packages_and_how_to_regenerate() -> None:
    doc = " ".join(REGISTRY.get("IAC-SCHEMA-VIOLATION").doc.split())
    for major in (6, 5, 4):
        schema = load_schema(major)
        assert f"`{schema.package}` (AWS provider {schema.provider})" in doc
    assert "python tools/build_aws_schema.py" in doc
    assert set(_build_script().PINNED) == {load_schema(m).package for m in (6, 5, 4)}


_PINNED_4 = 'terraform {\n  required_providers {\n    aws = { version = "~> 4.0" }\n  }\n}\n'


def test_a_4x_pin_notes_what_5_0_removed_and_never_fails_it() -> None:
    result = _run(
        _PINNED_4 + 'resource "aws_db_instance" "db" {\n  engine = "mysql"\n'
        '  instance_class = "db.t3.micro"\n  name = "app"\n}\n'
        'data "aws_subnet_ids" "all" {\n  vpc_id = "vpc-1"\n}\n'
    )
    assert result.status == "pass", [f.message for f in result.findings]
    assert (
        "aws_db_instance.db: `name` is deprecated in AWS provider 4.x and removed in 5.0; "
        "use `db_name`" in result.note
    )
    assert (
        "data.aws_subnet_ids.all: aws_subnet_ids is deprecated in AWS provider 4.x" in result.note
    )


def test_a_4x_pin_names_what_exists_only_in_newer_majors() -> None:
    result = _run(
        _PINNED_4 + 'resource "aws_db_instance" "db" {\n  engine = "mysql"\n'
        '  instance_class = "db.t3.micro"\n  dedicated_log_volume = true\n}\n'
    )
    assert result.status == "fail"
    assert (
        "`dedicated_log_volume` is not an argument of aws_db_instance in AWS provider 4.67.0; "
        "it exists only in AWS provider 5.x and 6.x, and the required_providers constraint "
        "selects 4.x (allow 5.x, or leave it out)" in result.findings[0].message
    )


def test_an_argument_removed_in_5_0_names_the_closest_current_one() -> None:
    result = _run(
        'terraform {\n  required_providers {\n    aws = { version = "~> 5.0" }\n  }\n}\n'
        'resource "aws_ce_anomaly_subscription" "s" {\n  threshold = 100\n}\n'
    )
    messages = [f.message for f in result.findings]
    assert (
        "aws_ce_anomaly_subscription.s: `threshold` is not an argument of "
        "aws_ce_anomaly_subscription in AWS provider 5.99.1; removed in AWS provider 5.0; "
        "did you mean `threshold_expression`?" in messages
    ), messages
