"""Candidate designs of the embedded study, checked before any of them runs (`make bench-design`, a few minutes, no training).
For each design: its grid (the study's own plan, `study.plan_runs`), simulated by `equiv.design_check` from a known law at the
first embedded study's seed noise, and read as a study reads it; printed per base size and extra real ratio: the true k of the
simulation, the median width of k's 95% interval as a factor, the share of simulated studies with an interval no wider than a
factor of 3. Beside it, what the design costs: classifier runs, their iterations under the study's recipe, images to generate,
and an estimate of the hours on this machine from seconds per iteration measured by bench_budget (bench/results/budget.json,
its 300/class curve: batches of 256) and the published embedded study's seconds per generated image and per DDPM step.
The law is an assumption (default `equiv.SMALL`, shaped like the first embedded study); the widths are a forecast for that law,
not a measurement. Writes bench/results/design.json."""
import argparse, math, time
from pathlib import Path
import numpy as np, pandas as pd
from mousterian.core import save_json, load_json, run_meta, calibrate
from mousterian.study import load_study, plan_runs, generation_plan
from mousterian.equiv import design_check, design_lines, SMALL
from mousterian.learn import get_recipe

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT / 'bench' / 'results'
K = 10
GRID = dict(real=[0.5, 1, 2], syn=[1, 2, 5, 10], mixed={}, cap_syn_per_class=None)
DESIGNS = {  # name: overrides of the fmnist-cpu preset
    'fmnist-cpu today': {},
    '10/40/160, 5 seeds': dict(n_bases_per_class=[10, 40, 160], grid=dict(GRID, seeds=[0, 1, 2, 3, 4])),
    '10/40/160, 3 seeds': dict(n_bases_per_class=[10, 40, 160], grid=dict(GRID, seeds=[0, 1, 2])),
    '5/20/80, 5 seeds': dict(n_bases_per_class=[5, 20, 80], grid=dict(GRID, seeds=[0, 1, 2, 3, 4])),
}

def rates():
    "Seconds per classifier iteration at batch 256 and per run outside the iterations (bench_budget's 300/class curve, a line through its points), seconds per generated image and per DDPM step (the published fmnist-cpu study)."
    b = load_json(RES / 'budget.json'); c = pd.DataFrame(b['curves']['300'])
    per_it, per_run = np.polyfit(c['iterations'], c['seconds'], 1)
    st = load_json(RES / 'study-fmnist-cpu' / 'timings.json')[0]['steps']
    gens = {p.stem[len('generator_'):]: load_json(p) for p in (RES / 'study-fmnist-cpu').glob('generator_*.json')}
    steps = sum(g['steps_done'] for g in gens.values())
    n_img = sum(v['per_class'] for v in generation_plan(load_study(load_json(RES / 'study-fmnist-cpu' / 'study.json')), plan_runs(load_study(load_json(RES / 'study-fmnist-cpu' / 'study.json')))[0]).values()) * K
    return dict(s_per_iteration=float(per_it), s_per_run=float(per_run), s_per_image=st['generate'] / n_img, s_per_ddpm_step=st['train'] / steps,
                budget_calibration=b['calibration'], study_note='published fmnist-cpu study (its first run)')

def cost(p, runs, r):
    "Runs, iterations, generated images and DDPM steps of a design, and the hours they take at the rates `r`."
    rc = get_recipe(p['recipe'], **p['recipe_overrides'])
    its = [rc.iterations_for(K * (x['n_base_per_class'] + round(x['r_real'] * x['n_base_per_class']) + round(x['r_syn'] * x['n_base_per_class']))) for x in runs]
    batch = [min(rc.bs, K * (x['n_base_per_class'] + round(x['r_real'] * x['n_base_per_class']) + round(x['r_syn'] * x['n_base_per_class']))) for x in runs]
    gp = generation_plan(p, runs)
    steps = sum(g['steps'] for name, g in ((n, p['generators'][v['generator']]) for n, v in gp.items()) if g['kind'] == 'ddpm')
    grid_s = sum(r['s_per_run'] + i * r['s_per_iteration'] * b / rc.bs for i, b in zip(its, batch))  # an iteration's cost taken as proportional to its batch
    images = sum(v['per_class'] for v in gp.values()) * K
    return dict(runs=len(runs), iterations=int(sum(its)), images=images, ddpm_steps=steps, grid_min=grid_s / 60, generate_min=images * r['s_per_image'] / 60,
                train_min=steps * r['s_per_ddpm_step'] / 60, total_min=(grid_s + images * r['s_per_image'] + steps * r['s_per_ddpm_step']) / 60)

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--n-sim', type=int, default=30, help='simulated studies per design')
    a.add_argument('--noise', type=float, default=0.78, help="seed-to-seed SD of accuracy, points (the first embedded study's pooled SD)")
    o = a.parse_args()
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    r = rates()
    print(f"rates: {r['s_per_iteration']:.3f} s per classifier iteration at batch 256 + {r['s_per_run']:.1f} s per run (bench_budget, calibration torch {r['budget_calibration']['torch_matmul_s']} s); "
          f"{r['s_per_image']:.3f} s per generated image, {r['s_per_ddpm_step']:.2f} s per DDPM step ({r['study_note']})", flush=True)
    out = dict(calibration=cal, rates=r, noise=o.noise, n_sim=o.n_sim, truth=list(SMALL), designs={})
    for name, ov in DESIGNS.items():
        p = load_study('fmnist-cpu', ov)
        runs, notes = plan_runs(p, 6000)
        arm = [x for x in runs if x['generator'] in ('none', 'external')]
        d = pd.DataFrame([dict(n_base=x['n_base_per_class'] * K, n_real_plus=round(x['r_real'] * x['n_base_per_class']) * K,
                               n_syn_plus=round(x['r_syn'] * x['n_base_per_class']) * K, seed=x['seed']) for x in arm])
        t0 = time.perf_counter(); t = design_check(d, o.noise, SMALL, o.n_sim); dt = time.perf_counter() - t0
        c = cost(p, runs, r)
        out['designs'][name] = dict(overrides=ov, notes=notes, table=t.to_dict('records'), cost=c, check_seconds=dt)
        print(f"\n{name}: {c['runs']} classifiers ({c['iterations']:,} iterations), {c['images']:,} images to generate, {c['ddpm_steps']:,} DDPM steps; "
              f"estimated {c['total_min']:.0f} min here (grid {c['grid_min']:.0f}, generation {c['generate_min']:.0f}, DDPM training {c['train_min']:.0f}); check {dt:.0f} s", flush=True)
        print('\n'.join(design_lines(t, K)), flush=True)
    out['meta'] = run_meta(vars(o))
    save_json(out, RES / 'design.json')
