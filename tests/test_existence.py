"""Existence: which resource and module instances the configuration would create.

Each test builds a small submission and asks the model whether something exists, may exist,
or is known not to exist, and what checks see of it.
"""

from __future__ import annotations

import textwrap

from evalkit.terraform.model import Existence, TerraformModel, build_model


def model_of(files: dict[str, str] | str) -> TerraformModel:
    if isinstance(files, str):
        files = {"main.tf": files}
    return build_model({name: textwrap.dedent(text).lstrip("\n") for name, text in files.items()})


def existence(model: TerraformModel, address: str) -> Existence:
    resource = model.declared_resource(address)
    assert resource is not None, address
    return resource.existence


def visible(model: TerraformModel) -> list[str]:
    return sorted(r.address for r in model.resources())


GATED = """
    variable "create_nat" {
      type    = bool
      default = false
    }
    variable "create_flow_log" {
      type = bool
    }
    variable "replicas" {
      type    = map(string)
      default = {}
    }
    resource "aws_vpc" "main" {
      cidr_block = "10.0.0.0/16"
    }
    resource "aws_nat_gateway" "off" {
      count     = 0
      subnet_id = aws_vpc.main.id
    }
    resource "aws_nat_gateway" "flag_default_false" {
      count     = var.create_nat ? 1 : 0
      subnet_id = aws_vpc.main.id
    }
    resource "aws_flow_log" "flag_without_default" {
      count  = var.create_flow_log ? 1 : 0
      vpc_id = aws_vpc.main.id
    }
    resource "aws_subnet" "empty_map" {
      for_each   = var.replicas
      vpc_id     = aws_vpc.main.id
      cidr_block = each.value
    }
    resource "aws_subnet" "empty_set" {
      for_each   = toset([])
      vpc_id     = aws_vpc.main.id
      cidr_block = each.value
    }
    resource "aws_subnet" "per_workspace" {
      count      = terraform.workspace == "production" ? 2 : 0
      vpc_id     = aws_vpc.main.id
      cidr_block = cidrsubnet("10.0.0.0/16", 8, count.index)
    }
"""


def test_known_empty_expansions_are_absent_and_unknown_ones_may_exist() -> None:
    model = model_of(GATED)
    assert existence(model, "aws_vpc.main") is Existence.EXISTS
    for absent in (
        "aws_nat_gateway.off",
        "aws_nat_gateway.flag_default_false",
        "aws_subnet.empty_map",
        "aws_subnet.empty_set",
    ):
        assert existence(model, absent) is Existence.ABSENT, absent
    assert existence(model, "aws_flow_log.flag_without_default") is Existence.MAY_EXIST
    assert existence(model, "aws_subnet.per_workspace") is Existence.MAY_EXIST


def test_absent_resources_are_invisible_as_judged_and_as_evidence() -> None:
    model = model_of(GATED)
    assert visible(model) == [
        "aws_flow_log.flag_without_default",
        "aws_subnet.per_workspace",
        "aws_vpc.main",
    ]
    assert model.find_resource("aws_nat_gateway.flag_default_false.id") is None
    referrers = sorted(resource.address for resource, _ in model.referrers("aws_vpc.main"))
    assert referrers == ["aws_flow_log.flag_without_default", "aws_subnet.per_workspace"]
    # What may exist is judged through one instance standing for all of them.
    [instance] = model.find_resource("aws_subnet.per_workspace").instances
    assert instance.address == "aws_subnet.per_workspace"


DEPLOYED = """
    variable "alarm_email" {
      type    = string
      default = ""
    }
    variable "create_bastion" {
      type    = bool
      default = true
    }
    resource "aws_sns_topic" "alerts" {
      name = "alerts"
    }
    resource "aws_sns_topic_subscription" "email" {
      count     = var.alarm_email != "" ? 1 : 0
      topic_arn = aws_sns_topic.alerts.arn
      protocol  = "email"
      endpoint  = var.alarm_email
    }
    resource "aws_instance" "bastion" {
      count         = var.create_bastion ? 1 : 0
      ami           = "ami-0123456789abcdef0"
      instance_type = "t3.micro"
    }
"""


def deployed(model: TerraformModel, address: str) -> dict[str, Existence]:
    """The existence of `address` in each deployment, by var file."""
    return {d.var_file: existence(d.model, address) for d in model.deployments}


