"""The Terraform model and its evaluator: what evalkit knows about a submission's values.

Each test builds a small submission and asks the model what Terraform itself would compute
(or, for values only known after apply, what they refer to).
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from evalkit.checks import REGISTRY
from evalkit.terraform.model import ModuleContext, TerraformModel, build_model
from evalkit.terraform.parse import ParseFailure, parse_file, scan_structure
from evalkit.terraform.values import Unknown, collect_refs


def model_of(files: dict[str, str] | str) -> TerraformModel:
    """A model of a submission: file name to text, or the text of a lone ``main.tf``."""
    if isinstance(files, str):
        files = {"main.tf": files}
    return build_model({name: textwrap.dedent(text).lstrip("\n") for name, text in files.items()})


def root(model: TerraformModel) -> ModuleContext:
    return next(m for m in model.modules if not m.address)


def locals_of(text: str) -> dict[str, Any]:
    """Every local of a one-file module, evaluated."""
    context = root(model_of(text))
    return {name: context.local_value(name) for name in context.locals}


def refs(value: Any) -> list[str]:
    return collect_refs(value)


# --- templates and heredocs --------------------------------------------------------------------


def test_templates_interpolate_and_keep_the_type_of_a_lone_interpolation() -> None:
    values = locals_of("""
        variable "env" {
          default = "prod"
        }
        locals {
          name    = "app-${var.env}"
          number  = "${1 + 2}"
          escaped = "$${not.a.reference} %%{not_a_directive}"
          unicode = "caf\\u00e9\\n"
        }
    """)
    assert values["name"] == "app-prod"
    assert values["number"] == 3
    assert values["escaped"] == "${not.a.reference} %{not_a_directive}"
    assert values["unicode"] == "café\n"


def test_template_directives() -> None:
    values = locals_of("""
        variable "azs" {
          default = ["a", "b"]
        }
        locals {
          chosen = "%{ if length(var.azs) > 1 }multi%{ else }single%{ endif }"
          joined = "%{ for az in var.azs }[${az}]%{ endfor }"
        }
    """)
    assert values["chosen"] == "multi"
    assert values["joined"] == "[a][b]"


def test_heredocs_plain_and_indented() -> None:
    values = locals_of("""
        variable "env" {
          default = "dev"
        }
        locals {
          plain = <<EOT
        env=${var.env}
        EOT
          indented = <<-EOT
            first
              second ${upper(var.env)}
          EOT
        }
    """)
    assert values["plain"] == "env=dev\n"
    assert values["indented"] == "first\n  second DEV\n"


def test_template_with_unknown_part_keeps_a_sketch_and_the_reference() -> None:
    values = locals_of("""
        resource "aws_s3_bucket" "data" {
          bucket = "data"
        }
        locals {
          arn = "${aws_s3_bucket.data.arn}/*"
        }
    """)
    assert isinstance(values["arn"], Unknown)
    assert refs(values["arn"]) == ["aws_s3_bucket.data.arn"]
    assert values["arn"].partial == "${?}/*"


# --- operators, conditionals, for expressions, splats --------------------------------------------


def test_conditionals_with_known_and_unknown_conditions() -> None:
    values = locals_of("""
        variable "env" {
          default = "dev"
        }
        variable "flag" {
          type = bool
        }
        locals {
          size     = var.env == "prod" ? "large" : "small"
          same     = var.flag ? "x" : "x"
          depends  = var.flag ? "x" : "y"
          combined = var.env == "dev" || var.flag
        }
    """)
    assert values["size"] == "small"
    assert values["same"] == "x"
    assert isinstance(values["depends"], Unknown) and refs(values["depends"]) == ["var.flag"]
    assert values["combined"] is True


def test_for_expressions() -> None:
    values = locals_of("""
        variable "azs" {
          default = ["us-east-1a", "us-east-1b", "us-east-1c"]
        }
        locals {
          upper    = [for az in var.azs : upper(az)]
          indexed  = [for i, az in var.azs : "${i}:${az}" if az != "us-east-1b"]
          by_az    = { for i, az in var.azs : az => cidrsubnet("10.0.0.0/16", 8, i) }
          grouped  = { for az in var.azs : substr(az, 0, 9) => az... }
        }
    """)
    assert values["upper"] == ["US-EAST-1A", "US-EAST-1B", "US-EAST-1C"]
    assert values["indexed"] == ["0:us-east-1a", "2:us-east-1c"]
    assert values["by_az"] == {
        "us-east-1a": "10.0.0.0/24",
        "us-east-1b": "10.0.1.0/24",
        "us-east-1c": "10.0.2.0/24",
    }
    assert values["grouped"] == {"us-east-1": ["us-east-1a", "us-east-1b", "us-east-1c"]}


def test_for_expressions_and_splats_over_expanded_resources() -> None:
    values = locals_of("""
        resource "aws_subnet" "counted" {
          count      = 2
          cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
        }
        resource "aws_subnet" "keyed" {
          for_each   = { a = "10.1.0.0/24", b = "10.1.1.0/24" }
          cidr_block = each.value
        }
        locals {
          splat_cidrs = aws_subnet.counted[*].cidr_block
          splat_ids   = aws_subnet.counted[*].id
          for_cidrs   = [for s in aws_subnet.counted : s.cidr_block]
          by_key      = { for k, s in aws_subnet.keyed : k => s.cidr_block }
          how_many    = length(aws_subnet.counted)
          first_keyed = values(aws_subnet.keyed)[0].id
        }
    """)
    assert values["splat_cidrs"] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert refs(values["splat_ids"]) == ["aws_subnet.counted[0].id", "aws_subnet.counted[1].id"]
    assert values["for_cidrs"] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert values["by_key"] == {"a": "10.1.0.0/24", "b": "10.1.1.0/24"}
    assert values["how_many"] == 2
    assert refs(values["first_keyed"]) == ['aws_subnet.keyed["a"].id']


def test_splat_over_a_list_variable() -> None:
    values = locals_of("""
        variable "subnets" {
          default = [{ name = "a", cidr = "10.0.0.0/24" }, { name = "b", cidr = "10.0.1.0/24" }]
        }
        locals {
          names = var.subnets[*].name
        }
    """)
    assert values["names"] == ["a", "b"]


# --- unknown values ----------------------------------------------------------------------------


def test_values_known_only_after_apply_are_unknown_and_remember_their_reference() -> None:
    values = locals_of("""
        resource "aws_vpc" "main" {
          cidr_block = "10.0.0.0/16"
        }
        data "aws_availability_zones" "available" {
          state = "available"
        }
        variable "no_default" {
          type = string
        }
        locals {
          vpc_id     = aws_vpc.main.id
          vpc_cidr   = aws_vpc.main.cidr_block
          first_az   = data.aws_availability_zones.available.names[0]
          element_az = element(data.aws_availability_zones.available.names, 1)
          input      = var.no_default
          undeclared = aws_vpc.missing.id
          policy     = jsonencode({ Resource = aws_vpc.main.arn, Effect = "Allow" })
        }
    """)
    assert refs(values["vpc_id"]) == ["aws_vpc.main.id"]
    assert values["vpc_cidr"] == "10.0.0.0/16"  # written in the code, so known
    assert refs(values["first_az"]) == ["data.aws_availability_zones.available.names[0]"]
    assert refs(values["element_az"]) == ["data.aws_availability_zones.available.names[1]"]
    assert refs(values["input"]) == ["var.no_default"]
    assert values["undeclared"].reason == "undeclared resource"
    assert isinstance(values["policy"], Unknown)
    assert values["policy"].partial["Effect"] == "Allow"
    assert refs(values["policy"]) == ["aws_vpc.main.arn"]


def test_a_null_name_the_provider_generates_is_unknown_not_null() -> None:
    values = locals_of("""
        resource "aws_iam_instance_profile" "prefixed" {
          name        = null
          name_prefix = "app-"
        }
        resource "aws_db_instance" "prefixed" {
          identifier        = null
          identifier_prefix = "orders-"
        }
        resource "aws_instance" "plain" {
          key_name = null
        }
        locals {
          profile   = aws_iam_instance_profile.prefixed.name
          database  = aws_db_instance.prefixed.identifier
          key       = aws_instance.plain.key_name
        }
    """)
    assert refs(values["profile"]) == ["aws_iam_instance_profile.prefixed.name"]
    assert refs(values["database"]) == ["aws_db_instance.prefixed.identifier"]
    assert values["key"] is None  # null stays null where nothing generates a value


def test_try_and_can() -> None:
    values = locals_of("""
        variable "settings" {
          default = { size = 3 }
        }
        locals {
          missing  = try(var.settings.color, "blue")
          present  = try(var.settings.size, 1)
          can_read = can(var.settings.color)
        }
    """)
    assert values == {"missing": "blue", "present": 3, "can_read": False}


def test_try_and_can_with_unknown_values() -> None:
    values = locals_of("""
        variable "settings" {
          default = { size = 3 }
        }
        resource "aws_vpc" "main" {
          cidr_block = "10.0.0.0/16"
        }
        locals {
          first_known  = try(aws_vpc.main.id, "fallback")
          can_unknown  = can(aws_vpc.main.id)
          none_succeed = try(var.settings.color, var.settings.shape)
        }
    """)
    assert refs(values["first_known"]) == ["aws_vpc.main.id"]
    assert refs(values["can_unknown"]) == ["aws_vpc.main.id"]
    assert values["none_succeed"].reason == "error: no try() argument succeeded"


def test_cycles_in_locals_terminate_as_unknown() -> None:
    values = locals_of("""
        locals {
          a = local.b
          b = "${local.a}-x"
          self_ref = [local.self_ref]
        }
    """)
    assert all(isinstance(v, Unknown) or contains_unknown_list(v) for v in values.values())


def contains_unknown_list(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, Unknown) for v in value)


def test_cycles_between_resources_terminate() -> None:
    model = model_of("""
        resource "aws_security_group" "a" {
          name        = aws_security_group.b.name
          description = "a"
        }
        resource "aws_security_group" "b" {
          name        = aws_security_group.a.name
          description = "b"
        }
    """)
    resource = model.find_resource("aws_security_group.a")
    assert resource is not None
    assert isinstance(resource.config.get("name"), Unknown)


# --- count and for_each ------------------------------------------------------------------------


def test_count_and_for_each_instances_and_addresses() -> None:
    model = model_of("""
        variable "azs" {
          default = ["b", "a"]
        }
        variable "create" {
          default = false
        }
        resource "aws_subnet" "by_count" {
          count             = length(var.azs)
          availability_zone = var.azs[count.index]
        }
        resource "aws_subnet" "by_set" {
          for_each          = toset(var.azs)
          availability_zone = each.key
        }
        resource "aws_subnet" "by_map" {
          for_each   = { public = "10.0.0.0/24", private = "10.0.1.0/24" }
          cidr_block = each.value
        }
        resource "aws_nat_gateway" "optional" {
          count = var.create ? 1 : 0
        }
        variable "unknown_map" {
          type = map(string)
        }
        resource "aws_subnet" "unknown" {
          for_each   = var.unknown_map
          cidr_block = each.value
        }
    """)

    def instances(address: str) -> list[tuple[str, Any]]:
        resource = model.find_resource(address)
        assert resource is not None
        return [
            (i.address, i.get("availability_zone") or i.get("cidr_block"))
            for i in resource.instances
        ]

    assert instances("aws_subnet.by_count") == [
        ("aws_subnet.by_count[0]", "b"),
        ("aws_subnet.by_count[1]", "a"),
    ]
    assert instances("aws_subnet.by_set") == [
        ('aws_subnet.by_set["a"]', "a"),
        ('aws_subnet.by_set["b"]', "b"),
    ]
    assert instances("aws_subnet.by_map") == [
        ('aws_subnet.by_map["private"]', "10.0.1.0/24"),
        ('aws_subnet.by_map["public"]', "10.0.0.0/24"),
    ]
    # Known not to exist with the default inputs: declared, but no instance and invisible.
    assert model.find_resource("aws_nat_gateway.optional") is None
    assert root(model).resource("managed", "aws_nat_gateway", "optional").instances == []
    [(address, value)] = instances("aws_subnet.unknown")
    assert address == "aws_subnet.unknown" and isinstance(value, Unknown)


def test_resource_config_leaves_instance_keys_unknown() -> None:
    model = model_of("""
        resource "aws_ebs_volume" "data" {
          for_each  = { a = true, b = false }
          encrypted = each.value
          size      = 10
        }
    """)
    resource = model.find_resource("aws_ebs_volume.data")
    assert resource is not None
    assert isinstance(resource.config.get("encrypted"), Unknown)
    assert resource.config.get("size") == 10
    assert [i.get("encrypted") for i in resource.instances] == [True, False]


def test_dynamic_blocks_expand_with_default_and_custom_iterators() -> None:
    model = model_of("""
        locals {
          ports = [22, 443]
        }
        resource "aws_security_group" "web" {
          dynamic "ingress" {
            for_each = local.ports
            content {
              from_port = ingress.value
              to_port   = ingress.value
            }
          }
          dynamic "egress" {
            for_each = { all = "0.0.0.0/0" }
            iterator = rule
            content {
              description = rule.key
              cidr_blocks = [rule.value]
            }
          }
        }
    """)
    resource = model.find_resource("aws_security_group.web")
    assert resource is not None
    assert [b.get("from_port") for b in resource.config.blocks("ingress")] == [22, 443]
    [egress] = resource.config.blocks("egress")
    assert (egress.get("description"), egress.get("cidr_blocks")) == ("all", ["0.0.0.0/0"])


# --- providers and regions ---------------------------------------------------------------------


PROVIDERS = """
    provider "aws" {
      region = var.primary_region
    }
    provider "aws" {
      alias  = "dr"
      region = local.regions["dr"]
    }
    variable "primary_region" {
      default = "us-east-1"
    }
    locals {
      regions = { dr = "eu-west-1" }
    }
