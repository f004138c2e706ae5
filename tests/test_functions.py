"""Tests for Terraform's built-in functions; expected values follow Terraform's documentation."""

from __future__ import annotations

import builtins
import io
import os
from typing import Any

import pytest

from evalkit.terraform.functions import FUNCTIONS, FunctionError, call_function
from evalkit.terraform.values import Unknown, contains_unknown

VPC_ID = Unknown(("aws_vpc.main.id",))
SUBNET_IDS = Unknown(("aws_subnet.private[*].id",))


def case(name: str, *args: Any, expected: Any) -> Any:
    return pytest.param(name, list(args), expected, id=f"{name}-{args!r}"[:90])


KNOWN_RESULTS = [
    # numeric
    case("abs", 23, expected=23),
    case("abs", 0, expected=0),
    case("abs", -12.4, expected=12.4),
    case("ceil", 5, expected=5),
    case("ceil", 5.1, expected=6),
    case("floor", 5, expected=5),
    case("floor", 4.9, expected=4),
    case("log", 50, 10, expected=1.6989700043360185),
    case("log", 16, 2, expected=4),
    case("log", 1, 10, expected=0),
    case("max", 12, 54, 3, expected=54),
    case("min", 12, 54, 3, expected=3),
    case("max", "7", 5, expected=7),
    case("parseint", "100", 10, expected=100),
    case("parseint", "FF", 16, expected=255),
    case("parseint", "-10", 16, expected=-16),
    case("parseint", "1011111011101111", 2, expected=48879),
    case("parseint", "aA", 62, expected=656),
    case("pow", 3, 2, expected=9),
    case("pow", 4, 0, expected=1),
    case("pow", 2, 0.5, expected=2**0.5),
    case("signum", -13, expected=-1),
    case("signum", 0, expected=0),
    case("signum", 344, expected=1),
    case("sum", [10, 13, 6, 4.5], expected=33.5),
    case("sum", [0.1, 0.2], expected=0.3),
    case("sum", ["1", 2], expected=3),
    # strings
    case("chomp", "hello\n", expected="hello"),
    case("chomp", "hello\r\n", expected="hello"),
    case("chomp", "hello\n\n", expected="hello"),
    case("endswith", "hello world", "world", expected=True),
    case("endswith", "hello world", "hello", expected=False),
    case("startswith", "hello world", "hello", expected=True),
    case("startswith", "hello world", "world", expected=False),
    case("strcontains", "hello world", "wor", expected=True),
    case("strcontains", "hello world", "wod", expected=False),
    case("indent", 2, "[\n  foo,\n  bar,\n]\n", expected="[\n    foo,\n    bar,\n  ]\n  "),
    case("join", "-", ["foo", "bar", "baz"], expected="foo-bar-baz"),
    case("join", ", ", ["foo"], expected="foo"),
    case("join", ", ", ["a", 1, True], ["b"], expected="a, 1, true, b"),
    case("lower", "HELLO", expected="hello"),
    case("lower", "АЛЛО!", expected="алло!"),
    case("upper", "hello", expected="HELLO"),
    case("upper", "алло!", expected="АЛЛО!"),
    case("upper", "straße", expected="STRAßE"),
    case("split", ",", "foo", expected=["foo"]),
    case("split", ",", "foo,", expected=["foo", ""]),
    case("split", ",", "foo,bar,baz", expected=["foo", "bar", "baz"]),
    case("split", ",", "", expected=[""]),
    case("strrev", "hello", expected="olleh"),
    case("strrev", "a ☃", expected="☃ a"),
    case("substr", "hello world", 1, 4, expected="ello"),
    case("substr", "🤔🤷", 0, 1, expected="🤔"),
    case("substr", "hello world", -5, -1, expected="world"),
    case("substr", "hello world", 6, 10, expected="world"),
    case("substr", "hello", 10, 2, expected=""),
    case("title", "hello world", expected="Hello World"),
    case("title", "web-server_a", expected="Web-Server_a"),
    case("trim", "?!hello?!", "!?", expected="hello"),
    case("trim", "foobar", "far", expected="oob"),
    case("trim", "   hello! world.!  ", "! ", expected="hello! world."),
    case("trimprefix", "helloworld", "hello", expected="world"),
    case("trimprefix", "helloworld", "cat", expected="helloworld"),
    case("trimsuffix", "helloworld", "world", expected="hello"),
    case("trimspace", "  hello\n\n", expected="hello"),
    case("trimspace", "\u00a0x\u3000", expected="x"),
    case("replace", "1 + 2 + 3", "+", "-", expected="1 - 2 - 3"),
    case("replace", "hello world", "/w.*d/", "everybody", expected="hello everybody"),
    case("replace", "hello world", "/(h)(e)/", "$2$1", expected="ehllo world"),
    case("replace", "hello world", "/(h)(e)/", "${2}x$1", expected="exhllo world"),
    case("replace", "a-b", "/(?P<left>a)-(?P<right>b)/", "$right-$left", expected="b-a"),
    case("replace", "price", "/^/", "$$", expected="$price"),
    case("replace", "baaac", "/a*/", "-", expected="-b-c-"),
    case("replace", "/", "/", "x", expected="x"),
    case("regex", "[a-z]+", "53453453.345345aaabbbccc23454", expected="aaabbbccc"),
    case("regex", r"(\d\d\d\d)-(\d\d)-(\d\d)", "2019-02-01", expected=["2019", "02", "01"]),
    case(
        "regex",
        "^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?",
        "https://terraform.io/docs/",
        expected={"scheme": "https", "authority": "terraform.io"},
    ),
    case("regex", "(a)?(b)", "b", expected=[None, "b"]),
    case("regex", "^[[:alpha:]]+$", "abc", expected="abc"),
    case("regex", r"\Qa.b\E", "xa.b", expected="a.b"),
    case("regex", r"\d+", "x١٢3", expected="3"),
    case("regex", r"(?m)^b$", "a\nb\nc", expected="b"),
    case("regex", r"\pL+", "1éa2", expected="éa"),
    case("regex", r"[[:alpha:]]+", "éab", expected="ab"),
    case("regex", r"[\w.]+", "é_a.b", expected="_a.b"),
    case("regex", r"\x{41}\101", "AA", expected="AA"),
    case("regexall", "[a-z]+", "1234abcd5678efgh9", expected=["abcd", "efgh"]),
    case("regexall", "[a-z]+", "123456789", expected=[]),
    case("regexall", "(\\w)=(\\d)", "a=1,b=2", expected=[["a", "1"], ["b", "2"]]),
    # format and formatlist
    case("format", "Hello, %s!", "Ander", expected="Hello, Ander!"),
    case("format", "There are %d lights", 4, expected="There are 4 lights"),
    case("format", "%-5s|%03d", "ab", 7, expected="ab   |007"),
    case("format", "%5s|%-3d|", "ab", 7, expected="   ab|7  |"),
    case("format", "%f", 3.14159, expected="3.141590"),
    case("format", "%.2f", 3.14159, expected="3.14"),
    case("format", "%.0f", 2.5, expected="2"),
    case("format", "%08.3f", -3.14159, expected="-003.142"),
    case("format", "%e", 1234.5678, expected="1.234568e+03"),
    case("format", "%g %g %G", 0.00001234, 100000, 1e21, expected="1.234e-05 100000 1E+21"),
    case("format", "%.3g", 1234.5678, expected="1.23e+03"),
    case(
        "format",
        "%d|%+d|% d|%x|%X|%o|%b|%#x",
        42,
        5,
        5,
        255,
        255,
        8,
        5,
        255,
        expected=("42|+5| 5|ff|FF|10|101|0xff"),
    ),
    case("format", "%d", "12", expected="12"),
    case("format", "%q", "hi <b>", expected='"hi \\u003cb\\u003e"'),
    case("format", "%v|%v|%v", "x", 10, 1.5, expected="x|10|1.5"),
    case("format", "%v", 1234567, expected="1.234567e+06"),
    case("format", "%v", [1, "a"], expected='[1,"a"]'),
    case("format", "%v", None, expected="null"),
    case("format", "%#v", "hello", expected='"hello"'),
    case("format", "%#v", {"a": 1}, expected='{"a":1}'),
    case("format", "%#v", [True], expected="[true]"),
    case("format", "%t %t", True, "false", expected="true false"),
    case("format", "100%%", expected="100%"),
    case("format", "%.3s", "abcdef", expected="abc"),
    case("format", "%[2]s %[1]s", "world", "hello", expected="hello world"),
    case("format", "%*d", 4, 7, expected="   7"),
    case("format", "%s", True, expected="true"),
    case(
        "formatlist",
        "Hello, %s!",
        ["Valentina", "Ander", "Olivia", "Sam"],
        expected=["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"],
    ),
    case(
        "formatlist",
        "%s, %s!",
        "Salutations",
        ["Valentina", "Ander"],
        expected=["Salutations, Valentina!", "Salutations, Ander!"],
    ),
    case("formatlist", "%s=%s", ["a", "b"], [1, 2], expected=["a=1", "b=2"]),
    case("formatlist", "%s", [], expected=[]),
    case("formatlist", "static", expected=["static"]),
    # collections
    case("alltrue", ["true", True], expected=True),
    case("alltrue", [True, False], expected=False),
    case("alltrue", [], expected=True),
    case("anytrue", ["true"], expected=True),
    case("anytrue", [True, False], expected=True),
    case("anytrue", [], expected=False),
    case(
        "chunklist",
        ["a", "b", "c", "d", "e"],
        2,
        expected=[["a", "b"], ["c", "d"], ["e"]],
    ),
    case("chunklist", ["a", "b", "c"], 1, expected=[["a"], ["b"], ["c"]]),
    case("chunklist", ["a", "b"], 0, expected=[["a", "b"]]),
    case("coalesce", "a", "b", expected="a"),
    case("coalesce", "", "b", expected="b"),
    case("coalesce", 1, 2, expected=1),
    case("coalesce", None, 2, expected=2),
    case("coalesce", 1, "x", expected="1"),
    case("coalescelist", ["a", "b"], ["c", "d"], expected=["a", "b"]),
    case("coalescelist", [], ["c", "d"], expected=["c", "d"]),
    case("compact", ["a", "", "b", None, "c"], expected=["a", "b", "c"]),
    case("concat", ["a", ""], ["b", "c"], expected=["a", "", "b", "c"]),
    case("contains", ["a", "b", "c"], "a", expected=True),
    case("contains", ["a", "b", "c"], "d", expected=False),
    case("contains", [1, 2], "1", expected=False),
    case("distinct", ["a", "b", "a", "c", "d", "b"], expected=["a", "b", "c", "d"]),
    case("element", ["a", "b", "c"], 1, expected="b"),
    case("element", ["a", "b", "c"], 3, expected="a"),
    case("element", ["a", "b", "c"], 2, expected="c"),
    case("flatten", [["a", "b"], [], ["c"]], expected=["a", "b", "c"]),
    case("flatten", [[["a", "b"], []], ["c"]], expected=["a", "b", "c"]),
    case("flatten", [[{"x": [1]}], "y"], expected=[{"x": [1]}, "y"]),
    case("index", ["a", "b", "c"], "b", expected=1),
    case("keys", {"a": 1, "c": 2, "d": 3}, expected=["a", "c", "d"]),
    case("length", [], expected=0),
    case("length", ["a", "b"], expected=2),
    case("length", {"a": "b"}, expected=1),
    case("length", "hello", expected=5),
    case("length", "👾🕹️", expected=2),
    case("length", "e\u0301", expected=1),
    case("lookup", {"a": "ay", "b": "bee"}, "a", "what?", expected="ay"),
    case("lookup", {"a": "ay", "b": "bee"}, "c", "what?", expected="what?"),
    case("lookup", {"a": "ay"}, "a", expected="ay"),
    case(
        "matchkeys",
        ["i-123", "i-abc", "i-def"],
        ["us-west", "us-east", "us-east"],
        ["us-east"],
        expected=["i-abc", "i-def"],
    ),
    case(
        "merge", {"a": "b", "c": "d"}, {"e": "f", "c": "z"}, expected={"a": "b", "c": "z", "e": "f"}
    ),
    case(
        "merge",
        {"a": "b"},
        {"a": [1, 2], "c": "z"},
        {"d": 3},
        expected={"a": [1, 2], "c": "z", "d": 3},
    ),
    case("merge", {"a": 1}, None, expected={"a": 1}),
    case("merge", expected={}),
    case("one", [], expected=None),
    case("one", ["hello"], expected="hello"),
    case("range", 3, expected=[0, 1, 2]),
    case("range", 1, 4, expected=[1, 2, 3]),
    case("range", 1, 8, 2, expected=[1, 3, 5, 7]),
    case("range", 1, 4, 0.5, expected=[1, 1.5, 2, 2.5, 3, 3.5]),
    case("range", 4, 1, expected=[4, 3, 2]),
    case("range", 10, 5, -2, expected=[10, 8, 6]),
    case("range", 0, expected=[]),
    case("range", 1, 4, -1, expected=[]),
    case("range", 1024, expected=list(range(1024))),
    case("reverse", [1, 2, 3], expected=[3, 2, 1]),
    case("setintersection", ["a", "b"], ["b", "c"], ["b", "d"], expected=["b"]),
    case(
        "setproduct",
        ["development", "staging", "production"],
        ["app1", "app2"],
        expected=[
            ["development", "app1"],
            ["development", "app2"],
            ["staging", "app1"],
            ["staging", "app2"],
            ["production", "app1"],
            ["production", "app2"],
        ],
    ),
    case("setproduct", ["a"], [], expected=[]),
    case("setsubtract", ["a", "b", "c"], ["a", "c"], expected=["b"]),
    case("setunion", ["a", "b"], ["b", "c"], ["d"], expected=["a", "b", "c", "d"]),
    case("setunion", ["b"], [1], expected=["1", "b"]),
    case("slice", ["a", "b", "c", "d"], 1, 3, expected=["b", "c"]),
    case("sort", ["e", "d", "a", "x"], expected=["a", "d", "e", "x"]),
    case("sort", [3, 11, 2], expected=["11", "2", "3"]),
    case(
        "transpose",
        {"a": ["1", "2"], "b": ["2", "3"]},
        expected={"1": ["a"], "2": ["a", "b"], "3": ["b"]},
    ),
    case("values", {"a": 3, "c": 2, "d": 1}, expected=[3, 2, 1]),
    case("zipmap", ["a", "b"], [1, 2], expected={"a": 1, "b": 2}),
    case("zipmap", ["a", "b"], [[1, 2], {"x": 3}], expected={"a": [1, 2], "b": {"x": 3}}),
    # type conversion
    case("tobool", True, expected=True),
    case("tobool", "true", expected=True),
    case("tobool", None, expected=None),
    case("tolist", ["a", "b", "c"], expected=["a", "b", "c"]),
    case("tolist", ["a", "b", 3], expected=["a", "b", "3"]),
    case("tomap", {"a": 1, "b": 2}, expected={"a": 1, "b": 2}),
    case("tomap", {"a": "foo", "b": True}, expected={"a": "foo", "b": "true"}),
    case("tonumber", 1, expected=1),
    case("tonumber", "1", expected=1),
    case("tonumber", "1.50", expected=1.5),
    case("tonumber", None, expected=None),
    case("toset", ["a", "b", "c"], expected=["a", "b", "c"]),
    case("toset", ["c", "b", "b"], expected=["b", "c"]),
    case("toset", ["a", "b", 3], expected=["3", "a", "b"]),
    case("toset", [3, 1, 2, 1], expected=[1, 2, 3]),
    case("tostring", "hello", expected="hello"),
    case("tostring", 1, expected="1"),
    case("tostring", 1.5, expected="1.5"),
    case("tostring", 1e21, expected="1000000000000000000000"),
    case("tostring", True, expected="true"),
    case("tostring", None, expected=None),
    # encoding
    case("base64decode", "SGVsbG8gV29ybGQ=", expected="Hello World"),
    case("base64encode", "Hello World", expected="SGVsbG8gV29ybGQ="),
    case(
        "csvdecode",
        "a,b,c\n1,2,3\n4,5,6",
        expected=[{"a": "1", "b": "2", "c": "3"}, {"a": "4", "b": "5", "c": "6"}],
    ),
    case("csvdecode", 'name,note\nx,"a, b"\n', expected=[{"name": "x", "note": "a, b"}]),
    case("jsondecode", '{"hello": "world"}', expected={"hello": "world"}),
    case("jsondecode", "true", expected=True),
    case("jsondecode", '{"a": 1.0, "b": [1.5, null]}', expected={"a": 1, "b": [1.5, None]}),
    case("jsonencode", {"hello": "world"}, expected='{"hello":"world"}'),
    case("jsonencode", [1, 2.5, True, None, "x"], expected='[1,2.5,true,null,"x"]'),
    case("jsonencode", {"b": 1, "a": {"d": [], "c": "x"}}, expected='{"a":{"c":"x","d":[]},"b":1}'),
    case("jsonencode", "<b>&", expected='"\\u003cb\\u003e\\u0026"'),
    case("jsonencode", "é\n", expected='"é\\n"'),
    case("jsonencode", 1e-7, expected="0.0000001"),
    case(
        "jsonencode",
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]},
        expected='{"Statement":[{"Action":"s3:*","Effect":"Allow"}],"Version":"2012-10-17"}',
    ),
    case("urlencode", "Hello World!", expected="Hello+World%21"),
    case("urlencode", "☃", expected="%E2%98%83"),
    case(
        "urlencode",
        "foo:bar@localhost?foo=bar&bar=baz",
        expected="foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz",
    ),
    case("yamldecode", "hello: world", expected={"hello": "world"}),
    case("yamldecode", "true", expected=True),
    case("yamldecode", "{a: &foo [1, 2, 3], b: *foo}", expected={"a": [1, 2, 3], "b": [1, 2, 3]}),
    case(
        "yamldecode",
        "on: yes\nmode: 0o17\nday: 2001-12-14\nratio: 1.0\nnothing: ~\n",
        expected={"on": "yes", "mode": 15, "day": "2001-12-14", "ratio": 1, "nothing": None},
    ),
    case("yamldecode", "", expected=None),
    case("yamlencode", {"a": "b", "c": "d"}, expected='"a": "b"\n"c": "d"\n'),
    case(
        "yamlencode",
        {"foo": [1, 2, 3], "bar": "baz"},
        expected='"bar": "baz"\n"foo":\n- 1\n- 2\n- 3\n',
    ),
    case(
        "yamlencode",
        {"foo": [1, {"a": "b", "c": "d"}, 3], "bar": "baz"},
        expected='"bar": "baz"\n"foo":\n- 1\n- "a": "b"\n  "c": "d"\n- 3\n',
    ),
    case("yamlencode", {"a": {"b": None, "c": []}}, expected='"a":\n  "b": null\n  "c": []\n'),
    case(
        "yamlencode", {"run": "echo hi\necho bye\n"}, expected='"run": |\n  echo hi\n  echo bye\n'
    ),
    case("yamlencode", {"x": "a\tb"}, expected='"x": "a\\tb"\n'),
    case("yamlencode", [["a"], {}], expected='- - "a"\n- {}\n'),
    case("yamlencode", "hello", expected='"hello"\n'),
    case("yamlencode", True, expected="true\n...\n"),
    case("yamlencode", {}, expected="{}\n"),
    # hashing
    case("md5", "hello world", expected="5eb63bbbe01eeed093cb22bb8f5acdc3"),
    case("sha1", "hello world", expected="2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    case(
        "sha256",
        "hello world",
        expected="b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    ),
    case(
        "sha512",
        "hello world",
        expected=(
            "309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f"
            "989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"
        ),
    ),
    case("base64sha256", "hello world", expected="uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
    case("uuidv5", "dns", "www.terraform.io", expected="a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    case(
        "uuidv5",
        "url",
        "https://www.terraform.io/",
        expected="9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5",
    ),
    case("uuidv5", "oid", "1.3.6.1.4", expected="af9d40a5-7a36-5c07-b23a-851cd99fbfa5"),
    case("uuidv5", "x500", "CN=Example,C=GB", expected="84e09961-4aa4-57f8-95b7-03edb1073253"),
    case(
        "uuidv5",
        "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        "www.terraform.io",
        expected="a5008fae-b28c-5ba5-96cd-82b4c53552d6",
    ),
    # ip network
    case("cidrhost", "10.12.112.0/20", 16, expected="10.12.112.16"),
    case("cidrhost", "10.12.112.0/20", 268, expected="10.12.113.12"),
    case("cidrhost", "fd00:fd12:3456:7890:00a2::/72", 34, expected="fd00:fd12:3456:7890::22"),
    case("cidrhost", "10.0.0.0/24", -1, expected="10.0.0.255"),
    case("cidrnetmask", "172.16.0.0/12", expected="255.240.0.0"),
    case("cidrsubnet", "172.16.0.0/12", 4, 2, expected="172.18.0.0/16"),
    case("cidrsubnet", "10.1.2.0/24", 4, 15, expected="10.1.2.240/28"),
    case(
        "cidrsubnet", "fd00:fd12:3456:7890::/56", 16, 162, expected="fd00:fd12:3456:7800:a200::/72"
    ),
    case("cidrsubnet", "10.0.0.0/16", 8, 0, expected="10.0.0.0/24"),
    case("cidrsubnet", "10.0.5.7/16", "8", "3", expected="10.0.3.0/24"),
    case(
        "cidrsubnets",
        "10.1.0.0/16",
        4,
        4,
        8,
        4,
        expected=["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"],
    ),
    case(
        "cidrsubnets",
        "fd00:fd12:3456:7890::/56",
        16,
        16,
        16,
        32,
        expected=[
            "fd00:fd12:3456:7800::/72",
            "fd00:fd12:3456:7800:100::/72",
            "fd00:fd12:3456:7800:200::/72",
            "fd00:fd12:3456:7800:300::/88",
        ],
    ),
    case("cidrsubnets", "10.0.0.0/8", expected=[]),
    # paths and sensitivity
    case("basename", "foo/bar/baz.txt", expected="baz.txt"),
    case("basename", "foo/bar/", expected="bar"),
    case("basename", "", expected="."),
    case("dirname", "foo/bar/baz.txt", expected="foo/bar"),
    case("dirname", "baz.txt", expected="."),
    case("dirname", "/foo", expected="/"),
    case("sensitive", "secret", expected="secret"),
    case("nonsensitive", {"a": 1}, expected={"a": 1}),
]


@pytest.mark.parametrize(("name", "args", "expected"), KNOWN_RESULTS)
def test_known_results(name: str, args: list[Any], expected: Any) -> None:
    result = call_function(name, args)
    assert result == expected
    # Integral numbers must come back as int, not float.
    assert type(result) is type(expected)


UNKNOWN_PASSTHROUGH = [
    case("length", [Unknown(), Unknown()], expected=2),
    case("length", {"a": VPC_ID}, expected=1),
    case("merge", {"a": 1}, {"b": VPC_ID}, expected={"a": 1, "b": VPC_ID}),
    case("concat", [VPC_ID], ["x"], expected=[VPC_ID, "x"]),
    case("element", [VPC_ID, "b"], 0, expected=VPC_ID),
    case("element", ["a", VPC_ID], 3, expected=VPC_ID),
    case("lookup", {"a": VPC_ID, "b": 1}, "a", expected=VPC_ID),
    case("lookup", {"a": 1}, "b", VPC_ID, expected=VPC_ID),
    case("lookup", {"a": 1}, "a", VPC_ID, expected=1),
    case("keys", {"b": VPC_ID, "a": 1}, expected=["a", "b"]),
    case("values", {"b": VPC_ID, "a": 1}, expected=[1, VPC_ID]),
    case("zipmap", ["a"], [VPC_ID], expected={"a": VPC_ID}),
    case("coalesce", "y", VPC_ID, expected="y"),
    case("coalescelist", ["x"], SUBNET_IDS, expected=["x"]),
    case("alltrue", [VPC_ID, False], expected=False),
    case("anytrue", [VPC_ID, True], expected=True),
    case("contains", ["a", VPC_ID], "a", expected=True),
    case("one", [VPC_ID], expected=VPC_ID),
    case("slice", ["a", VPC_ID, "c"], 1, 2, expected=[VPC_ID]),
    case("reverse", [VPC_ID, 1], expected=[1, VPC_ID]),
    case("tolist", [VPC_ID], expected=[VPC_ID]),
    case("formatlist", "%s-x", ["a", VPC_ID], expected=["a-x", VPC_ID]),
    case("sensitive", VPC_ID, expected=VPC_ID),
]


@pytest.mark.parametrize(("name", "args", "expected"), UNKNOWN_PASSTHROUGH)
def test_known_structure_around_unknowns(name: str, args: list[Any], expected: Any) -> None:
    assert call_function(name, args) == expected


UNKNOWN_RESULTS = [
    case("upper", VPC_ID, expected=("aws_vpc.main.id",)),
    case("length", SUBNET_IDS, expected=("aws_subnet.private[*].id",)),
    case("jsonencode", {"vpc": VPC_ID}, expected=("aws_vpc.main.id",)),
    case("yamlencode", [VPC_ID], expected=("aws_vpc.main.id",)),
    case("coalesce", VPC_ID, "x", expected=("aws_vpc.main.id",)),
    case("coalesce", "", VPC_ID, "x", expected=("aws_vpc.main.id",)),
    case("merge", {"a": 1}, SUBNET_IDS, expected=("aws_subnet.private[*].id",)),
    case("concat", ["a"], SUBNET_IDS, expected=("aws_subnet.private[*].id",)),
    case("element", SUBNET_IDS, 0, expected=("aws_subnet.private[*].id",)),
    case("element", ["a", "b"], VPC_ID, expected=("aws_vpc.main.id",)),
    case("lookup", {"a": 1}, VPC_ID, expected=("aws_vpc.main.id",)),
    case("alltrue", [VPC_ID, True], expected=("aws_vpc.main.id",)),
    case("anytrue", [VPC_ID, False], expected=("aws_vpc.main.id",)),
    case("contains", ["a", VPC_ID], "b", expected=("aws_vpc.main.id",)),
    case("flatten", [["a"], SUBNET_IDS], expected=("aws_subnet.private[*].id",)),
    case("distinct", ["a", VPC_ID], expected=("aws_vpc.main.id",)),
    case("toset", [VPC_ID], expected=("aws_vpc.main.id",)),
    case(
        "format",
        "%s/%s",
        VPC_ID,
        SUBNET_IDS,
        expected=("aws_vpc.main.id", "aws_subnet.private[*].id"),
    ),
    case("join", ",", SUBNET_IDS, expected=("aws_subnet.private[*].id",)),
    case("cidrsubnet", VPC_ID, 8, 1, expected=("aws_vpc.main.id",)),
    case("zipmap", [VPC_ID], ["x"], expected=("aws_vpc.main.id",)),
    case("sort", ["b", VPC_ID], expected=("aws_vpc.main.id",)),
]


@pytest.mark.parametrize(("name", "args", "refs"), UNKNOWN_RESULTS)
def test_unknown_arguments_give_unknown_results(name: str, args: list[Any], refs: Any) -> None:
    result = call_function(name, args)
    assert isinstance(result, Unknown)
    assert result.refs == refs


def test_unknown_reason_survives_propagation() -> None:
    failed = Unknown(("var.missing",), "error: unsupported attribute")
    result = call_function("upper", [failed])
    assert result == Unknown(("var.missing",), "error: unsupported attribute")


NOT_EVALUATED = [
    case("timestamp", expected="non-deterministic: timestamp()"),
    case("plantimestamp", expected="non-deterministic: plantimestamp()"),
    case("uuid", expected="non-deterministic: uuid()"),
    case("bcrypt", "secret", expected="non-deterministic: bcrypt()"),
    case("timeadd", "2017-11-22T00:00:00Z", "10m", expected="not evaluated statically: timeadd()"),
    case(
        "formatdate",
        "YYYY",
        "2017-11-22T00:00:00Z",
        expected=("not evaluated statically: formatdate()"),
    ),
    case("type", "x", expected="unsupported function type"),
    case("nosuchfunction", 1, expected="unsupported function nosuchfunction"),
    case(
        "provider::aws::arn_parse",
        "arn:aws:s3:::b",
        expected=("unsupported function provider::aws::arn_parse"),
    ),
    case("regex", "(?U)a+", "aaa", expected="regular expression uses the ungreedy flag (?U)"),
]


@pytest.mark.parametrize(("name", "args", "reason"), NOT_EVALUATED)
def test_functions_left_unknown_on_purpose(name: str, args: list[Any], reason: str) -> None:
    assert call_function(name, args) == Unknown(reason=reason)


def test_core_namespace_is_stripped() -> None:
    assert call_function("core::upper", ["abc"]) == "ABC"


def test_unsupported_function_keeps_argument_refs() -> None:
    result = call_function("nosuchfunction", [VPC_ID])
    assert result == Unknown(("aws_vpc.main.id",), "unsupported function nosuchfunction")


FILE_FUNCTIONS = [
    case("file", "/etc/passwd", expected="reads files: file()"),
    case("fileexists", "/etc/passwd", expected="reads files: fileexists()"),
    case("fileset", "/etc", "*", expected="reads files: fileset()"),
    case("filebase64", "/etc/passwd", expected="reads files: filebase64()"),
    case("filemd5", "/etc/passwd", expected="reads files: filemd5()"),
    case("filesha256", "/etc/passwd", expected="reads files: filesha256()"),
    case("templatefile", "/etc/passwd", {}, expected="reads files: templatefile()"),
    case("abspath", "x", expected="reads files: abspath()"),
    case("pathexpand", "~/x", expected="reads files: pathexpand()"),
]


@pytest.mark.parametrize(("name", "args", "reason"), FILE_FUNCTIONS)
def test_file_functions_never_touch_the_filesystem(
    monkeypatch: pytest.MonkeyPatch, name: str, args: list[Any], reason: str
) -> None:
    touched: list[str] = []

    def forbidden(label: str) -> Any:
        def record(*_args: Any, **_kwargs: Any) -> Any:
            touched.append(label)
            raise AssertionError(f"{label} was called")

        return record

    for owner, attribute in [
        (builtins, "open"),
        (io, "open"),
        (os, "open"),
        (os, "stat"),
        (os, "listdir"),
        (os, "scandir"),
    ]:
        monkeypatch.setattr(owner, attribute, forbidden(f"{owner.__name__}.{attribute}"))
    result = call_function(name, args)
    monkeypatch.undo()
    assert touched == []
    assert result == Unknown(reason=reason)


ERRORS = [
    case(
        "cidrsubnet",
        "10.1.2.0/28",
        8,
        1,
        expected="cidrsubnet: prefix extension of 8 does not fit in /28",
    ),
    case("cidrsubnet", "10.1.2.0/24", 4, 16, expected="does not accommodate a subnet numbered 16"),
    case("cidrsubnet", "10.1.2.0/24", 4, 1.5, expected="must be a whole number"),
    case("cidrsubnet", "not-a-cidr", 4, 1, expected="invalid CIDR expression"),
    case("cidrsubnet", "10.0.0.1", 4, 1, expected="invalid CIDR expression"),
    case(
        "cidrhost", "10.0.0.0/30", 4, expected="prefix of 30 does not accommodate a host numbered 4"
    ),
    case("cidrhost", "10.0.0.0/30", -5, expected="does not accommodate a host numbered -5"),
    case("cidrnetmask", "fd00::/64", expected="IPv6 addresses cannot have a netmask"),
    case(
        "cidrsubnets",
        "10.0.0.0/24",
        2,
        2,
        2,
        2,
        2,
        expected="not enough remaining address space for a subnet with a prefix of 26 bits",
    ),
    case("cidrsubnets", "10.0.0.0/24", 0, expected="must extend prefix by at least one bit"),
    case("cidrsubnets", "10.0.0.0/24", 9, expected="would extend prefix to 33 bits"),
    case("element", [], 0, expected="cannot use element function with an empty list"),
    case("element", ["a"], -1, expected="cannot use element function with a negative index"),
    case("element", "abc", 0, expected="cannot read elements from string"),
    case("lookup", {"a": 1}, "b", expected='lookup: lookup failed to find key "b"'),
    case("lookup", {"a": 1}, expected="lookup: expected 2 or 3 arguments, got 1"),
    case("lookup", ["a"], "a", expected="map or object required, got list"),
    case("upper", expected="upper: expected 1 argument, got 0"),
    case("upper", "a", "b", expected="upper: expected 1 argument, got 2"),
    case("upper", ["a"], expected="string required, got list"),
    case("upper", None, expected="string required, got null"),
    case("join", ",", ["a", None], expected="element 1 is null"),
    case("join", ",", expected="at least one list is required"),
    case("format", "%s", expected='not enough arguments for "%s" at 0'),
    case("format", "%s", "a", "b", expected="too many arguments; only 1 used by format string"),
    case("format", "%d", 1.5, expected="an integer is required"),
    case("format", "%d", "x", expected='unsupported value for "%d" at 0'),
    case("format", "%s", None, expected="null value cannot be formatted"),
    case("format", "%s", [1], expected="string required, got list"),
    case("format", "%c", 1, expected="unsupported format verb 'c'"),
    case("format", "abc %", expected="invalid format string"),
    case("format", "%99999d", 1, expected="width or precision must be between"),
    case("formatlist", "%s %s", ["a"], ["b", "c"], expected="argument 2 has length 2"),
    case(
        "zipmap", ["a"], [1, 2], expected="number of keys (1) does not match number of values (2)"
    ),
    case("range", 0, 2000, expected="more than 1024 values were generated"),
    case("range", 0, 0.1, 0.00001, expected="more than 1024 values were generated"),
    case("range", 1, 2, 0, expected="step must not be zero"),
    case(
        "setproduct",
        list(range(100)),
        list(range(200)),
        expected="the product would have 20000 elements",
    ),
    case("setproduct", ["a"], expected="at least two arguments are required"),
    case("indent", 20000, "a\nb", expected="cannot indent by more than 10000 spaces"),
    case("replace", "x" * 1000, "", "y" * 2000, expected="result would be longer than"),
    case("jsondecode", "{", expected="invalid JSON"),
    case("jsondecode", "NaN", expected="invalid JSON"),
    case("jsondecode", '{"a": 1, "a": 2}', expected='duplicate "a" property'),
    case("jsonencode", float("inf"), expected="infinite or NaN"),
    case("base64decode", "!!!", expected="failed to decode base64 data"),
    case("base64decode", "/w==", expected="not valid UTF-8"),
    case("csvdecode", "a,b\n1,2,3", expected="record on line 2: wrong number of fields"),
    case("csvdecode", "", expected="missing header line"),
    case("yamldecode", "a: [", expected="invalid YAML"),
    case("yamldecode", "a: 1\n---\nb: 2", expected="invalid YAML"),
    case("yamldecode", "a: &x [1, *x]", expected="yamldecode:"),
    case(
        "yamldecode",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
        expected="document expands to more than 100000 values",
    ),
    case("tonumber", "abc", expected='cannot convert "abc" to number'),
    case("tobool", "yes", expected='cannot convert "yes" to bool'),
    case("tostring", [], expected="string required, got list"),
    case("tolist", {"a": 1}, expected="list, set or tuple required, got map"),
    case("one", [1, 2], expected="either zero or one elements"),
    case("index", ["a"], "z", expected="item not found"),
    case("merge", {"a": 1}, "x", expected="arguments must be maps or objects, got string"),
    case("concat", ["a"], "b", expected="all arguments must be lists or tuples; got string"),
    case("regex", "[a-z]+", "53453453.34534523454", expected="pattern did not match"),
    case("regex", "a$", "a\n", expected="pattern did not match"),
    case("regex", "(a)(?P<n>b)", "ab", expected="named and unnamed capture groups"),
    case("regex", "a(?=b)", "ab", expected="invalid or unsupported Perl syntax"),
    case("regex", r"(a)\1", "aa", expected="backreferences are not supported"),
    case("regex", "(", "x", expected="invalid regular expression"),
    case("parseint", "12", 2, expected='cannot parse "12" as a base 2 integer'),
    case("parseint", "1", 63, expected="base must be a whole number between 2 and 62"),
    case("sum", [], expected="cannot sum an empty list"),
    case("log", 0, 10, expected="not a finite number"),
    case("pow", 10, 400, expected="result is too large"),
    case("slice", ["a", "b"], 1, 3, expected="to index must be less than or equal"),
    case("slice", ["a", "b"], 2, 1, expected="from index must be less than or equal"),
    case("chunklist", ["a"], -1, expected="the size argument must be positive"),
    case("coalesce", None, "", expected="no non-null, non-empty-string arguments"),
    case("coalescelist", [], [], expected="no non-null arguments"),
    case("length", None, expected="argument must not be null"),
    case("length", 5, expected="argument must be a string, a collection type"),
    case("uuidv5", "nope", "x", expected="doesn't support namespace nope"),
    case("sort", ["a", None], expected="given list element 1 is null"),
]


@pytest.mark.parametrize(("name", "args", "message"), ERRORS)
def test_invalid_calls_raise_function_error(name: str, args: list[Any], message: str) -> None:
    with pytest.raises(FunctionError) as raised:
        call_function(name, args)
    assert message in str(raised.value)
    assert str(raised.value).startswith(f"{name}: ")


def test_catastrophic_regex_is_left_unknown() -> None:
    result = call_function("regex", ["(x+x+)+y", "x" * 5000])
    assert result == Unknown(reason="regular expression took too long to evaluate")


def test_yamlencode_folds_long_strings_like_terraform() -> None:
    text = "a" * 50 + " " + "b" * 40 + " cc dd"
    assert call_function("yamlencode", [{"k": text}]) == (
        f'"k": "{"a" * 50} {"b" * 40}\n  cc dd"\n'
    )


def test_yamlencode_output_decodes_back() -> None:
    value = {"list": [1, 2.5, "x"], "nested": {"flag": True, "text": "a\nb"}, "none": None}
    assert call_function("yamldecode", [call_function("yamlencode", [value])]) == value


def test_jsonencode_output_decodes_back() -> None:
    value = {"list": [1, 2.5, "x<y"], "nested": {"flag": False}, "none": None}
    assert call_function("jsondecode", [call_function("jsonencode", [value])]) == value


def test_every_registered_function_is_callable_by_name() -> None:
    for name, function in FUNCTIONS.items():
        assert callable(function), name
    assert {"cidrsubnet", "jsonencode", "lookup", "file"} <= FUNCTIONS.keys()


def test_functions_do_not_mutate_arguments() -> None:
    left, right = {"a": [1]}, {"b": [2]}
    listed = [3, 1, 2]
    call_function("merge", [left, right])
    call_function("reverse", [listed])
    call_function("sort", [listed])
    assert left == {"a": [1]} and right == {"b": [2]} and listed == [3, 1, 2]


def test_results_hold_no_unknowns_when_arguments_are_known() -> None:
    assert not contains_unknown(call_function("cidrsubnets", ["10.0.0.0/16", 8, 8]))
