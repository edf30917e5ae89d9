"""Faults beyond a kill: a full disk, a read-only folder, too little memory. Each command stops with one line that
names the fault, the folder and the fix (never "truncated"), leaves nothing half-written, and resumes once the fault
is cleared.

A full or read-only disk is a small tmpfs mounted where the tests run as root (CI and the developers' machines);
elsewhere the same messages are checked by fault injection on the writer (`test_full_disk_injected`)."""
import errno, json, os, subprocess, sys
from contextlib import contextmanager
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent

def run(*args, env=None):
    "A console command as a user runs it: (exit code, its last line on stderr, stdout); never a traceback."
    r = subprocess.run([str(BIN / args[0]), *map(str, args[1:])], capture_output=True, text=True, timeout=900,
                       env={**os.environ, 'MOUSTERIAN_PROGRESS': '0', **(env or {})})
    assert 'Traceback' not in r.stderr, r.stderr
    return r.returncode, (r.stderr.strip().splitlines() or [''])[-1], r.stdout

@contextmanager
def tmpfs(path:Path, size_kb:int, ro:bool=False):
    "A tmpfs of `size_kb` at `path` (read-only with `ro`), unmounted after; the test is skipped where none mounts."
    if os.geteuid() != 0: pytest.skip('mounting a tmpfs needs root (test_full_disk_injected covers the messages)')
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(['mount', '-t', 'tmpfs', '-o', f"size={size_kb}k{',ro' if ro else ''}", 'tmpfs', str(path)],
                       capture_output=True, text=True)
    if r.returncode: pytest.skip(f'no tmpfs here ({r.stderr.strip()})')
    try: yield path
    finally: subprocess.run(['umount', '-l', str(path)], capture_output=True)

def grow(path:Path, size_kb:int):
    "Free space on the tmpfs at `path`: give it `size_kb`."
    subprocess.run(['mount', '-o', f'remount,size={size_kb}k', str(path)], check=True)

def said_full(code, err, folder):
    assert code != 0 and err.startswith('error: '), err
    assert 'is full' in err and str(folder) in err and 'truncated' not in err, err
    assert 'resumes where it stopped' in err, err

@pytest.fixture(scope='module')
def table(tmp_path_factory):
    "A results table mousterian-fit reads."
    from mousterian.equiv import simulate, SMALL, SPARSE
    f = tmp_path_factory.mktemp('tab') / 'good.csv'; simulate(SMALL, **SPARSE, rng_seed=0).to_csv(f, index=False)
    return f

def test_fit_on_a_full_disk(tmp_path, table):
    with tmpfs(tmp_path / 'disk', 48) as d:
        code, err, _ = run('mousterian-fit', table, '--out', d / 'law', '--n-boot', 5)
        said_full(code, err, d)
        assert '--out' in err
        assert sorted(p.name for p in d.iterdir()) == [], 'a half-written law folder was left'
        grow(d, 8192)
        code, err, out = run('mousterian-fit', table, '--out', d / 'law', '--n-boot', 5)
        assert code == 0, err
        assert (d / 'law' / 'law.json').exists() and sorted(p.name for p in d.iterdir()) == ['law']

def test_fit_refuses_to_replace_a_folder_of_other_files(tmp_path, table):
    (tmp_path / 'mine').mkdir(); (tmp_path / 'mine' / 'notes.txt').write_text('keep me')
    code, err, _ = run('mousterian-fit', table, '--out', tmp_path / 'mine', '--n-boot', 5)
    assert code != 0 and 'holds other files' in err, err
    assert (tmp_path / 'mine' / 'notes.txt').read_text() == 'keep me'

@pytest.fixture(scope='module')
def ddpm(tmp_path_factory):
    "A trained (one step) tiny DDPM."
    d = tmp_path_factory.mktemp('ddpm') / 'm'
    code, err, _ = run('mousterian-ddpm', 'train', d, '--preset', 'tiny', '--train-steps', 1, '--n-per-class', 2,
                       '--dataset', 'digits')
    assert code == 0, err
    return d

