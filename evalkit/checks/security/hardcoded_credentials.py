"""SEC-HARDCODED-CREDENTIALS: Credentials written into the code."""

from __future__ import annotations

from evalkit.checks.registry import check, finding
from evalkit.records import Finding
from evalkit.secrets.credentials import Credential, find_credentials, line_holds
from evalkit.terraform.model import TerraformModel


@check(
    "SEC-HARDCODED-CREDENTIALS",
    category="security",
    severity="critical",
    title="Credentials written into the code",
)
def hardcoded_credentials(model: TerraformModel) -> list[Finding]:
    """An AWS key, private key, password, token or secret is a literal in the submission.

    Fails on AWS access key ids (AKIA.../ASIA...) or secret access keys anywhere in the files;
    PEM private keys (RSA, EC, OPENSSH, PKCS#8, encrypted) and PuTTY key files anywhere;
    provider `access_key`/`secret_key`/`token`; secret-named attributes and keys
    (`password`, `master_password`, `auth_token`, `client_secret`, `apiKey`, `db_password`,
    `token`, a `passwords` list, and their write-only twins `password_wo`, `secret_string_wo`)
    whose value is written in the code, at
    any depth of a map, object, `jsonencode` or JSON heredoc, directly or through a variable
    default, a `.tfvars` file, a local, a `for_each` collection or a module argument;
    connection strings with a literal password (`postgresql://user:pass@host`); secrets in
    `user_data` scripts or environment maps, also when base64-encoded. The finding points at
    the line where the literal is written.

    A slot that stores any value as a secret (`secret_string`, an SSM `SecureString` value)
    holds a secret when what it is for says so (a parameter `/app/db/password`, a secret
    labelled `api_token`) or when the value has the shape of one; a number, flag, duration,
    ARN, host, URL or word-made identifier kept there (a TTL `"86400"`, a table name) is a
    setting, not a secret.

    Names that only describe a secret (`password_length`, `password_policy`,
    `secret_rotation_schedule_expression`, `secret_arn`) are not secrets, and a value only
    `terraform apply` knows (a reference, also inside a heredoc or JSON template) is not a
    literal, nor is text that names one (`$DB_PASSWORD`, `<password>`, `{{ password }}`).

    Why: a committed credential is leaked to everyone who can read the repository or the
    state, and cannot be rotated without a code change.

    Fix: let AWS manage the secret (`manage_master_user_password = true`), generate it
    (`random_password`), or read it from Secrets Manager / SSM; pass provider credentials
    through the environment or an IAM role, never in the provider block.

        resource "aws_db_instance" "db" {
          manage_master_user_password = true   # not: password = "Sup3rSecret!"
        }
    """
    reported = _reported_credentials(model, find_credentials(model))
    return [
        finding(item.file, item.line, item.owner, item.message, item.region) for item in reported
    ]


def _reported_credentials(
    model: TerraformModel, credentials: tuple[Credential, ...]
) -> list[Credential]:
    """One finding per secret and line, at the place where the secret is written.

    The same secret is met through every path that reads it (a resource attribute, the local
    it names, the variable default behind that); a sighting whose line does not show the
    secret is dropped when another one does.
    """
    shown = [c for c in credentials if _line_shows(model, c)]
    shown_ids = {id(c) for c in shown}
    reported: list[Credential] = []
    seen: set[tuple[str, int]] = set()
    for item in credentials:
        if id(item) not in shown_ids and any(_same_secret(item, other) for other in shown):
            continue
        if (item.file, item.line) not in seen:
            seen.add((item.file, item.line))
            reported.append(item)
    return reported


def _line_shows(model: TerraformModel, item: Credential) -> bool:
    return bool(item.values) and line_holds(model, item.file, item.line, item.values[0])


def _same_secret(item: Credential, other: Credential) -> bool:
    if not item.values or not other.values:
        return False
    # A heredoc's value lost the indentation its text has in the file.
    mine, theirs = ("".join(c.values[0].split()) for c in (item, other))
    return mine in theirs or theirs in mine
