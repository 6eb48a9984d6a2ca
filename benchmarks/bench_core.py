"""Core benchmark for tapegrad: per-op autograd overhead and a small MLP step.

Two workloads, each run three ways in the same process so the numbers are
directly comparable:

* ``chain``: forward + backward of a chain of exactly 200 recorded elementwise
  ops on a 16-element float32 vector, closed by ``.sum().backward()``.  The
  tensors are tiny, so the time is almost all per-op bookkeeping: graph
  recording, Python dispatch, the backward walk.  This is the number a tape
  library has to keep small.
* ``mlp``: forward + backward of a 784-256-10 MLP on a batch of 128 (float32)
  with a mean-squared-error loss.  Here the matmuls dominate and the
  autograd overhead should nearly vanish.

The three implementations:

* ``tapegrad``: the subject, written with the PyTorch API.
* ``torch``: the *same* function, handed the ``torch`` module instead (skipped
  when torch is not installed).  One shared source guarantees both libraries
  run identical code, so any difference is the library's.
* ``numpy``: forward and hand-derived backward in plain NumPy float32, the
  lower limit an autograd layer on top of NumPy could reach.

Before anything is timed, every implementation runs once on the same inputs
and its loss and gradients are checked against the NumPy ones
(``np.allclose``, rtol 1e-4): the benchmark also proves the three compute the
same thing, in float32.

Method: warm-up, calibrate a repetition count per implementation so one
sample lasts about 0.2 s, then interleave the implementations (A B C A B C
...) for several rounds, so drift in machine speed (turbo, thermal, noisy
neighbours) hits all of them alike.  The reported time is the median sample.
Everything runs on one thread: the subject is interpreter-level overhead, and
thread pools would only add noise and make BLAS builds incomparable.

Usage, from the repository root::

    python benchmarks/bench_core.py             # full run, ~15 s
    python benchmarks/bench_core.py --quick     # CI smoke run, ~5 s
    python benchmarks/bench_core.py --json out.json

Exit status: 0 when everything that could run ran and agreed; 1 when tapegrad
imported but failed a workload (exception or wrong gradients).  tapegrad not
being importable is reported but is not a failure, so the script stays usable
while the library is being written.
"""

from __future__ import annotations

import os

# Must precede the numpy/torch imports: OpenMP, OpenBLAS and MKL size their
# thread pools once, when the library loads.  Forced (not setdefault) because
# a comparison run with a different thread count would be meaningless.
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import argparse
import gc
import json
import math
import platform
import statistics
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
SRC_DIR = REPO_ROOT / "src"

# Gradient agreement.  rtol is the tolerance the benchmark promises; atol is
# relative to the largest reference entry, because float32 matmuls summed in a
# different order (OpenBLAS vs MKL/oneDNN) leave absolute errors of ~1e-7 of
# the scale, which a pure rtol would flag on the entries that happen to be
# near zero.
RTOL = 1e-4
ATOL_OF_MAX = 1e-5

SEED = 0

# --- chain workload ---------------------------------------------------------
CHAIN_SIZE = 16
CHAIN_BLOCK_OPS = 8  # ops recorded by one pass of the block in chain_autograd
CHAIN_BLOCKS = 25
CHAIN_OPS = CHAIN_BLOCK_OPS * CHAIN_BLOCKS  # 200, not counting the closing sum
# Constants chosen so 25 blocks neither blow up nor collapse to 0: tanh keeps
# values in (-1, 1), exp only ever sees |s| < 0.1.
MUL_C = 1.0001
ADD_C = 0.5
EXP_C = 0.1

# --- mlp workload -----------------------------------------------------------
MLP_BATCH, MLP_IN, MLP_HIDDEN, MLP_OUT = 128, 784, 256, 10

IMPLS = ("tapegrad", "torch", "numpy")
WORKLOADS = ("chain", "mlp")

if TYPE_CHECKING:  # aliases are evaluated at runtime otherwise, and `X | None` needs 3.10 there
    from collections.abc import Callable

    Step = Callable[[], Any]
    GradsFn = Callable[[], dict[str, np.ndarray | None]]


class Mismatch(Exception):
    """An implementation computed a different loss or gradient than NumPy."""


# ---------------------------------------------------------------------------
# Imports of the libraries under test
# ---------------------------------------------------------------------------


