"""Op benchmark for tapegrad: a small conv net and a large softmax cross-entropy, against PyTorch.

Two workloads, each written once and run with the ``tapegrad`` module and then the ``torch`` module,
so both libraries execute identical code:

* ``convnet``: forward + backward of a 2-layer conv net on a batch of 32 single-channel 28x28
  float32 images: conv2d 1->8 3x3, relu, max_pool2d 2, conv2d 8->16 3x3, relu, max_pool2d 2,
  flatten, linear 400->10, cross-entropy against integer labels. The time is im2col, matmuls,
  col2im and pooling: the NumPy kernels of ops/conv.py against PyTorch's native ones.
* ``xent``: forward + backward of softmax cross-entropy on 1024x1000 float32 logits with integer
  targets: one fused op whose cost is exp, log and a few passes over 4 MB.

Where ``nn.functional.cross_entropy`` is missing, the loss is composed from basic ops (a log-softmax
shifted by the row max, then a one-hot mean), so the script runs on a partial library.

Before timing, each workload runs once in both libraries on the same inputs, and the loss and every
gradient must agree (rtol 1e-4, atol 1e-5 of the largest entry) and be float32. Timing follows
bench_core.py (whose helpers it imports): one thread everywhere, warm-up, a repetition count
calibrated per library, libraries interleaved over several rounds, median sample reported.

Usage, from the repository root::

    python benchmarks/bench_ops.py             # full run, ~15 s
    python benchmarks/bench_ops.py --quick     # CI smoke run, ~4 s
    python benchmarks/bench_ops.py --json out.json

Exit status: 0 when everything that could run ran and agreed; 1 when tapegrad imported but failed a
workload (exception or different gradients).
"""

from __future__ import annotations

import os

# Before numpy and torch load (bench_core does the same when imported; here it is explicit).
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import (ATOL_OF_MAX, RTOL, _describe, _grad_array, calibrate, load_tapegrad,  # noqa: E402
                        load_torch, time_sample, warm_up)

SEED = 0
CONV_BATCH, IMAGE = 32, 28
XENT_ROWS, XENT_CLASSES = 1024, 1000
WORKLOADS = ("convnet", "xent")
IMPLS = ("tapegrad", "torch")


class Mismatch(Exception):
    """tapegrad computed a different loss or gradient than torch."""


# ---------------------------------------------------------------------------
# Workload data and the shared implementation (T is tapegrad or torch)
# ---------------------------------------------------------------------------


def convnet_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)

    def he(shape: tuple[int, ...], fan_in: int) -> np.ndarray:
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    return {
        "x": rng.standard_normal((CONV_BATCH, 1, IMAGE, IMAGE)).astype(np.float32),
        "target": rng.integers(0, 10, CONV_BATCH),
        "w1": he((8, 1, 3, 3), 9), "b1": (rng.standard_normal(8) * 0.1).astype(np.float32),
        "w2": he((16, 8, 3, 3), 72), "b2": (rng.standard_normal(16) * 0.1).astype(np.float32),
        "w3": he((10, 16 * 5 * 5), 400), "b3": (rng.standard_normal(10) * 0.1).astype(np.float32),
    }


def xent_data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED + 1)
    return {"logits": (rng.standard_normal((XENT_ROWS, XENT_CLASSES)) * 3).astype(np.float32),
            "target": rng.integers(0, XENT_CLASSES, XENT_ROWS)}


def cross_entropy(T: ModuleType, logits: Any, target: Any, one_hot: np.ndarray) -> Any:
    """Mean softmax cross-entropy: the library's own, or composed from basic ops when it has none."""
    F = T.nn.functional
    if hasattr(F, "cross_entropy"):
        return F.cross_entropy(logits, target)
    shift = T.tensor(logits.detach().numpy().max(axis=1, keepdims=True))
    shifted = logits - shift
    log_probs = shifted - shifted.exp().sum(1, keepdim=True).log()
    return -(log_probs * T.tensor(one_hot)).sum() / logits.shape[0]


def _one_hot(target: np.ndarray, classes: int) -> np.ndarray:
    out = np.zeros((len(target), classes), np.float32)
    out[np.arange(len(target)), target] = 1
    return out


def convnet(T: ModuleType, data: dict[str, np.ndarray]) -> tuple[Callable[[], Any], Callable[[], dict]]:
    F = T.nn.functional
    x, target = T.tensor(data["x"]), T.tensor(data["target"])
    one_hot = _one_hot(data["target"], 10)
    params = {k: T.tensor(data[k], requires_grad=True) for k in ("w1", "b1", "w2", "b2", "w3", "b3")}
    w1, b1, w2, b2, w3, b3 = params.values()

    def step() -> Any:
        for p in params.values():
            p.grad = None
        h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2)), 2)
        loss = cross_entropy(T, F.linear(h.flatten(1), w3, b3), target, one_hot)
        loss.backward()
        return loss

    return step, lambda: {k: _grad_array(p) for k, p in params.items()}


def xent(T: ModuleType, data: dict[str, np.ndarray]) -> tuple[Callable[[], Any], Callable[[], dict]]:
    logits, target = T.tensor(data["logits"], requires_grad=True), T.tensor(data["target"])
    one_hot = _one_hot(data["target"], XENT_CLASSES)

    def step() -> Any:
        logits.grad = None
        loss = cross_entropy(T, logits, target, one_hot)
        loss.backward()
        return loss

    return step, lambda: {"logits": _grad_array(logits)}


