"""Testing checks: does the submission ship tests, and does it state and guard its interface."""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from lark import Token, Tree

from evalkit.aws import catalog
from evalkit.checks._assertions import asserting_runs, why_not_a_test
from evalkit.checks._helpers import where
from evalkit.checks.documentation import has_description
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import Body, ModuleContext, TerraformModel
from evalkit.terraform.parse import Block, JsonValue
from evalkit.terraform.references import traversal_text

# --- TST-NO-TESTS ------------------------------------------------------------------------------

# File names that test frameworks pick up by themselves.
TEST_FILE_NAME = re.compile(
    r"(?:\.tftest\.(?:hcl|json)|_test\.go|_test\.py|\.(?:test|spec)\.[cm]?[jt]sx?|_spec\.rb"
    r"|\.bats)$|(?:^|/)test_[^/]*\.py$",
    re.IGNORECASE,
)
CODE_SUFFIXES = (
    ".py",
    ".go",
    ".ts",
    ".tsx",
    ".js",
    ".mjs",
    ".cjs",
    ".rb",
    ".sh",
    ".bash",
    ".bats",
    ".hcl",
    ".ps1",
    ".java",
    ".kt",
    ".rs",
)
TEST_DIRECTORIES = frozenset(
    {"test", "tests", "testing", "__tests__", "spec", "e2e", "integration-tests", "terratest"}
)
# Test code whose file name the answer did not give (``snippet_2.go``).
TEST_CONTENT = {
    ".go": re.compile(r"func\s+Test\w*\s*\(\s*\w+\s+\*testing\.T\s*\)"),
    ".py": re.compile(r"^\s*def\s+test_\w*\s*\(|unittest\.TestCase", re.MULTILINE),
    ".ts": re.compile(r"^\s*(?:describe|it|test)\s*\(\s*['\"`]", re.MULTILINE),
    ".js": re.compile(r"^\s*(?:describe|it|test)\s*\(\s*['\"`]", re.MULTILINE),
    ".rb": re.compile(r"^\s*(?:describe|control)\b.*\bdo\s*$", re.MULTILINE),
    ".hcl": re.compile(r"^run\s+\"[^\"]*\"\s*\{", re.MULTILINE),
    ".sh": re.compile(r"^@test\s+[\"']", re.MULTILINE),
}


@check(
    "TST-NO-TESTS",
    category="testing",
    severity="medium",
    title="No tests shipped with the configuration",
)
def no_tests(model: TerraformModel) -> list[Finding] | None:
    """The submission ships no tests at all.

    Tests are: Terraform test files (`*.tftest.hcl`, `*.tftest.json`, or `run` blocks with
    `assert` written into a `.tf` file), Terratest (`*_test.go`), and test files of other
    frameworks (`test_*.py`/`*_test.py`, `*.test.ts`/`*.spec.ts`, `*_spec.rb`, `*.bats`), code
    files under a `test/` or `tests/` directory, and test code recognised by its content when
    the answer gave it no file name (`func TestX(t *testing.T)`, `def test_x()`,
    `describe(...)`).

    A test asserts something, or it cannot fail: a Terraform test file whose `run` blocks have
    no `assert` block and no `expect_failures`, and a Go, Python, JavaScript/TypeScript,
    Ruby, Java, Kotlin, Rust or PowerShell test file with no assertion (`assert.*`,
    `require.*`, `t.Fatal`/`t.Error`, `assert`, `self.assert*`, `pytest.raises`, `expect(`,
    `should`, ...) is not one. Nor is a Lambda handler module (a function taking
    `(event, context)`) outside a test directory, whatever its functions are called: the
    `test_secret` step of a Secrets Manager rotation Lambda is part of the rotation protocol.
    The finding names each file that looked like a test and why it was not counted.

    `check {}` blocks and `precondition`/`postcondition` do not count: they are assertions
    evaluated while planning or applying the real infrastructure, not a suite that exercises
    the configuration before it ships. Never n/a for a submission with Terraform.

    Why: without tests every change is verified in production; a plan-only test catches
    wrong CIDRs, names and wiring in seconds.

    Fix: add a Terraform test (or Terratest) that plans the configuration and asserts on it.

        # tests/network.tftest.hcl
        run "vpc_cidr" {
          command = plan
          assert {
            condition     = aws_vpc.main.cidr_block == "10.0.0.0/16"
            error_message = "VPC CIDR changed"
          }
        }
    """
    if not model.has_terraform:
        return None
    tests, not_tests = _test_files(model)
    if tests or _has_run_blocks(model):
        return []
    return [
        finding(
            "",
            0,
            "",
            "the submission ships no tests; add Terraform tests "
            "(tests/*.tftest.hcl with run blocks and assert conditions) or Terratest "
            "that plan the configuration and check its resources and outputs"
            f"{_assertions_note(model)}{_not_tests_note(model, not_tests)}.",
        )
    ]


