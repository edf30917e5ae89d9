"""How much of the embedded study's time is arithmetic, and how fast this host does it (`make bench-peak`, about 2 minutes).

Each kernel that dominates a step of `fmnist-cpu` runs here through the library's own code, its floating-point operations counted
by torch's `FlopCounterMode` (convolutions and matrix products, forward and backward):
- grid: the preset's classifier (small CNN, its recipe) trained by `learn.fit`, at its recipe's batch (fmnist-cpu: 128), on 2,560 images;
- train: the preset's DDPM (fmnist-cpu-v, min-SNR 5) trained by `gen.ddpm.train_ddpm`, a batch of 64;
- generate: `gen.ddpm.generate` with the preset's sampling (ddpm, 5 steps, guidance 2: two network passes a step, batch 128).
Beside them, side by side in the same run, the same training steps in other layouts: the classifier in NCHW instead of its recipe's
channels-last, each network under `torch.compile` (inductor's fused kernels), the DDPM in channels-last.
Each rate is set beside the host's practical peak, a 2,048 x 2,048 float32 matrix product on the same threads, and is then used
to say how much of each step of the published run (`bench/results/study-fmnist-cpu`) its arithmetic accounts for: the operations
its runs did (from their iterations, batch sizes, image counts) at the rate measured here. Last, a floor on a 2-core AVX2 host: those
operations at that host's matrix-product rate (`benchmarks.calibrate`'s 20 products of 512 x 512, timed there at 0.079-0.088 s, issue #36),
a floor for convolutions computed as counted (direct, as torch's oneDNN computes them). Writes bench/results/peak.json."""
import json, tempfile, time, warnings
from pathlib import Path
warnings.simplefilter('ignore')
import numpy as np, pandas as pd, torch, torch.nn as nn, yaml
from torch.utils.flop_counter import FlopCounterMode

from bench.speed.hostkind import step_seconds, avx2_ratio, REAL_AVX2_CAL
from bench import ROOT, RESULTS, save_result
PUB = RESULTS / 'study-fmnist-cpu'

def flops(fn) -> float:
    "Floating-point operations of one call of `fn` (convolutions and matrix products, as torch counts them)."
    with FlopCounterMode(display=False) as fc: fn()
    return float(fc.get_total_flops())

def matmul_peak(n=2048, reps=5) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n); a @ b
    best = min(_timed(lambda: a @ b) for _ in range(reps))
    return 2 * n ** 3 / best

def _timed(fn) -> float:
    t = time.perf_counter(); fn(); return time.perf_counter() - t

def step_ms(net, x, extra=None, reps=20, compile=False, **kw) -> float:
    "Milliseconds of one training step (forward, backward, SGD) of `net` on `x` (best of two timings of `reps` steps, after warming up)."
    opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)
    f = torch.compile(net) if compile else net
    def step():
        out = f(x, *(extra or ()), **kw); out = out.sample if hasattr(out, 'sample') else out
        opt.zero_grad(); out.float().pow(2).mean().backward(); opt.step()
    for _ in range(3): step()
    return min(_timed(lambda: [step() for _ in range(reps)]) for _ in range(2)) / reps * 1000

def layouts(rc, cfg) -> dict:
    "The classifier's and the DDPM's training step in the library's layout and in the others, side by side."
    from mousterian.learn import get_model
    cl = torch.channels_last
    x, xd = torch.randn(rc.bs, 1, 28, 28), torch.randn(64, 1, 28, 28)
    ex = (torch.randint(0, 1000, (64,)),); kw = dict(class_labels=torch.randint(0, 11, (64,)))
    net = lambda: get_model(rc.arch, 10, 1, 28)
    r = {'classifier, channels-last (the recipe)': step_ms(net().to(memory_format=cl), x),
         'classifier, NCHW': step_ms(net(), x),
         'classifier, channels-last, torch.compile': step_ms(net().to(memory_format=cl), x, compile=True),
         'DDPM, NCHW (train_ddpm)': step_ms(cfg.unet(), xd, ex, reps=6, **kw),
         'DDPM, channels-last': step_ms(cfg.unet().to(memory_format=cl), xd.contiguous(memory_format=cl), ex, reps=6, **kw),
         'DDPM, NCHW, torch.compile': step_ms(cfg.unet(), xd, ex, reps=6, compile=True, **kw)}
    bn = {}  # where a classifier step's time goes besides its convolutions: its batch norms (forward and backward), per layout
    for c, h in ((24, 28), (32, 28), (48, 14), (96, 7)):
        for name, fmt in (('NCHW', torch.contiguous_format), ('channels-last', cl)):
            m, xb = nn.BatchNorm2d(c), torch.randn(rc.bs, c, h, h).contiguous(memory_format=fmt).requires_grad_()
            g = torch.randn_like(xb)
            f = lambda: m(xb).backward(g)
            f(); bn[f'{c} channels {h}x{h}, {name}'] = min(_timed(lambda: [f() for _ in range(10)]) for _ in range(2)) / 10 * 1000
    base = {k: r['classifier, channels-last (the recipe)'] if k.startswith('classifier') else r['DDPM, NCHW (train_ddpm)'] for k in r}
    print("\ntraining steps in other layouts, side by side (ms a step; ratio to the library's layout):")
    for k, v in r.items(): print(f"  {k:<42} {v:7.1f} ms  x{v / base[k]:.2f}")
    print(f"a batch norm of the classifier's shapes (batch {rc.bs}), forward and backward, ms (the small CNN's first block has 24 channels at 28x28):")
    for k, v in bn.items(): print(f"  {k:<42} {v:7.2f} ms")
    return dict(steps={k: dict(ms=v, ratio=v / base[k]) for k, v in r.items()}, batch_norm_ms=bn)

