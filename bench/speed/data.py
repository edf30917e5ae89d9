"""Data-path speed: load the 60k Fashion-MNIST training images into tensors, then one shuffled, flipped
epoch of batches of 256 from memory. Prints each time beside its target. Run: `make bench` or
`.venv/bin/python -m bench.speed.data`."""
import time, torch
from mousterian.data import load_dataset, tensor_batches
from mousterian.data.sets import _fashion_arrays  # a room's private reader: the wing re-exports public names only

from bench import timed

if __name__ == '__main__':
    torch.set_num_threads(2)
    _fashion_arrays.cache_clear()
    ds, t_load = timed(lambda: load_dataset('fashion-mnist', 'train'))
    gen = torch.Generator().manual_seed(0)
    def epoch():
        n = 0
        for xb, yb in tensor_batches(ds.x, ds.y, 256, shuffle=True, flip=True, generator=gen, device='cpu'): n += len(yb)
        return n
    n, t_epoch = timed(epoch)
    print(f"load 60k Fashion-MNIST training images into tensors: {t_load:6.3f} s   (target < 5 s:  {'ok' if t_load < 5 else 'MISSED'}; {5 / t_load:.0f}x under)")
    print(f"one shuffled, flipped epoch, batches of 256, memory: {t_epoch:6.3f} s   (target < 1 s:  {'ok' if t_epoch < 1 else 'MISSED'}; {1 / t_epoch:.0f}x under; {n} images)")
