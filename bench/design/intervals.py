"""Do the worth curve's intervals cover the truth when base draws, generator trainings and seeds all vary? (`make bench-intervals`)

Tables are simulated shaped like the embedded study (fmnist-cpu): 3 base sizes (4, 16, 64 per class, 10 classes), extra real ratios
0.5, 1, 2, synthetic ratios 1, 3, 10 (10 left out at 64/class), and U units, each its own base draw with its own generator training and
classifier seed (the preset's design: U = 3). The truth:
  - a real curve concave in log n: acc(n) = 95 - 131 n^-0.35 (59% at 40 images, 67% at 80, 81% at 640);
  - a synthetic curve that saturates: r_syn·n_base synthetic images are worth G_b (1 - exp(-r_syn / 2)) · n_base real images, with
    G = 2, 0.8 and 0.3 at 4, 16 and 64 per class, so the true k = r_syn / (G_b (1 - exp(-r_syn / 2))) rises along the curve;
  - noise that differs by base size: 1.2, 0.8 and 0.4 points per run;
  - random effects: a base draw moves every setting of its unit (SD 0.6 points), a generator training moves its synthetic settings
    (SD 0.8 points, growing with the synthetic share), a classifier seed moves every setting it trains (SD 0.45 points, seeds shared
    across settings as blocks). The truth is the curve of the average generator.
For each simulated table, both methods read the worth curve (k at each measured synthetic ratio) and the declared headline reading
(r_syn 1 at each base size), side by side:
  - new: `equiv.worth_table`: whole units redrawn (t, U - 1 df), noise per base size, intervals spanning three interpolations of the
    real curve; the headline read where it was declared;
  - old: the method of the first embedded study, on the same tables: every setting's mean redrawn with one seed SD pooled over the
    whole table, the log-linear interpolation alone, and the headline read where its interval is narrowest (picked afterwards).
Printed: the share of readings whose 95% interval covers the true k, per base size, for the curve's readings and for the headline
(target 90-97% for the new method at every base size), with the host's calibration. Usage: python -m bench.design.intervals [N_SIM] [N_BOOT] [U]"""
import sys, math, time, warnings
import numpy as np, pandas as pd
from mousterian.core import save_json, run_meta
from mousterian.benchmarks import calibrate
from mousterian.equiv import worth_table
from mousterian.equiv import curves as C
from bench import save_result

K, BASES, REAL, SYN = 10, (4, 16, 64), (0.5, 1, 2), (1, 3, 10)
G, SD_RUN, SD_DRAW, SD_GEN, SD_SEED = {4: 2.0, 16: 0.8, 64: 0.3}, {4: 1.2, 16: 0.8, 64: 0.4}, 0.6, 0.8, 0.45
CAP = 200  # synthetic images per class, as the preset: r_syn 10 at 64/class is left out

def acc_real(n): return 95 - 131 * np.asarray(n, float) ** -0.35

def true_k(b, s): return s / (G[b] * (1 - math.exp(-s / 2)))

def simulate(U:int, rng) -> pd.DataFrame:
    "One study's results: U units, each its own base draw, generator training and classifier seed."
    rows = []
    for u in range(U):
        draw, gen, seed = rng.normal(0, SD_DRAW), rng.normal(0, SD_GEN), rng.normal(0, SD_SEED)
        for b in BASES:
            nb = b * K
            cells = [(0, 0, acc_real(nb))] + [(r * nb, 0, acc_real(nb * (1 + r))) for r in REAL]
            cells += [(0, s * nb, acc_real(nb + G[b] * (1 - math.exp(-s / 2)) * nb) + gen * s / (1 + s)) for s in SYN if s * b <= CAP]
            rows += [dict(n_base=nb, n_real_plus=nr, n_syn_plus=ns, split_seed=u, gen_seed=u if ns else np.nan, seed=u,
                          acc=a + draw + seed + rng.normal(0, SD_RUN[b])) for nr, ns, a in cells]
    return pd.DataFrame(rows)

def pooled_draws(d, m, n_boot, seed=0):
    "The old draws: every setting's mean redrawn around it with the seeds' SD pooled over the whole table (a module global: the table)."
    t = pooled_draws.table; g = t.groupby(['n_base', 'n_real_plus', 'n_syn_plus'])['acc']
    sd = math.sqrt(((t['acc'] - g.transform('mean')) ** 2).sum() / (len(t) - g.ngroups))
    rng = np.random.default_rng(seed)
    return m['mean'].to_numpy() + sd / np.sqrt(m['n'].to_numpy()) * rng.standard_normal((n_boot, len(m))), 'pooled'

