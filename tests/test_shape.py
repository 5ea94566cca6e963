"""Repository-wide guards on the code's shape: the import layers, and who may read the clock."""

import ast
import tomllib
from pathlib import Path

import pytest
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
CONTRACTS = [
    c["id"] for c in tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
]


def test_the_layers_are_the_contracts_we_meant() -> None:
    # A contract dropped from pyproject.toml would pass silently below.
    assert CONTRACTS == ["storage", "leaves", "core", "cogs"]


@pytest.mark.parametrize("contract", CONTRACTS)
def test_import_contract_is_kept(contract: str) -> None:
    """The layers (pyproject.toml, ``[tool.importlinter]``): storage takes plain data, the leaves
    import nothing, the core never imports discord, the cogs nor the composition root, and the
    cogs never touch storage. On failure, import-linter's report above names the import chain."""
    configuration.configure()  # what the lint-imports command does first: readers, graph builder
    kept = lint_imports(
        config_filename=str(PYPROJECT), limit_to_contracts=(contract,), cache_dir=None, no_logo=True
    )
    assert kept, f"import contract {contract!r} is broken (see the report in the output)"


# The wall clock's readers: ``datetime.now()``, ``date.today()``, ``utcnow()`` (discord.py's too)
# and ``time.time()``. Only bot/clock.py may call them; everything else is handed the Clock.
_CLOCK_READS = {"now", "utcnow", "today", "time"}
_CLOCK_OWNERS = ("datetime", "date", "utils", "time")


def _clock_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = ast.unparse(node.func.value).rpartition(".")[2]
            if node.func.attr in _CLOCK_READS and owner in _CLOCK_OWNERS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node.func)}")
    return found


def test_only_the_clock_reads_the_time() -> None:
    sources = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "cogs").rglob("*.py")]
    offenders = [r for p in sources if "clock" not in p.name for r in _clock_reads(p)]
    assert offenders == []
    # the guard itself sees a clock read
    assert _clock_reads(ROOT / "bot" / "clock.py") == ["bot/clock.py:33 dt.datetime.now"]
