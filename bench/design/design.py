"""Candidate designs of the embedded study, checked before any of them runs (`make bench-design`, a few minutes, no training).
For each design: its grid (the study's own plan, `study.plan_runs`), simulated by `equiv.design_check` from a known law at the
published study's seed noise (its pooled seed-to-seed SD), and read as a study reads it; printed per base size and extra real ratio: the true k of the
simulation, the median width of k's 95% interval as a factor, the share of simulated studies with an interval no wider than a
factor of 3. Beside it, what the design costs: classifier runs, their iterations under the study's recipe, images to generate,
and an estimate of the minutes it takes, at the rates the published embedded study measured (seconds per classifier iteration
and per run, fitted to its runs; per generated image at its sampling settings; per DDPM step): on that study's host, whose
calibration its timings.json records (hosts of this project have differed by up to 3x).
The law is an assumption (default `equiv.SMALL`, shaped like the first embedded study); the widths are a forecast for that law,
not a measurement. Writes bench/results/design.json."""
import argparse, math, time
import numpy as np, pandas as pd
from mousterian.core import save_json, load_json, run_meta
from mousterian.benchmarks import calibrate
from mousterian.study import load_study, plan_runs, generation_plan, run_counts
from mousterian.equiv import design_check, design_lines, SMALL, clean_results, pure_error, KEYS
from mousterian.learn import get_recipe
from bench import RESULTS

RES = RESULTS
K = 10
GRID = dict(real=[0.5, 1, 2], syn=[1, 2, 5, 10], mixed={}, cap_syn_per_class=None)
DESIGNS = {  # name: overrides of the fmnist-cpu preset
    'fmnist-cpu (the preset)': {},
    'the preset, 5 seeds': dict(grid=dict(seeds=[0, 1, 2, 3, 4])),
    'the preset, 5 seeds, r_syn from 0.5': dict(grid=dict(seeds=[0, 1, 2, 3, 4], syn=[0.5, 1, 3, 10])),
    '10/40/160, 5 seeds': dict(n_bases_per_class=[10, 40, 160], grid=dict(GRID, seeds=[0, 1, 2, 3, 4], arm_bases={'internal': [10, 40]})),
    '5/20/80, 5 seeds': dict(n_bases_per_class=[5, 20, 80], grid=dict(GRID, seeds=[0, 1, 2, 3, 4], arm_bases={'internal': [5, 20]})),
}

def rates():
    "Seconds per classifier iteration (at batch 256; a smaller batch in proportion) and per run outside its iterations, per generated image and per DDPM step: all from the published fmnist-cpu study's first run (the same code path and host for every figure)."
    pub = RES / 'study-fmnist-cpu'
    d = pd.read_csv(pub / 'results.csv')
    per_it, per_run = np.polyfit(d['iterations'] * np.minimum(d['n_train'], 256) / 256, d['wall_time'], 1)
    t0 = load_json(pub / 'timings.json')[0]; st = t0['steps']
    steps = sum(load_json(f)['steps_done'] for f in pub.glob('generator_*.json'))
    p = load_study(load_json(pub / 'study.json'))
    n_img = sum(v['per_class'] for v in generation_plan(p, plan_runs(p)[0]).values()) * K
    return dict(s_per_iteration=float(per_it), s_per_run=float(per_run), s_per_image=st['generate'] / n_img, s_per_ddpm_step=st['train'] / steps,
                study_note=f"the published fmnist-cpu study's first run ({len(d)} classifiers, {n_img} images, {steps} DDPM steps)", study_calibration=t0.get('calibration'))

def published_noise() -> float:
    "The published fmnist-cpu study's pooled seed-to-seed SD of accuracy (points)."
    d = clean_results(pd.read_csv(RES / 'study-fmnist-cpu' / 'results.csv'))
    ss, df = pure_error(d, ['generator'] + KEYS)  # each arm's settings apart
    return math.sqrt(ss / df)

def cost(p, runs, r):
    "Runs, iterations, generated images and DDPM steps of a design, and the minutes they take at the rates `r`."
    rc = get_recipe(p['recipe'], **p['recipe_overrides'])
    c = run_counts(runs, K); n = (c.n_base + c.n_real_plus + c.n_syn_plus).tolist()
    its = [rc.iterations_for(x) for x in n]
    gp = generation_plan(p, runs)
    steps = sum(p['generators'][v['generator']]['steps'] for v in gp.values() if p['generators'][v['generator']]['kind'] == 'ddpm')
    grid_s = sum(r['s_per_run'] + i * r['s_per_iteration'] * min(rc.bs, x) / rc.bs for i, x in zip(its, n))  # an iteration's cost taken as proportional to its batch
    images = sum(v['per_class'] for v in gp.values()) * K
    return dict(runs=len(runs), iterations=int(sum(its)), images=images, ddpm_steps=steps, grid_min=grid_s / 60, generate_min=images * r['s_per_image'] / 60,
                train_min=steps * r['s_per_ddpm_step'] / 60, total_min=(grid_s + images * r['s_per_image'] + steps * r['s_per_ddpm_step']) / 60)

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--n-sim', type=int, default=30, help='simulated studies per design')
    a.add_argument('--noise', type=float, default=None, help="seed-to-seed SD of accuracy, points (default: the published fmnist-cpu study's pooled SD)")
    o = a.parse_args()
    source = "the published fmnist-cpu study's pooled SD" if o.noise is None else 'given (--noise)'
    if o.noise is None: o.noise = published_noise()
    if o.n_sim < 1 or o.noise <= 0: a.error(f"--n-sim must be >= 1 and --noise > 0, got {o.n_sim} and {o.noise}")
    print(f"seed noise {o.noise:.2f} points ({source})", flush=True)
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    r = rates()
    print(f"rates: {r['s_per_iteration']:.3f} s per classifier iteration at batch 256 + {r['s_per_run']:.1f} s per run; "
          f"{r['s_per_image']:.3f} s per generated image, {r['s_per_ddpm_step']:.2f} s per DDPM step ({r['study_note']})", flush=True)
    out = dict(calibration=cal, rates=r, noise=o.noise, noise_source=source, n_sim=o.n_sim, truth=list(SMALL), designs={})
    for name, ov in DESIGNS.items():
        p = load_study('fmnist-cpu', ov)
        runs, notes = plan_runs(p, 6000)
        d = run_counts(runs, K, 'external')
        t0 = time.perf_counter(); t = design_check(d, o.noise, SMALL, o.n_sim); dt = time.perf_counter() - t0
        c = cost(p, runs, r)
        out['designs'][name] = dict(overrides=ov, notes=notes, table=t.to_dict('records'), cost=c, check_seconds=dt)
        print(f"\n{name}: {c['runs']} classifiers ({c['iterations']:,} iterations), {c['images']:,} images to generate, {c['ddpm_steps']:,} DDPM steps; "
              f"estimated {c['total_min']:.0f} min here (grid {c['grid_min']:.0f}, generation {c['generate_min']:.0f}, DDPM training {c['train_min']:.0f}); check {dt:.0f} s", flush=True)
        print('\n'.join(design_lines(t, K)), flush=True)
    out['meta'] = run_meta(vars(o))
    save_json(out, RES / 'design.json')
