"""Files that look like tests but assert nothing are not tests (TST-NO-TESTS and
TST-LIVE-ONLY-TESTS read them through `why_not_a_test`)."""

from __future__ import annotations

import pytest

from evalkit.aws.testsuite import why_not_a_test
from evalkit.checks import REGISTRY
from evalkit.terraform.model import build_model

MAIN = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("app.test.ts", "test('bucket', () => {\n  const stack = build();\n});\n"),
        ("spec/vpc_spec.rb", "describe 'vpc' do\n  it 'builds' do\n    plan\n  end\nend\n"),
        ("test_stack.py", "def test_plan():\n    # assert plan is fine\n    plan()\n"),
        ("vpc_test.go", "func TestVpc(t *testing.T) {\n\t// t.Fatal never\n}\n"),
        ("tests/x.tftest.json", '{"run": {"plan": {"command": "plan"}}}'),
    ],
)
def test_a_test_that_asserts_nothing_is_not_a_test(name: str, text: str) -> None:
    reason = why_not_a_test(name, text, None)
    assert reason is not None and reason.startswith(name) and "cannot fail" in reason


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("app.test.ts", "test('bucket', () => {\n  expect(build()).toBeDefined();\n});\n"),
        (
            "stack.test.ts",
            "test('x', () => {\n  template.resourceCountIs('AWS::S3::Bucket', 1);\n});",
        ),
        ("spec/vpc_spec.rb", "describe aws_vpc('vpc-1') do\n  it { should exist }\nend\n"),
        ("test_stack.py", "def test_plan():\n    assert plan() == 0\n"),
        (
            "test_stack.py",
            "class T(unittest.TestCase):\n    def test_x(self):\n        self.assertTrue(1)\n",
        ),
        ("vpc_test.go", 'func TestVpc(t *testing.T) {\n\tif x != 1 {\n\t\tt.Errorf("x")\n\t}\n}\n'),
        ("tests/x.tftest.json", '{"run": {"plan": {"assert": [{"condition": "true"}]}}}'),
    ],
)
def test_a_test_that_asserts_is_a_test(name: str, text: str) -> None:
    assert why_not_a_test(name, text, None) is None


def test_a_lambda_handler_with_a_test_named_function_is_not_a_test() -> None:
    code = (
        "def handler(event, context):\n    return test_connection()\n\n\n"
        "def test_connection():\n    return True\n"
    )
    assert why_not_a_test("src/app.py", code, None) == "src/app.py is a Lambda handler, not a test"
    # The same function in a test module of its own is judged by its assertions.
    assert why_not_a_test("tests/test_app.py", code + "    assert True\n", None) is None


def test_run_blocks_in_a_tf_file_that_assert_nothing_are_named_in_the_message() -> None:
    files = {"main.tf": MAIN, "checks.tf": 'run "plan" {\n  command = plan\n}\n'}
    result = REGISTRY.get("TST-NO-TESTS").run(build_model(files))
    assert result.status == "fail"
    assert result.findings[0].message.endswith(
        "(the run blocks in checks.tf have no assert or expect_failures, so they cannot fail)."
    )
