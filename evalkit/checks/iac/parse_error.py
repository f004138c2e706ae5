"""IAC-PARSE-ERROR: No Terraform, nothing built, or Terraform that does not parse."""

from __future__ import annotations

from evalkit.checks._unread_code import no_terraform_message
from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.terraform.model import (
    TerraformModel,
)


@check(
    "IAC-PARSE-ERROR",
    category="iac",
    severity="critical",
    title="No Terraform, nothing built, or Terraform that does not parse",
)
def parse_error(model: TerraformModel) -> list[Finding]:
    """The submission contains no Terraform at all, a file is not valid HCL2 (an argument
    set twice in one block included, which Terraform's parser rejects), or the Terraform
    builds nothing (status `no_infrastructure`).

    Reported with the parser's line and a description of what it expected. A submission with
    code but no Terraform evalkit could read (a block fenced with an unknown tag, Terraform in
    a `.txt` file, a `.tf` file that declares nothing) is told what was found instead. Every
    other check is `n/a` for a submission with no parseable Terraform, and it scores 0. A
    submission that parses but declares only variables, locals, outputs, providers, data
    sources or utility resources (`random_*`, `null_resource`, `terraform_data`, `time_*`,
    `tls_*`, `local_*`, ...) is graded the same way; the finding names what it declares.

    Why: code that does not parse cannot be planned, so nothing else about it matters; code
    that builds nothing answers no infrastructure task, however clean it is.

    Fix: close every block, string and heredoc; keep prose and markdown fences out of `.tf`
    files; run `terraform fmt` and `terraform validate` before answering; write the resources
    the task asks for, not only their variables and outputs.
    """
    if not model.has_terraform:
        return [finding("", 0, "", no_terraform_message(model))]
    return [
        finding(
            failure.file,
            failure.line,
            "",
            f"{failure.file} does not parse as HCL2 at line {failure.line}: {failure.message}.",
        )
        for failure in model.failures
    ]
