"""What each part of the embedded study costs and what it buys (issue #36, item 3): candidate cuts of the fmnist-cpu preset, each with
its estimated time on a 2-core AVX-512 host and on a 2-core AVX2 host, beside what the design check says the cut grid can still tell
(`make bench-cuts`, about 9 minutes on an idle machine: first the metrics step's domain classifier is measured on three stores of a
local `make study` (study/fmnist-cpu), then the design checks, which train nothing, so their readings do not depend on this host's load).

The cost of a cut is estimated from the published run (bench/results/study-fmnist-cpu: results.csv, timings.json, metrics.json),
measured on its AVX-512 host:
- grid: each planned run at the published median wall time of its setting (base size, r_real, r_syn; a run's time follows its
  iterations and batch, and every arm of a setting trains alike);
- train: the published training time of each DDPM the cut still trains (its train_seconds);
- generate: the published step time, in proportion to the synthetic images the cut's stores need;
- filter: the published step time, in proportion to the filtered stores;
- metrics: the published step time, in proportion to the measured stores, and to the time `measure_store` takes at the cut's
  `domain_iterations` over its time at the preset's 300, both measured in the same run on one store (internal-b4, novelty included);
- design, laws, report: as published.
AVX2: each step times the per-step ratio a real 2-core AVX2 host measured against the published run (`bench_hostkind.avx2_ratio`).

What a cut buys: `equiv.design_check` of its grid (the external arm with the real-only runs, the preset's seed noise, `equiv.SMALL` as
the truth, 30 simulated studies): per base size and extra-real ratio, the share of simulated studies with a k estimate and the share
whose 95% interval is within a factor of 3. It simulates seed noise only (no base-draw or generator-training variance), so it is an
optimistic reading of every cut alike. Writes bench/results/cuts.json."""
import copy, json, sys
import pandas as pd

from bench.speed.hostkind import REAL_AVX2, avx2_ratio, step_seconds
from bench import ROOT, RESULTS, save_result

PUB = RESULTS / 'study-fmnist-cpu'
CUTS = {  # name -> overrides of the preset (nested, as --set takes them)
    'as published': {},
    'no 64/class base size': {'n_bases_per_class': [4, 16]},
    'compute control at r_syn 10 only': {'grid': {'arm_syn': {'repeat': [10]}}},
    'real curve without r_real 0.5': {'grid': {'real': [1, 2]}},
    'domain classifier 100 steps': {'metrics': {'domain_iterations': 100}},
    'synthetic ratios 1 and 10 (no 3)': {'grid': {'syn': [1, 10], 'arm_syn': {'repeat': [10]}}},
    'two base draws': {'grid': {'split_seeds': [0, 1], 'seeds': [0, 1]}},
    'no 64/class, control at r_syn 10 only': {'n_bases_per_class': [4, 16], 'grid': {'arm_syn': {'repeat': [10]}}},
    'two draws, no 64/class, control at r_syn 10 only, domain 100 steps': {'n_bases_per_class': [4, 16], 'grid': {'split_seeds': [0, 1], 'seeds': [0, 1], 'arm_syn': {'repeat': [10]}},
                                                                        'metrics': {'domain_iterations': 100}},
}

def published():
    "The published run's per-setting run times, per-step times (each step's longest: the invocation that did its work), generators and stores."
    res = pd.read_csv(PUB / 'results.csv')
    per = res.groupby(['n_base_per_class', 'r_real', 'r_syn'])['wall_time'].median().to_dict()
    steps = step_seconds(PUB / 'timings.json')
    gens = {p.stem[len('generator_'):]: json.loads(p.read_text())['train_seconds'] for p in PUB.glob('generator_*.json')}
    return per, steps, gens

def cost(cfg, runs, gp, per, steps, gens, base_cfg, base_gp, store_s:dict) -> dict:
    "Estimated seconds per step of a cut (see the module's docstring), on the published run's host."
    from mousterian.study.plan import filter_q
    grid = sum(per[(r.n_base_per_class, r.r_real, r.r_syn)] for r in runs)
    ddpm = [n for n, g in gp.items() if cfg.generators[g['generator']].kind == 'ddpm']
    train = sum(gens[n] for n in ddpm)
    imgs = lambda p, c: sum(g['per_class'] for n, g in p.items() if c.generators[g['generator']].kind == 'ddpm')
    gen = steps['generate'] * imgs(gp, cfg) / imgs(base_gp, base_cfg)
    nfil = lambda p, c: sum(1 for g in p.values() if filter_q(c, g['generator']) > 0)
    fil = steps['filter'] * nfil(gp, cfg) / nfil(base_gp, base_cfg)
    nmet = lambda p, c: sum(1 for g in p.values() if c.generators[g['generator']].kind != 'repeat')
    per_store = steps['metrics'] / nmet(base_gp, base_cfg)
    met = nmet(gp, cfg) * per_store * store_s[cfg.metrics.domain_iterations] / store_s[base_cfg.metrics.domain_iterations]
    return dict(design=steps.get('design', 0.), train=train, generate=gen, filter=fil, grid=grid, metrics=met, laws=steps.get('laws', 0.), report=steps.get('report', 0.))