def test_each_var_file_is_a_deployment_that_can_add_or_remove() -> None:
    model = model_of(
        {
            "main.tf": DEPLOYED,
            "dev.tfvars": 'alarm_email = ""\n',
            "prod.tfvars": 'alarm_email = "ops@example.com"\ncreate_bastion = false\n',
        }
    )
    assert deployed(model, "aws_sns_topic_subscription.email") == {
        "dev.tfvars": Existence.ABSENT,
        "prod.tfvars": Existence.EXISTS,
    }
    # A value a var file sets removes a resource as well as adding one.
    assert deployed(model, "aws_instance.bastion") == {
        "dev.tfvars": Existence.EXISTS,
        "prod.tfvars": Existence.ABSENT,
    }
    # Parsed files are shared by the deployments.
    assert all(d.model.parsed is model.parsed for d in model.deployments)


def test_without_var_files_the_auto_loaded_inputs_are_the_one_deployment() -> None:
    model = model_of({"main.tf": DEPLOYED, "terraform.tfvars": "create_bastion = false\n"})
    assert [d.var_file for d in model.deployments] == [""]
    assert model.deployments[0].model is model
    assert existence(model, "aws_instance.bastion") is Existence.ABSENT


def test_auto_loaded_inputs_apply_in_every_deployment() -> None:
    model = model_of(
        {
            "main.tf": DEPLOYED,
            "terraform.tfvars": "create_bastion = false\n",
            "ops.auto.tfvars": 'alarm_email = "ops@example.com"\n',
            "prod.tfvars": 'alarm_email = "oncall@example.com"\n',
        }
    )
    assert deployed(model, "aws_instance.bastion") == {"prod.tfvars": Existence.ABSENT}
    [deployment] = model.deployments
    [subscription] = deployment.model.resources("aws_sns_topic_subscription")
    assert subscription.instances[0].get("endpoint") == "oncall@example.com"


def test_a_root_that_needs_its_var_file_is_judged_with_it() -> None:
    model = model_of(
        {
            "main.tf": """
            variable "instance_count" {
              type = number
            }
            resource "aws_instance" "web" {
              count         = var.instance_count
              ami           = "ami-0123456789abcdef0"
              instance_type = "t3.micro"
            }
            """,
            "env/prod.tfvars": "instance_count = 0\n",
        }
    )
    assert existence(model, "aws_instance.web") is Existence.MAY_EXIST
    assert deployed(model, "aws_instance.web") == {"env/prod.tfvars": Existence.ABSENT}


MODULE = """
    variable "cidr" {
      type = string
    }
    variable "multi_az" {
      type    = bool
      default = true
    }
    resource "aws_subnet" "a" {
      vpc_id     = "vpc-0123"
      cidr_block = var.cidr
    }
    resource "aws_db_instance" "db" {
      instance_class = "db.t3.micro"
      multi_az       = var.multi_az
    }
    output "subnet_id" {
      value = aws_subnet.a.id
    }
"""


def test_module_count_and_for_each_expand_into_addressed_instances() -> None:
    model = model_of(
        {
            "main.tf": """
            module "net" {
              source = "./modules/net"
              count  = 2
              cidr   = cidrsubnet("10.0.0.0/16", 8, count.index)
            }
            module "app" {
              source   = "./modules/net"
              for_each = {
                eu = { cidr = "10.1.0.0/24", ha = true }
                us = { cidr = "10.2.0.0/24", ha = false }
              }
              cidr     = each.value.cidr
              multi_az = each.value.ha
            }
            module "off" {
              source = "./modules/net"
              count  = 0
              cidr   = "10.9.0.0/24"
            }
            module "none" {
              source   = "./modules/net"
              for_each = {}
              cidr     = each.value
            }
            locals {
              first_subnet = module.net[0].subnet_id
              eu_subnet    = module.app["eu"].subnet_id
            }
        """,
            "modules/net/main.tf": MODULE,
        }
    )
    addresses = [m.address for m in model.modules]
    assert addresses == [
        "",
        "module.net[0]",
        "module.net[1]",
        'module.app["eu"]',
        'module.app["us"]',
    ]
    cidrs = {r.address: r.config.get("cidr_block") for r in model.resources("aws_subnet")}
    assert cidrs == {
        "module.net[0].aws_subnet.a": "10.0.0.0/24",
        "module.net[1].aws_subnet.a": "10.0.1.0/24",
        'module.app["eu"].aws_subnet.a': "10.1.0.0/24",
        'module.app["us"].aws_subnet.a': "10.2.0.0/24",
    }
    multi_az = {r.address: r.config.get("multi_az") for r in model.resources("aws_db_instance")}
    assert multi_az['module.app["us"].aws_db_instance.db'] is False
    assert multi_az['module.app["eu"].aws_db_instance.db'] is True
    root = model.modules[0]
    assert root.local_value("first_subnet").refs == ("module.net[0].aws_subnet.a.id",)
    assert root.local_value("eu_subnet").refs == ('module.app["eu"].aws_subnet.a.id',)
    found = model.find_resource('module.app["us"].aws_db_instance.db.id')
    assert found is not None and found.address == 'module.app["us"].aws_db_instance.db'
    # Calls that create nothing contribute nothing, though their code is still declared.
    assert set(root.module_calls) == {"net", "app"}
    assert set(root.declared_module_calls) == {"net", "app", "off", "none"}
    assert root.declared_module_calls["off"].existence is Existence.ABSENT
    assert existence(model, "module.off.aws_subnet.a") is Existence.ABSENT


