"Supervised pre-training (`mousterian-pretrain`) killed with SIGKILL after a checkpoint, and run again: it ends with the encoder an uninterrupted run makes."
import os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np

def test_supervised_pretraining_killed_and_resumed_equals_uninterrupted(tmp_path):
    import torch
    from mousterian.data import load_dataset
    from mousterian.mix import store_from_images
    store_from_images(tmp_path / 'syn', load_dataset('digits').subset(np.arange(300)), generator='digits-as-synthetic')
    cmd = lambda out: [str(Path(sys.executable).parent / 'mousterian-pretrain'), str(tmp_path / 'syn'), str(out), '--per-class', '20', '--iterations', '500', '--device', 'cpu']
    env = {**os.environ, 'MOUSTERIAN_PROGRESS': '0'}
    killed = tmp_path / 'killed'
    p = subprocess.Popen(cmd(killed), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        t0 = time.time()
        while not (killed / 'supervised.ckpt').exists():
            assert p.poll() is None and time.time() - t0 < 300, 'pre-training ended or stalled before it could be killed'
            time.sleep(0.005)
        os.kill(p.pid, signal.SIGKILL)
    finally: p.wait()
    step = torch.load(killed / 'supervised.ckpt', weights_only=True)['step']
    assert p.returncode == -signal.SIGKILL and 200 <= step < 500 and not (killed / 'encoder.pt').exists()
    for out in (killed, tmp_path / 'straight'):
        r = subprocess.run(cmd(out), env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
    a, b = (torch.load(d / 'encoder.pt', weights_only=True) for d in (killed, tmp_path / 'straight'))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert not (killed / 'supervised.ckpt').exists()  # the encoder is written: the checkpoint is gone
