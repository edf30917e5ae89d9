"The DDPM's command line and a generation killed with SIGKILL, resumed with nothing duplicated or missing."
import os, signal, subprocess, sys, textwrap, time
from pathlib import Path
import numpy as np
import pytest

def run(bin_path, *args):
    return subprocess.run([str(bin_path / args[0]), *map(str, args[1:])], capture_output=True, text=True, timeout=600)

def test_cli_train_then_sample(bin_path, tmp_path):
    m, s = tmp_path / 'ddpm', tmp_path / 'store'
    r = run(bin_path, 'mousterian-ddpm', 'train', m, '--preset', 'tiny', '--n-per-class', 5, '--train-steps', 3, '--bs', 8, '--ckpt-every', 2, '--device', 'cpu')
    assert r.returncode == 0, r.stderr
    assert str(m) in r.stdout and 'model_index.json' in r.stdout and (m / 'model_index.json').exists() and 'trained DDPM on 50 images' in r.stdout
    r = run(bin_path, 'mousterian-ddpm', 'sample', m, '--store', s, '--per-class', 2, '--steps', 2, '--device', 'cpu')
    assert r.returncode == 0, r.stderr
    assert f'store {s}: 20 images' in r.stdout
    from mousterian.store import SynStore
    st = SynStore(s)
    assert st.counts().tolist() == [2] * 10 and st.validate()['missing'] == []
    m_ = st.manifest()
    assert set(m_['sampler']) == {'ddpm'} and set(m_['steps']) == {2} and set(m_['guidance']) == {2.0}
    r = run(bin_path, 'mousterian-ddpm', 'train', tmp_path / 'x', '--pool', 'everything')
    assert r.returncode != 0 and "pool must be 'base' or 'gen_pool'" in r.stderr and 'Traceback' not in r.stderr

CHILD = textwrap.dedent('''
    import sys
    from mousterian.gen.ddpm import generate
    generate(sys.argv[1], sys.argv[2], per_class=40, steps=2, bs=10, device='cpu')
''')

def test_generation_resumes_after_sigkill(tmp_path):
    from mousterian.data import load_dataset
    from mousterian.gen.ddpm import TrainHP, train_ddpm, generate
    from mousterian.store import SynStore
    train_ddpm(load_dataset('fashion-mnist').subset(np.arange(40)).to_tensors(), tmp_path / 'm', 'tiny', TrainHP(steps=2, bs=8, warmup=1), device='cpu')
    store = tmp_path / 's'
    p = subprocess.Popen([sys.executable, '-c', CHILD, str(tmp_path / 'm'), str(store)], env={**os.environ, 'MOUSTERIAN_PROGRESS': '0'})
    try:
        t0 = time.time()
        while len(list((store / 'manifest').glob('part-*.parquet'))) < 4:
            assert p.poll() is None and time.time() - t0 < 300, 'generation ended or stalled before it could be killed'
            time.sleep(0.005)
        os.kill(p.pid, signal.SIGKILL)
    finally: p.wait()
    done = len(SynStore(store))
    assert 40 <= done < 400 and done % 10 == 0
    st = generate(tmp_path / 'm', store, per_class=40, steps=2, bs=10, device='cpu')
    m = st.manifest()
    assert len(m) == 400 and m['index'].tolist() == list(range(400))
    assert m['seed'].tolist() == list(range(400))                  # no seed twice, none missing
    assert (m['label'].to_numpy() == np.tile(np.arange(10), 40)).all()
    assert st.validate()['missing'] == [] and st.validate()['corrupt'] == []
    assert not list(store.rglob('.*.tmp'))  # what the killed batch left half-written is gone

TRAIN = textwrap.dedent('''
    import sys, numpy as np
    from mousterian.data import load_dataset
    from mousterian.gen.ddpm import TrainHP, train_ddpm
    train_ddpm(load_dataset('fashion-mnist').subset(np.arange(40)).to_tensors(), sys.argv[1], 'tiny', TrainHP(steps=30, bs=8, warmup=2, ckpt_every=3), device='cpu',
               snapshots=[10, 20])
''')

