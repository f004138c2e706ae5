"""The dependency graph: what an expression or a resource depends on."""

from __future__ import annotations

import textwrap

from evalkit.terraform.dependencies import Follow
from evalkit.terraform.model import ModuleContext, Resource, TerraformModel, build_model

MODULE = """
variable "subnet" {}
resource "aws_instance" "app" {
  subnet_id = var.subnet
}
output "vpc" {
  value      = "fixed"
  depends_on = [aws_instance.app]
}
output "instance" {
  value = aws_instance.app.id
}
"""

ROOT = """
resource "aws_vpc" "main" {}
resource "aws_subnet" "a" {
  vpc_id = aws_vpc.main.id
}
resource "aws_internet_gateway" "gw" {}
locals {
  subnet = aws_subnet.a.id
}
module "app" {
  source = "./app"
  subnet = local.subnet
}
resource "aws_eip" "ip" {
  instance = module.app.instance
}
resource "aws_nat_gateway" "nat" {
  depends_on = [module.app]
}
resource "aws_route" "r" {
  gateway_id = "igw-0123"
  note       = module.app.vpc
}
"""


def model_of(files: dict[str, str]) -> TerraformModel:
    return build_model({name: textwrap.dedent(text).lstrip("\n") for name, text in files.items()})


def example() -> TerraformModel:
    return model_of({"main.tf": ROOT, "app/main.tf": MODULE})


def root(model: TerraformModel) -> ModuleContext:
    return next(m for m in model.modules if not m.address)


def resource_expr(model: TerraformModel, address: str, name: str) -> object:
    resource = model.find_resource(address)
    assert resource is not None
    return resource.block.attributes[name].expr


def test_an_expression_names_the_resources_written_in_it() -> None:
    model = example()
    expr = resource_expr(model, "aws_subnet.a", "vpc_id")
    assert model.dependencies.resources_named(expr, root(model)) == ["aws_vpc.main"]
    # A local is a declaration of its own, not a resource.
    local = root(model).locals["subnet"].expr
    assert model.dependencies.resources_named(local, root(model)) == ["aws_subnet.a"]
    module_output = resource_expr(model, "aws_eip.ip", "instance")
    assert model.dependencies.resources_named(module_output, root(model)) == []


def test_a_value_is_written_from_what_its_locals_inputs_and_module_outputs_read() -> None:
    model = example()
    graph = model.dependencies
    expr = resource_expr(model, "aws_eip.ip", "instance")
    assert graph.resources_reached([expr], root(model)) == {"module.app.aws_instance.app"}
    child = next(m for m in model.modules if m.address == "module.app")
    subnet = child.declared_resources["module.app.aws_instance.app"]
    written = graph.resources_reached([subnet.block.attributes["subnet_id"].expr], child)
    # Through the module input and the caller's local, but not beyond the subnet itself.
    assert written == {"aws_subnet.a"}


def test_an_output_value_does_not_stand_for_its_depends_on_unless_order_is_asked() -> None:
    model = example()
    expr = resource_expr(model, "aws_route.r", "note")
    graph = model.dependencies
    assert graph.resources_reached([expr], root(model)) == set()
    ordered = graph.resources_reached([expr], root(model), Follow.CREATION_ORDER)
    assert "module.app.aws_instance.app" in ordered


def test_creation_order_follows_references_depends_on_and_whole_modules() -> None:
    model = example()
    graph = model.dependencies

    def resource(address: str) -> Resource:
        found = model.find_resource(address)
        assert found is not None
        return found

    eip, nat = resource("aws_eip.ip"), resource("aws_nat_gateway.nat")
    route = resource("aws_route.r")
    app = resource("module.app.aws_instance.app")
    assert graph.created_before(eip, app)
    assert graph.created_before(eip, resource("aws_vpc.main"))  # through the subnet
    assert graph.created_before(nat, app)  # depends_on = [module.app]
    assert not graph.created_before(route, resource("aws_internet_gateway.gw"))
    assert not graph.created_before(resource("aws_vpc.main"), eip)


def test_referrers_are_the_resources_that_name_a_resource() -> None:
    model = example()
    assert [(r.address, name) for r, name in model.referrers("aws_vpc.main")] == [
        ("aws_subnet.a", "vpc_id")
    ]
    assert [c.name for c in model.module_calls_referencing("aws_subnet.a")] == []
    assert model.referrers("aws_internet_gateway.gw") == []
