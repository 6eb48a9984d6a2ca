"""Hessian benchmark: autograd.functional.hessian on tapegrad and on torch.

The function is f(x) = sum(tanh(A @ x)) with x of size 100 (float64) and A a fixed, seeded 100x100
matrix. Its Hessian is A^T diag(-2 tanh(z) (1 - tanh(z)^2)) A with z = A @ x, which the benchmark
also computes in NumPy as the reference. Three ways, each in both libraries with the same code:

* ``reverse-over-reverse``: ``autograd.functional.hessian(f, x)``: one gradient graph
  (create_graph=True), then one backward pass through it per row (100 of them).
* ``forward-over-reverse``: ``hessian(f, x, outer_jacobian_strategy="forward-mode", vectorize=True)``:
  the gradient is computed with dual inputs, so forward AD pushes a tangent through the backward pass.
  torch batches the 100 tangents with vmap; tapegrad pushes them one at a time. If tapegrad's forward
  AD is missing, tapegrad times reverse-over-reverse ``jacobian`` of the gradient instead, and says so.
* ``hvp-columns``: the Hessian as 100 Hessian-vector products (``autograd.functional.hvp`` on unit
  vectors, the double backward trick): the cost a Newton-CG solver pays for a full Hessian.

Before anything is timed, every Hessian is compared with NumPy's (allclose, rtol 1e-10) and the two
libraries' with each other. Timing as in bench_core.py (whose helpers it imports): one thread,
warm-up, a repetition count calibrated per library, the libraries interleaved over several rounds,
median sample reported, in ms per Hessian, with the ratio tapegrad / torch.

Usage, from the repository root (PYTHONPATH=src to time the working tree rather than an installed copy)::

    python benchmarks/bench_hessian.py            # full run, ~20 s
    python benchmarks/bench_hessian.py --quick    # CI smoke run, ~5 s

Exit status: 0 when everything that could run ran and agreed; 1 when tapegrad imported but failed a
method (exception or a different Hessian).
"""

from __future__ import annotations

import os

# Before numpy and torch load (bench_core does the same when imported; here it is explicit).
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_core import _describe, calibrate, load_tapegrad, load_torch, time_sample, warm_up  # noqa: E402

SEED = 0
N = 100
RTOL, ATOL = 1e-10, 1e-12
METHODS = ("reverse-over-reverse", "forward-over-reverse", "hvp-columns")
IMPLS = ("tapegrad", "torch")


class Mismatch(Exception):
    """A library computed a different Hessian than NumPy."""


def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    return {"A": rng.standard_normal((N, N)) / np.sqrt(N), "x": rng.standard_normal(N)}


def numpy_hessian(d: dict[str, np.ndarray]) -> np.ndarray:
    t = np.tanh(d["A"] @ d["x"])
    return d["A"].T @ ((-2 * t * (1 - t * t))[:, None] * d["A"])


def has_forward_ad(T: ModuleType) -> bool:
    try:
        fwad = T.autograd.forward_ad
    except AttributeError:
        try:
            import importlib
            fwad = importlib.import_module(T.__name__ + ".autograd.forward_ad")
        except ImportError:
            return False
    return all(hasattr(fwad, n) for n in ("dual_level", "make_dual", "unpack_dual"))


def build(method: str, T: ModuleType, d: dict[str, np.ndarray]) -> tuple[Callable[[], Any], str]:
    """A step computing one Hessian (returned as an array by the step) and a note on how."""
    A = T.tensor(d["A"], dtype=T.float64)
    x = T.tensor(d["x"], dtype=T.float64)
    F = T.autograd.functional

    def f(v):
        return T.tanh(A @ v).sum()

    if method == "reverse-over-reverse":
        return (lambda: F.hessian(f, x)), "hessian(f, x)"
    if method == "forward-over-reverse":
        if has_forward_ad(T):
            return (lambda: F.hessian(f, x, outer_jacobian_strategy="forward-mode", vectorize=True)), \
                "hessian(..., outer_jacobian_strategy='forward-mode', vectorize=True)"

        def grad_f(v):
            return T.autograd.grad(f(v), v, create_graph=True)[0]

        return (lambda: F.jacobian(grad_f, x)), "NO forward AD: reverse-over-reverse jacobian(grad f)"
    if method == "hvp-columns":
        eye = T.eye(N, dtype=T.float64)

        def step():
            return T.stack([F.hvp(f, x, eye[i])[1] for i in range(N)])

        return step, "stack(hvp(f, x, e_i) for i in range(100))"
    raise ValueError(method)


def to_array(h: Any) -> np.ndarray:
    return h.detach().numpy() if hasattr(h, "detach") else np.asarray(h)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run for CI")
    args = parser.parse_args(argv)
    target, rounds, warm = (0.1, 3, 0.05) if args.quick else (0.3, 7, 0.3)

    libs: dict[str, ModuleType] = {}
    tapegrad, where = load_tapegrad()
    print(f"tapegrad: {where}")
    if tapegrad is not None:
        libs["tapegrad"] = tapegrad
    torch, where = load_torch()
    print(f"torch:    {where}")
    if torch is not None:
        libs["torch"] = torch
    d = data()
    reference = numpy_hessian(d)
    print(f"f(x) = sum(tanh(A @ x)), x of size {N}, float64, one thread\n")

    failed = False
    for method in METHODS:
        steps, notes, results = {}, {}, {}
        for name, T in libs.items():
            try:
                step, note = build(method, T, d)
                h = to_array(step())
                if h.shape != (N, N) or not np.allclose(h, reference, rtol=RTOL, atol=ATOL):
                    raise Mismatch(f"Hessian differs from NumPy's (max |diff| "
                                   f"{np.abs(h - reference).max():.3g})")
                steps[name], notes[name], results[name] = step, note, h
            except Exception as exc:  # noqa: BLE001 - reported; the other library still runs
                print(f"{method:22s} {name:9s} FAILED: {_describe(exc)}")
                failed = failed or name == "tapegrad"
        if len(results) == 2:
            assert np.allclose(results["tapegrad"], results["torch"], rtol=RTOL, atol=ATOL)
        for step in steps.values():
            warm_up(step, warm)
        reps = {name: calibrate(step, target) for name, step in steps.items()}
        samples: dict[str, list[float]] = {name: [] for name in steps}
        for _ in range(rounds):  # interleaved, so drift hits both libraries alike
            for name, step in steps.items():
                samples[name].append(time_sample(step, reps[name]))
        times = {name: statistics.median(s) for name, s in samples.items()}
        for name in IMPLS:
            if name not in times:
                continue
            ratio = (f"  {times[name] / times['torch']:6.2f}x torch" if "torch" in times and name != "torch"
                     else " " * 14)
            print(f"{method:22s} {name:9s} {times[name] * 1e3:9.2f} ms/Hessian{ratio}   [{notes[name]}]")
        print()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
