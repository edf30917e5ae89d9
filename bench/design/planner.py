"""Does the planner's forecast hold when base draws, generator trainings and seeds all vary? (`make bench-planner`)

The truth is shaped like the study published on 2026-12-04 (fmnist-cpu-wide) at its primary question (external DDPM, 16 real images per class,
r_syn 1): the paired gain of a base draw (synthetic minus base, same draw) is mu + a + g + e, with a the draw-level variation
of the effect, g the generator training (one per draw), e the two runs' classifier-seed noise (each run SD_SEED, averaged over
the S seeds of a draw). SD_SEED is the classifier-seed floor measured at 16/class (about 0.5 point); a and g share the rest of
the unit variance the published study shows there (`study.planner.question_pilot`, 3 draws). Measured side by side:
  1. predicted half-widths (`equiv.gain_half_width` at the true components) against the median of simulated studies of D draws
     x S seeds (target: within 20%), and the coverage of their 95% intervals (target 90-97%);
  2. the planner end to end: a 3-draw pilot simulated from the truth, its components estimated (2 df), the cheapest draws that
     reach the target of 1.25 points planned at the 80% upper bound of each component and at the estimates, the planned study
     simulated: the share of studies that reach the target either way;
  3. the planner's design against the preset's at the same minutes (`plan_study` with the preset's own minutes as budget):
     the half-width ratio, predicted at the true components and simulated.
Usage: python -m bench.design.planner [N_SIM]"""
import sys, math, time
import numpy as np, pandas as pd
from scipy import stats
from mousterian.core import run_meta
from mousterian.benchmarks import calibrate
from mousterian.equiv import gain_half_width
from mousterian.study.config import study_config
from mousterian.study.pilots import read_pilot, question_pilot
from mousterian.study.planner import plan_study, choose
from bench import save_result

SD_SEED, MU, TARGET = 0.5, 1.0, 1.25

def truth():
    "The true components, from the published study's unit variance at the primary question."
    c = study_config('fmnist-cpu-wide'); q = c.questions[0]
    qp = question_pilot(read_pilot(), q, 10)
    unit = float(qp['components'].variance.sum())
    rest = max(unit - 2 * SD_SEED ** 2, 0.)
    return dict(draw=rest / 2, generator=rest / 2, seed=SD_SEED ** 2, unit=unit, question=q.label())

def vc_of(t:dict) -> pd.DataFrame:
    "The true components as a `gain_components` table: between draws (draw + generator), within (two runs' seeds)."
    return pd.DataFrame([dict(component='draw + generator', part='between', variance=t['draw'] + t['generator'], df=10**6),
                         dict(component='seeds', part='within', variance=2 * t['seed'], df=10**6)])

def simulate(t:dict, D:int, S:int, rng, n:int) -> np.ndarray:
    "n studies of D draws x S seeds: each study's per-draw gains (n, D)."
    a = rng.normal(0, math.sqrt(t['draw']), (n, D)) + rng.normal(0, math.sqrt(t['generator']), (n, D))
    e = rng.normal(0, math.sqrt(2 * t['seed'] / S), (n, D))
    return MU + a + e

def half_widths(g:np.ndarray) -> tuple:
    "Each study's 95% t half-width and whether its interval covers MU."
    D = g.shape[1]; m, s = g.mean(1), g.std(1, ddof=1)
    h = stats.t.ppf(0.975, D - 1) * s / math.sqrt(D)
    return h, np.abs(m - MU) <= h

def draws_for(vc:pd.DataFrame, sd_level, target=TARGET, max_draws=60) -> int:
    for D in range(2, max_draws + 1):
        if gain_half_width(vc, D, 1, sd_level=sd_level)['half_width'] <= target: return D
    return max_draws

