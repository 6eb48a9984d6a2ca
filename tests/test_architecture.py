"""STYLE.md's structural rules, checked on the source with `ast` (nothing is imported or run).

- the engine knows nodes, never ops: `autograd/engine.py` imports nothing from `tapegrad.ops`,
  not even late, inside a function;
- only `_backend.py` imports NumPy (so CuPy can replace it in one place);
- every module opens with a docstring;
- every public function and class defined at module level has a docstring;
- every module stays under 650 lines.

Each failure lists every offender with its file and line, relative to src/.
"""
import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "tapegrad"
MAX_LINES = 650
MODULES = sorted(PACKAGE.rglob("*.py"))


def rel(path):
    return path.relative_to(SRC).as_posix()


def module_name(path, root=SRC):
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def parse(path):
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_modules(path, root=SRC):
    """(line, absolute dotted name) for every module the file imports, anywhere in it.

    `from .. import ops` inside tapegrad/autograd/engine.py yields both `tapegrad` and
    `tapegrad.ops`, since the imported name may be a submodule. importlib.import_module("x") and
    __import__("x") with a literal name count too.
    """
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[:len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in ("import_module", "__import__"):
                found.append((node.lineno, node.args[0].value))
    return found


def is_under(name, root):
    return name == root or name.startswith(root + ".")


# ---- the checker itself ---------------------------------------------------------------------------

def test_import_resolution(tmp_path):
    pkg = tmp_path / "tapegrad" / "autograd"
    pkg.mkdir(parents=True)
    source = pkg / "engine.py"
    source.write_text("import numpy as np\nfrom .. import ops\n\ndef f():\n"
                      "    from ..ops._registry import defop\n    from . import graph\n"
                      "    import importlib\n    importlib.import_module('numpy.linalg')\n")
    names = [name for _, name in imported_modules(source, root=tmp_path)]
    assert names == ["numpy", "tapegrad", "tapegrad.ops", "tapegrad.ops._registry",
                     "tapegrad.ops._registry.defop", "tapegrad.autograd", "tapegrad.autograd.graph",
                     "importlib", "numpy.linalg"]


def test_the_package_is_found():
    assert (PACKAGE / "autograd" / "engine.py") in MODULES
    assert (PACKAGE / "_backend.py") in MODULES
    assert len(MODULES) > 20


# ---- the rules ------------------------------------------------------------------------------------

def test_engine_never_imports_ops():
    engine = PACKAGE / "autograd" / "engine.py"
    offenders = [f"{rel(engine)}:{line}: {name}" for line, name in imported_modules(engine)
                 if is_under(name, "tapegrad.ops")]
    assert not offenders, "engine.py imports ops:\n" + "\n".join(offenders)


def test_only_the_backend_imports_numpy():
    offenders = [f"{rel(path)}:{line}: {name}" for path in MODULES if path != PACKAGE / "_backend.py"
                 for line, name in imported_modules(path) if is_under(name, "numpy")]
    assert not offenders, "modules other than _backend.py import numpy:\n" + "\n".join(offenders)


def test_every_module_has_a_docstring():
    offenders = [rel(path) for path in MODULES if ast.get_docstring(parse(path)) is None]
    assert not offenders, "modules without a docstring:\n" + "\n".join(offenders)


def _top_level_definitions(body):
    """Functions and classes at module level, including those under a module-level if/try."""
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node
        elif isinstance(node, ast.If):
            yield from _top_level_definitions(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from _top_level_definitions(node.body + node.orelse + node.finalbody
                                              + [n for h in node.handlers for n in h.body])


def test_every_public_function_and_class_has_a_docstring():
    offenders = []
    for path in MODULES:
        for node in _top_level_definitions(parse(path).body):
            if not node.name.startswith("_") and ast.get_docstring(node) is None:
                kind = "class" if isinstance(node, ast.ClassDef) else "def"
                offenders.append(f"{rel(path)}:{node.lineno}: {kind} {node.name}")
    assert not offenders, f"{len(offenders)} public definitions without a docstring:\n" + "\n".join(offenders)


@pytest.mark.parametrize("path", MODULES, ids=rel)
def test_module_is_under_the_line_limit(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < MAX_LINES, f"{rel(path)} has {lines} lines (limit {MAX_LINES}): split it by topic"
