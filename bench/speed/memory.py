"""Does a training process give back what it frees? (`make bench-memory`, about 4 minutes on 2 cores.)

Side by side in one run, two fresh processes train the same classifiers, one after another, through the library's own
`learn.run_mix` (the `cpu` recipe: a grid's runs, 5,000 base images plus 0, 2,500 and 5,000 extra real ones, at a fixed
number of iterations each): one with glibc's allocator as it comes (`MOUSTERIAN_MALLOC=0`), one with `core.steady_malloc`
(the package's default: the mmap threshold fixed at 32 MB). Each prints its resident memory after every run and its peak;
the table sets the two beside each other with the ratio of their wall times, so the fix is seen to hold memory flat without
costing speed. Writes bench/results/memory.json with the host's calibration and CPU kind."""
import json, os, subprocess, sys, time
import torch
from bench import ROOT, save_result

CHILD = r'''
import json, os, sys, time
os.environ['MOUSTERIAN_PROGRESS'] = '0'
import torch; torch.set_num_threads(int(sys.argv[2]))
from mousterian.core import rss_gb, peak_rss_gb, release_memory
from mousterian.learn import run_mix
rows, t0 = [dict(run='imported', rss_gb=rss_gb())], time.perf_counter()
for i, extra in enumerate((0, 2500, 5000, 0, 2500, 5000)):
    run_mix(n_base=5000, n_real_plus=extra, seed=i, iterations=int(sys.argv[1]))
    release_memory() if os.environ.get('MOUSTERIAN_MALLOC') != '0' else None  # as a grid does after each run
    rows.append(dict(run=f'5,000 + {extra:,} real', rss_gb=rss_gb()))
print(json.dumps(dict(rows=rows, peak_gb=peak_rss_gb(), seconds=time.perf_counter() - t0)))
'''

def child(steady:bool, iterations:int, threads:int) -> dict:
    "One fresh process training the runs; its memory after each and its time."
    env = {**os.environ, 'MOUSTERIAN_MALLOC': '1' if steady else '0', 'PYTHONPATH': str(ROOT)}
    r = subprocess.run([sys.executable, '-c', CHILD, str(iterations), str(threads)], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=3600)
    if r.returncode: sys.exit(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])

if __name__ == '__main__':
    from mousterian.benchmarks import calibrate
    its = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    threads = torch.get_num_threads()
    cal = calibrate()
    a, b = child(False, its, threads), child(True, its, threads)
    print(f"{'after':<22}{'glibc as it comes':>20}{'steady_malloc':>16}")
    for x, y in zip(a['rows'], b['rows']): print(f"{x['run']:<22}{x['rss_gb']:>18.2f} GB{y['rss_gb']:>14.2f} GB")
    grow = lambda r: r['rows'][-1]['rss_gb'] - r['rows'][1]['rss_gb']
    print(f"{'peak':<22}{a['peak_gb']:>18.2f} GB{b['peak_gb']:>14.2f} GB")
    print(f"growth from the first run to the last: {grow(a):+.2f} GB as it comes, {grow(b):+.2f} GB steady; "
          f"wall time steady / as it comes: {b['seconds'] / a['seconds']:.2f} ({a['seconds']:.0f} s vs {b['seconds']:.0f} s, "
          f"{its} iterations a run, {threads} threads)")
    save_result(dict(iterations=its, threads=threads, calibration=cal, as_it_comes=a, steady=b,
                     growth_gb=dict(as_it_comes=grow(a), steady=grow(b)), time_ratio=b['seconds'] / a['seconds'],
                     measured=time.strftime('%Y-%m-%d')),
                'memory.json')
