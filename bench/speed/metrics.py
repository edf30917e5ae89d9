"""FID reference-statistics cache (`make bench`): the first FID call against a reference computes its statistics,
the second reuses them from the cache. Uses pytorch-fid's Inception architecture with random weights (no
weights on this machine; the speed does not depend on them) at pytorch-fid's 192-d block (`--dims 192`; the
full 2048-d network at 299 px takes over 10 minutes per few thousand images on 2 CPU cores): the reference is
4,000 real Fashion-MNIST test images, each call scores 300 other images (more than the 192 dimensions).
Prints the time of each call and their ratio (target >= 3x)."""
import argparse, os, tempfile, time
import numpy as np, torch
torch.set_num_threads(2)
os.environ['MOUSTERIAN_CACHE'] = tempfile.mkdtemp()
from mousterian.core import save_json, run_meta
from mousterian.data import load_dataset
from mousterian.metrics import FIDInception, fid
from bench import save_result

if __name__ == '__main__':
    a = argparse.ArgumentParser(); a.add_argument('--dims', type=int, default=192); a.add_argument('--n-ref', type=int, default=4000); a.add_argument('--n', type=int, default=300)
    o = a.parse_args()
    inc = FIDInception('random', dims=o.dims)
    real = load_dataset('fashion-mnist', 'test').subset(np.arange(o.n_ref))
    syn = load_dataset('fashion-mnist', 'train').subset(np.arange(2 * o.n))
    key = f'fashion-mnist/test/{o.n_ref}'
    t = time.perf_counter(); d1 = fid(syn.subset(np.arange(o.n)), real, key, inc, bs=100); t1 = time.perf_counter() - t
    t = time.perf_counter(); d2 = fid(syn.subset(np.arange(o.n, 2 * o.n)), real, key, inc, bs=100); t2 = time.perf_counter() - t
    print(f"FID ({o.dims}-d), first call (reference statistics computed): {t1:6.1f} s")
    print(f"FID ({o.dims}-d), second call (reference statistics cached):  {t2:6.1f} s   ratio {t1 / t2:.1f}x (target >= 3x: {'ok' if t1 / t2 >= 3 else 'MISSED'})")
    save_result(dict(dims=o.dims, n_ref=o.n_ref, n=o.n, first_s=t1, second_s=t2, ratio=t1 / t2, meta=run_meta(vars(o))), 'metrics_fid_cache.json')
