"""Can the exchange rate be trusted? (`make bench-equiv`). Tables simulated with a known truth are run through the whole
machinery (model-free k, the law with its lack-of-fit test, the reported k) many times, and the figures the
exchange-rate issue asks for are printed side by side with their targets:
  (a) dense: the law on a dense grid: median relative error of the implied r_syn <= 5%, 95% intervals cover 90-97%;
  (b) sparse: the law on a grid like the embedded study's: no law at a bound of its search, coverage >= 85%;
  (c) null: no synthetic effect: a finite point k in <= 10% of points, intervals that reach infinity in >= 95%;
  (d) hurt: synthetic images that hurt: reported as hurting;
  (e) plateau: gains that stop (outside the law's family): lack of fit flagged in >= 80%, the model-free k used;
then the recovery of the law's parameters (rho, beta, gamma inside their 95% seed-bootstrap intervals), and the runtime of
one fit with its bootstrap on the published embedded study, with the host's calibration.
Usage: python -m bench.design.equiv [N_SIM] [N_BOOT] (default 20 simulations of each kind, 200 bootstrap draws)."""
import sys, time, warnings
from pathlib import Path
import pandas as pd
from mousterian.core import run_meta
from mousterian.benchmarks import calibrate
from mousterian.equiv import scenario_check, scenario_summary, recovery, clean_results, fit_report
from bench import RESULTS, save_result

TARGETS = {  # scenario: [(figure, test, target in words)]
    'dense': [('median_rel_err', lambda v: v <= 0.05, '<= 5%'), ('coverage', lambda v: 0.90 <= v <= 0.97, '90-97%')],
    'sparse': [('bound_driven_k', lambda v: v == 0, '0% (a law at a bound gives no point k)'), ('coverage', lambda v: v >= 0.85, '>= 85%')],
    'null': [('point_k', lambda v: v <= 0.10, '<= 10%'), ('interval_reaches_inf', lambda v: v >= 0.95, '>= 95%')],
    'hurt': [('hurts', lambda v: v >= 0.80, '>= 80% (target: reported as hurting)'), ('no_help', lambda v: v == 1, '100%')],
    'plateau': [('lof_flagged', lambda v: v >= 0.80, '>= 80%'), ('law_used', lambda v: v == 0, '0%')],
}

if __name__ == '__main__':
    warnings.filterwarnings('ignore')
    n_sim = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    n_boot = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    cal = calibrate()
    print(f"host calibration: {cal}")
    out, ok = dict(n_sim=n_sim, n_boot=n_boot, calibration=cal, scenarios={}), True
    for name, targets in TARGETS.items():
        t = time.perf_counter(); s = scenario_summary(scenario_check(name, n_sim=n_sim, n_boot=n_boot)); s['seconds'] = time.perf_counter() - t
        out['scenarios'][name] = s
        print(f"\n({'abcde'[list(TARGETS).index(name)]}) {name}: {s['points']} points from {n_sim} tables, {s['seconds']:.0f} s")
        for k, test, words in targets:
            good = bool(test(s[k])); ok &= good
            print(f"    {k:22s} {s[k]:7.1%}   target {words:40s} {'ok' if good else 'MISSED'}")
        print('    also: ' + ', '.join(f"{k} {v:.0%}" for k, v in s.items() if k not in dict((a, 0) for a, *_ in targets) and k not in ('points', 'seconds') and v == v))
    t = time.perf_counter(); r = recovery(n_sim=n_sim, n_boot=n_boot); dt = time.perf_counter() - t
    cov = r.mean()
    out['recovery'] = dict(coverage=cov.to_dict(), all=float(r.all(axis=1).mean()), seconds=dt)
    print(f"\nrecovery of the law's parameters ({n_sim} dense tables): " + ', '.join(f"{k} inside its 95% interval in {v:.0%}" for k, v in cov.items()) + f" (target >= 90%); {dt:.0f} s")
    res = pd.read_csv(RESULTS / 'study-fmnist-cpu' / 'results.csv')
    rows = clean_results(res[res.generator.isin(['none', 'external'])])
    import tempfile
    t = time.perf_counter(); fit_report(rows, Path(tempfile.mkdtemp()), 'external', n_boot=n_boot); dt = time.perf_counter() - t
    out['one_fit_report_seconds'] = dt
    print(f"one fit report (law, {n_boot} bootstrap refits, lack of fit, model comparison, model-free k with its bootstrap, figure) on the published "
          f"embedded study's external runs ({len(rows)} rows): {dt:.1f} s  [{dt / cal['torch_matmul_s']:.0f}x the torch calibration, {dt / cal['python_loop_s']:.0f}x the Python one]")
    out['all_targets_met'] = bool(ok); out['meta'] = run_meta()
    save_result(out, 'equiv_recovery.json')
    print(f"\nall targets met: {ok}")
