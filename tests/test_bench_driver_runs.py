"""benchmarks/bench_driver.py stands in for the adapters and the image stage: when the records contract changes
(a column added to the records schema), the stub must follow it or the benchmark breaks unseen. Run it small, both
records paths, and check they make the same release."""

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_driver.py"


def test_the_driver_benchmark_runs_and_both_records_paths_make_one_release(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH), "--sizes", "3000", "--compare", "--tmp", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = re.findall(r"3,000 records -> +([\d,]+) samples.*peak driver RSS [\d.]+ GiB \(release (\w+)\)", done.stdout)
    assert len(runs) == 2 and runs[0] == runs[1] and int(runs[0][0].replace(",", "")) > 0, done.stdout
    assert "same release: True" in done.stdout
