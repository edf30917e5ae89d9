"""Would several seeds of one small setting train faster as one batched model? Side by side in one run (`make bench-vmap`, about
2 minutes): the study's small CNN, one SGD training step per seed on its own batch of Fashion-MNIST-sized images, for 3 seeds
- one after another, as the study trains them (plain modules, channels-last, float32);
- as one model: the 3 seeds' weights stacked and the step vectorised over them with `torch.func` (`functional_call`,
  `grad`, `vmap`); BatchNorm uses batch statistics in both (training mode), which is all a training step needs.
Prints steps per second of each and their ratio at batch 64, 200 and 256, beside the host's calibration. Measures the
training step only (data, augmentation and evaluation are the same work either way). Writes bench/results/vmap.json."""
import time, copy
import torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(2)
from torch.func import functional_call, grad, vmap, stack_module_state
from mousterian.core import save_json, run_meta, seed_everything
from mousterian.benchmarks import calibrate
from mousterian.learn import small_cnn
from bench import save_result

def sequential(models, opts, xs, ys):
    for m, o, x, y in zip(models, opts, xs, ys):
        o.zero_grad(set_to_none=True); F.cross_entropy(m(x), y).backward(); o.step()

def batched_step(base):
    def loss(p, b, x, y): return F.cross_entropy(functional_call(base, (p, b), (x,)), y)
    g = vmap(grad(loss), in_dims=(0, 0, 0, 0), randomness='different')
    def step(params, bufs, mom, xs, ys, lr=0.1, mu=0.9):
        gs = g(params, bufs, xs, ys)
        with torch.no_grad():
            for k in params: mom[k].mul_(mu).add_(gs[k]); params[k].sub_(lr * mom[k])
    return step

def timeit(f, n):
    f(); t = time.perf_counter()
    for _ in range(n): f()
    return n / (time.perf_counter() - t)

if __name__ == '__main__':
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    S, res = 3, dict(calibration=cal, seeds=3, rows=[])
    for bs in (64, 200, 256):
        seed_everything(0)
        models = [small_cnn(10, 1).train() for _ in range(S)]
        opts = [torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in models]
        xs, ys = torch.randn(S, bs, 1, 28, 28), torch.randint(0, 10, (S, bs))
        seq = timeit(lambda: sequential(models, opts, xs, ys), 10)
        base = copy.deepcopy(models[0]).to('meta')
        for mod in base.modules():
            if isinstance(mod, nn.BatchNorm2d): mod.track_running_stats = False; mod.running_mean = mod.running_var = None
        params, bufs = stack_module_state([m for m in copy.deepcopy(models)])
        bufs = {k: v for k, v in bufs.items() if 'running' not in k and 'num_batches' not in k}
        params = {k: v.detach() for k, v in params.items()}; mom = {k: torch.zeros_like(v) for k, v in params.items()}
        step = batched_step(base)
        bat = timeit(lambda: step(params, bufs, mom, xs, ys), 10)
        res['rows'].append(dict(bs=bs, sequential_rounds_per_s=seq, batched_rounds_per_s=bat, ratio=bat / seq))
        print(f"batch {bs:3d}: {S} seeds one after another {seq:.2f} rounds/s, one vectorised model {bat:.2f} rounds/s: x{bat / seq:.2f}", flush=True)
    res['meta'] = run_meta(dict(bench='vmap'))
    save_result(res, 'vmap.json')