def _describe(exc: BaseException) -> str:
    """One line: exception type, message, and where it was raised."""
    where = ""
    tb = traceback.extract_tb(exc.__traceback__)
    # Only worth printing when it points into the library, not at this script.
    if tb and Path(tb[-1].filename).resolve() != Path(__file__).resolve():
        where = f" at {tb[-1].filename}:{tb[-1].lineno}"
    return f"{type(exc).__name__}: {exc}{where}"


def _forget_module(name: str) -> None:
    """Drop a (partially) imported package so a retry starts from scratch."""
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        del sys.modules[key]


def _is_real_package(mod: ModuleType) -> bool:
    # A directory without __init__.py imports as an empty namespace package;
    # that is "not written yet", not "importable".
    return getattr(mod, "__file__", None) is not None


def load_tapegrad() -> tuple[ModuleType | None, str]:
    """Import tapegrad, falling back to ./src when it is not installed.

    Returns (module, where it came from) or (None, why it is unusable).
    """
    mod: ModuleType | None = None
    try:
        import tapegrad as mod  # type: ignore[no-redef]
    except Exception:  # noqa: BLE001 - a half-written library can raise anything; retry from ./src
        mod = None
    if mod is None or not _is_real_package(mod):
        _forget_module("tapegrad")
        if str(SRC_DIR) not in sys.path:
            sys.path.insert(0, str(SRC_DIR))
        try:
            import tapegrad as mod  # type: ignore[no-redef]
        except Exception as exc:  # noqa: BLE001 - reported, and the other implementations still run
            return None, _describe(exc)
    if not _is_real_package(mod):
        paths = ", ".join(getattr(mod, "__path__", []))
        return None, f"{paths} has no __init__.py (namespace package; library not written yet)"
    if not hasattr(mod, "tensor"):
        return None, f"{mod.__file__} imports but has no tapegrad.tensor"
    return mod, str(Path(mod.__file__).parent)


def load_torch() -> tuple[ModuleType | None, str]:
    try:
        import torch
    except Exception as exc:  # noqa: BLE001 - a broken torch install is "skipped", like a missing one
        return None, _describe(exc)
    torch.set_num_threads(1)
    return torch, str(Path(torch.__file__).parent)


# ---------------------------------------------------------------------------
# Workload data
# ---------------------------------------------------------------------------


def chain_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    return {"x": rng.uniform(-1.0, 1.0, CHAIN_SIZE).astype(np.float32)}


def mlp_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED + 1)

    def f32(a: np.ndarray) -> np.ndarray:
        return a.astype(np.float32)

    return {
        "x": f32(rng.standard_normal((MLP_BATCH, MLP_IN))),
        "target": f32(rng.standard_normal((MLP_BATCH, MLP_OUT))),
        # He-style scaling so about half the hidden units are active and the
        # relu mask in the backward pass is not trivially all-ones/all-zeros.
        "W1": f32(rng.standard_normal((MLP_IN, MLP_HIDDEN)) * math.sqrt(2.0 / MLP_IN)),
        "b1": f32(rng.standard_normal(MLP_HIDDEN) * 0.1),
        "W2": f32(rng.standard_normal((MLP_HIDDEN, MLP_OUT)) * math.sqrt(1.0 / MLP_HIDDEN)),
        "b2": f32(rng.standard_normal(MLP_OUT) * 0.1),
    }


# ---------------------------------------------------------------------------
# Autograd implementations: one source for tapegrad and torch (T is the module)
# ---------------------------------------------------------------------------


def _grad_array(t: Any) -> np.ndarray | None:
    # None (no gradient reached the leaf) is reported by the check, not crashed on.
    return None if t.grad is None else t.grad.numpy()


def chain_autograd(T: ModuleType, data: dict[str, np.ndarray]) -> tuple[Step, GradsFn]:
    x = T.tensor(data["x"], requires_grad=True)

    def step() -> Any:
        x.grad = None  # fresh gradient each step, so no accumulate op sneaks in
        y = x
        for _ in range(CHAIN_BLOCKS):
            # 8 recorded ops; keep CHAIN_BLOCK_OPS in sync.
            y = y * MUL_C  # mul by scalar
            y = y.sin()
            y = y + ADD_C  # add scalar
            y = y.tanh()
            s = y * EXP_C
            s = s.exp()  # exp of small values
            y = y * s  # tensor * tensor
            y = y * x  # tensor * leaf: the leaf's gradient accumulates 26 paths
        total = y.sum()
        total.backward()
        return total

    def grads() -> dict[str, np.ndarray | None]:
        return {"x": _grad_array(x)}

    return step, grads


