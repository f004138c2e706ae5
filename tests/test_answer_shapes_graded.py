"""Answers in shapes extraction once missed are graded, not scored 0 for having no code.

Each case goes through the loader, the engine and the default rubric, as `evalkit score`
would take it, and pins the files graded, the status and a score above 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.checks import REGISTRY
from evalkit.dataset import iter_submissions
from evalkit.grading.engine import SubmissionResult, grade
from evalkit.grading.rubric import load_rubric
from evalkit.records import Submission
from evalkit.results.tables import score_row

ANSWERS = Path(__file__).parent / "data" / "answers"
RUBRIC = load_rubric(None, REGISTRY)
RESOURCES = "".join(
    f'resource "aws_sqs_queue" "q{n}" {{\n  name = "queue-{n}"\n}}\n\n' for n in range(12)
)


def graded(path: Path) -> tuple[Submission, SubmissionResult, dict[str, object]]:
    (submission,) = iter_submissions([path])
    result = grade(submission, list(REGISTRY), None)
    return submission, result, score_row(result, RUBRIC, REGISTRY, [])


@pytest.mark.parametrize(
    ("answer", "files"),
    [
        ("unfenced_markdown_escapes.md", ["lib/storage.tf", "providers.tf", "variables.tf"]),
        ("hash_glued_fence.md", ["main.tf", "variables.tf"]),
    ],
)
def test_answer_is_graded(answer: str, files: list[str]) -> None:
    submission, result, row = graded(ANSWERS / answer)
    assert sorted(submission.files) == files
    assert result.status == "ok"
    assert isinstance(row["score"], float) and row["score"] > 0


def test_escaped_heredoc_policy_is_judged_as_the_model_meant_it() -> None:
    # Unescaped, the heredoc policy grants s3:Put* on every resource, which the wildcard
    # check reports at the policy; the jsonencode policy, scoped to the bucket, passes.
    _, result, _ = graded(ANSWERS / "unfenced_markdown_escapes.md")
    (wildcard,) = [r for r in result.results if r.check_id == "SEC-IAM-WILDCARD"]
    located = [(f.file, f.line, f.resource) for f in wildcard.findings]
    assert located == [("lib/storage.tf", 23, "aws_iam_policy.log_writer")]
    assert '"s3:Put*" on Resource "*"' in wildcard.findings[0].message


def test_fence_with_an_unknown_tag_is_told_what_was_found(tmp_path: Path) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text(
        'The queue:\n\n```hlc\nresource "aws_sqs_queue" "q" {\n  name = "q"\n}\n```\n',
        encoding="utf-8",
    )
    submission, result, row = graded(answer)
    assert list(submission.files) == ["snippet_1.txt"]
    assert result.status == "no_terraform"
    assert row["feedback"] == (
        "IAC-PARSE-ERROR: the answer has code fences but none holds Terraform that evalkit "
        "could read: snippet_1.txt (Terraform blocks, but not in a .tf file or hcl fence); "
        "answer with complete .tf files (fences tagged hcl or terraform)."
    )


def test_prose_only_answer_still_has_no_terraform_code(tmp_path: Path) -> None:
    answer = tmp_path / "answer.md"
    answer.write_text("I would use an SQS queue with a dead-letter queue.\n", encoding="utf-8")
    _, result, row = graded(answer)
    assert result.status == "no_terraform"
    assert "contains no Terraform code" in str(row["feedback"])


def test_readme_of_a_terraform_folder_still_counts_as_its_readme(tmp_path: Path) -> None:
    with_readme = tmp_path / "data" / "with_readme"
    without = tmp_path / "data" / "upgrade_notes_only"
    for folder in (with_readme, without):
        folder.mkdir(parents=True)
        (folder / "main.tf").write_text(RESOURCES, encoding="utf-8")
        (folder / "UPGRADE.md").write_text("# Upgrade\n\nNothing to do.\n", encoding="utf-8")
    (with_readme / "README.md").write_text("# Queues\n\nTwelve work queues.\n", encoding="utf-8")
    results = {
        sub.id: grade(sub, list(REGISTRY), None) for sub in iter_submissions([tmp_path / "data"])
    }
    statuses = {
        name: {r.check_id: r.status for r in result.results}["DOC-MISSING-COMMENTS"]
        for name, result in results.items()
    }
    # UPGRADE.md is documentation kept as it is, but it is not a README.
    assert statuses == {"upgrade_notes_only": "fail", "with_readme": "pass"}
