"""Where a number came from: code version, libraries, machine (DINO's get_sha, DomainBed)."""
from __future__ import annotations

import platform
import socket
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from aae.precision import cpu_flags, device_choice

REPO = Path(__file__).resolve().parent.parent


@lru_cache(maxsize=1)
def git_sha() -> str:
    """HEAD's sha, with '-dirty' when tracked files differ from it; 'unknown' outside a checkout."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def device_name(device) -> str:
    import torch

    if str(device).startswith("cuda"):
        return torch.cuda.get_device_name(device)
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


# CPU features by which the bfloat16 matrix kernels differ. The same bf16 run, same code, trained
# to other numbers on another machine (Table 1's VAE, trial 0, first epoch: loss 159.65 on the one
# that made the committed run, 157.97 on one with AMX-BF16; the first one's features were not
# recorded), while on one machine it is bit-identical run after run: records name them now.
BF16_FLAGS = ("amx_bf16", "avx512_bf16")


def cpu_features() -> str:
    """torch's CPU kernel level and which of BF16_FLAGS the CPU has, e.g. "AVX512; amx_bf16 avx512_bf16"."""
    import torch

    flags = cpu_flags()
    if not flags:  # not Linux: the kernel level alone
        return torch.backends.cpu.get_cpu_capability()
    present = " ".join(f for f in BF16_FLAGS if f in flags) or "no bf16 flags"
    return f"{torch.backends.cpu.get_cpu_capability()}; {present}"


def provenance(device) -> dict:
    import numpy
    import torch

    return {
        "git_sha": git_sha(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "host": socket.gethostname(),
        "device": device_name(device),
        "cpu_features": cpu_features(),
        "precision_choice": device_choice().line(),  # what precision=auto picks on this machine
    }