def test_training_killed_and_resumed_equals_uninterrupted(tmp_path):
    """A DDPM killed with SIGKILL after a checkpoint and resumed ends with the weights and losses of an uninterrupted run, and
    its rungs (the trajectory's EMA at steps 10 and 20) are those of the uninterrupted trajectory."""
    import torch, pandas as pd
    from mousterian.gen.ddpm import load_ddpm
    env = {**os.environ, 'MOUSTERIAN_PROGRESS': '0'}
    p = subprocess.Popen([sys.executable, '-c', TRAIN, str(tmp_path / 'killed')], env=env)
    try:
        t0 = time.time()
        while not (tmp_path / 'killed' / 'ckpt.pt').exists():
            assert p.poll() is None and time.time() - t0 < 300, 'training ended or stalled before it could be killed'
            time.sleep(0.005)
        os.kill(p.pid, signal.SIGKILL)
    finally: p.wait()
    step = torch.load(tmp_path / 'killed' / 'ckpt.pt', weights_only=True)['step']
    assert 3 <= step < 30 and not (tmp_path / 'killed' / 'model_index.json').exists()
    for d in ('killed', 'straight'): subprocess.run([sys.executable, '-c', TRAIN, str(tmp_path / d)], env=env, check=True)
    for at in ('', 'at-10', 'at-20'):
        a, b = (load_ddpm(tmp_path / d / at)[0].state_dict() for d in ('killed', 'straight'))
        assert all(torch.equal(a[k], b[k]) for k in a), at
    r10, end = (load_ddpm(tmp_path / 'straight' / at)[0].state_dict() for at in ('at-10', ''))
    assert not all(torch.equal(r10[k], end[k]) for k in end)  # a rung is the trajectory where it was, not its end
    assert load_ddpm(tmp_path / 'killed' / 'at-20')[2]['steps_done'] == 20
    la, lb = (pd.read_csv(tmp_path / d / 'losses.csv')['loss'].tolist() for d in ('killed', 'straight'))
    assert la == lb and len(la) == 30

SAMPLE = textwrap.dedent('''
    import sys
    from mousterian.gen.ddpm import generate
    generate(sys.argv[1], sys.argv[2], per_class=30, steps=2, bs=10, device='cpu')
''')

@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    from mousterian.data import load_dataset
    from mousterian.gen.ddpm import TrainHP, train_ddpm
    m = tmp_path_factory.mktemp('model') / 'm'
    train_ddpm(load_dataset('fashion-mnist').subset(np.arange(40)).to_tensors(), m, 'tiny', TrainHP(steps=2, bs=8, warmup=1), device='cpu')
    return m

def test_two_generations_into_one_store(tiny_model, tmp_path):
    "Two generations started at once into one store: the second waits for the first, then finds its images; the store holds the plan, each seed once."
    from mousterian.store import SynStore
    env = {**os.environ, 'MOUSTERIAN_PROGRESS': '0'}
    ps = [subprocess.Popen([sys.executable, '-c', SAMPLE, str(tiny_model), str(tmp_path / 's')], env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600)[0] for p in ps]
    assert [p.returncode for p in ps] == [0, 0]
    m = SynStore(tmp_path / 's').manifest()
    assert len(m) == 300 and m['index'].tolist() == list(range(300)) and m['seed'].tolist() == list(range(300))
    assert all(v == [] for k, v in SynStore(tmp_path / 's').validate().items())
    assert sum('another process is writing to this store' in o for o in outs) + sum('all 300 images are there already' in o for o in outs) >= 1

def test_recovery_advice_for_a_bad_batch_works(tiny_model, tmp_path):
    "A truncated manifest part in the middle of a store: the error names the parts to delete; deleting them and resuming gives the whole store."
    from mousterian.core import MousterianError
    from mousterian.gen.ddpm import generate
    from mousterian.store import SynStore
    s = tmp_path / 's'
    generate(tiny_model, s, per_class=4, steps=2, bs=10, device='cpu')
    parts = sorted((s / 'manifest').glob('part-*.parquet')); assert len(parts) == 4
    parts[1].write_bytes(parts[1].read_bytes()[:50])
    with pytest.raises(MousterianError) as e: generate(tiny_model, s, per_class=4, steps=2, bs=10, device='cpu')
    msg = str(e.value)
    assert 'Delete manifest/part-000000010.parquet and the 2 later part(s) (part-000000030.parquet last), then resume' in msg
    for p in parts[1:]: p.unlink()   # as the message says
    st = generate(tiny_model, s, per_class=4, steps=2, bs=10, device='cpu')
    m = st.manifest()
    assert len(m) == 40 and m['seed'].tolist() == list(range(40)) and st.validate()['missing'] == []
    (s / st._file(25)).write_bytes(b'garbage')  # a corrupt image: validate names the parts from its batch on
    with pytest.raises(MousterianError) as e: st.validate()
    assert 'corrupt (1)' in str(e.value) and 'Delete manifest/part-000000020.parquet and the 1 later part(s)' in str(e.value)
