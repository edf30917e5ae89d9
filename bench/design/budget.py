"""The classifier's iteration budget calibrated on Fashion-MNIST, side by side in one run (`make bench-budget`, about 15 minutes):
1. accuracy against iterations at 20, 100 and 300 real images per class (the study's sizes; mean ± std over 3 seeds), the
   longest budget (three times the staircase's) standing for long training; per size, the cheapest budget whose mean
   is within 0.3 points of it;
2. a smooth rule through those points: iterations = max(ceil(scale * n ** power), 9 epochs), a power law in the
   training-set size n fitted in log space (no jump: neighbouring grid points get neighbouring budgets), with the
   epochs floor that keeps the full training split (60,000) at the 9 epochs it has always had;
3. the staircase (the `cpu` recipe's, today's) against the rule at each size, the same seeds: accuracy, iterations and seconds
   per run and their ratios, and whether the `cpu` recipe's rule is this one. At one size the iterations ratio is the cost ratio
   (the same images per batch); the seconds ratio also holds the host's drift between the curve's runs and the rule's.
Each run evaluates on 500 test images per class, as the study does. Writes bench/results/budget.json."""
import argparse, math, re, time
from pathlib import Path
import numpy as np, pandas as pd, torch
torch.set_num_threads(2)
from mousterian.core import save_json, run_meta, load_json
from mousterian.benchmarks import calibrate
from mousterian.mix import MixSpec
from mousterian.learn import train_eval, get_recipe, fmt_pm
from bench import RESULTS

OUT = RESULTS / 'budget.json'

MEMO = Path(__file__).resolve().parents[1] / 'runs' / 'budget'  # one file per finished run: an interrupted bench resumes

def run1(n, rc, s):
    f = MEMO / f"{n}-{re.sub(r'[^0-9a-z.]+', '_', rc.budget_rule())}-{s}.json"
    if f.exists(): return load_json(f)
    r = train_eval(MixSpec(n * 10, seed=s), rc, s, n_test_per_class=500)
    save_json(r, f); return r

def runs(n, rc, seeds):
    rows = [run1(n, rc, s) for s in seeds]
    acc, sec = np.array([r['top1'] for r in rows]) * 100, np.array([r['wall_time'] for r in rows])
    return dict(iterations=rows[0]['iterations'], acc=acc.tolist(), mean=acc.mean(), std=acc.std(ddof=1) if len(acc) > 1 else 0., seconds=sec.mean())

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--sizes', type=int, nargs='+', default=[20, 100, 300], help='real images per class')
    a.add_argument('--tol', type=float, default=0.3, help='points below the long-training mean still accepted')
    a.add_argument('--quick', action='store_true', help='a few iterations each: checks the script, measures nothing')
    o = a.parse_args()
    seeds, old = (0, 1, 2), get_recipe('cpu')
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    res, pick = dict(calibration=cal, tol=o.tol, curves={}), {}
    print("1. accuracy against iterations (3 seeds; 500 test images per class)", flush=True)
    for n in o.sizes:
        base = old.iterations_for(n * 10)
        grid = [3, 6] if o.quick else sorted({25, 50, 100, 150, base, 2 * base})
        cur = res['curves'][n] = [dict(n_per_class=n, **runs(n, get_recipe('cpu', budget='iterations', iterations=k), seeds)) for k in grid]
        long = cur[-1]['mean']
        pick[n] = next(c for c in cur if c['mean'] >= long - o.tol)
        for c in cur: print(f"   {n:4d}/class {c['iterations']:4d} iterations: {fmt_pm(c['mean'] / 100, c['std'] / 100)} %  {c['seconds']:5.1f} s"
                             + ('   <- staircase' if c['iterations'] == base else '') + ('   <- cheapest within tolerance' if c is pick[n] else ''), flush=True)
    x, y = np.log([n * 10 for n in o.sizes]), np.log([pick[n]['iterations'] for n in o.sizes])
    power, lscale = np.polyfit(x, y, 1) if len(x) > 1 else (0., y[0])
    power = round(float(max(power, 0.)), 2); scale = round(float(np.exp(np.mean(y - power * x))), 1)
    rule = get_recipe('cpu', budget='smooth', scale=scale, power=power, epochs=old.epochs)
    res['rule'] = dict(scale=scale, power=power, epochs=old.epochs, text=rule.budget_rule(), picked={n: pick[n]['iterations'] for n in o.sizes},
                       at={n: rule.iterations_for(n) for n in (200, 500, 1000, 2000, 3000, 6000, 12_000, 60_000)})
    print(f"2. rule: {rule.budget_rule()}; iterations at 200/1,000/3,000/12,000/60,000 images: "
          f"{', '.join(str(rule.iterations_for(n)) for n in (200, 1000, 3000, 12_000, 60_000))}", flush=True)
    print(f"3. staircase against the rule, seeds {seeds}", flush=True)
    res['compare'] = []
    for n in o.sizes:
        a0, a1 = next((c for c in res['curves'][n] if c['iterations'] == old.iterations_for(n * 10)), res['curves'][n][-1]), runs(n, rule, seeds)  # the staircase's point of the curve: the same runs
        d = np.array(a1['acc']) - np.array(a0['acc'])
        row = dict(n_per_class=n, old=a0, new=a1, diff_mean=d.mean(), diff_std=d.std(ddof=1), cost_ratio=a1['seconds'] / a0['seconds'], iter_ratio=a1['iterations'] / a0['iterations'])
        res['compare'].append(row)
        print(f"   {n:4d}/class  staircase {a0['iterations']:4d} it: {fmt_pm(a0['mean'] / 100, a0['std'] / 100)} % in {a0['seconds']:.1f} s   rule {a1['iterations']:4d} it: "
              f"{fmt_pm(a1['mean'] / 100, a1['std'] / 100)} % in {a1['seconds']:.1f} s   iterations x{row['iter_ratio']:.2f}, seconds x{row['cost_ratio']:.2f}, accuracy {d.mean():+.2f} ± {d.std(ddof=1):.2f} points (paired)", flush=True)
    for name in ('cpu', 'cpu-smooth'):
        rc = get_recipe(name); same = res[f"{name.replace('-', '_')}_recipe_is_rule"] = (rc.budget, rc.scale, rc.power, rc.epochs) == ('smooth', scale, power, old.epochs)
        print(f"   the {name} recipe's budget: {rc.budget_rule()} ({'this rule' if same else 'NOT this rule'})", flush=True)
    res['meta'] = run_meta(dict(sizes=o.sizes, tol=o.tol, quick=o.quick))
    if not o.quick: save_json(res, OUT)
    else: print('quick run: nothing written')
