import json

import pytest

from aae import io


def test_write_replaces_whole_file_and_leaves_no_temporaries(tmp_path):
    target = tmp_path / "sub" / "record.json"
    io.write_json(target, {"a": 1})
    io.write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert sorted(p.name for p in target.parent.iterdir()) == ["record.json"]


def test_failed_write_keeps_the_old_file_intact(tmp_path):
    target = tmp_path / "table.md"
    io.write_text(target, "finished table\n")

    def explode(f):
        f.write(b"half a tab")
        raise RuntimeError("killed mid-write")

    with pytest.raises(RuntimeError):
        io._atomic(target, explode)
    assert target.read_text() == "finished table\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.md"]


def test_jsonl_has_one_row_per_line(tmp_path):
    io.write_jsonl(tmp_path / "m.jsonl", [{"epoch": 1}, {"epoch": 2}])
    assert [json.loads(line) for line in (tmp_path / "m.jsonl").read_text().splitlines()] == [{"epoch": 1}, {"epoch": 2}]
