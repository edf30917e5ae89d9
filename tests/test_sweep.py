"Sweeps as a user runs them: papermill and in-process give the same rows; a local Ray instance; SIGKILL and resume."
import os, signal, subprocess, sys, time, textwrap
from pathlib import Path
import pandas as pd, pytest, yaml

ROOT = Path(__file__).resolve().parents[1]
GRID = dict(function='mousterian.sweep:run_mix', notebook=str(ROOT / 'nbs' / 'experiments' / 'train_mix.ipynb'),
            fixed=dict(dataset='digits', iterations=15, n_syn_plus=0, generator='none'),
            axes=[dict(product=dict(n_base=[300, 600], seed=[0]))])

def test_papermill_and_inprocess_rows_agree(tmp_path):
    from mousterian.sweep import sweep
    a = sweep(GRID, tmp_path / 'a', mode='inprocess').sort_values('run_id').reset_index(drop=True)
    b = sweep(GRID, tmp_path / 'b', mode='papermill').sort_values('run_id').reset_index(drop=True)
    cols = ['run_id', 'n_base', 'seed', 'n_train', 'iterations', 'top1', 'top5', 'generator']
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert all((tmp_path / 'b' / 'runs' / r / 'run.ipynb').exists() for r in b['run_id'])

def test_unknown_notebook_parameter(tmp_path):
    from mousterian.sweep import sweep
    g = dict(GRID, fixed=dict(GRID['fixed'], colour='red'))
    with pytest.warns(UserWarning, match='2 of 2 runs failed'): sweep(g, tmp_path / 'c', mode='papermill')
    err = next((tmp_path / 'c' / 'runs').glob('*/error.txt')).read_text()
    assert 'has no parameters colour' in err

def test_ray_local_instance(tmp_path):
    pytest.importorskip('ray')
    import ray
    from mousterian.sweep import sweep
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        df = sweep(GRID, tmp_path / 'r', backend='ray', threads=1)
    finally: ray.shutdown()
    assert len(df) == 2 and df['top1'].between(0, 1).all()

CHILD = textwrap.dedent('''
    import sys
    from mousterian.sweep import sweep
    g = dict(function='mousterian.sweep:run_mix', fixed=dict(dataset='digits', iterations=25), axes=[dict(product=dict(n_base=[200, 300, 400, 500, 600, 700, 800, 900], seed=[0]))])
    sweep(g, sys.argv[1])
''')

def test_sigkill_then_resume(tmp_path, bin_path):
    out = tmp_path / 's'
    p = subprocess.Popen([sys.executable, '-c', CHILD, str(out)], env={**os.environ, 'MOUSTERIAN_PROGRESS': '0'})
    try:
        t0 = time.time()
        while len(list(out.glob('runs/*/result.json'))) < 2:
            assert p.poll() is None and time.time() - t0 < 300
            time.sleep(0.05)
        os.kill(p.pid, signal.SIGKILL)
    finally: p.wait()
    before = {r.parent.name for r in out.glob('runs/*/result.json')}
    assert 2 <= len(before) < 8
    g = dict(function='mousterian.sweep:run_mix', fixed=dict(dataset='digits', iterations=25), axes=[dict(product=dict(n_base=[200, 300, 400, 500, 600, 700, 800, 900], seed=[0]))])
    (tmp_path / 'g.yaml').write_text(yaml.safe_dump(g))
    r = subprocess.run([str(bin_path / 'mousterian-sweep'), str(tmp_path / 'g.yaml'), str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out / 'results.csv')
    assert len(df) == 8 and df['run_id'].is_unique and sorted(df['n_base']) == [200, 300, 400, 500, 600, 700, 800, 900]

SLOW = textwrap.dedent('''
    import os, time
    from pathlib import Path
    def run(i:int, folder:str, seconds:float=60):
        "A run that marks its worker's pid and takes a while."
        (Path(folder) / f'pid-{os.getpid()}').touch(); time.sleep(seconds)
        return dict(i=i)
''')

def _alive(pid:int) -> bool:
    try: state = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
    except FileNotFoundError: return False
    return state not in ('Z', 'X')

@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='death with the parent is a Linux request (prctl)')
def test_killed_sweep_takes_its_workers_with_it(tmp_path):
    "SIGKILL the parent of a two-worker sweep: both workers end within seconds, and write nothing more."
    (tmp_path / 'slow.py').write_text(SLOW); marks = tmp_path / 'marks'; marks.mkdir()
    (tmp_path / 'grid.yaml').write_text(yaml.safe_dump(dict(function='slow:run', fixed=dict(folder=str(marks)), axes=[dict(product=dict(i=[0, 1, 2, 3]))])))
    env = {**os.environ, 'PYTHONPATH': str(tmp_path), 'MOUSTERIAN_PROGRESS': '0'}
    p = subprocess.Popen([str(Path(sys.executable).parent / 'mousterian-sweep'), str(tmp_path / 'grid.yaml'), str(tmp_path / 'out'), '--workers', '2'], env=env)
    try:
        t0 = time.time()
        while len(list(marks.glob('pid-*'))) < 2:
            assert p.poll() is None and time.time() - t0 < 120, 'the sweep ended or stalled before its workers started'
            time.sleep(0.05)
        pids = [int(f.name[4:]) for f in marks.glob('pid-*')]
        assert all(_alive(q) for q in pids)
        os.kill(p.pid, signal.SIGKILL)
    finally: p.wait()
    t0 = time.time()
    while any(_alive(q) for q in pids) and time.time() - t0 < 10: time.sleep(0.1)
    assert not any(_alive(q) for q in pids), 'workers outlived their sweep'
    assert not list((tmp_path / 'out' / 'runs').glob('*/result.json'))

