"""The package's shape: import-linter's layer contracts, no hidden imports, one definition each."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "crm_migrate"


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_import_linter_contracts_are_kept() -> None:
    """The contracts in pyproject.toml: layers, no cycles, textual only in tui, click only in
    cli/commands, the sandbox apart from push/clean."""
    script = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert script, "import-linter is part of the test extra: pip install -e '.[test]'"
    done = subprocess.run([script, "--no-cache"], cwd=REPO, capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def _function_level_imports(path: Path) -> list[tuple[int, str]]:
    """(line, text) of imports of crm_migrate inside a function with no comment saying why."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    found: list[tuple[int, str]] = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        block_commented = False
        for node in ast.walk(func):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                alias.name for alias in node.names]
            own = any(name.startswith("crm_migrate") for name in names) or (
                isinstance(node, ast.ImportFrom) and node.level > 0)
            text = lines[node.lineno - 1]
            above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
            commented = "#" in text or above.startswith("#") or (
                block_commented and above.startswith(("from ", "import ")))
            block_commented = commented
            if own and not commented:
                found.append((node.lineno, text.strip()))
    return found


def test_no_unexplained_function_level_imports_of_the_package() -> None:
    """An import of crm_migrate inside a function hides a cycle unless a comment says why
    (start-up speed)."""
    hidden = [f"{path.relative_to(REPO)}:{line}: {text}" for path in _sources()
              for line, text in _function_level_imports(path)]
    assert hidden == []


def test_the_scan_sees_a_hidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("def f():\n    from crm_migrate.push import runner\n"
                      "def g():\n    # deferred: start-up speed\n"
                      "    from crm_migrate.push import runner\n"
                      "    from crm_migrate.push import status\n")
    assert _function_level_imports(sample) == [(2, "from crm_migrate.push import runner")]


@pytest.mark.parametrize("pattern", [
    r"^TARGETS\b.*=",                            # the list of targets
    r"^KEY_FIELDS\b.*=",                         # the object -> key-field map
    r"^ID_PROPERTY\b.*=",                        # the id property the push writes
    r"^async def open_connector\(",              # where connectors open and close
    r"^def source_issues\(",                     # reader issues -> clean issues
    r"^class InputsChanged\(",                   # resume refused for changed inputs
])
def test_one_definition_each(pattern: str) -> None:
    regex = re.compile(pattern)
    where = [f"{path.relative_to(REPO)}:{n}" for path in _sources()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if regex.search(line)]
    assert len(where) == 1, where


def test_no_import_error_guards_around_the_package() -> None:
    """`except ImportError` around the package's own modules hides real errors."""
    guarded = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            catches = any(isinstance(h.type, ast.Name) and h.type.id in (
                "ImportError", "ModuleNotFoundError") for h in node.handlers)
            imports_own = any(isinstance(n, ast.ImportFrom) and (n.module or "").startswith(
                "crm_migrate") for stmt in node.body for n in ast.walk(stmt))
            if catches and imports_own:
                guarded.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert guarded == []
