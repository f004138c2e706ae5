"""TST-NO-OUTPUT-VALIDATION: Interface not declared or not validated."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

from lark import Token, Tree

from evalkit.aws import catalog
from evalkit.checks._helpers import where
from evalkit.checks.documentation.missing_descriptions import has_description
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import Body, ModuleContext, TerraformModel
from evalkit.terraform.parse import Block, JsonValue
from evalkit.terraform.references import traversal_text

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


@check(
    "TST-NO-OUTPUT-VALIDATION",
    category="testing",
    severity="medium",
    title="Interface not declared or not validated",
)
def output_validation(model: TerraformModel) -> list[Finding] | None:
    """The configuration's interface is missing or unguarded.

    Fails when:
    - the submission creates things other systems connect to (VPCs, subnets, load balancers,
      databases, caches, clusters, APIs, buckets, queues, ...) but its root module declares
      no `output` at all (one finding, at the first such resource; outputs that only a child
      module declares never reach `terraform output` or remote state);
    - a root-module output has no `description` (one finding per output);
    - a constrained input has no `validation` block: a variable whose name says it is a CIDR
      (`*cidr*`) or an environment (`environment`, `env`, `stage`), or whose default is a
      CIDR (bool, number and object variables never are; nor are rule lists such as
      `ingress_with_cidr_blocks` of type `list(map(string))`, whose CIDRs are one field of
      each rule). Variables of
      child modules count too, unless every call fills them from the caller's own variables
      (judged there) or from values Terraform computes (data sources, resources, module
      outputs); a variable passed as is to a module variable that validates it is validated.
      The suggested condition for an environment name lists the values the code gives the
      variable (default, `.tfvars`, module arguments) besides dev/staging/prod, so that it
      holds for the code's own "qa" or "sandbox".

    Compared with DOC-MISSING-DESCRIPTIONS: that check covers every variable and output of
    every module as documentation; this one covers only the root module's outputs, the
    contract downstream systems read. n/a when the submission has no resource and no module
    call.

    Why: downstream stacks and pipelines need the ids and endpoints; without outputs they
    hard-code them. A typo in a CIDR or environment name without validation surfaces as a
    failed apply, or worse, a successful one with the wrong network.

    Fix: output what others consume, describe it, and validate constrained inputs.

        variable "vpc_cidr" {
          type = string
          validation {
            condition     = can(cidrhost(var.vpc_cidr, 0))
            error_message = "vpc_cidr must be a CIDR block such as 10.0.0.0/16."
          }
        }

        output "vpc_id" {
          description = "ID of the application VPC"
          value       = aws_vpc.main.id
        }
    """
    if not any(model.resources()) and not any(m.module_calls for m in model.modules):
        return None
    findings = list(_missing_outputs(model))
    findings.extend(_undescribed_root_outputs(model))
    findings.extend(_unvalidated_inputs(model))
    return findings


def _root_modules(model: TerraformModel) -> list[ModuleContext]:
    return [module for module in model.modules if not module.address]


def _missing_outputs(model: TerraformModel) -> Iterator[Finding]:
    if any(module.outputs for module in _root_modules(model)):
        return
    interface = sorted(model.resources(*INTERFACE_TYPES), key=lambda r: (r.file, r.line))
    if not interface:
        return
    first = interface[0]
    others = f" and {len(interface) - 1} other resources" if len(interface) > 1 else ""
    yield finding(
        first.file,
        first.line,
        first.address,
        f"the submission creates {first.address}{where(first)}{others} that other "
        "systems connect to, but its root module declares no outputs; output their "
        "ids, endpoints and ARNs with descriptions.",
        first.location,
    )


def _undescribed_root_outputs(model: TerraformModel) -> Iterator[Finding]:
    for module in _root_modules(model):
        for name, block in module.outputs.items():
            if not has_description(block, module):
                yield finding(
                    block.file,
                    block.line,
                    f"output.{name}",
                    f"output {name} has no description; say what the value is and "
                    "who consumes it, since it is part of the configuration's "
                    "interface.",
                )


def _unvalidated_inputs(model: TerraformModel) -> Iterator[Finding]:
    for uses in _variable_declarations(model):
        module, name, block = uses[0]
        kind = _constrained_kind(name, block, module)
        if kind is None or block.blocks_of("validation"):
            continue
        if any(_validated_downstream(m, n) for m, n, _ in uses):
            continue
        if all(_fed_by_caller(m, n) for m, n, _ in uses):
            continue  # the value enters elsewhere (a caller's variable) or is computed
        address = module.qualified(f"var.{name}")
        hint = _validation_hint(kind, name, block, module, _given_values(model, uses))
        yield finding(
            block.file,
            block.line,
            address,
            f"{address} takes {kind} but has no validation block; add one "
            f"({hint}) so a wrong value fails at plan time.",
        )


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
    "a CIDR block": "can(cidrhost({v}, 0))",
    "an environment name": "contains({names}, {v})",
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
    words = set(_type_words(attribute.expr)) if attribute is not None else set()
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
        return "a CIDR block"
    if ENVIRONMENT_NAME.match(name):
        return "an environment name"
    # Region variables are not judged: the catalog names CIDRs and environment names, and a
    # wrong region fails loudly at plan time anyway.
    return None


def _is_rule_list(name: str, block: Block) -> bool:
    """A list of rules that carry CIDRs among other fields (``ingress_with_cidr_blocks`` of
    type ``list(map(string))``), not a CIDR input: its CIDRs are one field of each rule."""
    if RULE_LIST_NAME.search(name):
        return True
    attribute = block.attributes.get("type")
    words = _type_words(attribute.expr) if attribute is not None else []
    return words[:2] in (["list", "map"], ["set", "map"])


def _may_hold_text(block: Block, default: Any) -> bool:
    """The variable's type (or, untyped, its default) is strings or collections of strings."""
    attribute = block.attributes.get("type")
    if attribute is not None:
        words = _type_words(attribute.expr)
        return bool(words) and set(words) <= TEXT_TYPE_WORDS
    if isinstance(default, bool | int | float):
        return False
    if isinstance(default, dict):
        return all(isinstance(v, str) for v in default.values())
    if isinstance(default, list):
        return all(isinstance(v, str) for v in default)
    return True


def _type_words(expr: Any) -> list[str]:
    """``list(string)`` as ``["list", "string"]``: the keywords of a type constraint."""
    if isinstance(expr, JsonValue):
        text = expr.value if isinstance(expr.value, str) else ""
        return re.findall(r"[a-z]+", text.replace("${", "").replace("}", ""))
    if isinstance(expr, Tree):
        return [
            str(token)
            for token in expr.scan_values(lambda t: isinstance(t, Token))
            if str(token).isidentifier()
        ]
    return []


def _is_cidr_value(value: Any) -> bool:
    values = list(value.values()) if isinstance(value, dict) else value
    values = values if isinstance(values, list) else [values]
    return bool(values) and all(_is_cidr(item) for item in values)


def _is_cidr(value: Any) -> bool:
    if not isinstance(value, str) or "/" not in value:
        return False
    try:
        ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return True


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
