"""Which precision a run computes in: bfloat16 where the device computes it natively, float32
elsewhere.

A config's `precision` is "fp32", "bf16" or "auto". The cpu budget's models that were validated in
bfloat16 (their 5-seed tables inside float32's seed spread) say "auto": on a CPU with native
bfloat16 instructions (AMX-BF16 or AVX512-BF16) bf16 matrix products are 1.3-2.1x faster than
float32's; on one without them bf16 is emulated: 3-4x *slower* with AVX512F and VNNI, about 19x on
an AMD EPYC with AVX2 only (results/perf_native_bf16.md, results/perf_without_bf16.md,
docs/ARCHITECTURE.md's "Precision"). "auto" is resolved when the config is
built (`benchmarks.recipes.recipe`), by the command that builds the specs, so a spec and its run id always hold
the precision the run computes in: a run never changes precision, a resume never mixes two,
and the same command on the other kind of CPU makes other runs rather than continuing these.

The choice comes from the CPU's features, not from a timing, so it is the same on every call on
one machine; $AAE_PRECISION (a command's `--precision`) replaces it for one command, and the
commands that read runs back (`--from-records`, `--reuse-records`, `--gather-only`) take the
choice their records were made with.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PRECISIONS = ("fp32", "bf16")
AUTO = "auto"
# what "auto" resolves to for one command (and its workers and SLURM jobs, which inherit it)
PRECISION_ENV = "AAE_PRECISION"
# the device every run of a command uses ("cpu" or "cuda"): the commands' --device sets it
DEVICE_ENV = "AAE_DEVICE"
# CPU flags (/proc/cpuinfo) of native bfloat16 arithmetic: x86's AMX tiles and AVX512 dot
# products; aarch64 names its BF16 extension "bf16"
NATIVE_BF16_FLAGS = ("amx_bf16", "avx512_bf16", "bf16")


@dataclass(frozen=True)
class Choice:
    precision: str  # "fp32" or "bf16"
    reason: str  # one line a person can check: the features or the setting it came from

    def line(self) -> str:
        return f"{self.precision} ({self.reason})"


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The CPU's feature flags: x86's "flags" line, aarch64's "Features" line; none off Linux."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def device_type() -> str:
    """"cuda" or "cpu": $AAE_DEVICE if set, else cuda when one is available."""
    import torch

    return os.environ.get(DEVICE_ENV) or ("cuda" if torch.cuda.is_available() else "cpu")


def choose(device: str, flags: set[str], cuda_bf16: bool = False) -> Choice:
    """The faster precision on a device with these CPU flags (pure: tests fake the flags)."""
    if device == "cuda":
        return Choice("bf16", "this GPU computes bfloat16 natively") if cuda_bf16 else \
            Choice("fp32", "this GPU has no native bfloat16")
    native = [f for f in NATIVE_BF16_FLAGS if f in flags]
    if native:
        return Choice("bf16", f"this CPU has {' and '.join(native)}: native bfloat16, faster than float32")
    slower = "3-4x" if "avx512f" in flags else "about 19x"  # AVX512 emulates bf16 products; without it they are scalar
    return Choice("fp32", "this CPU has neither amx_bf16 nor avx512_bf16: bfloat16 would be emulated, "
                          f"{slower} slower than float32")


def machine_choice() -> Choice:
    """What "auto" resolves to in this process: $AAE_PRECISION if set, else the device's choice."""
    forced = os.environ.get(PRECISION_ENV, AUTO)
    if forced in PRECISIONS:
        return Choice(forced, f"set for this command (--precision / ${PRECISION_ENV})")
    return device_choice()


def device_choice() -> Choice:
    """The faster precision of this machine's device, from its features alone."""
    import torch

    device = device_type()
    cuda_bf16 = device == "cuda" and torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return choose(device, cpu_flags(), cuda_bf16)