def _test_files(model: TerraformModel) -> tuple[list[str], dict[str, str]]:
    """The files that are tests, and those that look like tests with why they are not."""
    tests: list[str] = []
    not_tests: dict[str, str] = {}
    for name in sorted(model.files):
        text = model.files[name]
        if not _is_test_file(name, text):
            continue
        reason = why_not_a_test(name, text, _terraform_test_blocks(model, name))
        if reason is None:
            tests.append(name)
        else:
            not_tests[name] = reason
    return tests, not_tests


def _not_tests_note(model: TerraformModel, not_tests: dict[str, str]) -> str:
    """Why the files that look like tests were not counted, also `run` blocks in `.tf`."""
    reasons = [r for name, r in not_tests.items() if not SUPPORT_FILE.search(name)]
    for name in model.terraform_files:
        parsed = model.parsed.get(name)
        if parsed is None or name in not_tests:
            continue
        if any(b.type == "run" for b in parsed.blocks) and not asserting_runs(parsed.blocks):
            reasons.append(
                f"the run blocks in {name} have no assert or expect_failures, so they cannot fail"
            )
    return f" ({_listed(reasons)})" if reasons else ""


def _is_test_file(name: str, text: str) -> bool:
    if TEST_FILE_NAME.search(name):
        return True
    suffix = posixpath.splitext(name)[1].lower()
    if suffix not in CODE_SUFFIXES:
        return False
    directories = {part.lower() for part in posixpath.dirname(name).split("/")}
    if directories & TEST_DIRECTORIES:
        return True
    pattern = TEST_CONTENT.get(
        {".tsx": ".ts", ".mjs": ".js", ".cjs": ".js", ".bats": ".sh", ".bash": ".sh"}.get(
            suffix, suffix
        )
    )
    return bool(pattern and pattern.search(text))


def _has_run_blocks(model: TerraformModel) -> bool:
    """Terraform test `run` blocks with assertions that ended up in a `.tf` file."""
    return any(asserting_runs(parsed.blocks) for parsed in model.parsed.values())


def _assertions_note(model: TerraformModel) -> str:
    for module in model.modules:
        if any(block.type == "check" for block in module.blocks):
            return " (check blocks are runtime assertions, not tests)"
    return ""


# --- TST-NO-OUTPUT-VALIDATION ------------------------------------------------------------------

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


# --- TST-LIVE-ONLY-TESTS -----------------------------------------------------------------------

