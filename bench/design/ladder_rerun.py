"""Two runs of one ladder on the same base draws, set side by side rung by rung (`make bench-ladder-rerun OLD=... NEW=...`,
seconds: it reads finished studies, trains nothing). fmnist-quality ran twice on draws 20-24 with the same rungs, grid and
classifier seeds: session 29's in float32 and eager sampling (its metrics.json and results.csv kept in
bench/results/ladder_rerun/float32/), session 31's with the DDPM and EDM trajectories in bfloat16 and sampling under
torch.compile (today's generator kept float32, so its row measures what the compiled sampling and the rerun alone change).
For each rung and measure (class fidelity, the Fréchet distance in classifier features, coverage, the domain classifier's
accuracy, the paired gain): the mean of each run and the paired difference NEW - OLD over the draws both measured, with its
95% t interval (the unit: a base draw). Writes bench/results/ladder_rerun.json."""
import argparse, math
import numpy as np, pandas as pd
from scipy import stats
from pathlib import Path
from mousterian.core import load_json, run_meta
from mousterian.study.config import recorded_study
from mousterian.study.ladder import rung_table, _study_file
from bench import ROOT, RESULTS, save_result

MEASURES = ['fidelity_all', 'fd_ref_features', 'coverage', 'domain_whole', 'gain']

def rungs(folder:Path) -> pd.DataFrame:
    "A ladder study's (or its published copy's) `rung_table`: a row per declared rung and base draw."
    c = recorded_study(load_json(folder / 'study.json'))
    res, met = pd.read_csv(_study_file(folder, 'results.csv', 'sweep/results.csv')), load_json(folder / 'metrics.json')
    K = round(res.n_base.iloc[0] / res.n_base_per_class.iloc[0])  # its classes
    return rung_table(c, res, met, K)

def paired(old:pd.DataFrame, new:pd.DataFrame) -> list:
    "Per rung and measure: each run's mean and NEW - OLD over the draws both hold, with its 95% t interval."
    m, rows = old.merge(new, on=['arm', 'split_seed'], suffixes=('_old', '_new')), []
    for arm, g in m.groupby('arm', sort=False):
        for k in MEASURES:
            d = (g[f'{k}_new'] - g[f'{k}_old']).dropna(); n = len(d)
            h = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
            rows.append(dict(arm=arm, measure=k, draws=n, old=float(g[f'{k}_old'].mean()), new=float(g[f'{k}_new'].mean()),
                             diff=float(d.mean()) if n else math.nan, lo=float(d.mean() - h), hi=float(d.mean() + h)))
    return rows

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('old', type=Path, help='the first run: a ladder study folder or its published copy')
    ap.add_argument('new', type=Path, help='the second run, on the same base draws')
    a = ap.parse_args()
    for f in (a.old, a.new):
        if not (f / 'study.json').exists(): raise SystemExit(f"{f} holds no study.json: give a finished ladder study or its published copy.")
    rows = paired(rungs(a.old), rungs(a.new))
    print(f"{'rung':8s} {'measure':16s} {'draws':>5s} {'old':>8s} {'new':>8s}   new - old [95% over draws]")
    for r in rows:
        print(f"{r['arm']:8s} {r['measure']:16s} {r['draws']:5d} {r['old']:8.3f} {r['new']:8.3f}   {r['diff']:+.3f} [{r['lo']:+.3f}, {r['hi']:+.3f}]")
    rel = lambda p: str(p.resolve().relative_to(ROOT)) if p.resolve().is_relative_to(ROOT) else p.name
    save_result(dict(old=rel(a.old), new=rel(a.new), unit='base draw', rows=rows, meta=run_meta({})), 'ladder_rerun.json')
