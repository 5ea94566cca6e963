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