# Terraform test files; `run` blocks written into a `.tf` file are read from the model.
TFTEST_FILE = re.compile(r"\.tftest\.(?:hcl|json)$", re.IGNORECASE)
# Blocks of a Terraform test file that replace the real provider or resources.
TFTEST_MOCK_BLOCKS = frozenset(
    {"mock_provider", "override_resource", "override_data", "override_module"}
)
# Files that hold shared test set-up rather than tests: mocks declared there serve every test
# beside them (pytest's conftest.py, jest set-up files and manual mocks).
SUPPORT_FILE = re.compile(
    r"(?:^|/)(?:conftest\.py|__init__\.py|__mocks__/[^/]+|(?:jest\.)?setup[\w.-]*\.[cm]?[jt]s)$",
    re.IGNORECASE,
)
# Test code that creates or reads real infrastructure. Each pattern names what it found.
LIVE_SIGNS = (
    ("Terratest applies the configuration", re.compile(r"\bterraform\.(?:InitAnd)?Apply\w*\s*\(")),
    (
        "the test runs terraform apply",
        re.compile(r"['\"]terraform['\"]\s*,\s*['\"]apply['\"]|\btftest\b[\s\S]*?\.apply\s*\("),
    ),
    (
        "the test calls the AWS SDK",
        re.compile(
            r"^\s*(?:import\s+boto3|from\s+boto3\b|import\s+botocore|from\s+botocore\b)"
            r"|boto3\.(?:client|resource|Session)\s*\("
            r"|['\"]@aws-sdk/[\w-]+['\"]|['\"]aws-sdk(?:/[\w/-]+)?['\"]"
            r"|\"github\.com/aws/aws-sdk-go(?:-v2)?/"
            r"|\"github\.com/gruntwork-io/terratest/modules/aws\""
            r"|\bsoftware\.amazon\.awssdk\b",
            re.MULTILINE,
        ),
    ),
)
# Command lines, read in shell test scripts only: elsewhere "aws s3 bucket" or "terraform
# plan" is prose in a docstring.
SHELL_LIVE_SIGNS = (
    ("the test runs terraform apply", re.compile(r"\bterraform\s+apply\b")),
    (
        "the test calls the AWS CLI",
        re.compile(r"^[^\n]*?\baws\s+[a-z0-9][\w-]*\s+[a-z][\w-]+", re.MULTILINE),
    ),
)
SHELL_OFFLINE_SIGNS = re.compile(r"\bterraform\s+(?:plan|validate)\b")
SHELL_SUFFIXES = (".sh", ".bash", ".bats", ".ps1")
# Test code that needs no live AWS: plan-only and validate runs, and mocking or local
# emulation of AWS (moto, LocalStack, botocore's Stubber, aws-sdk-client-mock, aws-sdk-mock,
# jest/vitest/sinon/unittest mocks, gomock-style interfaces).
OFFLINE_SIGNS = re.compile(
    r"\bterraform\.(?:InitAnd)?(?:Plan|Validate)\w*\s*\("
    r"|['\"]terraform['\"]\s*,\s*['\"](?:plan|validate)['\"]"
    r"|\btftest\b[\s\S]*?\.plan\s*\(|\bmoto\b|\bmock_aws\b|localstack|localhost:4566"
    r"|\bStubber\b|aws-sdk-client-mock|aws-sdk-mock|\bmockClient\s*\(|\b(?:jest|vi)\.mock\s*\("
    r"|\bsinon\b|unittest\.mock|\bmock\.patch\b|\bmocker\.patch\b|\bMagicMock\b"
    r"|\bgomock\b|\bmockery\b|\bMock\w*Client\b",
    re.IGNORECASE,
)
# Whole-line comments, blanked before reading code so that prose ("run after terraform
# apply") is not taken for a call; line numbers stay as they were.
COMMENT_LINE = re.compile(r"^[ \t]*(?:#|//).*$", re.MULTILINE)


@check(
    "TST-LIVE-ONLY-TESTS",
    category="testing",
    severity="medium",
    title="Every test needs live AWS",
)
def live_only_tests(model: TerraformModel) -> list[Finding] | None:
    """The submission has tests, but every one of them needs a live AWS account.

    Tests are found as TST-NO-TESTS finds them: a file that asserts nothing (a plan-only
    Terraform test without `assert`) is no test, so it neither passes this check nor makes
    it applicable; the findings name such files. A test needs live AWS when:
    - a Terraform test file (`*.tftest.hcl`, `*.tftest.json`, or `run` blocks written into a
      `.tf` file) has a `run` block that applies (`command = apply`, or no `command`, since
      apply is the default) and no `mock_provider`, `override_resource`, `override_data` or
      `override_module` block; a file whose runs are all `command = plan` needs none;
    - Terratest (Go) applies (`terraform.InitAndApply`, `terraform.Apply`) and never only
      plans (`terraform.InitAndPlan`, `terraform.Plan*`, `terraform.Validate`);
    - test code calls AWS (boto3/botocore, the AWS SDK for JavaScript v2 or v3, for Go or Java,
      Terratest's `aws` module, the `aws` CLI) or runs `terraform apply`, with no mocking or
      emulation (moto, LocalStack, botocore `Stubber`, aws-sdk-client-mock, aws-sdk-mock,
      `jest.mock`/`vi.mock`, sinon, `unittest.mock`) in the file or in the set-up beside it
      (`conftest.py`, jest set-up files, `__mocks__/`).
    Test code with none of these (unit tests of a Lambda handler, scripts that plan or
    validate) needs no live AWS. One finding per test file that needs it, at the first line
    that does; the check passes as soon as one test runs without AWS. n/a without tests.

    Why: tests that only run against a real account are slow, cost money, need credentials
    in CI and are skipped in practice, so the configuration ships untested; a plan-only or
    mocked test runs on every change in seconds.

    Fix: add a plan-only run (or mock the provider) beside the apply tests.

        # tests/unit.tftest.hcl
        mock_provider "aws" {}

        run "subnets_span_two_zones" {
          command = plan
          assert {
            condition     = length(aws_subnet.private) == 2
            error_message = "expected two private subnets"
          }
        }
    """
    if not model.has_terraform:
        return None
    counted, not_tests = _test_files(model)
    tests = [name for name in counted if not SUPPORT_FILE.search(name)]
    run_files = [name for name in model.terraform_files if _run_blocks_of(model, name)]
    if not tests and not run_files:
        return None
    findings: list[Finding] = []
    note = _uncounted_note(not_tests)
    for name in sorted(set(tests) | set(run_files)):
        live = _live_evidence(model, name)
        if live is None:
            return []
        findings.append(replace(live, message=live.message + note) if note else live)
    return findings


