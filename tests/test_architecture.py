"""The layer contract in pyproject.toml ([tool.importlinter]): each layer of the package imports
only the layers below it, checked by import-linter on every test run."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_layers_import_only_downwards():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(lint).exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    done = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_cli_help_lists_every_command_without_loading_them():
    """``lighttrack --help`` imports no command module (and so no layer); ``lighttrack CMD`` only CMD's."""
    code = (
        "import sys\n"
        "from lighttrack.cli import COMMANDS, main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(n for n in COMMANDS if f'lighttrack.cli.{n}' in sys.modules)\n"
        "assert not loaded and 'torch' not in sys.modules, loaded\n"
        "try:\n"
        "    main(['report', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(n for n in COMMANDS if f'lighttrack.cli.{n}' in sys.modules)\n"
        "assert loaded == ['report'], loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    from lighttrack.cli import COMMANDS

    listed = "".join(done.stdout.split())  # argparse wraps the help column
    for name, summary in COMMANDS.items():
        assert name + "".join(summary.split()) in listed