def mlp_autograd(T: ModuleType, data: dict[str, np.ndarray]) -> tuple[Step, GradsFn]:
    x = T.tensor(data["x"])  # the batch does not require grad
    target = T.tensor(data["target"])
    params = {k: T.tensor(data[k], requires_grad=True) for k in ("W1", "b1", "W2", "b2")}
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]

    def step() -> Any:
        for p in (W1, b1, W2, b2):
            p.grad = None
        h = (x @ W1 + b1).relu()
        logits = h @ W2 + b2
        loss = ((logits - target) ** 2).mean()
        loss.backward()
        return loss

    def grads() -> dict[str, np.ndarray | None]:
        return {k: _grad_array(p) for k, p in params.items()}

    return step, grads


# ---------------------------------------------------------------------------
# Hand-written NumPy: the floor
# ---------------------------------------------------------------------------


def chain_numpy(data: dict[str, np.ndarray]) -> tuple[Step, GradsFn]:
    x = data["x"].copy()
    out: dict[str, np.ndarray] = {}

    def step() -> Any:
        # Forward, saving what the backward needs (what an autograd would save).
        saved = []
        y = x
        for _ in range(CHAIN_BLOCKS):
            a = y * MUL_C
            b = np.sin(a)
            c = b + ADD_C
            d = np.tanh(c)
            s = d * EXP_C
            e = np.exp(s)
            f = d * e
            y = f * x
            saved.append((a, d, e, f))
        total = y.sum()
        # Backward of total = sum(y).
        g = np.ones_like(y)
        gx = np.zeros_like(x)
        for a, d, e, f in reversed(saved):
            gx += g * f  # y = f * x
            gf = g * x
            gd = gf * e  # f = d * e
            ge = gf * d
            gs = ge * e  # e = exp(s)
            gd += gs * EXP_C  # s = d * EXP_C
            gc_ = gd * (1 - d * d)  # d = tanh(c); c = b + ADD_C passes through
            ga = gc_ * np.cos(a)  # b = sin(a)
            g = ga * MUL_C  # a = y * MUL_C
        gx += g  # the first block's input y is x itself
        out["x"] = gx
        return total

    return step, lambda: dict(out)


def mlp_numpy(data: dict[str, np.ndarray]) -> tuple[Step, GradsFn]:
    x, target = data["x"], data["target"]
    W1, b1, W2, b2 = (data[k].copy() for k in ("W1", "b1", "W2", "b2"))
    out: dict[str, np.ndarray] = {}

    def step() -> Any:
        pre = x @ W1 + b1
        h = np.maximum(pre, 0)
        logits = h @ W2 + b2
        diff = logits - target
        loss = (diff**2).mean()
        # Backward.  No gradient for x: it does not require one in the
        # autograd versions either, so nobody computes it.
        g_logits = diff * (2.0 / diff.size)
        out["W2"] = h.T @ g_logits
        out["b2"] = g_logits.sum(axis=0)
        g_pre = (g_logits @ W2.T) * (pre > 0)
        out["W1"] = x.T @ g_pre
        out["b1"] = g_pre.sum(axis=0)
        return loss

    return step, lambda: dict(out)


# ---------------------------------------------------------------------------
# Correctness check
# ---------------------------------------------------------------------------


def _loss_value(loss: Any) -> float:
    if isinstance(loss, (np.ndarray, np.generic, float)):
        return float(loss)
    return float(loss.item())


