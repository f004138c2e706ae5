"""Coverage: how much of what a task asked for an answer builds.

A record may carry a reference solution (or a list of required kinds). Both the answer and the
reference are read by the same Terraform model (what exists, module-built resources, regions),
and each is reduced to a *footprint*: every infrastructure kind it builds
(`evalkit.aws.catalog.COVERAGE_KINDS`) with the number of regions it builds it in. Coverage is
the mean, over the reference's kinds, of ``min(answer regions, reference regions) / reference
regions``: a kind built in as many regions as the reference counts 1, in one of two regions 1/2,
not at all 0. Regions are compared as counts, never by name (us-east-1 + eu-west-1 is covered by
us-west-2 + eu-central-1).

Where a resource is:

- its own ``region`` argument, else its provider configuration's ``region``;
- a provider configuration whose region is unknown (``region = var.region`` with no default)
  is one region of its own: a separate provider alias is there to reach another region;
- global services (IAM, Route 53, CloudFront) are in one place, whatever provider declares them;
- the ``replica`` blocks of a DynamoDB table or a Secrets Manager secret add their regions (a
  global table is one resource in several regions);
- a call of a well-known registry module (``terraform-aws-modules/vpc/aws``, ...) builds its kind
  in the region of the provider it is given; other registry modules are not read.

A submission with several root configurations (environment folders) builds, per kind, what its
largest root builds: environments are alternatives, not regions.

Requirements (``--requires-field``) are a list of entries ``KIND`` or ``KIND@N`` (N regions,
default 1), where KIND is a coverage kind (``database``, ``load_balancer``, ...) or a concrete
resource type (``aws_s3_bucket_replication_configuration``).
"""

from __future__ import annotations

import difflib
import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from evalkit.aws import catalog
from evalkit.records import BASIS_BOTH, BASIS_REFERENCE, BASIS_REQUIRES, Submission
from evalkit.terraform.model import (
    ModuleCall,
    ModuleContext,
    Resource,
    TerraformModel,
    build_model,
)
from evalkit.terraform.parse import default_parser
from evalkit.terraform.references import provider_map

Footprint = dict[str, int]  # kind (or resource type) -> number of regions it is built in


# Modules of the public registry (terraform-aws-modules) whose name says what they build.
REGISTRY_MODULE_KINDS: dict[str, str] = {
    "vpc": "network",
    "rds": "database",
    "rds-aurora": "database",
    "alb": "load_balancer",
    "elb": "load_balancer",
    "eks": "container_compute",
    "ecs": "container_compute",
    "lambda": "function_compute",
    "s3-bucket": "object_storage",
    "autoscaling": "vm_compute",
    "ec2-instance": "vm_compute",
    "dynamodb-table": "key_value_store",
    "cloudfront": "cdn",
    "sqs": "queue",
    "sns": "topic",
    "kms": "encryption_key",
    "route53": "dns",
    "elasticache": "cache",
    "memory-db": "cache",
    "acm": "certificate",
    "apigateway-v2": "api_gateway",
    "efs": "file_storage",
    "secrets-manager": "secret",
    "msk-kafka-cluster": "stream",
    "eventbridge": "event_bus",
    "step-functions": "workflow",
    "ecr": "container_registry",
    "opensearch": "search",
    "redshift": "data_warehouse",
    "global-accelerator": "traffic_accelerator",
    "transit-gateway": "network_peering",
    "vpn-gateway": "vpn",
}
# Resources that are built in several regions by their own `replica` blocks, and the attribute
# of the block naming the region.
_REPLICA_REGION = {
    "aws_dynamodb_table": "region_name",
    "aws_dynamodb_global_table": "region_name",
    "aws_secretsmanager_secret": "region",
}
_REGISTRY_SOURCE = re.compile(r"terraform-aws-modules/(?:terraform-aws-)?([a-z0-9-]+)")
_GLOBAL = "global"


# --- footprints ----------------------------------------------------------------------------------


