"""`python -m tapegrad tour` (__main__.py): it runs, prints the tutorials' results, and matches PyTorch.

The tour's steps are run three ways: through `tour()` (what a user sees), as a subprocess (the
command line and its exit codes), and step by step on both tapegrad and real PyTorch, whose
printed output must be the same text (the last step draws random weights, so there only the
printed network and the identity it demonstrates are compared).
"""
import contextlib
import io
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tapegrad
from tapegrad import __main__ as main_module
from checks import requires_torch, torch_or_none

TORCH = torch_or_none()
SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(scope="module")
def tour_text():
    out = io.StringIO()
    main_module.tour(out=out)
    return out.getvalue()


def run_cli(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "tapegrad", *args], capture_output=True, text=True, env=env,
                          timeout=60)


def run_step(code, lib):
    """What one step prints when `torch` is `lib` (imports of tapegrad read as torch for torch)."""
    code = textwrap.dedent(code).strip()
    if lib is not tapegrad:
        code = code.replace("tapegrad", "torch")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "<step>", "exec"), {"torch": lib})
    return buffer.getvalue()


# ---- the tour's key results -----------------------------------------------------------------------

@pytest.mark.parametrize("expected", [
    "tensor(6.)",
    "tensor(6.) None",
    "tensor([1.5000, 2.5000, 3.5000])",
    "tensor([[1.3333, 2.0000, 2.6667],\n            [3.3333, 4.0000, 4.6667]])",
    "tensor([2.0000, 0.4000, 0.0600])",
    "RuntimeError: grad can be implicitly created only for scalar outputs",
    "(tensor(75., grad_fn=<MulBackward0>),)",
    "(tensor(30.),)",
    "tensor(44.3343)",
    "RuntimeError: Trying to backward through the graph a second time",
    "tensor([[32., 77.]], grad_fn=<CopySlices>)",
    # seed 003: the Jacobian built column by column
    "tensor([[ 4.,  2.],\n            [ 2., 24.],\n            [ 4., 10.]])",
    "tensor([ 0.,  4.,  8., 12.])",
    "tensor([True, True, True, True])",
    "Sequential(\n      (0): Linear(in_features=1, out_features=2, bias=True)\n"
    "      (1): Linear(in_features=2, out_features=1, bias=True)\n    )",
])
def test_tour_prints_key_results(tour_text, expected):
    assert expected in tour_text


def test_tour_prints_every_title_in_order(tour_text):
    titles = [title for title, _ in main_module.STEPS]
    assert len(titles) >= 10
    headers = re.findall(r"^\[(\d+)/(\d+)\] (.*)$", tour_text, flags=re.M)
    assert [(int(n), int(total), title) for n, total, title in headers] == [
        (i, len(titles), title) for i, title in enumerate(titles, 1)]


def test_tour_prints_every_line_of_code(tour_text):
    for _, code in main_module.STEPS:
        for line in textwrap.dedent(code).strip().splitlines():
            assert line in tour_text


def test_tour_writes_only_to_out(capsys):
    main_module.tour(out=io.StringIO())
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_tour_network_gradient_is_the_chain_rule(tour_text):
    match = re.search(r"tensor\(\[(-?\d+\.\d+)\]\) == (-?\d+\.\d+)", tour_text)
    assert match, "the last step's 'x.grad == w1*w3 + w2*w4' line is missing"
    assert float(match.group(1)) == pytest.approx(float(match.group(2)), abs=1e-4)


# ---- the command line -----------------------------------------------------------------------------

def test_cli_tour_exits_0():
    result = run_cli("tour")
    assert result.returncode == 0, result.stderr
    assert "(tensor(75., grad_fn=<MulBackward0>),)" in result.stdout
    assert "tensor([[ 4.,  2.],\n            [ 2., 24.],\n            [ 4., 10.]])" in result.stdout
    assert result.stderr == ""


def test_cli_default_command_is_the_tour():
    result = run_cli()
    assert result.returncode == 0, result.stderr
    assert main_module.STEPS[0][0] in result.stdout


def test_cli_unknown_command_exits_2_with_usage():
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert result.stderr.startswith("usage:") and "tour" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_main_returns_exit_codes(capsys):
    assert main_module.main(["bogus"]) == 2
    assert "usage:" in capsys.readouterr().err


# ---- every step prints what PyTorch prints ----------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("number", range(1, len(main_module.STEPS)))
def test_step_output_equals_torch(number):
    code = main_module.STEPS[number - 1][1]
    assert run_step(code, tapegrad) == run_step(code, TORCH)


@requires_torch
def test_last_step_equals_torch_up_to_random_weights():
    code = main_module.STEPS[-1][1]
    ours, theirs = run_step(code, tapegrad), run_step(code, TORCH)
    number = r"-?\d+\.\d+"
    assert re.sub(number, "<n>", ours) == re.sub(number, "<n>", theirs)
    for text in (ours, theirs):
        grad, value = re.search(rf"tensor\(\[({number})\]\) == ({number})", text).groups()
        assert float(grad) == pytest.approx(float(value), abs=1e-4)