STUDIES = ('fmnist-cpu', 'fmnist-quick')  # the published studies whose steps are accounted for

def account(pub:Path, per_image:dict, rows:dict, peak:float, avx2_rate:float) -> dict:
    "The operations of a published study's grid, DDPM training and generation (from its runs' iterations, batch sizes and image counts), in time at this host's rates and at the AVX2 floor."
    res = pd.read_csv(pub / 'results.csv')
    from mousterian.learn import get_recipe
    rc_bs = np.array([get_recipe(r, **json.loads(o or '{}')).bs for r, o in zip(res.recipe, res.recipe_overrides.fillna(''))])  # each run's batch (its recipe's, as the study overrode it); a set smaller than a batch trains on the whole set each step
    cls_train, cls_eval = per_image['grid']
    grid = float((res.iterations.to_numpy() * np.minimum(rc_bs, res.n_train.to_numpy()) * cls_train + res.n_test.to_numpy() * cls_eval).sum())
    gens = [json.loads(f.read_text()) for f in sorted(pub.glob('generator_*.json'))]
    n_data = lambda gj: gj['data']['splits'][f"n_{gj['data']['pool']}_per_class"] * len(gj['classes'])  # the images it trained on (its pool)
    train = float(sum(gj['hp']['steps'] * min(gj['hp']['bs'], n_data(gj)) * per_image['train'] for gj in gens))
    n_images = sum(m['n_generated'] for m in json.loads((pub / 'metrics.json').read_text()).values())  # every DDPM store's images
    runs = json.loads((pub / 'timings.json').read_text())
    steps_s, cal = step_seconds(pub / 'timings.json'), max(runs, key=lambda l: l['steps'].get('grid', 0))['calibration']  # the invocation that ran the grid
    out = dict(grid=dict(ops=grid, runs=len(res)), train=dict(ops=train, ddpms=len(gens)), generate=dict(ops=n_images * per_image['generate'], n_images=n_images))
    print(f"  {pub.name} (its host: {cal.get('cpu_capability', 'CPU kind not recorded')}, calibration matmul {cal['torch_matmul_s']} s, conv {cal['torch_conv_s']} s):")
    for k, a in out.items():
        a.update(measured_s=steps_s[k], arithmetic_s=a['ops'] / rows[k]['rate'], arithmetic_at_peak_s=a['ops'] / peak, avx2_est_s=steps_s[k] * avx2_ratio(k), avx2_floor_s=a['ops'] / avx2_rate)
        print(f"    {k:<9} {a['ops'] / 1e12:6.1f} TFLOP: {a['arithmetic_s'] / 60:5.1f} min at the kernel's rate, {a['arithmetic_at_peak_s'] / 60:4.1f} at peak; measured "
              f"{a['measured_s'] / 60:5.1f} min; AVX2: about {a['avx2_est_s'] / 60:5.1f} min (measured ratio), at least {a['avx2_floor_s'] / 60:5.1f} (floor)")
    floor = sum(a['avx2_floor_s'] for a in out.values()) / 60
    print(f"    together at least {floor:.1f} min on the AVX2 host (these three steps alone)")
    return dict(steps=out, avx2_floor_min=floor)