def footprint(model: TerraformModel, types: Iterable[str] = ()) -> Footprint:
    """The kinds `model` builds, each with its number of regions; resource types named in
    `types` are counted as kinds of their own too (for requirements that name a type)."""
    wanted = frozenset(types)
    best: Footprint = {}
    for root in model.root_models:
        places: dict[str, set[str]] = {}
        for resource in root.resources():
            keys = {catalog.coverage_kind(resource.type)}
            if resource.type in wanted:
                keys.add(resource.type)
            keys.discard("")
            if keys:
                where = _resource_places(resource)
                for key in keys:
                    places.setdefault(key, set()).update(where)
        for module in root.modules:
            for call in module.module_calls.values():
                kind = registry_module_kind(call.source)
                if kind and call.template is None:
                    places.setdefault(kind, set()).add(_call_place(module, call))
        for key, where in places.items():
            best[key] = max(best.get(key, 0), len(where))
    return dict(sorted(best.items()))


def registry_module_kind(source: str) -> str:
    """The kind a well-known registry module builds, "" for any other source."""
    match = _REGISTRY_SOURCE.search(source or "")
    return REGISTRY_MODULE_KINDS.get(match.group(1), "") if match else ""


def _resource_places(resource: Resource) -> set[str]:
    if catalog.is_global(resource.type):
        return {_GLOBAL}
    places: set[str] = set()
    replica_region = _REPLICA_REGION.get(resource.type)
    for instance in resource.instances:
        own = instance.get("region")
        places.add(own if isinstance(own, str) and own else _provider_place(resource))
        if replica_region is None:
            continue
        for number, replica in enumerate(instance.blocks("replica"), start=1):
            region = replica.get(replica_region)
            places.add(region if isinstance(region, str) and region else f"replica {number}")
    return places or {_provider_place(resource)}


def _provider_place(resource: Resource) -> str:
    if resource.region:
        return resource.region
    provider = resource.context.provider_body(resource.provider_key)
    if provider is None:
        return "provider aws"
    return f"provider at {provider.file}:{provider.line}"


def _call_place(module: ModuleContext, call: ModuleCall) -> str:
    passed = call.block.attributes.get("providers")
    key = provider_map(passed.expr).get("aws", "aws") if passed is not None else "aws"
    provider = module.provider_body(key)
    if provider is None:
        return "provider aws"
    region = provider.get("region")
    if isinstance(region, str) and region:
        return region
    return f"provider at {provider.file}:{provider.line}"


# --- requirements --------------------------------------------------------------------------------


class RequirementError(ValueError):
    """A requirement list that cannot be read; the message names the bad entry."""


_ENTRY = re.compile(r"^(?P<kind>[A-Za-z][A-Za-z0-9_ -]*?)\s*(?:@\s*(?P<regions>\S+))?$")
_RESOURCE_TYPE = re.compile(r"^aws_[a-z0-9_]+$")


def parse_requirements(value: Any) -> Footprint:
    """Required kinds from a record field: a list of strings, JSON text of one, or one string
    of entries separated by commas. Each entry is ``KIND`` or ``KIND@N``. Raises
    `RequirementError` naming the bad entry (with the closest kind for a misspelt one)."""
    entries = _entries(value)
    required: Footprint = {}
    for entry in entries:
        kind, regions = _entry(entry)
        required[kind] = max(required.get(kind, 0), regions)
    return dict(sorted(required.items()))


def _entries(value: Any) -> list[str]:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                raise RequirementError(f"not a valid JSON list: {error.msg}") from None
        else:
            return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        bad = [item for item in value if not isinstance(item, str)]
        if bad:
            raise RequirementError(f"entry {bad[0]!r} is not a string")
        return [item.strip() for item in value if item.strip()]
    raise RequirementError(
        f"expected a list of kinds or a comma-separated string, got {type(value).__name__}"
    )


