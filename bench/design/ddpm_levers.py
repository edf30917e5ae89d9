"""Convergence levers of the internal/external DDPM against class fidelity, side by side in one run (`make bench-ddpm-levers`,
70-90 minutes on 2 cores): Fashion-MNIST, 600 real images per class (the external generator's pool, `Splits(seed=0)`).

1. today's recipe (epsilon prediction, plain MSE, uniform timesteps, float32) at its 1,600 steps;
2. the levers at one short budget of steps, each alone against the same recipe at that budget: min-SNR-5 loss weighting,
   v-prediction with min-SNR-5, EDM (log-normal noise levels, preconditioned network), batch 128 at twice the learning
   rate (half the steps: the same images seen), a narrower UNet, all under bfloat16 autocast; and the short recipe in
   float32, so bfloat16's effect on fidelity is measured, not assumed;
3. the best lever (highest fidelity) trained for as many steps as fit in `--budget-min` minutes at its measured speed:
   the new default. Its samplers are compared again (order-2 solvers included);
4. the new default at 20 and 100 per class (the internal generators' sizes), fidelity and time.
Class fidelity: a reference classifier trained on the whole training split labels generated images (20 per class; 50 for today's recipe and the new default);
its accuracy against the conditioning labels. Every timing comes with the host's calibration (`benchmarks.calibrate`).
Writes bench/results/ddpm_levers.json."""
import argparse, json, time
from dataclasses import replace
import numpy as np, pandas as pd, torch
torch.set_num_threads(2)
from mousterian.core import save_json, run_meta, load_json
from mousterian.benchmarks import calibrate
from mousterian.data import Splits, TensorImages
from mousterian.gen.ddpm import TrainHP, train_ddpm, ddpm_config, load_ddpm, sample, samplers_for
from mousterian.metrics import reference_classifier, class_fidelity
from mousterian.train import bf16_supported
from bench import ROOT, RESULTS

OUT = RESULTS / 'ddpm_levers.json'
LEVERS = {  # name: (config overrides, TrainHP overrides); each alone on today's recipe
    'epsilon, bf16': ({}, dict(amp=True)),
    'epsilon, float32': ({}, {}),
    'min-SNR-5, bf16': ({}, dict(amp=True, snr_gamma=5.)),
    'v + min-SNR-5, bf16': (dict(prediction='v_prediction'), dict(amp=True, snr_gamma=5.)),
    'EDM, bf16': (dict(prediction='edm'), dict(amp=True)),
    'batch 128, lr 4e-3, bf16': ({}, dict(amp=True, bs=128, lr=4e-3)),
    'width 16/32/32, bf16': (dict(block_out_channels=(16, 32, 32)), dict(amp=True)),
}

