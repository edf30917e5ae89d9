"""Recovery of a known equivalence law (`make bench-equiv`): accuracy tables simulated from the JointLaw with
seeded noise (3 seeds per setting) are fitted back, 50 times; prints how often the true a, beta and gamma lie
inside their 95% seed-bootstrap intervals (target: at least 90% of the simulations)."""
import sys, time
from pathlib import Path
from mousterian.core import save_json, run_meta
from mousterian.equiv import recovery

if __name__ == '__main__':
    n_sim = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    t = time.perf_counter(); r = recovery(n_sim=n_sim, n_boot=200); dt = time.perf_counter() - t
    cov = r.mean()
    for k, v in cov.items(): print(f"true {k:5s} inside its 95% interval in {v:.0%} of {n_sim} simulations   (target >= 90%: {'ok' if v >= 0.9 else 'MISSED'})")
    print(f"all three at once: {r.all(axis=1).mean():.0%}; {dt:.0f} s")
    save_json(dict(coverage=cov.to_dict(), all=float(r.all(axis=1).mean()), n_sim=n_sim, seconds=dt, meta=run_meta()), Path(__file__).parent / 'results' / 'equiv_recovery.json')
