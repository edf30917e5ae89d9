"The study as a user runs it: `mousterian-study` on the tiny preset, with its report, then again (everything reused); a second study on the same folder while one runs; bad input."
import json, subprocess, sys, time
from pathlib import Path
import pandas as pd
import pytest

BIN = Path(sys.executable).parent

def study(*args, timeout=900):
    return subprocess.run([str(BIN / 'mousterian-study'), *map(str, args)], capture_output=True, text=True, timeout=timeout)

@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    "A finished tiny study (every step, the report included) and the command's output."
    out = tmp_path_factory.mktemp('study') / 'tiny'
    r = study('tiny', '--out', out, '--device', 'cpu')
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out, r

def test_study_writes_everything(tiny):
    out, r = tiny
    assert 'Study tiny' in r.stdout and 'done in' in r.stdout
    res = pd.read_csv(out / 'sweep' / 'results.csv')
    assert set(res['generator']) == {'none', 'internal', 'external'} and res['acc'].between(0, 100).all()
    assert not res.duplicated(['run_id']).any()
    for g in ('internal', 'external'): assert (out / 'laws' / g / 'law.json').exists() and (out / 'laws' / g / 'exchange.csv').exists()
    assert len(list((out / 'figures').glob('*.png'))) >= 3
    html = (out / 'report.html').read_text()
    assert 'Study report' in html and 'Findings in numbers' in html and 'Traceback' not in html
    nb = json.loads((out / 'report.ipynb').read_text())
    assert not [o for c in nb['cells'] for o in c.get('outputs', []) if o.get('output_type') == 'error']
    t = json.loads((out / 'timings.json').read_text())
    assert list(t[0]['steps']) == ['train', 'generate', 'filter', 'grid', 'metrics', 'laws', 'report']

def test_rerun_reuses_everything(tiny):
    out, _ = tiny
    before = pd.read_csv(out / 'sweep' / 'results.csv')
    t = time.perf_counter(); r = study('tiny', '--out', out, '--device', 'cpu'); dt = time.perf_counter() - t
    assert r.returncode == 0, r.stderr[-3000:]
    for msg in ('trained already', 'there already', 'filtered already', 'measured already', 'fitted already', 'report up to date'): assert msg in r.stdout, msg
    pd.testing.assert_frame_equal(pd.read_csv(out / 'sweep' / 'results.csv'), before)
    assert len(json.loads((out / 'timings.json').read_text())) == 2
    assert dt < 60, f"rerun took {dt:.0f} s"

def test_second_study_on_same_folder_refused(tiny):
    out, _ = tiny
    from mousterian.sweep import SweepLock
    with SweepLock(out):  # as a running study holds it
        r = study('tiny', '--out', out, '--device', 'cpu', '--steps', 'laws')
    assert r.returncode != 0 and 'Another sweep is running on' in r.stderr and 'Traceback' not in r.stderr
    r = study('tiny', '--out', out, '--device', 'cpu', '--steps', 'laws')  # the lock is free again
    assert r.returncode == 0 and 'fitted already' in r.stdout, r.stderr[-2000:]

@pytest.mark.parametrize('args,msg', [(['fmnist_cpu'], "Unknown study 'fmnist_cpu': use one of"),
                                      (['tiny', '--steps', 'train,fit'], 'Unknown steps fit'),
                                      (['tiny', '--set', '[1, 2]'], '--set takes a YAML mapping')])
def test_bad_input(tmp_path, args, msg):
    r = study(*args, '--out', tmp_path / 's', timeout=120)
    assert r.returncode != 0 and msg in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]

def test_list():
    r = study('--list', timeout=120)
    assert r.returncode == 0 and 'fmnist-cpu' in r.stdout and 'imagenet100-paper' in r.stdout