BUILDERS = {"convnet": (convnet, convnet_data), "xent": (xent, xent_data)}


# ---------------------------------------------------------------------------
# Check and time
# ---------------------------------------------------------------------------


def compare(loss: float, grads: dict, ref_loss: float, ref: dict) -> list[str]:
    """Problems found comparing tapegrad's loss and gradients with torch's."""
    problems = []
    if not np.isclose(loss, ref_loss, rtol=RTOL, atol=ATOL_OF_MAX * abs(ref_loss)):
        problems.append(f"loss {loss!r} != torch {ref_loss!r}")
    for name, r in ref.items():
        g = grads.get(name)
        if g is None:
            problems.append(f"no gradient for {name}")
        elif g.shape != r.shape or g.dtype != np.float32:
            problems.append(f"grad {name}: {g.shape} {g.dtype}, torch {r.shape} {r.dtype}")
        elif not np.allclose(g, r, rtol=RTOL, atol=ATOL_OF_MAX * float(np.abs(r).max())):
            problems.append(f"grad {name}: max |diff| {float(np.abs(g - r).max()):.3g} (max |torch| "
                            f"{float(np.abs(r).max()):.3g})")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer, shorter rounds (CI smoke run)")
    ap.add_argument("--json", metavar="PATH", help="also write the numbers to PATH as JSON")
    args = ap.parse_args(argv)
    rounds, sample_s, warmup_s = (3, 0.05, 0.05) if args.quick else (9, 0.2, 0.3)

    tg, tg_info = load_tapegrad()
    torch, torch_info = load_torch()
    modules = {"tapegrad": tg, "torch": torch}
    print("tapegrad op benchmark")
    print(f"  python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, {platform.system()}")
    print(f"  tapegrad from {tg_info}" if tg else f"  tapegrad: not importable ({tg_info})")
    print(f"  torch {torch.__version__}, threads={torch.get_num_threads()}" if torch else
          f"  torch not installed: skipped ({torch_info})")
    print(f"  OMP/OPENBLAS/MKL_NUM_THREADS=1; {rounds} rounds x ~{sample_s:g} s samples, median reported")

    failures: dict[str, str] = {}
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for workload in WORKLOADS:
        build, make_data = BUILDERS[workload]
        data = make_data()
        steps = {}
        for impl in IMPLS:
            if modules[impl] is None:
                continue
            try:
                step, grads = build(modules[impl], data)
                loss = float(step().item())
                steps[impl] = (step, loss, grads())
            except Exception as exc:
                if impl == "torch":
                    raise  # torch is the reference: a failure there is the benchmark's own bug
                failures[f"{workload}/{impl}"] = _describe(exc)
                print(f"\n{workload}: tapegrad FAILED: {_describe(exc)}")
        if "tapegrad" in steps and "torch" in steps:
            problems = compare(steps["tapegrad"][1], steps["tapegrad"][2], steps["torch"][1], steps["torch"][2])
            if problems:
                failures[f"{workload}/tapegrad"] = "; ".join(problems)
                print(f"\n{workload}: tapegrad DISAGREES with torch: {'; '.join(problems)}")
                del steps["tapegrad"]
            else:
                print(f"\n{workload}: loss and gradients agree with torch (rtol {RTOL:g}), float32")

        order = [impl for impl in IMPLS if impl in steps]
        reps = {}
        for impl in order:
            warm_up(steps[impl][0], warmup_s)
            reps[impl] = calibrate(steps[impl][0], sample_s)
        samples: dict[str, list[float]] = {impl: [] for impl in order}
        for _ in range(rounds):
            for impl in order:  # interleaved, so machine drift hits both alike
                samples[impl].append(time_sample(steps[impl][0], reps[impl]))
        results[workload] = {impl: {"per_step_s": statistics.median(samples[impl]), "samples_s": samples[impl],
                                    "reps_per_sample": reps[impl]} for impl in order}

    header = f"{'workload':<9} {'impl':<9} {'per step':>12} {'spread':>7} {'vs torch':>9}"
    print("\n" + header + "\n" + "-" * len(header))
    for workload, by_impl in results.items():
        torch_t = by_impl.get("torch", {}).get("per_step_s")
        for impl in IMPLS:
            if impl not in by_impl:
                why = "FAILED (see above)" if modules[impl] is not None else "not available: skipped"
                print(f"{workload:<9} {impl:<9} {why}")
                continue
            r = by_impl[impl]
            t = r["per_step_s"]
            r["ratio_to_torch"] = t / torch_t if torch_t else None
            r["spread"] = (max(r["samples_s"]) - min(r["samples_s"])) / t
            ratio = f"{r['ratio_to_torch']:8.2f}x" if r["ratio_to_torch"] else f"{'-':>9}"
            print(f"{workload:<9} {impl:<9} {t * 1e3:9.3f} ms {r['spread'] * 100:6.1f}% {ratio}")
    print("\nvs torch = this time / torch's time: > 1 slower, < 1 faster.")

    if args.json:
        payload = {"meta": {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "python": platform.python_version(),
                            "numpy": np.__version__, "torch": getattr(torch, "__version__", None),
                            "tapegrad_status": tg_info, "platform": platform.platform(), "threads": 1,
                            "quick": args.quick, "rounds": rounds, "sample_target_s": sample_s},
                   "results": results, "failures": failures}
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"wrote {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
