"""Repository-wide guards on the code's shape."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DISCORD_ALLOWED = {"bot/client.py", "bot/__main__.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_discord() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "bot").rglob("*.py")
        if str(p.relative_to(ROOT)) not in DISCORD_ALLOWED and "discord" in _imports(p)
    ]
    assert offenders == []


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
