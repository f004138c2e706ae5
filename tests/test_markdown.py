"""Extraction of files from markdown answers (evalkit.dataset.markdown)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.dataset.markdown import extract_files, looks_like_hcl, normalise_file_name

ANSWERS = Path(__file__).parent / "data" / "answers"
RLHF_DEV = Path("/work/shared/datasets/rlhf-dev")


def extract_fixture(name: str) -> dict[str, str]:
    return extract_files((ANSWERS / name).read_text(encoding="utf-8"))


# Each fixture reproduces one answer style met in real model output. Every expected file
# is listed with one line its content must hold; the file names must match exactly.
EXPECTED: dict[str, dict[str, str]] = {
    "fence_info_names.md": {
        "main.tf": 'resource "aws_s3_bucket" "logs" {',
        "vpc.tf": 'resource "aws_vpc" "main" {',
        "outputs.tf": 'output "vpc_id" {',
        "variables.tf": 'variable "region" {',
    },
    "heading_names.md": {
        "main.tf": 'provider "aws" {',
        "modules/vpc/main.tf": 'resource "aws_vpc" "this" {',
        "variables.tf": 'variable "region" {',
        "outputs.tf": 'output "region" {',
        "versions.tf": 'required_version = ">= 1.5.0"',
    },
    "bold_names.md": {
        "variables.tf": 'variable "name" {',
        "outputs.tf": 'output "name" {',
        "lib/tap_stack.tf": 'resource "aws_sns_topic" "alerts" {',
    },
    "intro_line_names.md": {
        "main.tf": 'resource "aws_dynamodb_table" "items" {',
        "outputs.tf": 'output "table_arn" {',
        "variables.tf": 'variable "table_name" {',
        "terraform.tfvars": 'table_name = "items"',
    },
    "comment_names.md": {
        "main.tf": 'resource "aws_iam_role" "app" {',
        "tap_stack.tf": 'resource "aws_kms_key" "data" {',
        "lib/network.tf": 'resource "aws_subnet" "a" {',
        "security-groups.tf": 'resource "aws_security_group" "web" {',
        "lambda/handler.py": "def handler(event, context):",
    },
    "same_file_joined.md": {
        "main.tf": 'resource "aws_s3_bucket" "third" {',
    },
    "reasoning_trace.md": {
        "tap_stack.tf": 'resource "aws_s3_bucket_versioning" "final" {',
    },
    "thinking_tags.md": {
        "main.tf": 'resource "aws_sqs_queue" "final" {',
    },
    "truncated_fence.md": {
        "variables.tf": 'variable "env" {',
        "main.tf": '  instance_type = "t3.micro"',
    },
    "no_code.md": {},
    "bare_hcl.md": {
        "main.tf": 'resource "aws_s3_bucket" "bare" {',
    },
    "bare_hcl_markers.md": {
        "provider.tf": 'provider "aws" {',
        "variables.tf": 'variable "region" {',
        "tap_stack.tf": 'resource "aws_s3_bucket" "data" {',
        "lambda_function.py": "def handler(event, context):",
    },
    "untagged_and_trees.md": {
        "snippet_1.txt": "├── main.tf",
        "main.tf": 'resource "aws_lambda_function" "api" {',
        "snippet_2.sh": "terraform init",
        "snippet_3.txt": "$ terraform apply",
        "tests/main.tftest.hcl": 'run "plan" {',
        "snippet_4.ts": 'import { describe, it } from "node:test";',
        "snippet_5.go": "package test",
        "snippet_6.json": '{"Version": "2012-10-17"}',
        "snippet_7.yaml": "name: ci",
        "snippet_8.txt": "Some plain words.",
    },
    "nested_readme.md": {
        "main.tf": 'resource "aws_eks_cluster" "main" {',
        "README.md": "Ask the platform team.",
        "terraform.tfvars.example": 'cluster_name = "main"',
    },
    "glued_fence.md": {
        "kms.tf": "  enable_key_rotation = true",
        "locals.tf": '  name = "glued"',
    },
    "excerpts_and_examples.md": {
        "lib/main.tf": 'resource "aws_s3_bucket" "data" {',
        "snippet_1.hcl": 'module "stack" {',
        "snippet_2.hcl": 'schedule_expression = "rate(1 hour)"',
    },
    "four_backtick_readme.md": {
        "main.tf": 'resource "aws_sns_topic" "events" {',
        "README.md": 'module "events" {',
    },
    "multi_file_block.md": {
        "dev.tfvars": "instance_count = 1",
        "prod.tfvars": "instance_count = 3",
    },
    "unclosed_then_next.md": {
        "main.tf": 'resource "aws_cloudwatch_log_group" "app" {',
        "variables.tf": 'variable "retention" {',
    },
    "unfenced_file_labels.md": {
        "providers.tf": 'provider "aws" {',
        "variables.tf": 'variable "region" {',
        "outputs.tf": 'output "queue_url" {',
        "main.tf": "*/",
        "terraform.tfvars": 'region = "eu-central-1"',
    },
    "fence_in_heredoc.md": {
        "main.tf": 'resource "aws_sns_topic" "after_heredoc" {',
        "variables.tf": 'variable "environment" {',
    },
    "answer_marker_after_stray_fence.md": {
        "main.tf": 'resource "aws_kinesis_stream" "events" {',
    },
    "module_file_continued.md": {
        "main.tf": 'module "network" {',
        "modules/network/main.tf": 'resource "aws_subnet" "public" {',
        "modules/network/variables.tf": 'variable "cidr" {',
        "outputs.tf": 'output "vpc_id" {',
    },
    "unfenced_markdown_escapes.md": {
        "providers.tf": "required_providers {",
        "variables.tf": 'variable "aws_region" {',
        "lib/storage.tf": 'resource "aws_s3_bucket" "access_logs" {',
    },
    "hash_glued_fence.md": {
        "main.tf": 'resource "aws_sqs_queue" "orders_dlq" {',
        "variables.tf": 'variable "environment" {',
    },
    "unnamed_fragments.md": {
        "main.tf": 'resource "aws_ecr_repository" "app" {',
        "snippet_1.tfvars": 'environment = "prod"',
        "snippet_2.hcl": "scan_on_push = true",
    },
}


def test_every_fixture_has_expectations() -> None:
    assert sorted(path.name for path in ANSWERS.glob("*.md")) == sorted(EXPECTED)


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture_files_and_content(fixture: str) -> None:
    files = extract_fixture(fixture)
    expected = EXPECTED[fixture]
    assert sorted(files) == sorted(expected)
    for name, line in expected.items():
        lines = {content_line.strip() for content_line in files[name].splitlines()}
        assert line.strip() in lines, f"{name} lacks {line!r}"


# --------------------------------------------------------------------------------------
# Specific behaviours


def test_blocks_naming_the_same_file_are_joined_in_order_with_a_blank_line() -> None:
    files = extract_fixture("same_file_joined.md")
    main = files["main.tf"]
    first, second, third = (main.index(f'"{label}"') for label in ("first", "second", "third"))
    assert first < second < third
    assert '}\n\nresource "aws_s3_bucket" "second"' in main
    assert main.endswith("}\n")


def test_draft_code_in_a_reasoning_trace_is_ignored() -> None:
    files = extract_fixture("reasoning_trace.md")
    assert "draft" not in files["tap_stack.tf"]


def test_draft_code_inside_thinking_tags_is_ignored() -> None:
    assert "draft" not in extract_fixture("thinking_tags.md")["main.tf"]


def test_answer_marker_without_code_after_it_keeps_earlier_blocks() -> None:
    text = '```hcl\nresource "a" "b" {}\n```\n\n## Answer\n\nSee the block above.\n'
    assert list(extract_files(text)) == ["main.tf"]


def test_unclosed_block_ends_at_the_next_tagged_fence() -> None:
    files = extract_fixture("unclosed_then_next.md")
    assert "variables.tf" not in files["main.tf"]
    assert files["main.tf"].endswith("}\n")


def test_truncated_fence_runs_to_the_end_of_the_text() -> None:
    main = extract_fixture("truncated_fence.md")["main.tf"]
    assert main.rstrip().endswith('instance_type = "t3.micro"')


def test_markdown_without_code_gives_no_files() -> None:
    assert extract_fixture("no_code.md") == {}


def test_bare_hcl_keeps_its_text() -> None:
    text = (ANSWERS / "bare_hcl.md").read_text(encoding="utf-8")
    assert extract_files(text) == {"main.tf": text}


def test_prose_before_bare_hcl_is_dropped() -> None:
    text = 'Here it is:\n\nresource "aws_sqs_queue" "q" {\n  name = "q"\n}\n\nThat is all.\n'
    assert extract_files(text) == {"main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'}


def test_directory_tree_never_becomes_terraform() -> None:
    text = "```hcl\n.\n├── main.tf\n└── variables.tf\n```\n"
    files = extract_files(text)
    assert not any(name.endswith(".tf") for name in files)


def test_shell_block_under_a_terraform_heading_is_not_named_after_it() -> None:
    text = "## terraform.tfvars\n\n```bash\ncp terraform.tfvars.example terraform.tfvars\n```\n"
    assert list(extract_files(text)) == ["snippet_1.sh"]


def test_excerpt_repeated_in_a_full_file_is_dropped() -> None:
    files = extract_fixture("excerpts_and_examples.md")
    assert "main.tf" not in files
    assert files["lib/main.tf"].count('resource "random_string" "suffix"') == 1


def test_usage_example_becomes_main_tf_when_it_is_the_only_terraform() -> None:
    text = '## Usage example\n\n```hcl\nmodule "x" {\n  source = "./x"\n}\n```\n'
    assert list(extract_files(text)) == ["main.tf"]


def test_crlf_answers_give_lf_files() -> None:
    text = '## main.tf\r\n\r\n```hcl\r\nresource "a" "b" {}\r\n```\r\n'
    assert extract_files(text) == {"main.tf": 'resource "a" "b" {}\n'}


def test_indented_fence_in_a_list_is_dedented() -> None:
    text = '1. Create `main.tf`:\n\n   ```hcl\n   resource "a" "b" {\n     x = 1\n   }\n   ```\n'
    assert extract_files(text) == {"main.tf": 'resource "a" "b" {\n  x = 1\n}\n'}


def test_tildes_fence() -> None:
    text = '~~~terraform\nresource "a" "b" {}\n~~~\n'
    assert extract_files(text) == {"main.tf": 'resource "a" "b" {}\n'}


def test_inline_triple_backticks_are_not_a_fence() -> None:
    text = 'Run ```terraform init``` first.\n\n```hcl\nresource "a" "b" {}\n```\n'
    assert list(extract_files(text)) == ["main.tf"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("main.tf", "main.tf"),
        ("`main.tf`", "main.tf"),
        ('"modules/vpc/main.tf"', "modules/vpc/main.tf"),
        ("./lib/main.tf", "lib/main.tf"),
        ("lib//main.tf", "lib/main.tf"),
        ("lib\\main.tf", "lib/main.tf"),
        ("/etc/passwd.tf", "passwd.tf"),
        ("../../outside.tf", "outside.tf"),
        ("modules/../../x.tf", "x.tf"),
        ("C:/work/main.tf", "main.tf"),
        ("main.tf:", "main.tf"),
        ("my file.tf", None),
        ("", None),
        ("..", None),
    ],
)
def test_normalise_file_name(raw: str, expected: str | None) -> None:
    assert normalise_file_name(raw) == expected


def test_path_traversal_in_a_fence_name_falls_back_to_the_base_name() -> None:
    text = '```hcl title="../../etc/evil.tf"\nresource "a" "b" {}\n```\n'
    assert list(extract_files(text)) == ["evil.tf"]


def test_looks_like_hcl() -> None:
    assert looks_like_hcl('resource "aws_s3_bucket" "b" {\n}\n')
    assert looks_like_hcl("terraform {\n}\n")
    assert not looks_like_hcl("The resource block declares a bucket.")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "```",
        "````\n```\n",
        "```hcl title=\n",
        "## \n```\n```",
        "\x00\x01\x02",
        "```hcl\n\ud800\n```",
        "# main.tf\n" * 1000,
        "```markdown\n```\n```\n```\n",
        "resource {" * 10000,
        '```hcl - ../../..\nresource "a" "b" {}\n```',
    ],
)
def test_odd_inputs_do_not_raise(text: str) -> None:
    assert isinstance(extract_files(text), dict)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "```",
                "```hcl",
                "````markdown",
                "~~~",
                "## main.tf",
                "**File: x.tf**",
                "# File: a/../b.tf",
                'resource "a" "b" {',
                "}",
                "├── x",
                "### Answer",
                "<thinking>",
                "</thinking>",
                "text with `code`",
                "",
            ]
        )
        | st.text(max_size=40),
        max_size=40,
    )
)
def test_extract_files_never_raises(lines: list[str]) -> None:
    files = extract_files("\n".join(lines))
    for name in files:
        assert name and ".." not in name.split("/") and not name.startswith("/")


def test_a_one_megabyte_answer_gives_every_file() -> None:
    # How fast this goes is measured by benchmarks/markdown_extraction.py, not asserted here.
    section = (
        "## File: lib/module_{n}.tf\n\nThis part holds the storage for tenant {n}.\n\n"
        '```hcl\nresource "aws_s3_bucket" "b{n}" {{\n  bucket = "tenant-{n}"\n'
        '  tags = {{\n    Name = "tenant-{n}"\n  }}\n}}\n' + "# padding line\n" * 40 + "```\n\n"
    )
    text = "".join(section.format(n=n) for n in range(1700))
    assert len(text) > 1_000_000
    files = extract_files(text)
    assert sorted(files) == sorted(f"lib/module_{n}.tf" for n in range(1700))
    assert 'bucket = "tenant-1699"' in files["lib/module_1699.tf"]


# --------------------------------------------------------------------------------------
# Real answers, when the sample dataset is available


def _real_answers() -> list[Path]:
    if not RLHF_DEV.is_dir():
        return []
    return sorted(RLHF_DEV.glob("*/MODEL_RESPONSE.md")) + sorted(
        RLHF_DEV.glob("*/IDEAL_RESPONSE.md")
    )


@pytest.mark.skipif(not RLHF_DEV.is_dir(), reason="rlhf-dev sample dataset not available")
@pytest.mark.parametrize(
    "path", _real_answers(), ids=lambda path: f"{path.parent.name}/{path.stem}"
)
def test_real_answers(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    files = extract_files(text)
    for name in files:
        assert " " not in name
        assert ".." not in name.split("/")
        assert not name.startswith("/")
    # Placeholders, prose-only write-ups and a Python-only task hold no Terraform at all.
    if looks_like_hcl(text):
        assert any(name.endswith(".tf") for name in files), sorted(files)


# --------------------------------------------------------------------------------------
# Layouts that must come out as the Terraform the answer meant


def _parses(files: dict[str, str]) -> bool:
    from evalkit.terraform.parse import ParsedFile, parse_file

    return all(
        isinstance(parse_file(name, text), ParsedFile)
        for name, text in files.items()
        if name.endswith((".tf", ".tfvars"))
    )


def test_unfenced_file_labels_split_files_and_drop_the_labels_and_prose() -> None:
    files = extract_fixture("unfenced_file_labels.md")
    assert _parses(files)
    assert not any("FILE:" in text or "Next come" in text for text in files.values())
    assert "That is everything" not in files["terraform.tfvars"]


def test_a_commented_out_block_after_the_last_brace_keeps_its_closing_marker() -> None:
    main = extract_fixture("unfenced_file_labels.md")["main.tf"]
    assert main.rstrip().endswith("*/")
    text = (
        '```hcl\nresource "aws_sqs_queue" "a" {\n  name = "a"\n}\n/*\nresource "aws_sqs_queue" '
        '"b" {\n}\n*/\nNow the variables:\n```hcl\nvariable "x" {}\n```\n'
    )
    files = extract_files(text)
    assert "}\n*/\n" in files["main.tf"] and "Now the variables" not in files["main.tf"]
    assert _parses(files)


def test_a_fence_inside_a_heredoc_does_not_end_the_block() -> None:
    files = extract_fixture("fence_in_heredoc.md")
    assert "systemctl restart app" in files["main.tf"]
    assert _parses(files)


def test_an_unclosed_heredoc_does_not_swallow_the_following_blocks() -> None:
    text = (
        '## main.tf\n\n```hcl\nresource "aws_ssm_document" "d" {\n  content = <<EOT\n'
        'truncated\n```\n\n## variables.tf\n\n```hcl\nvariable "x" {}\n```\n\nEOT\n'
    )
    assert sorted(extract_files(text)) == ["main.tf", "variables.tf"]


def test_an_answer_marker_behind_a_stray_fence_still_drops_the_draft() -> None:
    files = extract_fixture("answer_marker_after_stray_fence.md")
    assert "draft" not in files["main.tf"] and _parses(files)


def test_an_unnamed_block_after_a_module_file_continues_that_file() -> None:
    files = extract_fixture("module_file_continued.md")
    assert "aws_subnet" not in files["main.tf"]
    assert _parses(files)


def test_root_code_after_a_module_file_stays_in_the_root() -> None:
    text = (
        '### modules/app/main.tf\n\n```hcl\nresource "aws_sqs_queue" "q" {}\n```\n\n'
        'Use it from the root:\n\n```hcl\nmodule "app" {\n  source = "./modules/app"\n}\n```\n'
    )
    files = extract_files(text)
    assert 'module "app"' in files["main.tf"]
    assert 'module "app"' not in files["modules/app/main.tf"]
    wiring = (
        'Then point a record at it:\n\n```hcl\nresource "aws_route53_record" "app" {\n'
        "  records = [module.app.queue_url]\n}\n```\n"
    )
    assert "aws_route53_record" in extract_files(text + wiring)["main.tf"]


# --------------------------------------------------------------------------------------
# Markdown escapes, list-style file markers and fences with a glued comment mark


def test_markdown_escapes_in_an_unfenced_answer_are_undone() -> None:
    files = extract_fixture("unfenced_markdown_escapes.md")
    storage = files["lib/storage.tf"]
    assert "\\_" not in storage and "\\*" not in storage
    assert 'Action   = ["s3:Get*", "s3:List*"]' in storage
    assert "${aws_s3_bucket.access_logs.arn}/*" in storage
    # The heredoc went through the same converter, so its policy is read unescaped too.
    assert '"Action": "s3:Put*", "Resource": "*"' in storage


def test_unescaping_keeps_hcl_escapes() -> None:
    variables = extract_fixture("unfenced_markdown_escapes.md")["variables.tf"]
    assert 'such as \\"eu-west-1\\""' in variables
    assert 'regex("^[a-z]{2}-[a-z]+-\\\\d$", var.aws_region)' in variables


def test_file_markers_with_a_note_or_a_list_label_start_a_file() -> None:
    files = extract_fixture("unfenced_markdown_escapes.md")
    assert sorted(files) == ["lib/storage.tf", "providers.tf", "variables.tf"]
    assert not any("FILE:" in text or "B)" in text for text in files.values())


def test_escaped_star_only_inside_a_heredoc_is_kept() -> None:
    text = (
        'resource "aws_instance" "web" {\n'
        "  user_data = <<-EOT\n"
        "    #!/bin/bash\n"
        "    ls /var/log/\\*.log\n"
        "  EOT\n"
        "}\n"
    )
    assert extract_files(text)["main.tf"] == text


def test_escapes_inside_fenced_code_are_kept() -> None:
    body = 'resource "aws_instance" "web" {\n  user_data = "echo \\\\*"\n}\n'
    text = "Escaped prose: \\*bold\\* and aws\\_name.\n\n```hcl\n" + body + "```\n"
    assert extract_files(text) == {"main.tf": body}


def test_list_labelled_marker_needs_a_known_file_name() -> None:
    text = 'A) Storage\n\nresource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
    assert list(extract_files(text)) == ["main.tf"]


def test_fence_with_a_comment_mark_glued_to_the_language_names_its_file() -> None:
    files = extract_fixture("hash_glued_fence.md")
    assert sorted(files) == ["main.tf", "variables.tf"]
    # The closing fence glued to the brace ends the block and is not code.
    assert files["main.tf"].endswith('name = "orders-dlq"\n}\n')
    assert "```" not in files["main.tf"] + files["variables.tf"]


def test_a_list_of_file_names_before_bare_code_is_prose() -> None:
    text = (
        "The answer has two files:\n\n- main.tf\n- variables.tf\n\n"
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'
    )
    assert extract_files(text) == {"main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'}


@pytest.mark.parametrize(
    ("prose", "name"),
    [
        ("### tap\\_stack.tf", "tap_stack.tf"),
        ("**FILE: lib/tap\\_stack.tf**", "lib/tap_stack.tf"),
        ("FILE: main.tf (providers and backend)", "main.tf"),
        ("B) lib/network.tf", "lib/network.tf"),
    ],
)
def test_escaped_or_labelled_names_in_prose_name_the_next_fence(prose: str, name: str) -> None:
    text = f'{prose}\n\n```hcl\nresource "aws_sqs_queue" "q" {{}}\n```\n'
    assert list(extract_files(text)) == [name]


def test_fence_info_with_a_spaced_comment_mark_names_the_file() -> None:
    text = '```terraform # variables.tf\nvariable "region" {}\n```\n'
    assert list(extract_files(text)) == ["variables.tf"]