def _uncounted_note(not_tests: dict[str, str]) -> str:
    """Why the files that look like tests but assert nothing were not taken as offline ones."""
    reasons = [r for name, r in not_tests.items() if not SUPPORT_FILE.search(name)]
    return f" Not counted as tests: {_listed(reasons)}." if reasons else ""


def _listed(reasons: list[str], limit: int = 5) -> str:
    """The first reasons, and how many more, so a message stays readable."""
    more = f"; and {len(reasons) - limit} more" if len(reasons) > limit else ""
    return "; ".join(reasons[:limit]) + more


def _live_evidence(model: TerraformModel, name: str) -> Finding | None:
    """Why the test file `name` needs live AWS, or None when it runs without it."""
    if name.lower().endswith((".hcl", ".json")) or name in model.parsed:
        return _live_terraform_test(model, name)
    text = _code_of(model.files[name])
    shell = name.lower().endswith(SHELL_SUFFIXES)
    if (
        OFFLINE_SIGNS.search(text)
        or (shell and SHELL_OFFLINE_SIGNS.search(text))
        or any(
            OFFLINE_SIGNS.search(_code_of(model.files[support]))
            for support in _support_files(model, name)
        )
    ):
        return None
    signs = LIVE_SIGNS + SHELL_LIVE_SIGNS if shell else LIVE_SIGNS
    for reason, pattern in signs:
        match = pattern.search(text)
        if match:
            line = text.count("\n", 0, match.end() - 1) + 1
            return finding(
                name,
                line,
                "",
                f"{name}: {reason} against real AWS and nothing in the test mocks it; "
                "every test of the submission needs a live account. Add a test that runs "
                "without one (a plan-only terraform test, moto, LocalStack or an SDK mock).",
            )
    return None


def _code_of(text: str) -> str:
    return COMMENT_LINE.sub("", text)


def _support_files(model: TerraformModel, name: str) -> list[str]:
    """Shared set-up files that apply to test `name`: those in its directory or above."""
    directory = posixpath.dirname(name)
    return [
        other
        for other in model.files
        if SUPPORT_FILE.search(other)
        and (
            not posixpath.dirname(other)
            or directory == posixpath.dirname(other)
            or directory.startswith(posixpath.dirname(other).removesuffix("/__mocks__") + "/")
            or posixpath.dirname(other).removesuffix("/__mocks__") == directory
        )
    ]


def _live_terraform_test(model: TerraformModel, name: str) -> Finding | None:
    blocks = _terraform_test_blocks(model, name)
    if blocks is None or any(_mocks(block) for block in blocks):
        return None
    runs = [block for block in blocks if block.type == "run"]
    applying = [run for run in runs if _run_command(run) == "apply"]
    if not applying:
        return None
    first = applying[0]
    label = first.labels[0] if first.labels else ""
    default = "" if "command" in first.attributes else " (apply is the default command)"
    return finding(
        first.file,
        first.line,
        f"run.{label}" if label else "",
        f"{name}: run {label!r} applies the configuration{default} with the real AWS "
        "provider; every test of the submission needs a live account. Add "
        '`mock_provider "aws" {}` or a run with `command = plan` that asserts.',
    )


def _terraform_test_blocks(model: TerraformModel, name: str) -> list[Block] | None:
    """The top-level blocks of a Terraform test file, or None when it does not parse or is
    not Terraform."""
    if name in model.parsed:
        return model.parsed[name].blocks
    if not name.lower().endswith((".hcl", ".json")):
        return None
    from evalkit.terraform.parse import ParsedFile, parse_file

    parsed = parse_file(name, model.files[name])
    return parsed.blocks if isinstance(parsed, ParsedFile) else None


def _run_blocks_of(model: TerraformModel, name: str) -> list[Block]:
    parsed = model.parsed.get(name)
    if parsed is None:
        return []
    return asserting_runs(parsed.blocks)


def _mocks(block: Block) -> bool:
    return block.type in TFTEST_MOCK_BLOCKS or any(_mocks(inner) for inner in block.blocks)


def _run_command(run: Block) -> str:
    """``plan`` or ``apply`` (the default); unknown spellings read as plan, never as live."""
    attribute = run.attributes.get("command")
    if attribute is None:
        return "apply"
    if isinstance(attribute.expr, JsonValue):
        text = attribute.expr.value if isinstance(attribute.expr.value, str) else None
    else:
        text = traversal_text(attribute.expr)
    return "apply" if text == "apply" else "plan"