def _device_of_worker(_):
    time.sleep(0.2)  # long enough that a second worker, once started, takes some of the tasks
    return os.environ.get('MOUSTERIAN_DEVICE')

def test_default_layout_fills_the_machine(tmp_path, monkeypatch):
    "With no --workers/--threads the sweep plans from the machine: with a faked 4-core machine it runs 2 two-thread worker processes (one per 2 cores), records the layout, and every run finishes; an override is kept as given."
    import json
    import mousterian.sweep as sw
    monkeypatch.setattr(sw, 'usable_cores', lambda: 4)
    g = dict(GRID, axes=[dict(product=dict(n_base=[300, 600], seed=[0, 1]))])
    df = sw.sweep(g, tmp_path / 'a')
    lay = json.loads((tmp_path / 'a' / 'grid.json').read_text())['layout']
    assert (lay['workers'], lay['threads'], lay['devices']) == (2, 2, None) and len(df) == 4 and df.attrs['failed'] == 0
    sw.sweep(g, tmp_path / 'b', workers=1, threads=1)
    assert json.loads((tmp_path / 'b' / 'grid.json').read_text())['layout'] == dict(workers=1, threads=1, devices=None, why='as given')

def test_machine_plan_scales():
    "The plan scales with the machine (faked counts): cores, memory, the runs left, and GPUs (2 runs each, devices in turn)."
    from mousterian.sweep import machine_plan
    p = lambda **k: (lambda d: (d['workers'], d['threads'], d['devices']))(machine_plan(memory_gb=64, gpus=0, **k) if 'gpus' not in k else machine_plan(memory_gb=64, **k))
    assert p(cores=2) == (1, 2, None)       # this project's machine: today's 1 x 2
    assert p(cores=16) == (8, 2, None)
    assert p(cores=64) == (32, 2, None)
    assert p(cores=16, n_runs=3) == (3, 2, None)  # never more workers than runs left
    assert p(cores=1) == (1, 2, None)
    assert machine_plan(cores=64, gpus=0, memory_gb=8)['workers'] == 4  # memory: WORKER_GB each
    assert p(cores=16, gpus=2) == (4, 2, ['cuda:0', 'cuda:1', 'cuda:0', 'cuda:1'])
    assert p(cores=16, gpus=1, workers=3) == (3, 2, ['cuda:0', 'cuda:0', 'cuda:0'])  # an override keeps the GPUs in turn
    assert p(cores=16, threads=4) == (4, 4, None)

def test_gpu_workers_take_their_devices_in_turn():
    "Each local worker takes the next device of the plan at start (the device names are only set here, no GPU is used)."
    import concurrent.futures as cf, multiprocessing as mp
    from mousterian.sweep import _worker_init
    ctx = mp.get_context('spawn'); q = ctx.Manager().Queue()
    for d in ['cuda:0', 'cuda:1']: q.put(d)
    with cf.ProcessPoolExecutor(2, mp_context=ctx, initializer=_worker_init, initargs=(1, q)) as ex:
        # The pool starts its second worker beside the first, but a worker's start (importing torch) can take many seconds on a loaded
        # machine, and until then the first one answers alone: ask until both have answered, for up to two minutes.
        seen, deadline = set(), time.monotonic() + 120
        while len(seen) < 2 and time.monotonic() < deadline: seen |= set(ex.map(_device_of_worker, range(4)))
    assert seen == {'cuda:0', 'cuda:1'}