def old_worth(d, n_boot):
    "The worth table as the first embedded study read it: pooled seed SD over the whole table, the log-linear interpolation alone."
    keep = C.unit_draws
    C.unit_draws, pooled_draws.table = pooled_draws, d  # the one reading code, with the old draws in place of the units'
    try: return worth_table(d, n_boot, span=False)
    finally: C.unit_draws = keep

def covered(w:pd.DataFrame) -> pd.DataFrame:
    "Each reading of `w` with its truth and whether its interval covers it."
    w = w.assign(b=(w.n_base / K).round().astype(int))
    w['truth'] = [true_k(b, s) for b, s in zip(w.b, w.r_syn)]
    w['cover'] = (w.lo <= w.truth) & (w.truth <= w.hi)
    return w[w.lo.notna()]

if __name__ == '__main__':
    warnings.filterwarnings('ignore')
    n_sim = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    n_boot = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    U = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    if U < 2 or n_sim < 1 or n_boot < 1:
        sys.exit(f"bench_intervals: U (units per study) must be 2 or more, N_SIM and N_BOOT 1 or more: an interval needs replicates; got U={U}, N_SIM={n_sim}, N_BOOT={n_boot}.")
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    rng, new, old, head_new, head_old, t0 = np.random.default_rng(0), [], [], [], [], time.perf_counter()
    for i in range(n_sim):
        d = simulate(U, rng)
        wn, wo = covered(worth_table(d, n_boot, seed=i)), covered(old_worth(d, n_boot))
        new.append(wn); old.append(wo)
        head_new.append(wn[wn.r_syn == 1])  # declared before the runs: r_syn 1 at every base size
        fin = wo[np.isfinite(wo.hi) & (wo.lo > 0) & (wo.status == 'estimate')]
        head_old.append(fin.loc[(fin.hi / fin.lo).groupby(fin.b).idxmin()] if len(fin) else fin)  # the narrowest, picked afterwards
        if (i + 1) % 25 == 0: print(f"  {i + 1} tables, {time.perf_counter() - t0:.0f} s", flush=True)
    res = {}
    for name, parts in (('curve_new', new), ('curve_old', old), ('headline_new', head_new), ('headline_old', head_old)):
        t = pd.concat(parts)
        res[name] = {int(b): dict(coverage=float(g.cover.mean()), readings=int(len(g)), median_width=float((g.hi / g.lo.where(g.lo > 0)).median()))
                     for b, g in t.groupby('b')}
    print(f"\n{n_sim} simulated studies, {U} units each (base draw + generator training + seed), {n_boot} draws; 95% intervals covering the true k:")
    print(f"{'':43s}" + ''.join(f"{f'{b}/class':22s}" for b in BASES))
    for name, words in (('curve', 'worth curve'), ('headline', 'headline')):
        for m, how in (('new', 'new (units, declared)' if name == 'headline' else 'new (units, 3 interps)'), ('old', 'old (pooled SD, narrowest)' if name == 'headline' else 'old (pooled SD)')):
            r = res[f'{name}_{m}']
            print(f"  {words:12s} {how:28s}" + ''.join(f"{r[b]['coverage']:6.1%} (n {r[b]['readings']:3d}, x{r[b]['median_width']:.1f})  " if b in r else f"{'-':>22s}" for b in BASES))
    ok = all(len(res[k]) == len(BASES) for k in ('curve_new', 'headline_new')) and all(0.90 <= res[k][b]['coverage'] <= 0.97 for k in ('curve_new', 'headline_new') for b in res[k])
    print(f"\ntarget: the new method's coverage in 90-97% at every base size, for the curve and the headline: {'met' if ok else 'MISSED'}"
          f"  ({time.perf_counter() - t0:.0f} s; the median width is hi / lo of k's interval)")
    save_result(dict(n_sim=n_sim, n_boot=n_boot, units=U, truth=dict(G=G, sd_run=SD_RUN, sd_draw=SD_DRAW, sd_gen=SD_GEN, sd_seed=SD_SEED),
                   coverage=res, target_met=ok, seconds=time.perf_counter() - t0, calibration=cal, meta=run_meta()), f'intervals_u{U}.json')
