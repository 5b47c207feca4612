#!/usr/bin/env bash
# Run lighttrack inside the official vot-toolkit (python runtime) on a local workspace (no download)
# and print the toolkit's analysis beside lighttrack's own VOT metrics on the same trajectories.
#
# vot-toolkit pins its own versions of several packages (typing_extensions, opencv-python), so it
# lives in its own venv ($VOT_VENV, default /tmp/lt-vot-venv) where opencv-python is swapped for the
# same opencv-contrib-python-headless the project uses (KCF/CSRT). The repository goes first on
# PYTHONPATH; the project venv's site-packages (torch, ...) are appended *after* the vot venv's
# through a .pth file, so the toolkit keeps its own dependencies and its tracker worker imports
# the same lighttrack. The work is done by lighttrack.eval.vot_integration (python -m ... --help).
#
# usage: scripts/vot_integration.sh [--tracker PATH|kcf|csrt] [--source davis|synthetic] [...]
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
VOT_VENV="${VOT_VENV:-/tmp/lt-vot-venv}"
PY_MAIN="${PY_MAIN:-$REPO/.venv/bin/python}"

CV_VERSION="$("$PY_MAIN" -c 'import importlib.metadata as m; print(m.version("opencv-contrib-python-headless"))')"
if [ ! -x "$VOT_VENV/bin/vot" ]; then
  python3 -m venv "$VOT_VENV"
  # attributee 0.1.10 (the newest) fails to import on Python 3.11 (it applies
  # typing.dataclass_transform as a decorator without calling it); 0.1.9 works.
  "$VOT_VENV/bin/pip" install -q "vot-toolkit==0.9.0" "attributee==0.1.9"
fi
if "$VOT_VENV/bin/pip" show -q opencv-python 2>/dev/null; then
  "$VOT_VENV/bin/pip" uninstall -q -y opencv-python
  "$VOT_VENV/bin/pip" install -q --force-reinstall --no-deps "opencv-contrib-python-headless==$CV_VERSION"
fi
SITE_MAIN="$("$PY_MAIN" -c 'import site; print(site.getsitepackages()[0])')"
SITE_VOT="$("$VOT_VENV/bin/python" -c 'import site; print(site.getsitepackages()[0])')"
echo "$SITE_MAIN" > "$SITE_VOT/zz_lighttrack_project_venv.pth"
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
exec "$VOT_VENV/bin/python" -m lighttrack.eval.vot_integration "$@"
