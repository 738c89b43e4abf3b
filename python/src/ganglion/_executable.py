"""Finding the ``ganglion`` executable and running it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional, Sequence, Union

ENVIRONMENT_VARIABLE = "GANGLION_EXECUTABLE"


class GanglionError(RuntimeError):
    """``ganglion`` exited with a non-zero status.

    The message is Ganglion's own error message (its standard error from the first ``error:`` line on);
    ``returncode``, ``command`` (the argument list), ``stdout`` and ``stderr`` hold the rest. ``result``: for
    ``run`` and ``network`` runs that wrote their summary before failing (a population with failed cells), the
    result read from the output folder; else ``None``.
    """

    def __init__(self, message: str, *, returncode: int, command: Sequence[str], stdout: str, stderr: str):
        super().__init__(message)
        self.returncode = returncode
        self.command = list(command)
        self.stdout = stdout
        self.stderr = stderr
        self.result = None


class ExecutableNotFound(FileNotFoundError):
    """No ``ganglion`` executable was found (see ``find_executable``)."""


def find_executable(executable: Union[str, os.PathLike, None] = None) -> str:
    """The path of the ``ganglion`` executable to run.

    In this order: ``executable`` if given, else the ``GANGLION_EXECUTABLE`` environment variable, else
    ``ganglion`` on ``PATH``. Raises ``ExecutableNotFound`` saying how to set it when none is found, and when
    the one given is not an executable file.
    """
    how = ("build it with `swift build -c release` in the Ganglion repository, then pass "
           "executable='…/.build/release/ganglion', set GANGLION_EXECUTABLE to that path, "
           "or put the folder holding it on PATH")
    if executable is not None:
        source, candidate = "executable argument", os.fspath(executable)
    elif os.environ.get(ENVIRONMENT_VARIABLE):
        source, candidate = f"{ENVIRONMENT_VARIABLE}", os.environ[ENVIRONMENT_VARIABLE]
    else:
        found = shutil.which("ganglion")
        if found is None:
            raise ExecutableNotFound(f"the ganglion executable was not found: no {ENVIRONMENT_VARIABLE} and no "
                                     f"`ganglion` on PATH; {how}")
        return found
    path = Path(candidate).expanduser()
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ExecutableNotFound(f"the ganglion executable given by the {source} ({candidate}) is not an "
                                 f"executable file; {how}")
    return str(path.resolve())


def error_message(stderr: str, returncode: int) -> str:
    """Ganglion's error message from its standard error: from the first line starting with ``error:`` to the
    end (notes and progress before it left out), else the whole standard error, else the exit status."""
    lines = stderr.strip().splitlines()
    for i, line in enumerate(lines):
        if line.startswith("error:"):
            return "\n".join(lines[i:]).strip()
    text = stderr.strip()
    return text if text else f"ganglion exited with status {returncode} and no message"


def run_command(arguments: Sequence[str], *, executable: Union[str, os.PathLike, None] = None,
                cwd: Union[str, os.PathLike, None] = None) -> subprocess.CompletedProcess:
    """Runs ``ganglion ARGUMENTS`` (standard input closed) and returns the completed process; a non-zero exit
    raises ``GanglionError`` with Ganglion's message."""
    command = [find_executable(executable)] + [str(a) for a in arguments]
    done = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        raise GanglionError(error_message(done.stderr, done.returncode), returncode=done.returncode,
                            command=command, stdout=done.stdout, stderr=done.stderr)
    return done


def version(executable: Union[str, os.PathLike, None] = None) -> str:
    """What ``ganglion --version`` prints: the version and the commit of the build."""
    return run_command(["--version"], executable=executable).stdout.strip()
