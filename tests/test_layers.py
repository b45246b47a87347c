"""The declared layers hold: review > catalogue > authz > ens_core, and the module cycles
issue 16 named stay broken. The contracts live in pyproject.toml ([tool.importlinter]);
import-linter reads every import statement, those inside functions included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [str(lint_imports), "--no-cache", "--no-logo", "--config", "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
