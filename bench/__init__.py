"""The package's measurements, run from the checkout's root as modules (`python -m bench.speed.peak`, or its `make bench-*` target).

- `bench.speed`: time and memory of the library's steps on the host at hand (every timing beside `benchmarks.calibrate`);
- `bench.design`: analyses behind the study's design: seed noise, batch and iteration budgets, the DDPM's levers,
  simulated designs, interval coverage, what each part of the study costs;
- `bench.methods`: what a method gives on real data (the DDPM's fidelity by size, the filters, zero-shot training).

Each writes its figures to `bench/results/`, where the pages read them (`mousterian.benchmarks.bench_result`).
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the checkout
RESULTS = ROOT / 'bench' / 'results'  # the published measurements

def save_result(obj, name:str) -> Path:
    "Write `obj` as JSON to bench/results/NAME, atomically, and say where."
    from mousterian.core import save_json
    p = RESULTS / name
    save_json(obj, p)
    print(f"wrote {p.relative_to(ROOT)}")
    return p

def timed(f):
    "(f(), the seconds it took), CUDA's queue drained before and after where there is one."
    import time, torch
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    sync(); t = time.perf_counter(); r = f(); sync()
    return r, time.perf_counter() - t
