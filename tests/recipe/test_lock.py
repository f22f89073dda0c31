import json
import socket
import subprocess
import sys
import time

import pytest

from codecurate.cli import main
from codecurate.recipe.lock import LOCK_FILE, OutputLock, OutputLockedError
from codecurate.recipe.run import run_recipe
from tests.conftest import AIXCODER, aixcoder_recipe, run_outputs


def test_a_second_lock_is_refused_naming_the_holder(tmp_path):
    first = OutputLock(tmp_path / "out").acquire()
    with pytest.raises(OutputLockedError, match=f"pid {first.holder['pid']} on {socket.gethostname()}"):
        OutputLock(tmp_path / "out").acquire()
    first.release()
    assert not (tmp_path / "out" / LOCK_FILE).exists()
    OutputLock(tmp_path / "out").acquire().release()


def test_a_lock_whose_holder_is_gone_is_taken_over(tmp_path, caplog):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    output = tmp_path / "out"
    output.mkdir()
    (output / LOCK_FILE).write_text(json.dumps({"host": socket.gethostname(), "pid": int(gone.stdout),
                                                "started": time.time() - 60}))
    lock = OutputLock(output).acquire()
    assert json.loads((output / LOCK_FILE).read_text())["pid"] == lock.holder["pid"]
    lock.release()


def test_a_lock_held_on_another_host_is_refused_with_how_to_clear_it(tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    (output / LOCK_FILE).write_text(json.dumps({"host": "elsewhere", "pid": 1, "started": time.time()}))
    with pytest.raises(OutputLockedError, match=f"pid 1 on elsewhere.*delete {output / LOCK_FILE}"):
        OutputLock(output).acquire()


def test_two_runs_into_one_output_the_second_refuses_and_the_first_is_unharmed(tmp_path, repo_root, capsys):
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    log = (tmp_path / "first.log").open("w")  # a pipe would fill up and stop the run
    first = subprocess.Popen([sys.executable, "-m", "codecurate.cli", "run", str(AIXCODER), "--input", str(repo_root),
                              "--output", str(shared), "--set", "executor.tasks=2", "--set", "executor.workers=1"],
                             stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (shared / LOCK_FILE).exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
        code = main(["run", str(AIXCODER), "--input", str(repo_root), "--output", str(shared), "--set",
                     "executor.tasks=2", "--overwrite"])
        error = capsys.readouterr().err
        assert code == 2 and f"pid {first.pid} on {socket.gethostname()}" in error
        assert first.wait(timeout=900) == 0
    finally:
        first.kill()
        log.close()
    assert not (shared / LOCK_FILE).exists()
    run_recipe(aixcoder_recipe(alone, repo_root, "executor.workers=1"))
    assert run_outputs(shared) == run_outputs(alone)
