"""Precision follows the device: precision=auto is bfloat16 on a CPU that computes it natively and
float32 on one that would emulate it; the choice is printed, recorded, forced by --set, and the
committed runs of one kind of CPU restore on the other (aae/precision.py)."""
import json
import re

import pytest

from aae import precision
from aae.precision import choose, cpu_flags
from benchmarks.recipes import FP32_CPU_EPOCHS, RECIPES, recipe
from tests.conftest import run_cli, smoke_args
from tests.test_committed_records import RESULTS, regenerate, without_date

AMX_CPU = {"avx512f", "avx512_vnni", "amx_bf16", "avx512_bf16"}  # the machine the tables were made on
AVX512_BF16_CPU = {"avx512f", "avx512_vnni", "avx512_bf16"}  # AMD Zen 4: no AMX, bf16 2.3x fp32's GEMM rate
NO_BF16_CPU = {"avx512f", "avx512_vnni"}  # the issue's CPU: bf16 at 0.26x fp32's GEMM rate
AVX2_CPU = {"avx2", "fma"}  # AMD Zen 3: no AVX512 at all, bf16 at 0.02x fp32's GEMM rate (perf_without_bf16.md)


def fake_cpu(monkeypatch, flags: set[str]) -> None:
    """This process sees a CPU with these flags (and no GPU)."""
    monkeypatch.setattr(precision, "cpu_flags", lambda cpuinfo=None: set(flags))
    monkeypatch.setenv(precision.DEVICE_ENV, "cpu")


@pytest.mark.parametrize("flags, expected", [(AMX_CPU, "bf16"), (AVX512_BF16_CPU, "bf16"), (NO_BF16_CPU, "fp32"),
                                             (set(), "fp32"), ({"fp", "asimd", "bf16"}, "bf16")],
                         ids=["amx", "avx512_bf16", "no-bf16", "no-flags", "arm-bf16"])
def test_the_cpu_choice_follows_its_bf16_features(flags, expected):
    choice = choose("cpu", flags)
    assert choice.precision == expected
    assert ("amx_bf16" in choice.reason) == (expected == "fp32" or "amx_bf16" in flags)  # says what it found


def test_the_reason_says_how_much_slower_emulated_bf16_would_be():
    assert "3-4x slower" in choose("cpu", NO_BF16_CPU).reason  # AVX512 emulates bf16 products in vectors
    assert "about 19x slower" in choose("cpu", AVX2_CPU).reason  # without it they are scalar


def test_each_kind_of_cpu_writes_its_own_perf_page():
    from benchmarks.machine.perf import page_name

    pages = {page_name(False, choose("cpu", flags)) for flags in (AMX_CPU, AVX512_BF16_CPU)}
    others = {page_name(False, choose("cpu", flags)) for flags in (NO_BF16_CPU, AVX2_CPU)}
    assert pages == {"perf_native_bf16.md"} and others == {"perf_without_bf16.md"}  # neither replaces the other
    assert page_name(True, choose("cpu", AMX_CPU)) == "perf-quick.md"


def test_a_gpu_chooses_bf16_only_where_it_computes_it():
    assert choose("cuda", set(), cuda_bf16=True).precision == "bf16"
    assert choose("cuda", AMX_CPU, cuda_bf16=False).precision == "fp32"  # the GPU decides, not the host CPU


def test_cpu_flags_reads_x86_and_arm_cpuinfo():
    x86 = "processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16\nbugs\t\t: none\n"
    arm = "processor\t: 0\nFeatures\t: fp asimd bf16\nCPU implementer\t: 0x41\n"
    assert cpu_flags(x86) == {"fpu", "avx512f", "avx512_bf16"}
    assert cpu_flags(arm) == {"fp", "asimd", "bf16"}
    assert cpu_flags("nothing here") == set()


def test_the_cpu_budget_trains_in_bf16_where_native_and_in_resized_fp32_elsewhere(monkeypatch):
    fake_cpu(monkeypatch, AMX_CPU)
    fast = recipe("aae", "cpu").training
    assert fast.precision == "bf16" and fast.epochs == RECIPES["aae"]("cpu").training.epochs
    assert recipe("m2", "cpu").training.precision == "fp32"  # validated in float32: never auto

    fake_cpu(monkeypatch, NO_BF16_CPU)
    slow = recipe("aae", "cpu").training
    assert slow.precision == "fp32" and slow.epochs == FP32_CPU_EPOCHS["aae"] < fast.epochs
    assert recipe("aae", "cpu", overrides=["epochs=3"]).training.epochs == 3  # the command line wins over the resize
    forced = recipe("aae", "cpu", overrides=["precision=bf16"]).training  # --set forces it, with the bf16 recipe's epochs
    assert forced.precision == "bf16" and forced.epochs == fast.epochs

    monkeypatch.setenv(precision.PRECISION_ENV, "bf16")  # a command's --precision bf16
    assert recipe("aae", "cpu").training.precision == "bf16"