def _entry(entry: str) -> tuple[str, int]:
    match = _ENTRY.match(entry)
    if match is None:
        raise RequirementError(f"entry {entry!r}: expected KIND or KIND@N")
    raw_kind, raw_regions = match.group("kind").strip(), match.group("regions")
    regions = 1
    if raw_regions is not None:
        if not raw_regions.isdigit() or int(raw_regions) < 1:
            raise RequirementError(
                f"entry {entry!r}: the number of regions after @ must be a whole number >= 1"
            )
        regions = int(raw_regions)
    if raw_kind.startswith("aws_"):
        if not _RESOURCE_TYPE.match(raw_kind):
            raise RequirementError(f"entry {entry!r}: {raw_kind!r} is not a resource type name")
        return raw_kind, regions
    kind = re.sub(r"[\s-]+", "_", raw_kind.lower())
    if kind not in catalog.COVERAGE_KINDS:
        close = difflib.get_close_matches(kind, list(catalog.COVERAGE_KINDS), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise RequirementError(
            f"entry {entry!r}: unknown kind {raw_kind!r}{hint}; a kind is one of "
            f"{', '.join(catalog.COVERAGE_KINDS)} or a resource type (aws_...)"
        )
    return kind, regions


# --- measuring -----------------------------------------------------------------------------------


def wants_coverage(submission: Submission) -> bool:
    return submission.reference is not None or submission.requires is not None


def measure(
    submission: Submission, model: TerraformModel, status: str, parser: str | None = None
) -> dict[str, Any]:
    """What coverage is computed from, as stored with the result: the basis, the reference's
    footprint (parsed with `parser`, as the answer was) and the answer's. An answer that does
    not parse or holds no Terraform builds nothing."""
    reference: Footprint = {}
    notes: list[str] = []
    if submission.reference is not None:
        reference = reference_footprint(submission.reference, notes, parser)
    if submission.requires is not None:
        required = parse_requirements(list(submission.requires))
        for kind, regions in required.items():
            reference[kind] = max(reference.get(kind, 0), regions)
    types = [kind for kind in reference if kind not in catalog.COVERAGE_KINDS]
    built = footprint(model, types) if status not in ("parse_error", "no_terraform") else {}
    answer = {kind: regions for kind, regions in built.items() if kind in reference}
    data: dict[str, Any] = {
        "basis": _basis(submission),
        "reference": dict(sorted(reference.items())),
        "answer": dict(sorted(answer.items())),
    }
    if notes:
        data["notes"] = notes
    return data


def reference_footprint(
    files: Mapping[str, str], notes: list[str] | None = None, parser: str | None = None
) -> Footprint:
    """The footprint of a reference solution's files; what parses is read (a file that does
    not parse is noted in `notes`).

    Every answer to a task is measured against the same reference (a trainer's group of
    completions, a dataset's rows of one task): the last references' footprints are kept,
    so each is parsed once, not once per answer."""
    parser = parser or default_parser()
    key = (parser, tuple(sorted(files.items())))
    kept = _REFERENCES.get(key)
    if kept is None:
        kept = _read_reference(dict(files), parser)
        _REFERENCES[key] = kept
        while len(_REFERENCES) > _KEPT_REFERENCES:
            _REFERENCES.popitem(last=False)
    else:
        _REFERENCES.move_to_end(key)
    found, reference_notes = kept
    if notes is not None:
        notes.extend(reference_notes)
    return dict(found)


# Footprints are a few kinds each; the key holds the reference's text.
_KEPT_REFERENCES = 32
_REFERENCES: OrderedDict[tuple[str, tuple[tuple[str, str], ...]], tuple[Footprint, list[str]]] = (
    OrderedDict()
)


def _read_reference(files: dict[str, str], parser: str) -> tuple[Footprint, list[str]]:
    model = build_model(files, parser)
    try:
        notes = [
            f"reference: {failure.file}:{failure.line} does not parse; coverage is "
            "measured against the files that do"
            for failure in model.failures[:1]
        ]
        return footprint(model), notes
    finally:
        model.release()


def _basis(submission: Submission) -> str:
    if submission.reference is not None and submission.requires is not None:
        return BASIS_BOTH
    return BASIS_REFERENCE if submission.reference is not None else BASIS_REQUIRES