def check_against(
    loss: float, grads: dict[str, np.ndarray | None], ref_loss: float, ref: dict[str, np.ndarray]
) -> list[str]:
    """Problems found comparing one implementation with the NumPy reference."""
    problems = []
    if not np.isclose(loss, ref_loss, rtol=RTOL, atol=ATOL_OF_MAX * abs(ref_loss)):
        problems.append(f"loss {loss!r} != numpy {ref_loss!r}")
    for name, r in ref.items():
        if name not in grads or grads[name] is None:
            problems.append(f"no gradient for {name}")
            continue
        g = np.asarray(grads[name])
        if g.shape != r.shape:
            problems.append(f"grad {name}: shape {g.shape} != {r.shape}")
            continue
        # A float64 computation would be both slower and a different benchmark.
        if g.dtype != np.float32:
            problems.append(f"grad {name}: dtype {g.dtype}, expected float32")
        atol = ATOL_OF_MAX * float(np.abs(r).max())
        if not np.allclose(g, r, rtol=RTOL, atol=atol):
            worst = float(np.max(np.abs(g.astype(np.float64) - r) / (atol + RTOL * np.abs(r))))
            problems.append(f"grad {name}: differs from numpy, worst error {worst:.3g}x the tolerance")
    return problems


def count_torch_graph_ops(root: Any) -> int:
    """Distinct backward nodes reachable from root.grad_fn, leaves excluded."""
    seen = set()
    stack = [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(child for child, _ in node.next_functions)
    return sum(1 for n in seen if type(n).__name__ != "AccumulateGrad")


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def time_sample(step: Step, reps: int) -> float:
    """Seconds per step over reps consecutive steps."""
    # Collect first so a sample does not pay for the previous one's garbage;
    # the collector stays enabled inside, since reclaiming graphs is part of
    # what an autograd step costs.
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(reps):
        step()
    return (time.perf_counter() - t0) / reps


def warm_up(step: Step, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        step()


def calibrate(step: Step, target_s: float) -> int:
    """Repetitions so that one sample lasts about target_s."""
    n = 1
    while True:
        per = time_sample(step, n)
        if per * n >= target_s / 5:  # long enough to extrapolate from
            return max(1, round(target_s / per))
        n *= 2


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def build(workload: str, impl: str, mod: ModuleType | None, data: dict[str, np.ndarray]):
    if impl == "numpy":
        return (chain_numpy if workload == "chain" else mlp_numpy)(data)
    return (chain_autograd if workload == "chain" else mlp_autograd)(mod, data)


def fmt_time(seconds: float, unit: str) -> str:
    # chain steps are ~1 ms, so whole microseconds are enough; mlp steps want ms.
    if unit == "us":
        return f"{seconds * 1e6:9.1f} us"
    return f"{seconds * 1e3:9.3f} ms"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer, shorter rounds (CI smoke run)")
    ap.add_argument("--json", metavar="PATH", help="also write the numbers to PATH as JSON")
    args = ap.parse_args(argv)

    rounds, sample_s, warmup_s = (3, 0.05, 0.05) if args.quick else (9, 0.2, 0.3)

    tg, tg_info = load_tapegrad()
    torch, torch_info = load_torch()
    modules = {"tapegrad": tg, "torch": torch, "numpy": np}

    print("tapegrad core benchmark")
    print(
        f"  python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
        f"{platform.system()}"
    )
    if tg is None:
        print(f"  tapegrad: not importable ({tg_info})")
    else:
        print(f"  tapegrad {getattr(tg, '__version__', '?')} from {tg_info}")
    if torch is None:
        print(f"  torch not installed: skipped ({torch_info})")
    else:
        print(f"  torch {torch.__version__}, threads={torch.get_num_threads()}")
    print(f"  OMP/OPENBLAS/MKL_NUM_THREADS=1; {rounds} rounds x ~{sample_s:g} s samples, median reported")

    failures: dict[str, str] = {}
    results: dict[str, dict[str, dict[str, Any]]] = {}

    for workload in WORKLOADS:
        data = chain_data() if workload == "chain" else mlp_data()

        # Build and check every implementation once.  NumPy first: it is the reference.
        steps: dict[str, Step] = {}
        ref_step, ref_grads = build(workload, "numpy", np, data)
        ref_loss = _loss_value(ref_step())
        ref = ref_grads()
        for name, g in ref.items():
            assert g.dtype == np.float32, f"numpy {workload} grad {name} is {g.dtype}"
        steps["numpy"] = ref_step
        checked = []
        for impl in ("tapegrad", "torch"):
            mod = modules[impl]
            if mod is None:
                continue
            try:
                step, grads = build(workload, impl, mod, data)
                out = step()
                problems = check_against(_loss_value(out), grads(), ref_loss, ref)
                if impl == "torch" and workload == "chain":
                    n_ops = count_torch_graph_ops(out)
                    if n_ops != CHAIN_OPS + 1:  # + the closing sum
                        problems.append(f"graph has {n_ops} ops, expected {CHAIN_OPS} + sum")
                if problems:
                    raise Mismatch("; ".join(problems))
            except Exception as exc:
                if impl == "torch":
                    # torch is the trusted reference: disagreement means the
                    # benchmark itself (NumPy derivation or workload) is wrong.
                    raise
                failures[f"{workload}/{impl}"] = _describe(exc)
                print(f"\n{workload}: tapegrad FAILED: {_describe(exc)}")
                continue
            steps[impl] = step
            checked.append(impl)
        if checked:
            print(f"\n{workload}: loss and gradients agree with numpy (rtol {RTOL:g}): {', '.join(checked)}")

        order = [i for i in IMPLS if i in steps]
        reps = {}
        for impl in order:
            warm_up(steps[impl], warmup_s)
            reps[impl] = calibrate(steps[impl], sample_s)
        samples: dict[str, list[float]] = {impl: [] for impl in order}
        for _ in range(rounds):
            for impl in order:  # interleaved: A B C A B C ...
                samples[impl].append(time_sample(steps[impl], reps[impl]))
        results[workload] = {
            impl: {
                "per_step_s": statistics.median(samples[impl]),
                "samples_s": samples[impl],
                "reps_per_sample": reps[impl],
            }
            for impl in order
        }

    # Ratios and table.
    header = (
        f"{'workload':<9} {'impl':<9} {'per step':>12} {'per op':>10} {'spread':>7} "
        f"{'vs numpy':>9} {'vs torch':>9}"
    )
    print("\n" + header)
    print("-" * len(header))
    for workload, by_impl in results.items():
        unit = "us" if workload == "chain" else "ms"
        np_t = by_impl["numpy"]["per_step_s"]
        torch_t = by_impl.get("torch", {}).get("per_step_s")
        for impl in IMPLS:
            if impl not in by_impl:
                continue
            r = by_impl[impl]
            t = r["per_step_s"]
            r["ratio_to_numpy"] = t / np_t
            r["ratio_to_torch"] = t / torch_t if torch_t else None
            # Per op: the whole step (sum and backward included) spread over the 200 chain ops.
            r["per_op_s"] = t / CHAIN_OPS if workload == "chain" else None
            # (max - min) / median of the samples: how far apart the rounds were.
            r["spread"] = (max(r["samples_s"]) - min(r["samples_s"])) / t
            per_op = f"{r['per_op_s'] * 1e6:7.2f} us" if r["per_op_s"] else f"{'-':>10}"
            vs_torch = f"{r['ratio_to_torch']:8.2f}x" if r["ratio_to_torch"] else f"{'-':>9}"
            print(
                f"{workload:<9} {impl:<9} {fmt_time(t, unit):>12} {per_op} {r['spread'] * 100:6.1f}% "
                f"{r['ratio_to_numpy']:8.2f}x {vs_torch}"
            )
        for impl in IMPLS:
            if impl not in by_impl:
                if modules[impl] is not None:
                    why = "FAILED (see above)"
                else:
                    why = "not importable" if impl == "tapegrad" else "not installed: skipped"
                print(f"{workload:<9} {impl:<9} {why}")
    print("\nvs numpy / vs torch = this time / that time: > 1 slower, < 1 faster.")

    if args.json:
        payload = {
            "meta": {
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "python": platform.python_version(),
                "numpy": np.__version__,
                "torch": getattr(torch, "__version__", None),
                "tapegrad": getattr(tg, "__version__", None) if tg else None,
                "tapegrad_status": tg_info,
                "platform": platform.platform(),
                "machine": platform.machine(),
                "threads": 1,
                "quick": args.quick,
                "rounds": rounds,
                "sample_target_s": sample_s,
                "chain_ops": CHAIN_OPS,
                "chain_size": CHAIN_SIZE,
                "mlp_shape": [MLP_BATCH, MLP_IN, MLP_HIDDEN, MLP_OUT],
            },
            "results": results,
            "failures": failures,
        }
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {path}")

    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
