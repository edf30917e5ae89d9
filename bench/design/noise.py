"""Seed-to-seed spread of the study's classifier across the study's training-set sizes (`make bench-noise`, about 35 min): the embedded
study measured a pooled seed SD of 1.54 points with single runs 3-5 points below their siblings, and at that noise no grid that fits an
hour bounds k (bench_design). Four real-only settings spanning the study's sizes (40 to 7,040 images) are trained with the same seeds under
the study's recipe (`cpu`: peak lr 0.2, the staircase budget) and three candidates: peak lr 0.1 and 0.05 at the same budget, and peak lr
0.05 at half the staircase's iterations. Printed side by side: mean, SD, the worst run's distance below the median and seconds per run at each setting;
then per candidate the pooled SD against the study's recipe (F test), the paired mean difference and the time ratio, with the host's
calibration. Each finished run is kept in runs/noise/ (an interrupted bench resumes). Writes bench/results/noise.json."""
import argparse, re
from dataclasses import replace
import numpy as np
from scipy import stats
from mousterian.core import save_json, load_json, run_meta
from mousterian.benchmarks import calibrate
from mousterian.mix import MixSpec
from mousterian.learn import train_eval, get_recipe
from bench import ROOT, RESULTS

OUT, MEMO = RESULTS / 'noise.json', ROOT / 'runs' / 'noise'
# (name, n_base, n_real_plus): the study's smallest base, the 16/class setting with the widest spread there, and two 64/class settings
SETTINGS = [('4/class', 40, 0), ('16/class + 8 real', 160, 80), ('64/class + 128 real', 640, 1280), ('64/class + 640 real', 640, 6400)]
STUDY = 'cpu (the study, lr 0.2)'

def candidates(n_train):
    "The recipes compared at a training set of `n_train` images."
    cpu = get_recipe('cpu')
    return {STUDY: cpu, 'lr 0.1': replace(cpu, lr=0.1), 'lr 0.05': replace(cpu, lr=0.05),
            'lr 0.05, half the iterations': replace(cpu, lr=0.05, budget='iterations', iterations=cpu.iterations_for(n_train) // 2)}

def seed_runs(rs) -> dict:
    "A setting's runs over seeds: the top-1 of each (points), their mean and SD, iterations and seconds a run."
    acc = 100 * np.array([r['top1'] for r in rs])
    return dict(acc=acc.tolist(), mean=float(acc.mean()), sd=float(acc.std(ddof=1)), iterations=int(rs[0]['iterations']),
                s_per_run=float(np.mean([r['wall_time'] for r in rs])))

def spread_against(sets, name, ref, df) -> dict:
    "Recipe `name` against `ref` over settings `sets` (each {recipe: `seed_runs` row}): their pooled seed SDs, the ratio with its 95% interval and the two-sided F test (df degrees of freedom each), and the time ratio."
    sd, sd_ref = (float(np.sqrt(np.mean([s[v]['sd'] ** 2 for s in sets]))) for v in (name, ref))
    ratio = sd / sd_ref; f = ratio ** 2
    return dict(sd=sd, sd_ref=sd_ref, ratio=ratio, ratio_ci=[float(ratio * np.sqrt(stats.f.ppf(q, df, df))) for q in (0.025, 0.975)],
                p=float(2 * min(stats.f.cdf(f, df, df), stats.f.sf(f, df, df))),
                time=float(sum(s[name]['s_per_run'] for s in sets) / sum(s[ref]['s_per_run'] for s in sets)))

def run1(spec, name, rc, s):
    f = MEMO / f"{spec.n_base}-{spec.n_real_plus}-{re.sub(r'[^0-9a-z.]+', '_', name.lower())}-{s}.json"
    if f.exists(): return load_json(f)
    r = train_eval(replace(spec, seed=s), rc, s, n_test_per_class=500); save_json(r, f); return r

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--seeds', type=int, default=5)
    o = a.parse_args()
    if o.seeds < 2: a.error(f"--seeds must be >= 2 (a spread needs two runs), got {o.seeds}")
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    out = dict(calibration=cal, test='500 test images per class', seeds=o.seeds, settings={})
    for label, nb, nr in SETTINGS:
        spec = MixSpec(n_base=nb, n_real_plus=nr); rows = out['settings'][label] = {}
        for name, rc in candidates(nb + nr).items():
            row = rows[name] = seed_runs([run1(spec, name, rc, s) for s in range(o.seeds)]); acc = np.array(row['acc'])
            row.update(worst_below_median=float(np.median(acc) - acc.min()), lr=rc.lr)
            print(f"{label:20s} {name:30s} {row['mean']:6.2f} ± {row['sd']:.2f} (worst {row['worst_below_median']:.2f} below the median); "
                  f"{row['iterations']} iterations, {row['s_per_run']:.1f} s per run", flush=True)
    out['summary'] = {}
    sets = out['settings'].values(); df = len(SETTINGS) * (o.seeds - 1)
    for name in next(iter(sets)):
        if name == STUDY: continue
        c = spread_against(sets, name, STUDY, df); ci = c['ratio_ci']
        diffs = {k: float(np.mean(np.array(s[name]['acc']) - np.array(s[STUDY]['acc']))) for k, s in out['settings'].items()}
        out['summary'][name] = dict(pooled_sd=c['sd'], pooled_sd_study=c['sd_ref'], sd_ratio=c['ratio'], sd_ratio_ci=ci, f_p=c['p'], mean_diff=diffs, time_ratio=c['time'])
        print(f"{name} against the study's recipe: pooled SD {c['sd']:.2f} vs {c['sd_ref']:.2f} (x{c['ratio']:.2f}, 95% CI [{ci[0]:.2f}, {ci[1]:.2f}], "
              f"F test p {c['p']:.2g}, df {df}); mean difference (paired by seed) "
              + ', '.join(f"{k} {v:+.2f}" for k, v in diffs.items()) + f"; time x{c['time']:.2f}", flush=True)
    out['meta'] = run_meta(vars(o)); save_json(out, OUT)
