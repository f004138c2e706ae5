"""The configuration's interface: what it offers other systems (outputs of the resources
they connect to) and what it takes (inputs), and which inputs are guarded by validation.

A constrained input is a variable whose value must have one form: a CIDR block (named
`*cidr*`, or with a CIDR default) or an environment name (`environment`, `env`, `stage`).
It is guarded when it has a `validation` block, passes its value as is to a child module
variable that validates it, or is only ever filled by its callers from their own variables
(judged there) or from values Terraform computes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from evalkit.aws import catalog
from evalkit.aws.network import ip_network
from evalkit.terraform.model import Body, ModuleContext, Resource, TerraformModel
from evalkit.terraform.parse import Block
from evalkit.terraform.references import traversal_text
from evalkit.terraform.syntax import type_keywords

# Resources other systems connect to: their ids, endpoints and ARNs are what outputs are for.
INTERFACE_TYPES = (
    *catalog.VPCS,
    *catalog.SUBNETS,
    *catalog.ALL_LOAD_BALANCERS,
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_docdb_cluster",
    "aws_neptune_cluster",
    "aws_elasticache_replication_group",
    "aws_elasticache_cluster",
    "aws_redshift_cluster",
    *catalog.KEY_VALUE_STORES,
    *catalog.COMPUTE,
    "aws_ecs_cluster",
    "aws_api_gateway_rest_api",
    "aws_apigatewayv2_api",
    "aws_cloudfront_distribution",
    "aws_opensearch_domain",
    "aws_elasticsearch_domain",
    "aws_msk_cluster",
    "aws_efs_file_system",
    *catalog.BUCKETS,
    "aws_sqs_queue",
    *catalog.TOPICS,
    "aws_ecr_repository",
    "aws_route53_zone",
    "aws_globalaccelerator_accelerator",
    "aws_ec2_transit_gateway",
    "aws_kinesis_stream",
    "aws_kms_key",
    "aws_cognito_user_pool",
)

CIDR_NAME = re.compile(r"cidr", re.IGNORECASE)
# Security group rule lists as the community security-group module names them.
RULE_LIST_NAME = re.compile(r"_with_(?:ipv6_)?cidr_blocks$", re.IGNORECASE)
ENVIRONMENT_NAME = re.compile(r"^(?:environment|env|stage)(?:_name)?$", re.IGNORECASE)
# Type keywords under which a value can hold CIDRs or environment names.
TEXT_TYPE_WORDS = frozenset({"string", "list", "set", "map", "any"})

CIDR_BLOCK = "a CIDR block"
ENVIRONMENT_NAME_KIND = "an environment name"


@dataclass(frozen=True)
class ConstrainedInput:
    """A variable block that takes a constrained value, with every module instance that
    declares it (a module called twice declares its variables twice)."""

    address: str  # var.name, qualified by the first declaring module
    kind: str  # CIDR_BLOCK or ENVIRONMENT_NAME_KIND
    block: Block
    uses: tuple[tuple[ModuleContext, str, Block], ...]

    @property
    def guarded(self) -> bool:
        """Validated here or downstream, or filled only by callers' variables and computed
        values."""
        if self.block.blocks_of("validation"):
            return True
        if any(_validated_downstream(m, n) for m, n, _ in self.uses):
            return True
        return all(_fed_by_caller(m, n) for m, n, _ in self.uses)


def root_modules(model: TerraformModel) -> list[ModuleContext]:
    """The root module instances (a submission may have several roots)."""
    return [module for module in model.modules if not module.address]


def interface_resources(model: TerraformModel) -> list[Resource]:
    """Resources other systems connect to, in the order they were written."""
    return sorted(model.resources(*INTERFACE_TYPES), key=lambda r: (r.file, r.line))


def constrained_inputs(model: TerraformModel) -> list[ConstrainedInput]:
    """Every variable that takes a CIDR block or an environment name."""
    found = []
    for uses in _variable_declarations(model):
        module, name, block = uses[0]
        kind = _constrained_kind(name, block, module)
        if kind is not None:
            found.append(
                ConstrainedInput(module.qualified(f"var.{name}"), kind, block, tuple(uses))
            )
    return found


def validation_hint(model: TerraformModel, constrained: ConstrainedInput) -> str:
    """A `condition = ...` that validates the input, for the variable's type; an
    environment name lists the values the code itself gives it."""
    module, name, block = constrained.uses[0]
    given = _given_values(model, list(constrained.uses))
    return _validation_hint(constrained.kind, name, block, module, given)


def _variable_declarations(model: TerraformModel) -> list[list[tuple[ModuleContext, str, Block]]]:
    """Each variable block with every module instance that declares it (a module called
    twice declares its variables twice)."""
    found: dict[tuple[str, int], list[tuple[ModuleContext, str, Block]]] = {}
    for module in model.modules:
        for name, block in module.variables.items():
            found.setdefault((block.file, block.line), []).append((module, name, block))
    return list(found.values())


def _fed_by_caller(module: ModuleContext, name: str) -> bool:
    """The module call passes a value that needs no validation here: one of the caller's
    variables (judged where it is declared), or an attribute Terraform computes (a data
    source such as ``aws_region``, a resource, another module's output), directly or
    through locals."""
    if module.call is None or module.parent is None:
        return False
    attribute = module.call.block.attributes.get(name)
    context = module.parent
    for _ in range(8):
        text = traversal_text(attribute.expr) if attribute is not None else None
        if text is None or "." not in text:
            return False
        root, _, rest = text.partition(".")
        if root == "local":
            found = context.definition(f"local.{rest.split('.')[0]}")
            if found is None or rest.count("."):
                return False
            attribute, context = found
            continue
        if root == "var":
            return rest.split(".")[0] in context.variables
        return (
            root in ("data", "module")
            or context.resource("managed", root, rest.split(".")[0]) is not None
        )
    return False


# A condition on one value `{v}`; collections get it for every element.
_VALIDATION_CONDITIONS = {
    CIDR_BLOCK: "can(cidrhost({v}, 0))",
    ENVIRONMENT_NAME_KIND: "contains({names}, {v})",
}
STANDARD_ENVIRONMENTS = ("dev", "staging", "prod")


def _given_values(model: TerraformModel, uses: list[tuple[ModuleContext, str, Block]]) -> list[str]:
    """The known strings the code gives a variable: its default, the module arguments of
    every call, and (for a root variable) every ``.tfvars`` entry, auto-loaded or not."""
    values: list[Any] = []
    for module, name, block in uses:
        values.append(Body(block, module, {}, f"var.{name}").get("default"))
        values.append(module.variable_value(name))
        if not module.address:
            values.extend(
                model.evaluate_constant(attribute.expr)
                for attribute in model.tfvars_attributes()
                if attribute.name == name
            )
    strings = [
        item
        for value in values
        for item in (
            value.values()
            if isinstance(value, dict)
            else value
            if isinstance(value, list)
            else [value]
        )
        if isinstance(item, str) and item
    ]
    return list(dict.fromkeys(strings))


def _validation_hint(
    kind: str, name: str, block: Block, module: ModuleContext, given: list[str]
) -> str:
    # An enum must hold for the values the code itself passes ("qa", "production"), or the
    # suggested fix breaks the plan.
    names = [*(g for g in given if g not in STANDARD_ENVIRONMENTS), *STANDARD_ENVIRONMENTS]
    listed = "[" + ", ".join(f'"{n}"' for n in names) + "]"
    listed = listed.replace("{", "{{").replace("}", "}}")
    condition = _VALIDATION_CONDITIONS[kind].replace("{names}", listed)
    attribute = block.attributes.get("type")
    words = set(type_keywords(attribute.expr)) if attribute is not None else set()
    default = Body(block, module, {}, f"var.{name}").get("default")
    if {"list", "set"} & words or (not words and isinstance(default, list)):
        return f"condition = alltrue([for v in var.{name} : {condition.format(v='v')}])"
    if "map" in words or (not words and isinstance(default, dict)):
        return f"condition = alltrue([for v in values(var.{name}) : {condition.format(v='v')}])"
    return f"condition = {condition.format(v=f'var.{name}')}"


def _constrained_kind(name: str, block: Block, module: ModuleContext) -> str | None:
    """What constrained value the variable holds, or None when it holds none."""
    default = Body(block, module, {}, f"var.{name}").get("default")
    if not _may_hold_text(block, default):
        return None
    if (CIDR_NAME.search(name) and not _is_rule_list(name, block)) or _is_cidr_value(default):
        return CIDR_BLOCK
    if ENVIRONMENT_NAME.match(name):
        return ENVIRONMENT_NAME_KIND
    # Region variables are not judged: the catalog names CIDRs and environment names, and a
    # wrong region fails loudly at plan time anyway.
    return None


def _is_rule_list(name: str, block: Block) -> bool:
    """A list of rules that carry CIDRs among other fields (``ingress_with_cidr_blocks`` of
    type ``list(map(string))``), not a CIDR input: its CIDRs are one field of each rule."""
    if RULE_LIST_NAME.search(name):
        return True
    attribute = block.attributes.get("type")
    words = type_keywords(attribute.expr) if attribute is not None else []
    return words[:2] in (["list", "map"], ["set", "map"])


def _may_hold_text(block: Block, default: Any) -> bool:
    """The variable's type (or, untyped, its default) is strings or collections of strings."""
    attribute = block.attributes.get("type")
    if attribute is not None:
        words = type_keywords(attribute.expr)
        return bool(words) and set(words) <= TEXT_TYPE_WORDS
    if isinstance(default, bool | int | float):
        return False
    if isinstance(default, dict):
        return all(isinstance(v, str) for v in default.values())
    if isinstance(default, list):
        return all(isinstance(v, str) for v in default)
    return True


def _is_cidr_value(value: Any) -> bool:
    values = list(value.values()) if isinstance(value, dict) else value
    values = values if isinstance(values, list) else [values]
    return bool(values) and all(_is_cidr(item) for item in values)


def _is_cidr(value: Any) -> bool:
    """A network with its prefix written out: a bare address is not a CIDR block."""
    return isinstance(value, str) and "/" in value and ip_network(value) is not None


def _validated_downstream(module: ModuleContext, name: str) -> bool:
    """`var.name` is passed as is to a child module variable that validates it."""
    for call in module.module_calls.values():
        if call.child is None:
            continue
        for argument, attribute in call.block.attributes.items():
            if traversal_text(attribute.expr) != f"var.{name}":
                continue
            target = call.child.variables.get(argument)
            if target is not None and target.blocks_of("validation"):
                return True
    return False