def test_module_with_unknown_count_may_exist_and_so_do_its_resources() -> None:
    model = model_of(
        {
            "main.tf": """
            variable "enable_network" {
              type = bool
            }
            module "net" {
              source = "./modules/net"
              count  = var.enable_network ? 1 : 0
              cidr   = "10.0.0.0/24"
            }
        """,
            "modules/net/main.tf": MODULE,
        }
    )
    assert [m.address for m in model.modules] == ["", "module.net"]
    assert existence(model, "module.net.aws_subnet.a") is Existence.MAY_EXIST
    assert visible(model) == ["module.net.aws_db_instance.db", "module.net.aws_subnet.a"]


OPTIONAL_INPUTS = {
    "main.tf": """
    module "app" {
      source   = "./modules/app"
      settings = { name = "web" }
      tags     = null
      alarms   = { cpu = { threshold = 80 } }
    }
    """,
    "modules/app/main.tf": """
    variable "settings" {
      type = object({
        name       = string
        create_dns = optional(bool, false)
        log_group  = optional(string)
        logging    = optional(object({ enabled = optional(bool, true) }), {})
      })
    }
    variable "tags" {
      type     = map(string)
      default  = { team = "platform" }
      nullable = false
    }
    variable "alarms" {
      type = map(object({ threshold = number, actions = optional(list(string), []) }))
    }
    resource "aws_route53_record" "web" {
      count   = var.settings.create_dns ? 1 : 0
      zone_id = "Z123"
      name    = var.settings.name
      type    = "A"
    }
    resource "aws_cloudwatch_log_group" "web" {
      count = var.settings.log_group == null ? 0 : 1
      name  = var.settings.log_group
    }
    resource "aws_sns_topic" "logging" {
      count = var.settings.logging.enabled ? 1 : 0
      name  = "logging"
    }
    """,
}


def test_optional_attributes_left_out_are_null_or_their_default() -> None:
    model = model_of(OPTIONAL_INPUTS)
    assert existence(model, "module.app.aws_route53_record.web") is Existence.ABSENT
    assert existence(model, "module.app.aws_cloudwatch_log_group.web") is Existence.ABSENT
    # A nested optional object defaults to {} and then gets its own attributes' defaults.
    assert existence(model, "module.app.aws_sns_topic.logging") is Existence.EXISTS
    child = model.modules[1]
    assert child.variable_value("alarms") == {"cpu": {"threshold": 80, "actions": []}}


def test_an_optional_attribute_given_keeps_its_value() -> None:
    files = dict(OPTIONAL_INPUTS)
    files["main.tf"] = files["main.tf"].replace(
        '{ name = "web" }', '{ name = "web", create_dns = true, log_group = "/app/web" }'
    )
    model = model_of(files)
    assert existence(model, "module.app.aws_route53_record.web") is Existence.EXISTS
    assert existence(model, "module.app.aws_cloudwatch_log_group.web") is Existence.EXISTS


def test_non_nullable_variable_takes_its_default_for_a_null() -> None:
    model = model_of(OPTIONAL_INPUTS)
    assert model.modules[1].variable_value("tags") == {"team": "platform"}
    nullable = {
        **OPTIONAL_INPUTS,
        "modules/app/main.tf": OPTIONAL_INPUTS["modules/app/main.tf"].replace(
            "nullable = false", "nullable = true"
        ),
    }
    assert model_of(nullable).modules[1].variable_value("tags") is None


def test_a_count_too_large_to_list_is_one_representative_instance_that_may_exist() -> None:
    model = model_of(
        """
        resource "aws_sqs_queue" "many" {
          count = 6.3e16
          name  = "q-${count.index}"
        }
        resource "aws_sqs_queue" "few" {
          count = 3
          name  = "q-${count.index}"
        }
    """
    )
    assert existence(model, "aws_sqs_queue.many") is Existence.MAY_EXIST
    many = model.declared_resource("aws_sqs_queue.many")
    few = model.declared_resource("aws_sqs_queue.few")
    assert many is not None and few is not None
    assert len(many.instances) == 1
    assert len(few.instances) == 3