def main():
    from mousterian.core import run_meta
    from mousterian.benchmarks import calibrate
    from mousterian.data import TensorImages
    from mousterian.learn import get_recipe, get_model, fit
    from mousterian.gen.ddpm import TrainHP, train_ddpm, ddpm_config, generate
    torch.set_num_threads(2)
    pre = yaml.safe_load((ROOT / 'mousterian' / 'assets' / 'studies' / 'fmnist-cpu.yaml').read_text())
    cal, peak = calibrate(), matmul_peak()
    print(f"host: {torch.backends.cpu.get_cpu_capability()}, 2 threads; calibration matmul {cal['torch_matmul_s']:.3f} s, conv {cal['torch_conv_s']:.3f} s, "
          f"loop {cal['python_loop_s']:.3f} s; practical peak (2,048^2 float32 matmul): {peak / 1e9:.0f} GFLOP/s", flush=True)
    g = torch.Generator().manual_seed(0)
    imgs = lambda n: TensorImages(torch.randint(0, 256, (n, 1, 28, 28), dtype=torch.uint8, generator=g), torch.arange(n) % 10, [str(i) for i in range(10)])
    rows = {}
    # grid: the classifier's training step (forward, backward, optimiser) and its evaluation pass, per image
    rc = get_recipe(pre['recipe'], **pre['recipe_overrides'])
    net = get_model(rc.arch, 10, 1, 28)
    x = torch.randn(rc.bs, 1, 28, 28)
    cls_train, cls_fwd = flops(lambda: net(x).sum().backward()) / rc.bs, flops(lambda: net(x[:1])) / 1
    its = 60
    fit(get_model(rc.arch, 10, 1, 28), [imgs(2560)], rc, 5)  # warm
    s = _timed(lambda: fit(get_model(rc.arch, 10, 1, 28), [imgs(2560)], rc, its))
    rows['grid'] = dict(kernel=f'classifier training, batch {rc.bs}', gflop_per_image=cls_train / 1e9, images_per_s=its * rc.bs / s, rate=its * rc.bs * cls_train / s)
    # train: the DDPM's training step
    cfg = ddpm_config(pre['generators']['external']['preset'], imgs(640))
    unet = cfg.unet(); xb, tb, cb = torch.randn(64, 1, 28, 28), torch.randint(0, 1000, (64,)), torch.randint(0, 11, (64,))
    ddpm_train = flops(lambda: unet(xb, tb, class_labels=cb).sample.sum().backward()) / 64
    ddpm_fwd = flops(lambda: unet(xb[:1], tb[:1], class_labels=cb[:1]).sample) / 1
    steps = 30
    with tempfile.TemporaryDirectory() as d:
        out = train_ddpm(imgs(640), d, cfg, TrainHP(steps=steps, snr_gamma=5.0, ckpt_every=10_000), device='cpu')
        s = json.loads((out / 'train.json').read_text())['train_seconds']
        rows['train'] = dict(kernel='DDPM training, batch 64', gflop_per_image=ddpm_train / 1e9, images_per_s=steps * 64 / s, rate=steps * 64 * ddpm_train / s)
        sp = pre['sampling']; n = 512
        generate(d, Path(d) / 'warm', per_class=2, sampler=sp['sampler'], steps=sp['steps'], guidance=sp['guidance'], bs=sp['bs'], device='cpu')
        s = _timed(lambda: generate(d, Path(d) / 'store', per_class=n // 10 + 1, sampler=sp['sampler'], steps=sp['steps'], guidance=sp['guidance'], bs=sp['bs'], device='cpu'))
        n = (n // 10 + 1) * 10; per_img = sp['steps'] * (2 if sp['guidance'] != 1 else 1) * ddpm_fwd
        rows['generate'] = dict(kernel=f"DDPM sampling ({sp['sampler']}, {sp['steps']} steps, guidance {sp['guidance']})", gflop_per_image=per_img / 1e9, images_per_s=n / s, rate=n * per_img / s)
    for k, r in rows.items(): r['share_of_peak'] = r['rate'] / peak
    lay = layouts(rc, cfg)
    print("\nkernel                                         GFLOP/image   images/s   GFLOP/s   of peak")
    for k, r in rows.items(): print(f"  {k:<9} {r['kernel']:<36} {r['gflop_per_image']:9.3f} {r['images_per_s']:10.0f} {r['rate'] / 1e9:9.0f} {r['share_of_peak']:8.0%}")
    per_image = dict(grid=(cls_train, cls_fwd * (2 if rc.tta_flip else 1)), train=ddpm_train, generate=rows['generate']['gflop_per_image'] * 1e9)
    mm_flops = 20 * 2 * 512 ** 3  # `benchmarks.calibrate`'s matrix products
    avx2_rate = mm_flops / REAL_AVX2_CAL['torch_matmul_s'][0]  # its fastest timing there: the floor is a lower bound
    print(f"\nthe published runs' steps: their arithmetic at this host's rates and at its peak, against their measured time; and a floor on the "
          f"2-core AVX2 host: the same operations at its matrix-product rate ({avx2_rate / 1e9:.0f} GFLOP/s, from calibrate's "
          f"{REAL_AVX2_CAL['torch_matmul_s'][0]} s there; {mm_flops / cal['torch_matmul_s'] / 1e9:.0f} GFLOP/s here), a floor for convolutions computed as counted (direct, as torch's oneDNN computes them)")
    published = {name: account(RESULTS / f'study-{name}', per_image, rows, peak, avx2_rate) for name in STUDIES}
    save_result(dict(calibration=cal, capability=torch.backends.cpu.get_cpu_capability(), peak_flops=peak, avx2_matmul_rate=avx2_rate, kernels=rows, layouts=lay, published=published,
                   meta=run_meta(dict(bench='peak'))), 'peak.json')

if __name__ == '__main__': main()
