"""examples/python/course.py, the course's unit in Python, runs and checks its own numbers."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_course_example_runs(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples/python/course.py"), str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "the course's unit checks out" in out.stdout
    for figure in ["learning_rates.png", "newton_starting_points.png", "regularization.png"]:
        assert (tmp_path / figure).stat().st_size > 10_000
