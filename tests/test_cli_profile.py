import json
import subprocess
import sys

from lighttrack.cli import main


def test_profile_json(capsys):
    assert main(["profile", "lighttrack-mobile", "--json", "--runs", "50", "--warmup", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["params"] == 1_969_397 and out["latency_ms"]["runs"] == 50
    assert out["latency_ms"]["p10"] <= out["latency_ms"]["median"] <= out["latency_ms"]["p90"]


def test_profile_table_without_latency(capsys):
    assert main(["profile", "lighttrack-mobile", "--no-latency", "--search-size", "288"]) == 0
    out = capsys.readouterr().out
    assert "1,969,397" in out and "score map 18x18" in out


def test_profile_errors_are_clean(capsys):
    assert main(["profile", "back_123", "--no-latency"]) == 2
    assert "malformed architecture string" in capsys.readouterr().err
    assert main(["profile", "lighttrack-mobile", "--search-size", "250"]) == 2
    assert "multiple of 16" in capsys.readouterr().err


def test_console_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "lighttrack", "--help"], capture_output=True, text=True, check=True)
    assert "profile" in proc.stdout
