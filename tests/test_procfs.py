"""lighttrack.procfs: a job's whole process tree, also where a child leaves the process group."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lighttrack.procfs import descendants


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_descendants_follow_children_into_their_own_sessions(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    grandchild = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(30)"
    child = subprocess.Popen([sys.executable, "-c",
                              f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {grandchild!r}], "
                              "start_new_session=True); time.sleep(30)"])
    try:
        deadline = time.time() + 30
        while not (pid_file.is_file() and pid_file.read_text()) and time.time() < deadline:
            time.sleep(0.05)
        below = descendants(os.getpid())
        assert child.pid in below and int(pid_file.read_text()) in below
        assert descendants(int(pid_file.read_text())) == []
    finally:
        for pid in descendants(child.pid):
            os.kill(pid, 9)
        child.kill()
        child.wait()
