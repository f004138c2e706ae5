"""What a submission builds: the managed resources and module calls that create infrastructure.

A configuration of variables, outputs, locals, providers and data sources plans to an empty
change set: `terraform apply` creates nothing. Neither do the resources of utility providers
(`random_id`, `null_resource`, `terraform_data`, `time_sleep`, `tls_private_key`,
`local_file`, ...): they live in the state file only, or on the machine running Terraform.
Such a submission is graded `no_infrastructure` (score 0); `what_is_built` decides it with
the model's existence rules, over every root configuration:

- a managed resource of any other provider (aws, azurerm, google, kubernetes, ...) that
  exists or may exist in some deployment builds something; one known not to exist in every
  deployment (``count = 0`` with the inputs the submission ships) does not;
- a local module builds what its own resources and module calls build, instance by instance;
  a local module the submission does not contain builds nothing evalkit can see (and
  `terraform init` fails on it);
- a registry or remote module call (``terraform-aws-modules/vpc/aws``, a git URL) builds
  something unless the registry address names a utility provider: its code is not in the
  submission, and the checks judge the call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evalkit.terraform.model import Existence, ModuleCall, ModuleContext, TerraformModel
from evalkit.terraform.sources import INVALID, LOCAL, source_kind

# Providers whose resources create nothing outside Terraform's state or the local machine,
# and providers that only read (data sources) or render text.
UTILITY_PROVIDERS = frozenset(
    {
        "archive",
        "cloudinit",
        "external",
        "http",
        "local",
        "null",
        "random",
        "template",
        "terraform",  # terraform_data, terraform_remote_state
        "time",
        "tls",
    }
)
_NAMED = 3  # addresses named per kind in the message


@dataclass
class Inventory:
    """What a submission declares, sorted by whether it builds infrastructure."""

    builds: list[str] = field(default_factory=list)  # addresses that create something
    utility: list[str] = field(default_factory=list)  # utility resources and module calls
    absent: list[str] = field(default_factory=list)  # known not to exist (count = 0, ...)
    empty_modules: list[str] = field(default_factory=list)  # why a module call builds nothing
    variables: int = 0
    locals: int = 0
    outputs: int = 0
    providers: list[str] = field(default_factory=list)
    data_sources: list[str] = field(default_factory=list)

    @property
    def builds_infrastructure(self) -> bool:
        return bool(self.builds)


def resource_provider(resource_type: str) -> str:
    """The provider a resource type belongs to: the type name up to its first underscore."""
    return resource_type.split("_", 1)[0]


def what_is_built(model: TerraformModel) -> Inventory:
    """The inventory of every deployment of every root configuration of a submission
    together: a resource that some shipped ``-var-file`` creates is built."""
    inventory = Inventory()
    for graded in model.graded_models():
        for module in graded.declared_modules:
            _add_module(inventory, module)
    for name in ("builds", "utility", "absent", "empty_modules", "providers", "data_sources"):
        values: list[str] = getattr(inventory, name)
        setattr(inventory, name, sorted(dict.fromkeys(values)))
    return inventory


def _add_module(inventory: Inventory, module: ModuleContext) -> None:
    if not module.existence.visible:
        return  # its call is reported as known not to exist, by the calling module
    if not module.address:
        inventory.variables += len(module.variables)
        inventory.locals += len(module.locals)
        inventory.outputs += len(module.outputs)
        inventory.providers.extend(module.providers)
    for resource in module.declared_resources.values():
        if resource.existence is Existence.ABSENT:
            if resource.mode == "managed":
                inventory.absent.append(resource.address)
        elif resource.mode == "data":
            inventory.data_sources.append(resource.type)
        elif resource_provider(resource.type) in UTILITY_PROVIDERS:
            inventory.utility.append(resource.address)
        else:
            inventory.builds.append(resource.address)
    for call in module.declared_module_calls.values():
        address = module.qualified(f"module.{call.name}")
        kind = _call_kind(call)
        if not call.existence.visible:
            inventory.absent.append(address)
        elif kind == "remote":
            inventory.builds.append(address)
        elif kind == "utility":
            inventory.utility.append(address)
        elif kind == "missing":
            inventory.empty_modules.append(
                f"{address} calls {call.source or 'a module without a source'}, which is not "
                "in the submission"
            )
        elif call.template is not None and not _module_builds(call.template):
            inventory.empty_modules.append(
                f"{address} calls {call.source}, which declares no resource"
            )
        # A local module that declares resources: its instances are counted on their own.


def _call_kind(call: ModuleCall) -> str:
    """``local`` (loaded from the submission), ``missing`` (a local path the submission does
    not contain, or no source), ``utility`` (a registry module of a utility provider) or
    ``remote`` (any other registry or remote module, whose code evalkit cannot see)."""
    if call.template is not None:
        return "local"
    if not call.source or source_kind(call.source) in (LOCAL, INVALID):
        return "missing"  # a bare path (``modules/vpc``) is installed from nowhere
    return "utility" if _registry_provider(call.source) in UTILITY_PROVIDERS else "remote"


def _module_builds(context: ModuleContext) -> bool:
    """Whether a loaded module's code declares anything that could build, whatever its inputs
    (a module that declares resources which its caller's inputs leave out is not empty: its
    resources are reported as known not to exist)."""
    for resource in context.declared_resources.values():
        if resource.mode == "managed" and resource_provider(resource.type) not in UTILITY_PROVIDERS:
            return True
    for call in context.declared_module_calls.values():
        kind = _call_kind(call)
        if kind == "remote" or (
            kind == "local" and call.template is not None and _module_builds(call.template)
        ):
            return True
    return False


def _registry_provider(source: str) -> str:
    """The provider of a registry address (``namespace/name/provider``, optionally behind a
    host name and with a ``//subdirectory``); "" for other sources (git, http, s3, ...)."""
    if "::" in source or "://" in source:
        return ""
    parts = source.split("//", 1)[0].split("?", 1)[0].strip("/").split("/")
    return parts[-1] if len(parts) in (3, 4) else ""


def no_infrastructure_message(inventory: Inventory) -> str:
    """Feedback for a submission that builds nothing: what it declares and what is missing."""
    declared = _declared_phrases(inventory)
    missing = "no resource or module call that creates infrastructure"
    head = f"it declares {_join(declared)} but {missing}" if declared else f"it declares {missing}"
    notes = []
    if inventory.utility:
        are = (
            "is a utility resource: it creates"
            if len(inventory.utility) == 1
            else "are utility resources: they create"
        )
        notes.append(
            f"{_named(inventory.utility)} {are} nothing outside Terraform's state and the "
            "machine running it"
        )
    if inventory.absent:
        verb = "is" if len(inventory.absent) == 1 else "are"
        notes.append(
            f"{_named(inventory.absent)} {verb} known not to exist with the inputs given "
            "(count = 0 or an empty for_each)"
        )
    notes.extend(inventory.empty_modules[:_NAMED])
    detail = "".join(f"; {note}" for note in notes)
    return (
        f"the submission builds no infrastructure: {head}{detail}. Declare the resources the "
        "task asks for."
    )


def _declared_phrases(inventory: Inventory) -> list[str]:
    phrases = []
    if inventory.variables:
        phrases.append(_counted(inventory.variables, "variable"))
    if inventory.locals:
        phrases.append(_counted(inventory.locals, "local value"))
    if inventory.providers:
        noun = "provider" if len(inventory.providers) == 1 else "providers"
        phrases.append(f"{noun} {_named(inventory.providers)}")
    if inventory.outputs:
        phrases.append(_counted(inventory.outputs, "output"))
    if inventory.data_sources:
        noun = "data source" if len(inventory.data_sources) == 1 else "data sources"
        phrases.append(f"{noun} {_named(inventory.data_sources)}")
    return phrases


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _named(items: list[str]) -> str:
    shown = ", ".join(items[:_NAMED])
    more = len(items) - _NAMED
    return f"{shown} (+{more} more)" if more > 0 else shown


def _join(phrases: list[str]) -> str:
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]
