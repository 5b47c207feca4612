"""What a newcomer meets first: the core install covers every import, the README's Python block
runs as written, and the package's top-level API is there without extra imports."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# import name -> distribution name in pyproject's core dependencies
DISTRIBUTIONS = {
    "cv2": "opencv-contrib-python-headless",
    "yaml": "pyyaml",
    "numpy": "numpy",
    "torch": "torch",
    "tqdm": "tqdm",
    "matplotlib": "matplotlib",
    "optuna": "optuna",
    "onnx": "onnx",
    "onnxruntime": "onnxruntime",
    "platformdirs": "platformdirs",
}
# imports that are optional on purpose, and why
OPTIONAL = {
    "vot": "the vot-toolkit integration runs inside the toolkit's own environment (eval/vot_adapter.py, eval/vot_integration.py)",
}


def dependencies() -> tuple[set[str], set[str]]:
    """The plain install's distributions and the training extra's."""
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def names(deps):
        return {re.split(r"[<>=!~\[ ;]", dep, maxsplit=1)[0].lower() for dep in deps}

    return names(project["dependencies"]), names(project["optional-dependencies"]["train"])


def third_party_imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / "lighttrack").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top != "lighttrack" and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_import_of_the_package_is_a_declared_dependency():
    """Every import is in the plain install or the training extra (the README's first command
    installs both, the plain install is checked torch-free in tests/test_tracker_shipped.py and CI):
    an import that only the test extra satisfied once broke the demo at its export stage."""
    core, train = dependencies()
    missing = {
        name: sorted(paths)
        for name, paths in third_party_imports().items()
        if name not in OPTIONAL and DISTRIBUTIONS.get(name, name).lower() not in core | train
    }
    assert not missing, f"imported by the package but not a declared dependency: {missing}"
    for needed in ("onnxruntime", "platformdirs", "numpy", "opencv-contrib-python-headless"):
        assert needed in core
    for heavy in ("torch", "optuna", "matplotlib", "onnx"):  # the plain install leaves these out
        assert heavy in train and heavy not in core


def test_readme_python_block_runs_as_written(tmp_path):
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    env = {"LIGHTTRACK_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", block + "\nprint('README-OK', result.ok, ok, box)"], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "README-OK" in done.stdout


def test_top_level_api_without_extra_imports():
    code = (
        "import lighttrack, lighttrack.nn\n"
        "assert lighttrack.nn.net.SuperNet and lighttrack.nn.ops\n"
        "assert lighttrack.Tracker.from_weights and lighttrack.CVTracker.create and lighttrack.TrackResult\n"
        "print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_track_result_is_torch_free_and_read_by_name():
    code = (
        "import sys\n"
        "from lighttrack.tracker.result import TrackResult\n"
        "from lighttrack.eval.baselines import StaticTracker\n"
        "assert 'torch' not in sys.modules\n"
        "r = TrackResult([1, 2, 3, 4], 0.5, False)\n"
        "print(r.score, r.ok)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.split() == ["0.5", "False"], done.stderr[-2000:]


@pytest.mark.parametrize("command", ["lighttrack demo", "python -m pytest"])
def test_ci_runs_the_readme_commands(command):
    """.ci/run takes both commands from the README, so CI runs them as written."""
    script = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert re.search(rf"^python3 -m venv \.venv && .*{re.escape(command)}$", readme, re.M)
    assert f"readme_command '{command}'" in script
