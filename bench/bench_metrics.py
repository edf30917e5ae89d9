"""FID reference-statistics cache (`make bench`): the first FID call against a reference computes its statistics,
the second reuses them from the cache. Uses pytorch-fid's Inception architecture with random weights (no
weights on this machine; the speed does not depend on them): the reference is 6,000 real Fashion-MNIST test
images, each call scores 2,100 training images (FID needs more images than its 2,048 feature dimensions). Prints the time of each call and their ratio (target >= 3x)."""
import os, tempfile, time
from pathlib import Path
import numpy as np, torch
torch.set_num_threads(2)
os.environ['MOUSTERIAN_CACHE'] = tempfile.mkdtemp()
from mousterian.core import save_json, run_meta
from mousterian.data import load_dataset
from mousterian.metrics import FIDInception, fid

if __name__ == '__main__':
    inc = FIDInception('random')
    real = load_dataset('fashion-mnist', 'test').subset(np.arange(6000))
    syn = load_dataset('fashion-mnist', 'train').subset(np.arange(4200))
    t = time.perf_counter(); d1 = fid(syn.subset(np.arange(2100)), real, 'fashion-mnist/test/6000', inc, bs=100); t1 = time.perf_counter() - t
    t = time.perf_counter(); d2 = fid(syn.subset(np.arange(2100, 4200)), real, 'fashion-mnist/test/6000', inc, bs=100); t2 = time.perf_counter() - t
    print(f"FID, first call (reference statistics computed): {t1:6.1f} s")
    print(f"FID, second call (reference statistics cached):  {t2:6.1f} s   ratio {t1 / t2:.1f}x (target >= 3x: {'ok' if t1 / t2 >= 3 else 'MISSED'})")
    save_json(dict(first_s=t1, second_s=t2, ratio=t1 / t2, meta=run_meta()), Path(__file__).parent / 'results' / 'metrics_fid_cache.json')
