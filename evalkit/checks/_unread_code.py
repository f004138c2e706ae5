"""What a submission without readable Terraform holds instead, in words a model can act on.

"The submission contains no Terraform code" is false for an answer whose code evalkit could
not read as Terraform: a fence tagged with an unknown language, a fragment that declares
nothing, Terraform saved under another extension. Saying what was found tells the model
which part of its answer to fix.
"""

from __future__ import annotations

import posixpath

from evalkit.dataset.markdown import looks_like_hcl
from evalkit.terraform.model import TerraformModel, is_terraform_file

# Listing every file of a large submission would drown the message.
_MAX_LISTED = 4
# Names extraction gives to fenced blocks it could not name (snippet_1.txt, snippet_2.sh).
_SNIPPET_PREFIX = "snippet_"
_DOCUMENT_SUFFIXES = (".md", ".markdown", ".txt", ".rst")


def no_terraform_message(model: TerraformModel) -> str:
    """The finding message of a submission in which evalkit found no Terraform to grade."""
    code = sorted(name for name, text in model.files.items() if _is_code(name, text))
    if not code:
        return "the submission contains no Terraform code; answer with complete .tf files."
    fenced = any(posixpath.basename(name).startswith(_SNIPPET_PREFIX) for name in code)
    found = "the answer has code fences" if fenced else "the submission has code"
    listed = "; ".join(_describe(name, model.files[name]) for name in code[:_MAX_LISTED])
    more = f"; and {len(code) - _MAX_LISTED} more" if len(code) > _MAX_LISTED else ""
    return (
        f"{found} but none holds Terraform that evalkit could read: {listed}{more}; "
        "answer with complete .tf files (fences tagged hcl or terraform)."
    )


def _is_code(name: str, text: str) -> bool:
    """Files that hold something other than prose: documentation is no attempt at code,
    unless it is a fenced block that extraction kept as a text snippet."""
    if not text.strip():
        return is_terraform_file(name)
    base = posixpath.basename(name).lower()
    return not base.endswith(_DOCUMENT_SUFFIXES) or base.startswith(_SNIPPET_PREFIX)


def _describe(name: str, text: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".tftest.hcl"):
        return f"{name} (tests of a configuration that is not there)"
    if is_terraform_file(name):
        return f"{name} (declares no resource, variable, module or other block)"
    if looks_like_hcl(text):
        return f"{name} (Terraform blocks, but not in a .tf file or hcl fence)"
    if lowered.endswith((".hcl", ".tfvars")):
        return f"{name} (HCL settings but no Terraform block)"
    return name
