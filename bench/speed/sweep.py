"""Sweep overheads and worker layouts on this machine, side by side in one run (`make bench-sweep`, about 8 minutes):
1. one run of the study's unit (Fashion-MNIST, 100 real images per class plus 100 synthetic, CPU recipe) three ways, alternated:
   the bare function (`learn.run_mix`), the in-process path (`sweep.execute`, writing result.json), and papermill on
   nbs/experiments/train_mix.ipynb; per-run overhead of each path against the bare function;
2. throughput of a grid of 8 such runs with 2 one-thread workers against 1 two-thread worker.
Writes bench/results/sweep.json."""
import argparse, statistics, tempfile, time
from pathlib import Path
import numpy as np, torch
from mousterian.core import run_meta
from mousterian.mix import MixSpec, store_from_images
from mousterian.data import load_dataset
from mousterian.learn import run_mix
from mousterian.sweep import execute, sweep
from bench import ROOT, save_result

NB = ROOT / 'nbs' / 'experiments' / 'train_mix.ipynb'

def main(reps, n_grid):
    torch.set_num_threads(2)
    tmp = Path(tempfile.mkdtemp())
    # a stand-in synthetic store: real images from the far end of the training split (the mix machinery is what is timed)
    trn = load_dataset('fashion-mnist', 'train')
    store = store_from_images(tmp / 'store', trn.subset(np.arange(len(trn) - 2000, len(trn))))
    unit = dict(n_base=1000, n_real_plus=0, n_syn_plus=1000, dataset='fashion-mnist', store=str(store.path), recipe='cpu', iterations=None, n_test_per_class=500, generator='bench')
    run_mix(**unit, seed=99)  # warm the data caches of this process
    # each path's overhead is its wall time minus the training-and-evaluation time measured inside the same run (the run's own
    # `wall_time`), so that the run-to-run spread of training itself (±10% here) does not drown a fraction of a second
    times, over_s = {'bare': [], 'inprocess': [], 'papermill': []}, {'bare': [], 'inprocess': [], 'papermill': []}
    for i in range(reps):
        p = dict(unit, seed=i)
        for k in (('bare', 'inprocess', 'papermill') if i % 2 == 0 else ('papermill', 'inprocess', 'bare')):
            t = time.perf_counter()
            if k == 'bare': row = run_mix(**p)
            elif k == 'inprocess': row = execute(p, tmp / 'ip', function='mousterian.learn:run_mix')
            else: row = execute(p, tmp / 'pm', notebook=str(NB), mode='papermill')
            dt = time.perf_counter() - t
            times[k].append(dt); over_s[k].append(dt - row['wall_time'])
        print(f"  rep {i}: " + ', '.join(f"{k} {times[k][-1]:.1f} s (outside training {over_s[k][-1]:.2f} s)" for k in times), flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    mo = {k: statistics.median(v) for k, v in over_s.items()}
    over = {k: (mo[k] - mo['bare']) / med['bare'] for k in ('inprocess', 'papermill')}
    print(f"median run {med['bare']:.1f} s; time outside training: bare {mo['bare']:.2f} s, in-process {mo['inprocess']:.2f} s, papermill {mo['papermill']:.2f} s; "
          f"overhead against the bare function: in-process {over['inprocess']:+.2%}, papermill {over['papermill']:+.1%} of a run")
    grid = dict(function='mousterian.learn:run_mix', fixed=unit, axes=[{'product': {'seed': list(range(100, 100 + n_grid))}}])
    layouts = {}
    for name, w, th in (('2 workers x 1 thread', 2, 1), ('1 worker x 2 threads', 1, 2)):
        t = time.perf_counter(); sweep(grid, tmp / f'grid-{w}x{th}', workers=w, threads=th); dt = time.perf_counter() - t
        layouts[name] = dict(workers=w, threads=th, seconds=dt, runs_per_min=60 * n_grid / dt)
        print(f"  {name}: {n_grid} runs in {dt:.0f} s ({60 * n_grid / dt:.2f} runs/min)", flush=True)
    ratio = layouts['2 workers x 1 thread']['runs_per_min'] / layouts['1 worker x 2 threads']['runs_per_min']
    print(f"throughput: 2 one-thread workers / 1 two-thread worker = {ratio:.2f}x")
    save_result(dict(unit=unit, reps=reps, times=times, outside_training_s=over_s, median=med, median_outside_training_s=mo, overhead=over, grid_runs=n_grid, layouts=layouts, throughput_ratio=ratio,
                   meta=run_meta(dict(reps=reps, n_grid=n_grid))), 'sweep.json')

if __name__ == '__main__':
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('--reps', type=int, default=3); a.add_argument('--grid', type=int, default=8)
    o = a.parse_args(); main(o.reps, o.grid)
