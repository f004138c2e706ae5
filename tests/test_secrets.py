"""Secrets stay secret: planted keys and passwords appear in no output file, in any format.

Every place a model puts a credential is covered: provider blocks, tfvars, variable
defaults, user_data, a shell test script, a record's metadata and id, and a file that does
not parse (whose error message quotes the source).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pandas as pd
import pytest

from evalkit.checks import REGISTRY
from evalkit.cli import main
from evalkit.grading.engine import grade
from evalkit.masking import _ASSIGNED_SECRET, _assigned_secrets, find_secrets, mask_text
from evalkit.records import Submission
from evalkit.secrets.credentials import is_literal_secret

ACCESS_KEY = "AKIAHOSTILE0TEST0KEY"
SECOND_ACCESS_KEY = "ASIAHOSTILE0TEST0TWO"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYHOSTILE0KE"
DB_PASSWORD = "Corr3ct-Horse-Battery-Staple"
TFVARS_PASSWORD = "Tfvars-Pa55word-Planted"
DEFAULT_PASSWORD = "Default-Pa55word-Planted"
USER_DATA_PASSWORD = "UserData-Pa55word-Planted"
SCRIPT_PASSWORD = "Script-Pa55word-Planted"
META_PASSWORD = "Meta-Pa55word-Planted"
BROKEN_PASSWORD = "Broken-Pa55word-Planted"
SECRETS = (
    ACCESS_KEY,
    SECOND_ACCESS_KEY,
    SECRET_KEY,
    DB_PASSWORD,
    TFVARS_PASSWORD,
    DEFAULT_PASSWORD,
    USER_DATA_PASSWORD,
    SCRIPT_PASSWORD,
    META_PASSWORD,
    BROKEN_PASSWORD,
)

PROVIDERS = f'''
provider "aws" {{
  region     = "us-east-1"
  access_key = "{ACCESS_KEY}"
  secret_key = "{SECRET_KEY}"
}}

provider "aws" {{
  alias      = "west"
  region     = "us-west-2"
  access_key = "{SECOND_ACCESS_KEY}"
}}
'''

VARIABLES = f'''
variable "db_password" {{
  type    = string
  default = "{DEFAULT_PASSWORD}"
}}

variable "admin_password" {{
  type = string
}}
'''

MAIN = f'''
resource "aws_db_instance" "primary" {{
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  username          = "admin"
  password          = "{DB_PASSWORD}"
  storage_encrypted = true
}}

resource "aws_db_instance" "replica" {{
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  password          = var.db_password
  storage_encrypted = true
}}

resource "aws_instance" "web" {{
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  user_data     = <<-EOT
    #!/bin/bash
    export DB_PASSWORD="{USER_DATA_PASSWORD}"
    export AWS_ACCESS_KEY_ID={ACCESS_KEY}
    export AWS_SECRET_ACCESS_KEY={SECRET_KEY}
  EOT
}}
'''

SCRIPT = f"""#!/usr/bin/env bash
# Smoke test for the stack.
set -euo pipefail
export AWS_ACCESS_KEY_ID={ACCESS_KEY}
export AWS_SECRET_ACCESS_KEY={SECRET_KEY}
export DB_PASSWORD={SCRIPT_PASSWORD}
psql "postgresql://admin:{SCRIPT_PASSWORD}@db.example.com/app" -c 'select 1'
"""

# Single quotes are not HCL: the parse error quotes the token, which is the password.
BROKEN = f"""
resource "aws_db_instance" "db" {{
  password = '{BROKEN_PASSWORD}'
}}
"""


def _dataset(root: Path) -> Path:
    module = root / "dir-secrets"
    module.mkdir(parents=True)
    (module / "providers.tf").write_text(PROVIDERS, encoding="utf-8")
    (module / "variables.tf").write_text(VARIABLES, encoding="utf-8")
    (module / "main.tf").write_text(MAIN, encoding="utf-8")
    (module / "terraform.tfvars").write_text(
        f'admin_password = "{TFVARS_PASSWORD}"\n', encoding="utf-8"
    )
    (module / "tests").mkdir()
    (module / "tests" / "smoke_test.sh").write_text(SCRIPT, encoding="utf-8")
    broken = root / "dir-broken"
    broken.mkdir()
    (broken / "main.tf").write_text(BROKEN, encoding="utf-8")
    answer = f"## main.tf\n\n```hcl\n{PROVIDERS}\n{MAIN}```\n\n```bash\n{SCRIPT}```\n"
    records = [
        {
            "id": "rec-secrets",
            "model": "m1",
            "notes": f"ran with key {ACCESS_KEY}",
            "config": {"aws_secret_access_key": SECRET_KEY, "password": META_PASSWORD},
            "env": f"DB_PASSWORD={DB_PASSWORD}",
            "response": answer,
        },
        {"id": f"rec-{ACCESS_KEY}", "model": "m2", "response": "No code, sorry."},
        {"id": "rec-broken", "model": "m2", "response": f"```hcl\n{BROKEN}```\n"},
    ]
    (root / "records.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8"
    )
    return root


def _texts(out: Path, fmt: str) -> dict[str, str]:
    """Every output file of a run as text; tables in Parquet are read back through pandas."""
    texts: dict[str, str] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = path.relative_to(out).as_posix()  # files/<id>/... too: the graded copies
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            texts[name] = frame.to_csv(index=False) + frame.to_json(orient="records")
        else:
            texts[name] = path.read_text(encoding="utf-8")
    return texts


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_no_planted_secret_reaches_any_output(tmp_path: Path, fmt: str) -> None:
    dataset = _dataset(tmp_path / "data")
    out = tmp_path / "out"
    assert (
        main(
            [
                "score",
                str(dataset),
                "--out",
                str(out),
                "--format",
                fmt,
                "--quiet",
                "--no-cache",
                "--jobs",
                "1",
            ]
        )
        == 0
    )
    texts = _texts(out, fmt)
    assert {f"scores.{fmt}", f"findings.{fmt}", "run.json", "results.jsonl"} <= set(texts)
    leaks = {(name, secret) for name, text in texts.items() for secret in SECRETS if secret in text}
    assert not leaks
    # The rows are still there, masked rather than dropped.
    scores = texts[f"scores.{fmt}"]
    assert "rec-AKIAHOST****" in scores and "ran with key ****" in scores


def test_credentials_are_found_not_just_hidden(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path / "data")
    out = tmp_path / "out"
    assert (
        main(["score", str(dataset), "--out", str(out), "--quiet", "--no-cache", "--jobs", "1"])
        == 0
    )
    scores = pd.read_csv(out / "scores.csv", keep_default_na=False).set_index("submission_id")
    assert scores.loc["dir-secrets", "SEC-HARDCODED-CREDENTIALS"] == "fail"
    assert scores.loc["rec-secrets", "SEC-HARDCODED-CREDENTIALS"] == "fail"
    assert scores.loc["dir-broken", "status"] == "parse_error"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key {ACCESS_KEY}", "key AKIAHOST****"),
        (f'aws_secret_access_key = "{SECRET_KEY}"', 'aws_secret_access_key = "****"'),
        (f"password: {META_PASSWORD}", "password: ****"),
        (f'{{"password": "{META_PASSWORD}"}}', '{"password": "****"}'),
        (f"DB_PASSWORD={DB_PASSWORD}", "DB_PASSWORD=****"),
        (f"postgresql://admin:{SCRIPT_PASSWORD}@db/app", "postgresql://admin:****@db/app"),
    ],
)
def test_literal_secrets_are_found_in_any_text(text: str, expected: str) -> None:
    assert mask_text(text, find_secrets(text)) == expected


def test_plain_feedback_is_left_alone() -> None:
    message = (
        "aws_db_instance.db sets password to a literal; use manage_master_user_password = true"
    )
    assert mask_text(message) == message


@pytest.mark.parametrize(
    "text",
    [
        'a = 1\nDB_PASSWORD = "S3cret-Value"\nb = 2',
        'x = "y"\napi_key: abcd1234\nAccessKey=\'Wxyz-9876\'  token = "t0ken-v4l"',
        'b = 2\nsecret_key = "no-newline-at-the-end"',
        'locals {\n  \u017fecret = "long-s-matches-s"\n  passwd = "caf\u00e9-pass"\n}\n',
        "password\n= 'not-on-one-line'\ntoken =\n",
    ],
)
def test_assigned_secrets_scan_only_lines_that_can_match(text: str) -> None:
    # Scanning the lines that name a secret finds what a scan of the whole text finds.
    whole = [(m.span(), m.groups()) for m in _ASSIGNED_SECRET.finditer(text)]
    assert [(m.span(), m.groups()) for m in _assigned_secrets(text)] == whole


@pytest.mark.parametrize(
    "text",
    [
        "password = var.db_password",
        'password = "${var.db_password}"',
        "master_password = random_password.db.result",
        "manage_master_user_password = true",
        "password_length = 24",
        'secret_name = "prod/db"',
        "export DB_PASSWORD=$DB_PASSWORD",
        "token = each.value.token",
    ],
)
def test_references_are_not_taken_for_secrets(text: str) -> None:
    assert find_secrets(text) == set()


# --- masking does not depend on which checks run --------------------------------------------

ONLY_PASS_SECRET = "Gener4ted-Nowhere-Else"
HIDDEN_SCRIPT_PASSWORD = "Hidden-B64-Pa55word"
PASS_ONLY_MAIN = f'''
resource "aws_secretsmanager_secret_version" "app" {{
  secret_id     = "app"
  secret_string = "{ONLY_PASS_SECRET}"
}}

resource "aws_instance" "boot" {{
  ami              = "ami-12345678"
  instance_type    = "t3.micro"
  user_data_base64 = "{base64.b64encode(f"DB_PASSWORD={HIDDEN_SCRIPT_PASSWORD}".encode()).decode()}"
}}
'''


def test_secrets_only_the_credential_pass_finds_are_masked_without_the_check() -> None:
    checks = [c for c in REGISTRY if c.id != "SEC-HARDCODED-CREDENTIALS"]
    # A parse error quoting the source would be the leak; a check that echoes text is the
    # other. The credential pass must mask both whatever checks run.
    files = {"main.tf": PASS_ONLY_MAIN, "notes.md": f"secret is {ONLY_PASS_SECRET}"}
    submission = Submission(f"id-{ONLY_PASS_SECRET}", files, {"note": ONLY_PASS_SECRET})
    result = grade(submission, checks)
    text = repr(result)
    assert ONLY_PASS_SECRET not in text and HIDDEN_SCRIPT_PASSWORD not in text
    assert result.meta["note"] == "****"


def test_disabling_the_credential_check_in_a_rubric_masks_all_the_same(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path / "data")
    extra = dataset / "dir-pass-only"
    extra.mkdir()
    (extra / "main.tf").write_text(PASS_ONLY_MAIN, encoding="utf-8")
    # The finding of another check quotes the resource; the secret sits in the same file.
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(
        'name: no-credentials\nversion: "1"\nchecks:\n'
        "  SEC-HARDCODED-CREDENTIALS: {enabled: false}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    argv = ["score", str(dataset), "--out", str(out), "--rubric", str(rubric)]
    assert main([*argv, "--quiet", "--no-cache", "--jobs", "1"]) == 0
    texts = _texts(out, "csv")
    secrets = (*SECRETS, ONLY_PASS_SECRET, HIDDEN_SCRIPT_PASSWORD)
    leaks = {(name, secret) for name, text in texts.items() for secret in secrets if secret in text}
    assert not leaks
    scores = pd.read_csv(out / "scores.csv", keep_default_na=False).set_index("submission_id")
    assert scores.loc["dir-pass-only", "SEC-HARDCODED-CREDENTIALS"] == "n/a"


# --- masking by where a secret was found ----------------------------------------------------


def test_a_short_secret_is_masked_where_it_is_quoted_not_in_feedback_words() -> None:
    secrets = find_secrets('url = "postgresql://app:pass@db.internal/app"')
    assert secrets == {"pass"}
    feedback = "variable db has a literal secret value; pass it at run time, or use a vault"
    assert mask_text(feedback, secrets) == feedback
    assert mask_text("unexpected string 'pass'", secrets) == "unexpected string '****'"
    assert mask_text("postgresql://app:pass@db/app", secrets) == "postgresql://app:****@db/app"


def test_a_long_secret_is_masked_wherever_it_appears() -> None:
    assert mask_text("set to Sup3rSecretValue here", {"Sup3rSecretValue"}) == "set to **** here"
    # A message that quotes only the start of a token shows no part of the secret either.
    secret = "Sup3rSecretValue-Rotated"
    assert mask_text(f"unexpected '{secret[:20]}'", {secret}) == "unexpected '****'"
    # Its first word, where a message uses it as a word, is left alone.
    assert mask_text("set password now", {"password-Sup3r-Secret"}) == "set password now"


def test_graded_feedback_keeps_its_words_when_a_short_password_is_in_the_code() -> None:
    files = {
        "main.tf": (
            'variable "db_password" {\n  default = "pass"\n}\n'
            'locals {\n  url = "postgresql://app:pass@db.internal/app"\n}\n'
            'resource "aws_sqs_queue" "jobs" {}\n'
        )
    }
    result = grade(Submission("short", files, {}), list(REGISTRY))
    messages = [f.message for r in result.results for f in r.findings]
    assert any("supply it at run time" in m for m in messages)
    assert not any("**** it" in m for m in messages)


def test_private_key_material_never_reaches_a_message() -> None:
    key_line = "MIIEowIBAAKCAQEAq7BFUAkGOj1Y8nV3wGxPlantedKeyMaterialLine0001"
    main = (
        'locals {\n  key = "-----BEGIN RSA PRIVATE KEY-----\\n'
        f'{key_line}\\n{key_line[::-1]}\\n-----END RSA PRIVATE KEY-----"\n}}\n'
    )
    # The parse error of the second file quotes its token: the same key line.
    broken = f'resource "aws_instance" "x" {{\n  user_data = \'{key_line}\'\n}}\n'
    result = grade(Submission("pem", {"main.tf": main, "broken.tf": broken}, {}), list(REGISTRY))
    assert result.status == "parse_error"
    assert "****" in result.message
    assert key_line[:16] not in repr(result)


# --- masking never garbles names ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('password = "password"', 'password = "****"'),
        ('{"password": "password"}', '{"password": "****"}'),
        ("password: password", "password: ****"),
        (
            'variable "password" {\n  default = "password"',
            'variable "password" {\n  default = "****"',
        ),
        ("unexpected string 'password'", "unexpected string '****'"),
        ("master_password = random_password.db.result", None),
        ('password = "${var.password}"', None),
        ("aws_db_instance.db sets password to a literal value", None),
        ("password_length = 24 and password.length", None),
        ("mysql --password password -ppassword", "mysql --password **** -p****"),
        ("postgresql://app:password@db/app", "postgresql://app:****@db/app"),
    ],
)
def test_a_secret_made_of_words_is_masked_only_where_it_is_a_value(
    text: str, expected: str | None
) -> None:
    assert mask_text(text, {"password"}) == (expected or text)


def test_graded_outputs_keep_names_equal_to_a_placeholder_password() -> None:
    files = {
        "main.tf": (
            'resource "random_password" "db" {\n  length = 20\n}\n'
            'variable "password" {\n  type = string\n  default = "password"\n}\n'
            'resource "aws_db_instance" "db" {\n  engine = "postgres"\n'
            '  instance_class = "db.t3.micro"\n  allocated_storage = 20\n'
            '  username = "app"\n  password = var.password\n}\n'
            'output "master" {\n  value = random_password.db.result\n  sensitive = true\n}\n'
        )
    }
    result = grade(Submission("words", files, {}), list(REGISTRY))
    saved = result.files["main.tf"]
    assert 'resource "random_password" "db"' in saved and "password = var.password" in saved
    assert 'variable "password" {' in saved and 'default = "****"' in saved
    messages = [f.message for r in result.results for f in r.findings]
    assert "aws_db_instance.db sets password to a literal value" in " ".join(messages)
    assert not any("random_****" in m or "var.****" in m for m in messages)


def test_write_only_and_listed_passwords_are_found_in_any_text() -> None:
    text = 'password_wo = "Wr1te-0nly-Pass"\npasswords = ["L1sted-Pass-One", "x"]\n'
    assert find_secrets(text) == {"Wr1te-0nly-Pass", "L1sted-Pass-One"}


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("$DB_PASSWORD", False),
        ("${DB_PASSWORD}", False),
        ("<password>", False),
        ("{{ db_password }}", False),
        ("var.db_password", False),
        ("random_password.db.result", False),
        ("$ecretPass", True),  # a password that starts with a dollar sign
        ("hunter2", True),
    ],
)
def test_text_that_names_a_secret_is_no_literal(value: str, literal: bool) -> None:
    assert is_literal_secret(value) is literal


def test_a_long_secret_made_of_words_cut_short_by_a_message_is_masked() -> None:
    secret = "correct-horse-battery-staple"
    assert mask_text(f"unexpected '{secret[:20]}'", {secret}) == "unexpected '****'"


def test_every_secret_name_holds_one_of_the_parts_that_prefilter_names() -> None:
    # is_secret_name skips names holding none of _SECRET_NAME_PARTS: every secret word and
    # the last word of every secret pair must hold one.
    from evalkit.secrets.credentials import _SECRET_NAME_PARTS, _SECRET_PAIRS, _SECRET_WORDS

    for word in [*_SECRET_WORDS, *(last for _, last in _SECRET_PAIRS)]:
        assert any(part in word for part in _SECRET_NAME_PARTS), word


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("db_password", True),
        ("clientSecret", True),
        ("apiKey", True),
        ("SECRET_ACCESS_KEY", True),
        ("password_wo", True),
        ("passwords", True),
        ("client_token", False),
        ("password_length", False),
        ("Action", False),
        ("cidr_block", False),
        ("kms_key_id", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    from evalkit.secrets.credentials import is_secret_name

    assert is_secret_name(name) is secret