"""


def test_provider_alias_gives_the_region_through_variables_and_locals() -> None:
    model = model_of(
        {
            "providers.tf": PROVIDERS,
            "main.tf": """
        resource "aws_vpc" "primary" {
          cidr_block = "10.0.0.0/16"
        }
        resource "aws_vpc" "dr" {
          provider   = aws.dr
          cidr_block = "10.1.0.0/16"
        }
        data "aws_region" "dr" {
          provider = aws.dr
        }
        locals {
          dr_region = data.aws_region.dr.name
        }
    """,
        }
    )
    primary, dr = model.find_resource("aws_vpc.primary"), model.find_resource("aws_vpc.dr")
    assert primary is not None and dr is not None
    assert (primary.region, primary.location, primary.provider_key) == (
        "us-east-1",
        "us-east-1",
        "aws",
    )
    assert (dr.region, dr.provider_alias) == ("eu-west-1", "dr")
    assert root(model).local_value("dr_region") == "eu-west-1"


def test_unknown_region_falls_back_to_the_alias() -> None:
    model = model_of("""
        variable "region" {
          type = string
        }
        provider "aws" {
          alias  = "west"
          region = var.region
        }
        resource "aws_vpc" "west" {
          provider   = aws.west
          cidr_block = "10.1.0.0/16"
        }
    """)
    resource = model.find_resource("aws_vpc.west")
    assert resource is not None
    assert (resource.region, resource.location) == ("", "aws.west")


def test_child_modules_inherit_or_receive_providers() -> None:
    model = model_of(
        {
            "providers.tf": PROVIDERS,
            "main.tf": """
            module "dr" {
              source    = "./modules/net"
              providers = { aws = aws.dr }
            }
            module "primary" {
              source = "./modules/net"
            }
        """,
            "modules/net/main.tf": """
            resource "aws_vpc" "this" {
              cidr_block = "10.9.0.0/16"
            }
        """,
        }
    )
    regions = {r.address: r.region for r in model.resources("aws_vpc")}
    assert regions == {
        "module.dr.aws_vpc.this": "eu-west-1",
        "module.primary.aws_vpc.this": "us-east-1",
    }


# --- modules -----------------------------------------------------------------------------------


def test_module_inputs_and_outputs() -> None:
    model = model_of(
        {
            "main.tf": """
            variable "env" {
              default = "prod"
            }
            module "net" {
              source = "./modules/net"
              name   = "net-${var.env}"
            }
            module "registry" {
              source  = "terraform-aws-modules/vpc/aws"
              version = "~> 5.0"
            }
            locals {
              name        = module.net.name
              vpc_id      = module.net.vpc_id
              from_reg    = module.registry.vpc_id
              missing_out = module.net.nope
            }
        """,
            "modules/net/main.tf": """
            variable "name" {
              type = string
            }
            variable "cidr" {
              default = "10.0.0.0/16"
            }
            resource "aws_vpc" "this" {
              cidr_block = var.cidr
              tags       = { Name = var.name }
            }
            output "name" {
              value = aws_vpc.this.tags.Name
            }
            output "vpc_id" {
              value = aws_vpc.this.id
            }
        """,
        }
    )
    context = root(model)
    assert context.local_value("name") == "net-prod"
    assert refs(context.local_value("vpc_id")) == ["module.net.aws_vpc.this.id"]
    assert refs(context.local_value("from_reg")) == ["module.registry.vpc_id"]
    assert refs(context.local_value("missing_out")) == ["module.net.nope"]
    child = next(m for m in model.modules if m.address == "module.net")
    assert child.directory == "modules/net"
    assert child.variable_value("cidr") == "10.0.0.0/16"
    assert model.find_resource("module.net.aws_vpc.this.id") is not None


def test_definition_follows_module_arguments_tfvars_and_defaults() -> None:
    model = model_of(
        {
            "main.tf": """
            variable "a" {
              default = "from-default"
            }
            variable "b" {
              default = "from-default"
            }
            locals {
              c = var.a
            }
            module "child" {
              source = "./child"
              x      = local.c
            }
        """,
            "terraform.tfvars": 'b = "from-tfvars"\n',
            "child/main.tf": """
            variable "x" {
              type = string
            }
        """,
        }
    )
    context = root(model)
    child = next(m for m in model.modules if m.address)
    definition_a = context.definition("var.a")
    definition_b = context.definition("var.b")
    definition_x = child.definition("var.x")
    assert definition_a is not None and definition_a[0].file == "main.tf"
    assert definition_b is not None and definition_b[0].file == "terraform.tfvars"
    assert definition_x is not None and definition_x[1] is context
    assert child.variable_value("x") == "from-default"
    assert context.definition("var.nope") is None


def test_local_module_outside_the_submission_is_not_loaded() -> None:
    model = model_of("""
        module "shared" {
          source = "../shared"
        }
    """)
    assert [m.address for m in model.modules] == [""]


# --- tfvars ------------------------------------------------------------------------------------


def test_tfvars_precedence() -> None:
    model = model_of(
        {
            "main.tf": """
            variable "a" {
              default = "default"
            }
            variable "b" {
              default = "default"
            }
            variable "c" {
              default = "default"
            }
            variable "d" {
              default = "default"
            }
        """,
            "terraform.tfvars": (
                'a = "terraform.tfvars"\nb = "terraform.tfvars"\nc = "terraform.tfvars"\n'
            ),
            "a.auto.tfvars": 'b = "a.auto"\nc = "a.auto"\n',
            "b.auto.tfvars": 'c = "b.auto"\n',
            "prod.tfvars": 'd = "prod.tfvars needs -var-file"\n',
        }
    )
    context = root(model)
    assert [context.variable_value(n) for n in "abcd"] == [
        "terraform.tfvars",
        "a.auto",
        "b.auto",
        "default",
    ]
    assert {a.name for a in model.tfvars_attributes()} == {"a", "b", "c", "d"}


def test_tfvars_json_and_directory_scoping() -> None:
    model = model_of(
        {
            "main.tf": """
            variable "env" {
              default = "dev"
            }
            module "child" {
              source = "./child"
            }
        """,
            "terraform.tfvars.json": '{"env": "prod"}',
            "child/main.tf": """
            variable "env" {
              default = "child-default"
            }
        """,
            "child/terraform.tfvars": 'env = "ignored: tfvars are read for the root module only"\n',
        }
    )
    child = next(m for m in model.modules if m.address)
    assert root(model).variable_value("env") == "prod"
    assert child.variable_value("env") == "child-default"


# --- parsing -----------------------------------------------------------------------------------


def test_missing_brace_is_reported_at_the_unclosed_block() -> None:
    text = 'resource "a" "b" {\n  x = 1\n\nresource "c" "d" {\n}\n'
    failure = parse_file("main.tf", text)
    assert isinstance(failure, ParseFailure)
    assert failure.line == 1 and "never closed" in failure.message


def test_quoted_string_over_two_lines_is_a_parse_error() -> None:
    failure = parse_file("main.tf", 'x = "a\nb"\n')
    assert isinstance(failure, ParseFailure) and failure.line == 1


@pytest.mark.parametrize(
    "text",
    [
        'x = "${join(",", ["}", "{"])}"\n',
        'x = <<EOT\n"unbalanced { \nEOT\n',
        '# "quote {\nx = 1 // }\n/* " */\n',
        'x = "$${a} %%{b} \\" }"\n',
    ],
)
def test_scan_ignores_braces_and_quotes_in_strings_comments_and_heredocs(text: str) -> None:
    structure = scan_structure(text)
    assert (structure.split_string_line, structure.open_brace_lines) == (None, ())
    assert not isinstance(parse_file("main.tf", text), ParseFailure)


def test_comment_only_files_are_no_terraform() -> None:
    assert not model_of("# nothing yet\n").has_terraform
    assert model_of('resource "aws_vpc" "a" {}\n').has_terraform
    assert model_of("resource {\n").has_terraform


def test_tf_json_values_are_templates() -> None:
    model = model_of(
        {
            "main.tf.json": """
        {
          "variable": {"env": {"default": "dev"}},
          "resource": {"aws_s3_bucket": {"logs": {"bucket": "logs-${var.env}"}}}
        }
    """,
        }
    )
    resource = model.find_resource("aws_s3_bucket.logs")
    assert resource is not None and resource.config.get("bucket") == "logs-dev"


# --- lines and regions of findings -------------------------------------------------------------


def test_line_containing_points_into_multi_line_values() -> None:
    model = model_of("""
        resource "aws_instance" "a" {
          user_data = <<-EOT
            echo one
            echo two
          EOT
        }
    """)
    resource = model.find_resource("aws_instance.a")
    assert resource is not None
    assert resource.config.line_of_text("user_data", "echo two") == 4
    assert resource.config.line_of_text("user_data", "absent") == 2


def test_findings_carry_the_owning_resource_location() -> None:
    model = model_of(
        {
            "providers.tf": PROVIDERS,
            "main.tf": """
        resource "aws_db_instance" "dr" {
          provider          = aws.dr
          password          = "Sup3rSecret!"
          storage_encrypted = true
        }
        resource "aws_subnet" "dr" {
          provider = aws.dr
          vpc_id   = aws_vpc.missing.id
        }
    """,
        }
    )
    credentials = REGISTRY.get("SEC-HARDCODED-CREDENTIALS").run(model)
    undefined = REGISTRY.get("IAC-UNDEFINED-REFERENCE").run(model)
    assert [(f.resource, f.region) for f in credentials.findings] == [
        ("aws_db_instance.dr", "eu-west-1")
    ]
    assert [(f.resource, f.region) for f in undefined.findings] == [("aws_subnet.dr", "eu-west-1")]


def test_a_module_calling_its_own_directory_is_not_expanded() -> None:
    model = build_model(
        {
            "main.tf": 'module "again" {\n  source = "./"\n}\nresource "aws_vpc" "v" {\n'
            '  cidr_block = "10.0.0.0/16"\n}\n',
            "modules/a/main.tf": 'module "back" {\n  source = "../a"\n}\n',
        }
    )
    # neither call is expanded into copies; the two uncalled directories form one root
    assert [(m.directories, m.address) for m in model.modules] == [(["", "modules/a"], "")]
    assert [r.address for r in model.resources("aws_vpc")] == ["aws_vpc.v"]


def test_an_answer_spread_over_directories_is_one_configuration() -> None:
    model = build_model(
        {
            "provider.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n',
            "lib/main.tf": 'module "net" {\n  source = "./modules/net"\n}\n'
            'resource "aws_vpc" "v" {\n  cidr_block = var.cidr\n}\n',
            "lib/variables.tf": 'variable "cidr" {\n  default = "10.9.0.0/16"\n}\n',
            "lib/modules/net/main.tf": (
                'resource "aws_subnet" "s" {\n  cidr_block = "10.9.1.0/24"\n}\n'
            ),
        }
    )
    vpc = next(model.resources("aws_vpc"))
    assert vpc.region == "eu-west-1"
    assert vpc.config.get("cidr_block") == "10.9.0.0/16"
    # the module source is read relative to the calling file's directory
    assert [r.address for r in model.resources("aws_subnet")] == ["module.net.aws_subnet.s"]


def test_separately_configured_roots_stay_separate() -> None:
    provider = 'provider "aws" {{\n  region = "{}"\n}}\nresource "aws_vpc" "v" {{\n}}\n'
    model = build_model(
        {
            "envs/dev/main.tf": provider.format("us-east-1"),
            "envs/prod/main.tf": provider.format("us-west-2"),
        }
    )
    assert sorted(r.region for r in model.resources("aws_vpc")) == ["us-east-1", "us-west-2"]
