"""docs/RELIABILITY.md lists every parametrised fault and bad input the suite tries."""
from pathlib import Path

from tests.test_bad_input import CASES
from tests.test_faults import CHECKPOINT_DAMAGES, FILE_DAMAGES

DOC = (Path(__file__).resolve().parent.parent / "docs" / "RELIABILITY.md").read_text()


def test_every_bad_input_case_is_in_the_catalogue():
    missing = [c[0] for c in CASES if f"`{c[0]}`" not in DOC]
    assert not missing, f"add to docs/RELIABILITY.md: {missing}"


def test_every_fault_kind_is_in_the_catalogue():
    kinds = {d for _, d in FILE_DAMAGES} | {f for f, _ in FILE_DAMAGES} | set(CHECKPOINT_DAMAGES)
    missing = sorted(k for k in kinds if f"`{k}`" not in DOC)
    assert not missing, f"add to docs/RELIABILITY.md: {missing}"
