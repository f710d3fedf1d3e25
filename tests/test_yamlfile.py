from pathlib import Path

import pytest

from policykit.core.yamlfile import YamlError, parse_front_matter, parse_yaml, read_text


def parse(text: str):
    return parse_yaml(text, Path("x.yaml"), "x.yaml")


def test_positions_of_nested_keys_and_list_items():
    doc = parse("school:\n  name: Oak\npeople:\n  deputy_dsls:\n    - name: A\n    - name: B\n")
    assert doc.where(("school", "name")) == (2, 3)
    assert doc.where(("people", "deputy_dsls", 1)) == (6, 7)
    assert doc.where(("people", "deputy_dsls", 1, "name")) == (6, 7)
    # an unknown path falls back to its nearest ancestor
    assert doc.where(("school", "missing")) == (2, 3)[0:0] + doc.where(("school",))


def test_duplicate_keys_are_all_reported_with_both_lines():
    with pytest.raises(YamlError) as err:
        parse("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n")
    messages = [str(p) for p in err.value.problems]
    assert messages == [
        "x.yaml:4:3: b.c: duplicate key (first given on line 3) (keep one of them)",
        "x.yaml:5:1: a: duplicate key (first given on line 1) (keep one of them)",
    ]


def test_malformed_yaml_points_at_the_line():
    with pytest.raises(YamlError) as err:
        parse("a: [1, 2\nb: 3\n")
    (problem,) = err.value.problems
    assert problem.line == 2 and "malformed YAML" in problem.message


def test_tabs_get_a_hint():
    with pytest.raises(YamlError) as err:
        parse("a:\n\tb: 1\n")
    assert "tabs" in err.value.problems[0].hint


def test_dates_stay_text_for_the_schema_to_check():
    assert parse("d: 2025-02-30\n").data == {"d": "2025-02-30"}


def test_alias_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 8):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        bomb += f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    with pytest.raises(YamlError) as err:
        parse(bomb)
    assert "too many values" in err.value.problems[0].message


def test_front_matter_keeps_body_line_numbers():
    doc = parse_front_matter("---\nid: x\ntitle: T\n---\nline five\n", Path("c.md"), "c.md")
    assert doc.data == {"id": "x", "title": "T"}
    assert doc.body == "line five\n" and doc.body_line == 5
    assert doc.where(("title",)) == (3, 1)


@pytest.mark.parametrize("text, message", [
    ("id: x\n", "no YAML front matter"),
    ("---\nid: x\nbody\n", "front matter is not closed"),
])
def test_malformed_front_matter(text, message):
    with pytest.raises(YamlError) as err:
        parse_front_matter(text, Path("c.md"), "c.md")
    assert message in err.value.problems[0].message


def test_bom_is_accepted_and_bad_bytes_are_located(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_bytes("\ufeffa: 1\n".encode("utf-8"))
    assert parse_yaml(read_text(good, "good.yaml"), good, "good.yaml").data == {"a": 1}
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(YamlError) as err:
        read_text(bad, "bad.yaml")
    assert str(err.value.problems[0]) == "bad.yaml:2:7: not valid UTF-8 (byte 0xe9) (save the file as UTF-8)"