def test_every_auto_budget_declares_its_fp32_epochs_at_most_its_bf16_ones():
    """A model whose cpu budget says auto must say what it trains on a CPU without bf16."""
    for name, of_budget in RECIPES.items():
        training = of_budget("cpu").training
        if training.precision == "auto":
            assert 1 <= FP32_CPU_EPOCHS[name] <= training.epochs, name


def table2(tmp_path, *extra):
    """Table 2's NN baseline at the smoke budget, with the cpu budget's precision=auto."""
    return run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "1", "--models", "nn_baseline",
                                                    "--set", "precision=auto", *extra))


def run_ids(records_file):
    return {e["run_id"]: e["record"]["spec"]["training"]["precision"]
            for e in map(json.loads, records_file.read_text().splitlines()[1:])}


def test_runs_made_on_a_bf16_cpu_restore_on_one_without_it_and_never_mix(tmp_path, monkeypatch):
    fake_cpu(monkeypatch, AMX_CPU)
    made = table2(tmp_path)
    assert made.returncode == 0, made.stderr
    assert "precision: bf16 (this CPU has amx_bf16 and avx512_bf16" in made.stderr
    records = tmp_path / "results" / "records" / "table2.jsonl"
    bf16_runs = run_ids(records)
    assert set(bf16_runs.values()) == {"bf16"}  # the record holds what the run computed in
    meta = json.loads(records.read_text().splitlines()[0])["meta"]
    assert meta["precision"]["choice"] == "bf16"
    page = (tmp_path / "results" / "table2.md").read_text()
    assert "| precision=auto computes in | bf16 (this CPU has amx_bf16" in " ".join(page.split())

    fake_cpu(monkeypatch, NO_BF16_CPU)
    again = run_cli("benchmarks.table2", *smoke_args(tmp_path / "elsewhere", "--seeds", "1", "--models", "nn_baseline",
                                                      "--set", "precision=auto", "--from-records", "--records-from",
                                                      str(records)))
    assert again.returncode == 0, again.stderr
    assert "taken from the records the runs were made with (this machine would choose fp32" in again.stderr
    assert without_date((tmp_path / "elsewhere" / "results" / "table2.md").read_text()) == without_date(page)

    reused = table2(tmp_path, "--reuse-records", "--runs-dir", str(tmp_path / "fresh"))
    assert reused.returncode == 0, reused.stderr
    assert "2 finished runs restored" in reused.stderr and "2 runs: 2 already finished, 0 to run" in reused.stderr
    assert "warning" not in reused.stderr  # nothing left to train in bf16 here

    gathered = table2(tmp_path, "--gather-only", "--runs-dir", str(tmp_path / "fresh"))  # reads the same runs
    assert gathered.returncode == 0 and "precision: bf16 (this CPU has amx_bf16" in gathered.stderr
    assert "taken from the records" in gathered.stderr
    assert "not finished" not in (tmp_path / "results" / "table2.md").read_text()

    own = table2(tmp_path)  # trains: this CPU's own choice, its own runs, in fp32
    assert own.returncode == 0, own.stderr
    assert "precision: fp32 (this CPU has neither" in own.stderr
    fp32_runs = run_ids(records)
    assert set(fp32_runs.values()) == {"fp32"} and not set(fp32_runs) & set(bf16_runs)
    for run_id in bf16_runs:  # the bf16 runs were neither resumed nor touched by the fp32 ones
        assert json.loads((tmp_path / "runs" / run_id / "record.json").read_text())["spec"]["training"]["precision"] == "bf16"


def test_a_bf16_run_on_a_cpu_without_it_says_so(tmp_path, monkeypatch):
    fake_cpu(monkeypatch, NO_BF16_CPU)
    ran = run_cli("benchmarks.table2", *smoke_args(tmp_path, "--seeds", "1", "--models", "nn_baseline",
                                                   "--set", "precision=bf16", "--executor", "debug"))
    assert ran.returncode == 0, ran.stderr
    assert "computes in bf16 as its spec says, though this device would choose fp32" in ran.stderr
    # and the command said so once before any run trained, with the way out
    assert "warning: 2 runs will train in bf16, which this machine would not choose" in ran.stderr
    assert ran.stderr.index("warning: 2 runs") < ran.stderr.index("computes in bf16 as its spec says")


@pytest.mark.parametrize("page", ["table1", "table3"])
def test_a_committed_page_regenerates_on_a_cpu_without_bf16(tmp_path, monkeypatch, page):
    """The committed pages were made in bf16; on a CPU that would choose fp32, --from-records takes
    the records' choice, so every run is found and the page is the same."""
    fake_cpu(monkeypatch, NO_BF16_CPU)
    ran = regenerate(RESULTS / "records" / f"{page}.jsonl", tmp_path)
    assert ran.returncode == 0, ran.stderr
    # the records' own choice (or, for records made before precision=auto, the cpu budget's bf16)
    assert re.search(r"precision: bf16 \((before precision=auto|this CPU has \w+)[^)]*\); taken from the records",
                     ran.stderr), ran.stderr
    assert without_date((tmp_path / f"{page}.md").read_text()) == without_date((RESULTS / f"{page}.md").read_text())
