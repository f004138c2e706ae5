"""Root configurations: environment folders are graded one at a time, never merged."""

from __future__ import annotations

from pathlib import Path

from evalkit.checks import REGISTRY
from evalkit.terraform.model import build_model

ROOTS = (
    Path(__file__).parent
    / "fixtures"
    / "checks"
    / "HA-RDS-MULTI-AZ"
    / "fail_three_environment_roots_sharing_a_module"
)


def files_of(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != "expected.yaml"
    }


def test_each_environment_folder_is_a_root_with_its_own_inputs() -> None:
    model = build_model(files_of(ROOTS))
    roots = model.root_models
    assert [r.graded_group for r in roots] == [
        ["environments/dev"],
        ["environments/production"],
        ["environments/staging"],
    ]
    vpc_cidrs = []
    for root in roots:
        assert [m.address for m in root.modules] == ["", "module.network", "module.database"]
        [vpc] = root.resources("aws_vpc")
        vpc_cidrs.append(vpc.config.get("cidr_block"))
        # Another root's terraform.tfvars is that root's input, not a -var-file of this one.
        assert root.var_files() == []
    assert vpc_cidrs == ["10.0.0.0/16", "10.2.0.0/16", "10.1.0.0/16"]


def test_relations_never_cross_roots() -> None:
    model = build_model(files_of(ROOTS))
    for root in model.root_models:
        [vpc] = root.resources("aws_vpc")
        users = [resource for resource, _ in root.referrers(vpc.address)]
        assert [u.address for u in users] == ["module.network.aws_subnet.private"]
        assert all(u.context.root is root for u in users)
        [subnets] = root.resources("aws_subnet")
        assert root.find_resource("module.network.aws_vpc.main.id") is vpc
        assert subnets.context.root is root


def test_the_same_module_problem_in_several_roots_is_one_finding() -> None:
    result = REGISTRY.get("SEC-ENCRYPTION-AT-REST").run(build_model(files_of(ROOTS)))
    assert [(f.file, f.line, f.resource) for f in result.findings] == [
        ("modules/database/main.tf", 16, "module.database.aws_db_instance.main")
    ]


def test_a_provider_file_beside_a_code_folder_stays_one_configuration() -> None:
    model = build_model(
        {
            "provider.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n',
            "lib/main.tf": 'resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}\n',
        }
    )
    assert model.root_models == [model]
    assert [r.region for r in model.resources("aws_vpc")] == ["us-east-1"]


def test_a_bare_path_source_is_the_module_it_means_not_a_root() -> None:
    case = (
        Path(__file__).parent
        / "fixtures"
        / "checks"
        / "IAC-UNDEFINED-REFERENCE"
        / "fail_bare_path_module_sources"
    )
    model = build_model(files_of(case))
    assert model.root_groups == [[""]]
    assert [m.address for m in model.modules] == ["", "module.vpc", "module.dns"]
    [vpc] = model.resources("aws_vpc")
    assert vpc.config.get("cidr_block") == "10.0.0.0/16"
    # Nothing is loaded for a bare name that no directory of the submission has.
    assert model.modules[0].module_calls["web"].child is None


def test_a_finding_of_some_deployments_names_them_one_of_all_does_not() -> None:
    case = (
        Path(__file__).parent
        / "fixtures"
        / "checks"
        / "SEC-ENCRYPTION-AT-REST"
        / "fail_unencrypted_volume_in_one_deployment"
    )
    files = files_of(case)
    files["main.tf"] = files["main.tf"].replace(
        "  size              = 100\n  encrypted         = true\n", "  size              = 100\n"
    )
    files["stage.tfvars"] = "create_scratch = true\n"
    model = build_model(files)
    assert [d.var_file for d in model.deployments] == ["dev.tfvars", "prod.tfvars", "stage.tfvars"]
    result = REGISTRY.get("SEC-ENCRYPTION-AT-REST").run(model)
    messages = {f.resource: f.message for f in result.findings}
    assert messages["aws_ebs_volume.data"].endswith("set encrypted = true.")
    assert messages["aws_ebs_volume.scratch"].endswith(
        "set encrypted = true (with dev.tfvars, stage.tfvars)."
    )
