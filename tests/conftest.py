import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
os.environ.setdefault('MOUSTERIAN_PROGRESS', '0')

@pytest.fixture
def bin_path():
    "Folder of the environment's console scripts (mousterian-*)."
    return BIN
