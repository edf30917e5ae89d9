"""The classifier's batch size, a lever on the grid's cost (`make bench-batch`, about 20 min on 2 AVX-512 cores): a run of the embedded
study's classifier computes in proportion to its batch (min(bs, n) images an iteration, a fixed number of iterations), and most of the
grid's runs trained on 256 images a batch. Is half of that as good? The preset's recipe (`fmnist-cpu`: peak lr 0.05, its smooth budget;
its batch and epochs floor set here) is trained at batch 256 (the study's batch until bench_batch), 128, 128 with at least 22 passes over
the data (128e22: more iterations where 22 passes are more than the budget's, from 1,164 images; fmnist-cpu's recipe since) and 64, the
same seeds and images, at the grid's training-set sizes where the batch differs (440 to 2,560 images). Printed side by side: mean ± SD over seeds, the paired difference with its 95% interval, the pooled seed SD of each
(F test) and seconds a run, with the host's calibration and CPU kind. Each finished run is kept in runs/batch/ (an interrupted bench
resumes). Writes bench/results/batch.json."""
import argparse, hashlib, json, re
from dataclasses import replace
from pathlib import Path
import numpy as np
from scipy import stats
from mousterian.core import save_json, load_json, run_meta, MousterianError
from mousterian.benchmarks import calibrate
from mousterian.mix import MixSpec
from mousterian.learn import train_eval, get_recipe
from mousterian.study import study_config
from bench.design.noise import seed_runs, spread_against
from bench import ROOT, RESULTS

OUT, MEMO = RESULTS / 'batch.json', ROOT / 'runs' / 'batch'
# (name, n_base, n_real_plus): the grid's sizes where the batch is capped (real images stand in for synthetic ones of the same count)
SETTINGS = [('4/class + 400 (r 10)', 40, 400), ('16/class + 480 (r 3)', 160, 480), ('64/class', 640, 0), ('64/class + 1280 (r 2)', 640, 1280),
            ('64/class + 1920 (r 3)', 640, 1920)]

def variant(v:str) -> tuple:
    "'128' (batch 128) or '128e22' (batch 128 and at least 22 epochs, the smooth budget's floor): (batch, epochs or None)."
    m = re.fullmatch(r'(\d+)(?:e(\d+))?', v)
    if not m or int(m[1]) < 1: raise MousterianError(f"--bs takes batch sizes like 128, or 128e22 (batch 128, at least 22 epochs); got {v!r}")
    return int(m[1]), (int(m[2]) if m[2] else None)

def recipes(preset, variants):
    "The preset's recipe at each variant: its batch, and its epochs floor where one is given (else the named recipe's own: cpu, 9)."
    c = study_config(preset); rc = get_recipe(c.recipe, **{k: v for k, v in c.recipe_overrides.items() if k not in ('bs', 'epochs')})
    return {v: replace(rc, bs=b, epochs=e or rc.epochs) for v, (b, e) in ((v, variant(v)) for v in variants)}

def memo_path(spec, v, rc, s, n_test) -> Path:
    "Where a finished run is kept: named by its images, variant and seed, and by its whole recipe and test set (another preset's runs are other runs)."
    h = hashlib.sha1(json.dumps([rc.to_dict(), n_test], sort_keys=True, default=str).encode()).hexdigest()[:8]
    return MEMO / f"{spec.n_base}-{spec.n_real_plus}-bs{v}-{s}-{h}.json"

def run1(spec, v, rc, s, n_test):
    f = memo_path(spec, v, rc, s, n_test)
    if f.exists(): return load_json(f)
    r = train_eval(replace(spec, seed=s), rc, s, n_test_per_class=n_test); save_json(r, f); return r

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--seeds', type=int, default=4)
    a.add_argument('--preset', default='fmnist-cpu')
    a.add_argument('--bs', nargs='+', default=['256', '128', '128e22', '64'], help='batch sizes (128, or 128e22: and at least 22 epochs); the first is the reference')
    o = a.parse_args()
    if o.seeds < 2: a.error(f"--seeds must be >= 2 (a spread needs two runs), got {o.seeds}")
    if len(o.bs) < 2: a.error(f"--bs takes two or more batch sizes (the first the reference), got {o.bs}")
    try: rcs, n_test = recipes(o.preset, o.bs), study_config(o.preset).n_test_per_class  # a malformed batch or an unknown preset is refused before any work
    except MousterianError as e: a.error(str(e))
    MEMO.mkdir(parents=True, exist_ok=True)
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    out = dict(calibration=cal, preset=o.preset, test=f'{n_test} test images per class', seeds=o.seeds, reference_bs=o.bs[0], settings={})
    for label, nb, nr in SETTINGS:
        spec = MixSpec(n_base=nb, n_real_plus=nr); rows = out['settings'][label] = {}
        for v, rc in rcs.items():
            row = rows[v] = seed_runs([run1(spec, v, rc, s, n_test) for s in range(o.seeds)]); row.update(batch=min(rc.bs, nb + nr), epochs=rc.epochs)
            print(f"{label:24s} {v:>7s}: batch {row['batch']:4d}, {row['mean']:6.2f} ± {row['sd']:.2f}; {row['iterations']} iterations, {row['s_per_run']:.1f} s per run", flush=True)
    ref, sets, df = o.bs[0], list(out['settings'].values()), len(SETTINGS) * (o.seeds - 1)
    out['summary'] = {}
    for bs in o.bs[1:]:
        d = np.array([np.array(s[bs]['acc']) - np.array(s[ref]['acc']) for s in sets])  # settings x seeds, paired by seed
        per = {k: dict(diff=float(x.mean()), ci=[float(v) for v in stats.t.interval(0.95, len(x) - 1, x.mean(), stats.sem(x))]) for k, x in zip(out['settings'], d)}
        allx = d.ravel(); ci = [float(v) for v in stats.t.interval(0.95, len(allx) - 1, allx.mean(), stats.sem(allx))]
        c = spread_against(sets, bs, ref, df)
        out['summary'][bs] = dict(per_setting=per, mean_diff=float(allx.mean()), mean_diff_ci=ci, pooled_sd=c['sd'], pooled_sd_ref=c['sd_ref'], sd_ratio=c['ratio'],
                                  f_p=c['p'], time_ratio=c['time'])
        print(f"{bs} against {ref}: top-1 {allx.mean():+.2f} points (95% CI [{ci[0]:+.2f}, {ci[1]:+.2f}], paired over {allx.size} runs); "
              f"pooled seed SD {c['sd']:.2f} against {c['sd_ref']:.2f} (F test p = {c['p']:.2f}); time x{c['time']:.2f}", flush=True)
        for k, v in per.items(): print(f"  {k:24s} {v['diff']:+.2f} [{v['ci'][0]:+.2f}, {v['ci'][1]:+.2f}]")
    out['meta'] = run_meta(dict(bench='batch', seeds=o.seeds, preset=o.preset, bs=o.bs))
    save_json(out, OUT); print(f"wrote {OUT}")