if __name__ == '__main__':
    n_sim = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    t0, rng, t = time.perf_counter(), np.random.default_rng(0), truth()
    vc = vc_of(t); rows = []
    for D in (3, 6, 12):
        for S in (1, 2):
            h, cov = half_widths(simulate(t, D, S, rng, n_sim))
            pred = gain_half_width(vc, D, S)['half_width']
            rows.append(dict(draws=D, seeds=S, predicted=pred, median_simulated=float(np.median(h)),
                             ratio=float(np.median(h) / pred), coverage=float(cov.mean())))
    tab = pd.DataFrame(rows)
    print(f"Truth at {t['question']}: unit variance {t['unit']:.2f} (SD {math.sqrt(t['unit']):.2f}): draw {t['draw']:.2f}, "
          f"generator {t['generator']:.2f}, two runs' seeds {2 * t['seed']:.2f}; {n_sim} simulated studies per design")
    print(tab.round(3).to_string(index=False))
    # 2. the planner end to end: a 3-draw pilot, its unit variance (2 df), the draws planned, the study run
    n_e2e = max(n_sim // 4, 200); met = {0.8: [], None: []}; planned = {0.8: [], None: []}
    for _ in range(n_e2e):
        pg = simulate(t, 3, 1, rng, 1)[0]
        est = pd.DataFrame([dict(component='unit', part='unit', variance=float(pg.var(ddof=1)), df=2)])
        for lv in (0.8, None):
            D = draws_for(est, lv); planned[lv].append(D)
            h, _ = half_widths(simulate(t, D, 1, rng, 1)); met[lv].append(bool(h[0] <= TARGET))
    e2e = {('upper bound 80%' if lv else 'estimates'): dict(share_meeting_target=float(np.mean(met[lv])),
                                                           median_draws=float(np.median(planned[lv])))
           for lv in (0.8, None)}
    print(f"End to end, target ±{TARGET} ({n_e2e} pilots of 3 draws): " + '; '.join(
        f"planned at the {k}: {v['median_draws']:.0f} draws (median), {v['share_meeting_target']:.0%} of studies meet it"
        for k, v in e2e.items()))
    # 3. the planner's design against the preset's at the preset's own minutes
    res = plan_study('fmnist-cpu-wide', sd_level=None)
    own = res['own']; budget = own['minutes']['total']
    p2 = choose(res['table'], budget=budget).to_dict()  # the narrowest primary interval within the preset's minutes
    p2['draws'], p2['seeds'] = int(p2['draws']), int(p2['seeds'])
    hw_own = gain_half_width(vc, own['draws'], own['seeds'])['half_width']
    hw_pick = gain_half_width(vc, p2['draws'], p2['seeds'])['half_width']
    sim_own = float(np.median(half_widths(simulate(t, own['draws'], own['seeds'], rng, n_sim))[0]))
    sim_pick = float(np.median(half_widths(simulate(t, p2['draws'], p2['seeds'], rng, n_sim))[0]))
    same = dict(budget_minutes=budget, preset=dict(draws=own['draws'], seeds=own['seeds'], predicted=hw_own, simulated=sim_own),
                planner=dict(scope=p2['scope'], draws=p2['draws'], seeds=p2['seeds'], minutes=p2['minutes'],
                             predicted=hw_pick, simulated=sim_pick),
                ratio_predicted=hw_pick / hw_own, ratio_simulated=sim_pick / sim_own)
    print(f"At the preset's {budget:.0f} minutes: the preset's {own['draws']} draws give ±{hw_own:.2f} (simulated median "
          f"±{sim_own:.2f}); the planner's {p2['draws']} draws x {p2['seeds']} ({p2['scope']}, {p2['minutes']:.0f} min) give "
          f"±{hw_pick:.2f} (±{sim_pick:.2f}): ratio {hw_pick / hw_own:.2f} predicted, {sim_pick / sim_own:.2f} simulated")
    ok = tab.ratio.between(0.8, 1.2).all() and tab.coverage.between(0.90, 0.97).all()
    print(f"predicted within 20% of the simulated median and coverage in 90-97% at every design: {'yes' if ok else 'NO'}")
    save_result(dict(truth=t, n_sim=n_sim, designs=tab.to_dict('records'), end_to_end=e2e, same_minutes=same, ok=bool(ok),
                     seconds=time.perf_counter() - t0, calibration=calibrate(), meta=run_meta({})), 'planner_sim.json')