def fidelity(folder, ref, n_eval, samplers):
    unet, cfg, info = load_ddpm(folder)
    labels, seeds = np.tile(np.arange(10), n_eval // 10), np.arange(n_eval) + 10_000
    res = []
    for s, k, g in samplers:
        if s not in samplers_for(cfg): continue
        t = time.perf_counter(); x = sample(unet, cfg, labels, seeds, sampler=s, steps=k, guidance=g); dt = time.perf_counter() - t
        res.append(dict(sampler=s, steps=k, guidance=g, n=n_eval, fidelity=class_fidelity(ref, TensorImages(x, labels, info['classes']))['fidelity'], images_per_s=n_eval / dt))
    return info, res

def lever_run(name, n, cfg_o, hp_o, steps, ref, n_eval, samplers, pool='gen_pool'):
    sp = Splits('fashion-mnist', *((n, 0, 0) if pool == 'base' else (0, 0, n)), seed=0)
    data = sp.load()[pool].to_tensors()
    d = ROOT / 'runs' / 'ddpm-levers' / f"{pool}{n}-{name.replace(' ', '').replace(',', '_').replace('/', '-')}-{steps}"
    hp = TrainHP(steps=steps, **hp_o)
    train_ddpm(data, d, ddpm_config('fmnist-cpu', data, **cfg_o), hp, data_desc=dict(splits=sp.to_dict(), pool=pool))
    memo = d / 'fidelity.json'  # a resumed bench reuses the measurements of finished models
    key = json.dumps([n_eval, samplers])
    done = load_json(memo) if memo.exists() else {}
    if key in done: info, res = load_json(d / 'train.json'), done[key]
    else: info, res = fidelity(d, ref, n_eval, samplers); done[key] = res; save_json(done, memo)
    best = max(res, key=lambda r: r['fidelity'])
    row = dict(name=name, n_per_class=n, steps=steps, cfg=cfg_o, hp=hp_o, train_seconds=info['train_seconds'], s_per_step=info['train_seconds'] / steps,
               fidelity=best['fidelity'], sampler=f"{best['sampler']} {best['steps']}", samplers=res)
    print(f"  {name:28s} {n:4d}/class {steps:5d} steps  {info['train_seconds'] / 60:5.1f} min ({row['s_per_step']:.3f} s/step)  fidelity {best['fidelity']:.1%} ({row['sampler']})"
          + ''.join(f"  [{r['sampler']} {r['steps']}: {r['fidelity']:.1%}]" for r in res if r is not best), flush=True)
    return row

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--short', type=int, default=400, help='steps of the lever screen')
    a.add_argument('--budget-min', type=float, default=5., help='training minutes of the new default')
    a.add_argument('--n-eval', type=int, default=200, help='generated images per fidelity (the old recipe and the new default: 500)')
    a.add_argument('--internal-sizes', type=int, nargs='*', default=[20, 100], help="step 4's sizes per class (none: skip it)")
    a.add_argument('--levers', nargs='+', default=list(LEVERS), choices=list(LEVERS), metavar='LEVER', help=f"the levers to screen, of: {'; '.join(LEVERS)} (the two epsilon runs are the baselines: always run)")
    a.add_argument('--quick', action='store_true', help='a few steps each: checks the script, measures nothing')
    o = a.parse_args()
    short, n_eval, n_final, old_steps = (6, 20, 20, 8) if o.quick else (o.short, o.n_eval, 500, 1600)
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    ref, rinfo = reference_classifier('fashion-mnist')
    print(f"reference classifier: test top-1 {rinfo['test_top1']:.2%}", flush=True)
    main = [('ddpm', 20, 2.)]
    res = dict(calibration=cal, reference_test_top1=rinfo['test_top1'], short_steps=short, budget_min=o.budget_min, bf16_native=bf16_supported('cuda' if torch.cuda.is_available() else 'cpu'))
    if not res['bf16_native']: print("bfloat16 is not computed natively here (no AVX512-BF16 or AMX): amp=True is a no-op, the ', bf16' runs are float32 runs", flush=True)
    print(f"1. today's recipe, {old_steps} steps", flush=True)
    res['old'] = lever_run('today (epsilon, float32)', 600, {}, {}, old_steps, ref, n_final, main)
    print(f"2. levers at {short} steps (batch 128: {short // 2} steps, the same images)", flush=True)
    edm_samplers = [('euler', 20, 2.), ('dpm++sde', 20, 2.)]
    res['levers'] = [lever_run(k, 600, c, h, short // 2 if h.get('bs') == 128 else short, ref, n_eval, main + edm_samplers) for k, (c, h) in LEVERS.items() if k in o.levers or k.startswith('epsilon')]
    lv = {r['name']: r for r in res['levers']}
    res['bf16'] = dict(fidelity_points=100 * (lv['epsilon, bf16']['fidelity'] - lv['epsilon, float32']['fidelity']),
                       time_ratio=lv['epsilon, bf16']['s_per_step'] / lv['epsilon, float32']['s_per_step'])
    print(f"   bfloat16 against float32, same recipe and steps: fidelity {res['bf16']['fidelity_points']:+.1f} points, time per step x{res['bf16']['time_ratio']:.2f}"
          + ('' if res['bf16_native'] else ' (not a measurement of bfloat16: amp was a no-op on this CPU)'), flush=True)
    save_json(res, OUT.with_suffix('.partial.json'))
    if not o.budget_min: res['meta'] = run_meta(dict(short=short, n_eval=n_eval, levers=o.levers)); save_json(res, OUT); raise SystemExit(0)  # the screen alone
    win = max((r for r in res['levers'] if r['name'] != 'epsilon, float32'), key=lambda r: r['fidelity'])
    steps = max(1, int(o.budget_min * 60 / win['s_per_step'] / 50) * 50) if not o.quick else 10
    print(f"3. the best lever, {win['name']!r}, for {steps} steps ({o.budget_min:g} min at {win['s_per_step']:.3f} s/step)", flush=True)
    samplers = [(s, k, 2.) for s, k in ((*win['sampler'].split(' ')[:1], 20), (*win['sampler'].split(' ')[:1], 10), ('dpm++', 10))]  # the screen's best sampler at 20 and 10 steps, and an order-2 solver
    res['new'] = lever_run(win['name'], 600, win['cfg'], win['hp'], steps, ref, n_final, samplers)
    r0, r1 = res['old'], res['new']
    res['ratio'] = dict(time=r1['train_seconds'] / r0['train_seconds'], fidelity_points=100 * (r1['fidelity'] - r0['fidelity']))
    print(f"   new default against today's: {r1['fidelity']:.1%} in {r1['train_seconds'] / 60:.1f} min vs {r0['fidelity']:.1%} in {r0['train_seconds'] / 60:.1f} min: "
          f"time x{res['ratio']['time']:.2f}, fidelity {res['ratio']['fidelity_points']:+.1f} points. Target >= 77% in <= 5 min: "
          f"{'met' if r1['fidelity'] >= .77 and r1['train_seconds'] <= 300 else 'MISSED'}", flush=True)
    best_s = next(s for s in r1['samplers'] if f"{s['sampler']} {s['steps']}" == r1['sampler'])
    print(f"4. the new default at the internal generators' sizes ({steps} steps, sampler {r1['sampler']})", flush=True)
    res['internal'] = [lever_run(win['name'], n, win['cfg'], win['hp'], steps, ref, n_eval, [(best_s['sampler'], best_s['steps'], best_s['guidance'])], pool='base') for n in o.internal_sizes]
    res['meta'] = run_meta(dict(short=short, budget_min=o.budget_min, n_eval=n_eval, internal_sizes=o.internal_sizes, quick=o.quick))
    if not o.quick: save_json(res, OUT)
    else: print('quick run: nothing written')
