"""Model samples in blocks, and the progress lines of an evaluation long enough to need them."""
import re

import torch

from aae.eval import sampling
from aae.eval.sampling import reporting


def test_a_long_evaluation_reports_every_tenth_and_passes_the_blocks_through(monkeypatch, capsys):
    monkeypatch.setattr(sampling, "REPORT_FROM", 100)
    blocks = [torch.full((7, 2), float(i)) for i in range(15)]  # 105 samples in uneven tenths
    out = list(reporting(iter(blocks), 105, "parzen@105 (test images)"))
    assert all(a is b for a, b in zip(out, blocks)) and len(out) == len(blocks)
    lines = capsys.readouterr().err.splitlines()
    done = [int(re.fullmatch(r"parzen@105 \(test images\): (\d+) of 105 samples, [\d.]+ min", l).group(1).replace(",", ""))
            for l in lines]
    assert len(done) == 10 and done[-1] == 105  # one line per tenth passed, the last at the end
    assert all(b > a for a, b in zip(done, done[1:]))


def test_a_short_evaluation_says_nothing(capsys):
    blocks = [torch.zeros(10, 2)] * 10
    assert len(list(reporting(iter(blocks), 100, "parzen@100"))) == 10
    assert capsys.readouterr().err == ""