def test_generation_on_a_full_disk(tmp_path, ddpm):
    with tmpfs(tmp_path / 'disk', 1024) as d:  # 1 MB: less than the check's margin
        code, err, _ = run('mousterian-ddpm', 'sample', ddpm, '--store', d / 'st', '--per-class', 3, '--steps', 2)
        assert code != 0 and err.startswith('error: ') and 'truncated' not in err, err
        assert f"into {d / 'st'}" in err and 'free: free space there, or give another folder with --store' in err, err
        assert 'resumes where it stopped' in err
        grow(d, 16384)
        code, err, out = run('mousterian-ddpm', 'sample', ddpm, '--store', d / 'st', '--per-class', 3, '--steps', 2)
        assert code == 0, err
        from mousterian.store import SynStore
        st = SynStore(d / 'st'); assert len(st) == 30 and st.manifest()['index'].is_unique

def test_study_on_a_full_then_read_only_disk(tmp_path):
    with tmpfs(tmp_path / 'disk', 16) as d:  # 16 KB: its design step's plan.png does not fit
        code, err, _ = run('mousterian-study', 'tiny', '--out', d / 's', '--steps', 'design')
        said_full(code, err, d / 's')
        grow(d, 8192)
        code, err, out = run('mousterian-study', 'tiny', '--out', d / 's', '--steps', 'design')
        assert code == 0, err
        assert (d / 's' / 'plan.json').exists() and not list((d / 's').glob('.*.tmp'))
        subprocess.run(['mount', '-o', 'remount,ro', str(d)], check=True)
        code, err, _ = run('mousterian-study', 'tiny', '--out', d / 's', '--steps', 'design')
        assert code != 0 and err.startswith('error: '), err
        assert f"{d / 's'} is on a read-only file system" in err and 'give a writable folder with --out' in err, err

def test_sweep_in_a_read_only_folder(tmp_path):
    g = tmp_path / 'g.yaml'
    g.write_text(json.dumps(dict(function='mousterian.sweep:run_mix', fixed=dict(dataset='digits', iterations=2),
                                 axes=[{'product': {'n_base': [20]}}])))
    with tmpfs(tmp_path / 'ro', 64, ro=True) as d:
        code, err, _ = run('mousterian-sweep', g, d / 'out')
        assert code != 0 and 'is on a read-only file system' in err and 'give a writable folder with another out folder' in err, err

def test_grid_refused_without_the_memory(tmp_path):
    g = tmp_path / 'g.yaml'
    g.write_text(json.dumps(dict(function='mousterian.sweep:run_mix', fixed=dict(dataset='digits', iterations=2),
                                 axes=[{'product': {'n_base': [20], 'seed': [0, 1]}}])))
    code, err, _ = run('mousterian-sweep', g, tmp_path / 'out', '--workers', 2, env={'MOUSTERIAN_MEMORY_GB': '1.5'})
    assert code != 0 and err.startswith('error: '), err
    assert "The grid's 2 workers (2 GB each) needs about 4.0 GB of memory and this machine has 1.5 GB available" in err, err
    assert 'run fewer at once (--workers 1)' in err, err
    assert not list((tmp_path / 'out').glob('runs/*/result.json'))  # refused before any run
    code, err, _ = run('mousterian-sweep', g, tmp_path / 'out', '--workers', 1, env={'MOUSTERIAN_MEMORY_GB': '3'})
    assert code == 0, err
    assert len(list((tmp_path / 'out').glob('runs/*/result.json'))) == 2

def test_full_disk_injected(tmp_path, table, monkeypatch):
    "Without root: the law folder's writer fails as a full disk does; the message names it, nothing is left."
    import mousterian.equiv.report as rep
    from mousterian.core import atomic_write
    calls = []
    def failing(path, *a, **k):
        calls.append(path)
        if len(calls) == 2: raise OSError(errno.ENOSPC, 'No space left on device')
        return atomic_write(path, *a, **k)
    monkeypatch.setattr(rep, 'atomic_write', failing)
    with pytest.raises(SystemExit) as e: rep.mousterian_fit(str(table), out=str(tmp_path / 'law'), n_boot=5)
    said_full(1, e.value.code, tmp_path / 'law')
    assert not (tmp_path / 'law').exists() and [p.name for p in tmp_path.iterdir()] == []
