"""Real PyTorch programs nobody here wrote (tests/programs/), run unchanged with `torch` = tapegrad.

Each program runs in a fresh interpreter whose import system maps `torch` and `torch.X` to
`tapegrad` and `tapegrad.X` (as ../shared/tools/vs-torch does); its output must equal what real
PyTorch prints for the same file, memory addresses aside. Without torch, the tapegrad run must still
succeed, and its output is compared with the text recorded beside the program when there is one.
"""
import os
import re
import subprocess
import sys

import pytest

from checks import torch_or_none

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")
SRC = os.path.join(os.path.dirname(HERE), "src")

ALIAS = r'''
import importlib, importlib.abc, importlib.machinery, importlib.util, sys

class Loader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target
    def create_module(self, spec):
        return importlib.import_module(self.target)
    def exec_module(self, module):
        pass

class Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "torch" and not name.startswith("torch."):
            return None
        real = "tapegrad" + name[len("torch"):]
        if importlib.util.find_spec(real) is None:
            raise ModuleNotFoundError(f"No module named {real!r} (the test maps {name!r} to it)", name=name)
        return importlib.machinery.ModuleSpec(name, Loader(real), is_package=True)

sys.meta_path.insert(0, Finder())
'''


def _run(path, alias):
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([SRC, env.get("PYTHONPATH", "")])
    code = (ALIAS if alias else "") + f"\nexec(compile(open({path!r}).read(), {path!r}, 'exec'))\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, f"{os.path.basename(path)} failed:\n{done.stderr[-3000:]}"
    return re.sub(r"0x[0-9a-fA-F]+", "0x...", done.stdout)


@pytest.mark.parametrize("name", sorted(f for f in os.listdir(PROGRAMS) if f.endswith(".py")))
def test_program_runs_unchanged_and_prints_what_pytorch_prints(name):
    path = os.path.join(PROGRAMS, name)
    ours = _run(path, alias=True)
    if torch_or_none() is None:
        pytest.skip("torch not installed: the program ran on tapegrad, output not compared")
    assert ours == _run(path, alias=False)
