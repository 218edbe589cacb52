"""The CLI starts at once: importing it loads no command module and no heavy library;
``--help`` lists every command from the table; ``hash`` opens no database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer.main
from PIL import Image
from typer.testing import CliRunner

from brightline.adapters.cli.main import COMMANDS, app

#: Nothing of these may load with ``import brightline.adapters.cli.main``.
HEAVY = (
    "sqlalchemy",
    "alembic",
    "numpy",
    "PIL",
    "av",
    "pydantic",
    "pydantic_settings",
    "fastapi",
    "uvicorn",
    "httpx",
    "brightline.settings",
    "brightline.services",
    "brightline.core.signals",
    "brightline.core.video",
    "brightline.adapters.api",
)


def loaded_after(code: str, *args: str, env: dict[str, str] | None = None) -> set[str]:
    """Module names in ``sys.modules`` when a fresh interpreter running ``code`` exits."""
    probe = (
        "import atexit, json, sys\n"
        "atexit.register(lambda: sys.__stderr__.write(\n"
        "    'MODULES' + json.dumps(sorted(sys.modules))))\n"
        f"sys.argv = ['brightline', *{list(args)!r}]\n" + code
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert "MODULES" in proc.stderr, proc.stderr
    return set(json.loads(proc.stderr.rsplit("MODULES", 1)[1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def command_modules(modules: set[str]) -> list[str]:
    cli = "brightline.adapters.cli."
    return sorted(m for m in modules if m.startswith(cli) and m.endswith("_cmd"))


def test_import_loads_no_command_module_and_no_heavy_library() -> None:
    modules = loaded_after("import brightline.adapters.cli.main")
    assert heavy(modules) == []
    assert command_modules(modules) == []


def test_help_lists_every_command_without_importing_them() -> None:
    modules = loaded_after("from brightline.adapters.cli.main import main\nmain()", "--help")
    assert heavy(modules) == []
    assert command_modules(modules) == []


def test_help_shows_every_command_of_the_table() -> None:
    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "250"}).output
    for name, entry in COMMANDS.items():
        assert name in out
        assert entry.help in out


def test_the_tables_help_is_each_commands_own() -> None:
    """The table's one-liners are what the commands say of themselves."""
    import importlib

    for entry in COMMANDS.values():
        for module in entry.modules.split():
            importlib.import_module(f"brightline.adapters.cli.{module}")
    group = typer.main.get_group(app)
    for name, entry in COMMANDS.items():
        command = group.commands[name]
        own = (command.help or "").strip().split("\n\n")[0].replace("\n", " ")
        assert own == entry.help, name


def test_hash_opens_no_database_and_loads_no_matcher(tmp_path: Path) -> None:
    picture = tmp_path / "small.png"
    Image.linear_gradient("L").resize((64, 48)).save(picture)
    env = {"BRIGHTLINE_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    modules = loaded_after(
        "from brightline.adapters.cli.main import main\nmain()", "hash", str(picture), env=env
    )
    assert "brightline.core.signals.pdq" in modules  # it did hash
    assert not [m for m in modules if m.startswith(("sqlalchemy", "brightline.services.store"))]
    assert "av" not in modules and "numpy" not in modules
    assert command_modules(modules) == ["brightline.adapters.cli.scan_cmd"]
    assert not (tmp_path / "home").exists()


def test_a_command_registered_the_old_way_still_runs() -> None:
    """A module imported eagerly (before it joins the table) keeps working."""
    from brightline.adapters.cli import app as app_module

    extra = typer.Typer(help="An extra group.", no_args_is_help=True)

    @extra.command("ping")
    def ping() -> None:
        print("pong")

    app_module.app.add_typer(extra, name="zz-extra")
    try:
        runner = CliRunner()
        assert "zz-extra" in runner.invoke(app, ["--help"]).output
        assert runner.invoke(app, ["zz-extra", "ping"]).output.strip() == "pong"
    finally:
        app_module.app.registered_groups.pop()
