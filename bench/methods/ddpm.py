"""The internal DDPM on Fashion-MNIST, measured on this machine (`make bench-ddpm`, about 20 minutes per size):
trains the CPU default on n real images per class (resuming when interrupted; reused when done), then
- class fidelity of each sampler setting: a reference classifier trained on the full training split
  labels generated images; its accuracy against the conditioning labels, beside its test accuracy;
- sampling speed of the default sampler against diffusers' 1000-step DDPM ancestral sampling of the
  same model, on the same labels and seeds, side by side, with the fidelity of each.
Writes bench/results/ddpm_fmnist_<n>.json, a grid of samples per class and the loss curve (PNG)."""
import argparse, json, time
import numpy as np, pandas as pd, torch
torch.set_num_threads(2)
import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
from mousterian.core import save_json, run_meta
from mousterian.data import Splits, TensorImages
from mousterian.gen.ddpm import TrainHP, train_ddpm, ddpm_config, load_ddpm, sample
from mousterian.metrics import reference_classifier, class_fidelity
from bench import ROOT, RESULTS

DEFAULT = dict(sampler='ddpm', steps=20, guidance=2.0)

def run(n, train_steps, n_eval, n_slow, settings):
    out = ROOT / 'runs' / f'ddpm-fmnist-{n}'
    sp = Splits('fashion-mnist', n, seed=0)
    data = sp.load()['base'].to_tensors()
    train_ddpm(data, out, ddpm_config('fmnist-cpu', data), TrainHP(steps=train_steps), data_desc=dict(splits=sp.to_dict(), pool='base'))
    unet, cfg, info = load_ddpm(out)
    ref, rinfo = reference_classifier('fashion-mnist')
    res = dict(n_per_class=n, train_steps=info['steps_done'], train_seconds=info['train_seconds'], reference_test_top1=rinfo['test_top1'], settings=[])
    print(f"DDPM on {n} per class: {info['steps_done']} steps in {info['train_seconds'] / 60:.1f} min; reference classifier test top-1 {rinfo['test_top1']:.2%}", flush=True)
    labels, seeds = np.tile(np.arange(10), n_eval // 10), np.arange(n_eval) + 10_000
    for s in settings:
        t = time.perf_counter(); x = sample(unet, cfg, labels, seeds, **s); dt = time.perf_counter() - t
        cf = class_fidelity(ref, TensorImages(x, labels, info['classes']))
        res['settings'].append(dict(**s, n=n_eval, fidelity=cf['fidelity'], per_class=cf['per_class'], images_per_s=n_eval / dt))
        print(f"  {s['sampler']:>9} {s['steps']:4d} steps, guidance {s['guidance']}: fidelity {cf['fidelity']:.1%}  ({n_eval / dt:.1f} images/s)", flush=True)
        if s == DEFAULT: grid = x
    if n_slow:
        sl, ss = labels[:n_slow], seeds[:n_slow]
        t = time.perf_counter(); xf = sample(unet, cfg, sl, ss, **DEFAULT); tf = time.perf_counter() - t
        t = time.perf_counter(); x1 = sample(unet, cfg, sl, ss, sampler='ddpm', steps=1000, guidance=DEFAULT['guidance']); t1 = time.perf_counter() - t
        ff, f1 = (class_fidelity(ref, TensorImages(v, sl, info['classes']))['fidelity'] for v in (xf, x1))
        res['speed'] = dict(n=n_slow, default=DEFAULT, default_images_per_s=n_slow / tf, ddpm1000_images_per_s=n_slow / t1, speedup=t1 / tf,
                            default_fidelity=ff, ddpm1000_fidelity=f1)
        print(f"  speed on {n_slow} images: default {n_slow / tf:.2f} images/s, 1000-step DDPM {n_slow / t1:.3f} images/s: {t1 / tf:.0f}x faster; "
              f"fidelity {ff:.1%} vs {f1:.1%} ({100 * (ff - f1):+.1f} points)", flush=True)
    res['meta'] = run_meta(dict(n=n, train_steps=train_steps, n_eval=n_eval, n_slow=n_slow))
    dst = RESULTS
    save_json(res, dst / f'ddpm_fmnist_{n}.json')
    fig, axs = plt.subplots(10, 10, figsize=(6, 6.4))
    for c in range(10):
        for j in range(10):
            axs[c, j].imshow(grid[j * 10 + c, 0], cmap='gray'); axs[c, j].axis('off')
        axs[c, 0].set_title(info['classes'][c], fontsize=6, loc='left')
    fig.suptitle(f'DDPM trained on {n} images per class: {DEFAULT["sampler"]} {DEFAULT["steps"]} steps, guidance {DEFAULT["guidance"]}', fontsize=8)
    plt.tight_layout(); fig.savefig(dst / f'ddpm_fmnist_{n}_samples.png', dpi=80); plt.close(fig)
    l = pd.read_csv(out / 'losses.csv')
    fig, ax = plt.subplots(figsize=(5, 2.5)); ax.plot(l['step'], l['loss'], alpha=.3); ax.plot(l['step'], l['loss'].rolling(50, min_periods=1).mean())
    ax.set_xlabel('step'); ax.set_ylabel('noise MSE'); ax.set_title(f'DDPM loss, {n} per class'); plt.tight_layout(); fig.savefig(dst / f'ddpm_fmnist_{n}_loss.png', dpi=80); plt.close(fig)

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--n', type=int, nargs='+', default=[600], help='real images per class')
    a.add_argument('--train-steps', type=int, default=1600)
    a.add_argument('--n-eval', type=int, default=500)
    a.add_argument('--n-slow', type=int, default=100, help='images for the 1000-step comparison (0: skip)')
    a.add_argument('--samplers', default='ddpm:20:2,ddpm:50:2,ddpm:20:1,ddpm:20:3,dpm++:20:2,ddim:20:2,dpm++sde:20:2')
    o = a.parse_args()
    settings = [dict(sampler=s, steps=int(k), guidance=float(g)) for s, k, g in (x.split(':') for x in o.samplers.split(','))]
    for n in o.n: run(n, o.train_steps, o.n_eval, o.n_slow, settings)