def avx2(c:dict) -> dict: return {k: v * avx2_ratio(k) for k, v in c.items()}

def buys(cfg, runs, K) -> pd.DataFrame:
    "The design check of the cut's external arm (see the module's docstring)."
    from mousterian.study.plan import run_counts
    from mousterian.equiv import design_check
    return design_check(run_counts(runs, K, 'external'), cfg.design.noise, cfg.design.truth, 30)

def domain_steps(study=ROOT / 'study' / 'fmnist-cpu', stores=('internal-b4', 'internal-b4-s2', 'external'), steps=(100, 300)) -> dict:
    "The domain classifier of the metrics step at fewer steps, measured: its accuracy (whole images, and 14-pixel patches) on three of the study's stores at each number of steps, side by side, with the time each took (a local copy of the published study, `make study`, holds the stores); and its share of a store's measuring time (`measure_store` on the first store, timed whole)."
    import time
    from mousterian.metrics import real_reference, domain_classifier, measure_store, first_per_class
    from mousterian.store import SynStore
    if not (study / 'stores' / stores[0]).exists(): sys.exit(f"{study} holds no stores: run `make study` first (this bench measures on its stores).")
    ref, out = real_reference('fashion-mnist', 1000, 'cpu', device='cpu'), {}
    from mousterian.data import Splits
    train = Splits('fashion-mnist', 4, 0, 600, seed=0).load()['base'].to_tensors()  # internal-b4's training set, as the study's metrics step gives it (novelty measured too)
    whole = {}
    for it in steps:
        t0 = time.perf_counter(); measure_store(study / 'stores' / stores[0], ref, 'cls_keep', it, 14, 'cpu', train); whole[it] = time.perf_counter() - t0
    for s in stores:
        st = SynStore(study / 'stores' / s); m = st.manifest()
        kept = first_per_class(st, m['cls_keep'].fillna(False).to_numpy(bool), ref['n_per_class'], ref['real'].shape[-1], m)  # as measure_store takes them
        for it in steps:
            for patch in (None, 14):
                t0 = time.perf_counter(); a = domain_classifier(ref['real'], kept, patch=patch, iterations=it, device='cpu')['accuracy']
                out[f"{s} {'whole' if patch is None else 'patch 14'} {it} steps"] = dict(accuracy=a, seconds=time.perf_counter() - t0)
                print(f"  {s:<15} {'whole' if patch is None else 'patch 14':<9} {it:>4} steps: accuracy {a:.1%} ({time.perf_counter() - t0:.0f} s)")
    print(f"  measure_store on {stores[0]} (novelty included, as the study measures it): " + ', '.join(f"{whole[it]:.0f} s with the domain classifier at {it} steps" for it in steps)
          + f": x{whole[min(steps)] / whole[max(steps)]:.2f}")
    return dict(fits=out, measure_store_s=whole)

def main():
    import os; os.environ.setdefault('MOUSTERIAN_PROGRESS', '0')
    from mousterian.study.config import study_config, _merge, load_study
    from mousterian.study.plan import plan_runs, generation_plan
    from mousterian.core import save_json, run_meta
    from mousterian.benchmarks import calibrate
    per, steps, gens = published()
    base = load_study('fmnist-cpu')
    K, avail = 10, 6000
    base_cfg = study_config(base); base_runs, _ = plan_runs(base_cfg, avail); base_gp = generation_plan(base_cfg, base_runs)
    print("The metrics step's domain classifier, measured on the published study's stores (their local copy):")
    dom = domain_steps()
    out = {}
    for name, ov in CUTS.items():
        cfg = study_config(_merge(copy.deepcopy(base), ov))
        runs, _ = plan_runs(cfg, avail); gp = generation_plan(cfg, runs)
        c = cost(cfg, runs, gp, per, steps, gens, base_cfg, base_gp, dom['measure_store_s']); a = avx2(c)
        t = buys(cfg, runs, K)
        tell = {f"{int(r.n_base) // K}/class, r_real {r.r_real:g}": dict(estimate=float(r.estimate), within_3=float(r.within_3)) for r in t.itertuples()}
        out[name] = dict(overrides=ov, runs=len(runs), stores=len(gp), avx512_s=c, avx2_est_s=a, avx512_min=sum(c.values()) / 60, avx2_est_min=sum(a.values()) / 60, design=tell)
        print(f"\n== {name}: {len(runs)} runs, {len(gp)} stores; estimated {sum(c.values()) / 60:.1f} min on 2 AVX-512 cores, {sum(a.values()) / 60:.1f} min on 2 AVX2 cores")
        print('   per step (AVX-512 -> AVX2, min): ' + ', '.join(f"{k} {c[k] / 60:.1f} -> {a[k] / 60:.1f}" for k in c))
        print('   the design check (share of simulated studies with a k estimate / with a 95% interval within a factor of 3): '
              + '; '.join(f"{k}: {v['estimate']:.0%} / {v['within_3']:.0%}" for k, v in tell.items()))
    save_result(dict(cuts=out, domain=dom, published=str(PUB.relative_to(ROOT)), ratios=REAL_AVX2, calibrate=calibrate(), meta=run_meta()), 'cuts.json')

if __name__ == '__main__': main()
