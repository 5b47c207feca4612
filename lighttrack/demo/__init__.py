"""``lighttrack demo``: supernet -> search -> retrain -> evaluation vs KCF/CSRT -> ONNX -> a real
clip -> HTML report, at small scale on data shipped in the package. See docs/getting-started.md."""

from lighttrack.demo.pipeline import STAGES, Demo, run_demo
from lighttrack.demo.settings import FULL, QUICK, DemoSettings

__all__ = ["Demo", "DemoSettings", "FULL", "QUICK", "STAGES", "run_demo"]
