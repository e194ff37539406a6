"""The CLI commands and the wizard reach the core only through crm_migrate.actions.

Read from each module's source (AST), not from sys.modules: an import inside a function
counts as much as one at the top; imports under `if TYPE_CHECKING:` do not (types only).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import crm_migrate.commands
import crm_migrate.tui

# What commands/ and tui/ may import of the package besides themselves and the actions:
# errors, output and paths (ground), secrets (the credential store: imports nothing of the
# core, and `auth` and the Target step manage credentials, they do not migrate anything),
# the package root (its version).
ALLOWED = ("crm_migrate.actions", "crm_migrate.tui", "crm_migrate.commands", "crm_migrate.errors",
           "crm_migrate.output", "crm_migrate.paths", "crm_migrate.secrets")
ROOT_NAMES = {"__version__", "secrets"}  # `from crm_migrate import ...`


def _modules(package: object) -> list[str]:
    path = package.__path__
    name = package.__name__
    return [name] + [info.name for info in pkgutil.walk_packages(path, prefix=name + ".")]


MODULES = _modules(crm_migrate.commands) + _modules(crm_migrate.tui) + ["crm_migrate.cli"]


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(tree: ast.AST) -> list[tuple[str, list[str]]]:
    """(module, names) of every import not under `if TYPE_CHECKING:`."""
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [alias.name for alias in node.names]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def forbidden_imports(module_name: str) -> list[str]:
    """The crm_migrate modules a module imports at run time that are not allowed."""
    module = importlib.import_module(module_name)
    source = Path(str(module.__file__)).read_text(encoding="utf-8")
    bad: list[str] = []
    for imported, names in runtime_imports(ast.parse(source)):
        if imported == "crm_migrate":
            bad.extend(f"crm_migrate.{n}" for n in names if n not in ROOT_NAMES)
        elif imported.startswith("crm_migrate.") and not imported.startswith(ALLOWED):
            bad.append(imported)
    return bad


@pytest.mark.parametrize("module_name", MODULES)
def test_commands_and_wizard_import_only_the_actions_and_ground(module_name: str) -> None:
    assert forbidden_imports(module_name) == []


def test_the_check_sees_imports_inside_functions_and_skips_type_checking() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from crm_migrate.push.runner import start_push\n"
        "def f():\n    from crm_migrate.clean.pipeline import clean_tables\n"
    )
    modules = [m for m, _ in runtime_imports(ast.parse(source))]
    assert "crm_migrate.clean.pipeline" in modules
    assert "crm_migrate.push.runner" not in modules


def test_the_screens_and_commands_are_all_checked() -> None:
    assert "crm_migrate.tui.screens.push" in MODULES
    assert "crm_migrate.commands.push" in MODULES
    assert "crm_migrate.tui.state" in MODULES