def test_pretrain_then_finetune_beside_mixes(tmp_path):
    """He et al.'s pre-training as a grid schedule: `mousterian-pretrain` on a tiny store (digits written as synthetic images), a grid with
    the fine-tune function (its encoders, and the real-only runs from scratch) in-process and through papermill, beside a grid of mixes
    from the same store; `mousterian-fit --group generator` reads both arms, the real-only runs the real curve of each."""
    import numpy as np
    from mousterian.data import load_dataset
    from mousterian.mix import store_from_images
    from mousterian.sweep import sweep
    store_from_images(tmp_path / 'syn', load_dataset('digits').subset(np.arange(600)), generator='digits-as-synthetic')
    BIN = Path(sys.executable).parent
    for n in (10, 40):
        r = subprocess.run([str(BIN / 'mousterian-pretrain'), str(tmp_path / 'syn'), str(tmp_path / f'enc{n}'), '--per-class', str(n), '--iterations', '60', '--device', 'cpu'],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0 and f'on {10 * n} images' in r.stdout and 'mousterian.pretrain:finetune_run' in r.stdout, r.stdout + r.stderr
    again = subprocess.run([str(BIN / 'mousterian-pretrain'), str(tmp_path / 'syn'), str(tmp_path / 'enc10'), '--per-class', '10', '--iterations', '60'], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and 'pre-trained already' in again.stdout
    seeds = {'product': {'seed': [0, 1]}}
    ft = dict(function='mousterian.pretrain:finetune_run', notebook=str(ROOT / 'nbs' / 'experiments' / 'finetune.ipynb'),
              fixed=dict(dataset='digits', n_base=30, iterations=30),
              union=[dict(fixed=dict(init=None, generator='none'), axes=[{'product': {'n_real_plus': [0, 30, 60]}}, seeds]),
                     dict(fixed=dict(generator='pretrain'), axes=[{'product': {'init': [str(tmp_path / 'enc10'), str(tmp_path / 'enc40')]}}, seeds])])
    a = sweep(ft, tmp_path / 'ft')
    pre = a[a.generator == 'pretrain']
    assert sorted(pre.n_syn_plus) == [100, 100, 400, 400] and (pre.schedule == 'pretrain_finetune').all() and (pre.n_train == 30).all()
    assert (a[a.generator == 'none'].n_syn_plus == 0).all() and sorted(a[a.generator == 'none'].n_real_plus) == [0, 0, 30, 30, 60, 60]
    b = sweep(dict(ft, union=ft['union'][1:], fixed=dict(ft['fixed'], iterations=30)), tmp_path / 'ft-pm', mode='papermill')  # the notebook gives the same rows
    pd.testing.assert_frame_equal(pre.sort_values('run_id')[['run_id', 'n_syn_plus', 'top1']].reset_index(drop=True),
                                  b.sort_values('run_id')[['run_id', 'n_syn_plus', 'top1']].reset_index(drop=True))
    mix = sweep(dict(function='mousterian.learn:run_mix', fixed=dict(dataset='digits', n_base=30, iterations=30, store=str(tmp_path / 'syn'), generator='mix'),
                     axes=[{'product': {'n_syn_plus': [100, 400]}}, seeds]), tmp_path / 'mix')
    pd.concat([a, mix]).to_csv(tmp_path / 'results.csv', index=False)
    f = subprocess.run([str(BIN / 'mousterian-fit'), str(tmp_path / 'results.csv'), '--group', 'generator', '--n-boot', '20'], capture_output=True, text=True, timeout=600)
    assert f.returncode == 0, f.stdout + f.stderr
    assert '== mix: 10 rows' in f.stdout and '== pretrain: 10 rows' in f.stdout and 'The 6 runs without synthetic images (none)' in f.stdout, f.stdout
    assert (tmp_path / 'results_law' / 'pretrain' / 'worth.csv').exists() and (tmp_path / 'results_law' / 'mix' / 'exchange.csv').exists()
