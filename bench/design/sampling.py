"""Sampling steps and guidance of the embedded study's DDPMs against class fidelity and speed (`make bench-sampling`, about 5 min):
the v + min-SNR-5 models bench_ddpm_levers trained for 250 steps (600 per class, the external generator's pool, and 20 per class, an
internal one; kept in runs/ddpm-levers/, so run `make bench-ddpm-levers` first), each sampled 500 times (50 per class) with ddpm 10 steps
at guidance 1, 1.5 and 2, and ddpm 5 steps at guidance 2; fidelity by the reference classifier (`metrics.reference_classifier`).
The figures behind fmnist-cpu's 5 sampling steps. Writes bench/results/sampling.json."""
import sys
from bench.design.ddpm_levers import fidelity
from mousterian.core import save_json, run_meta
from mousterian.benchmarks import calibrate
from mousterian.metrics import reference_classifier
from bench import ROOT, save_result

MODELS = {'600/class': 'gen_pool600-v+min-SNR-5_bf16-250', '20/class': 'base20-v+min-SNR-5_bf16-250'}
SAMPLERS = [('ddpm', 10, 1.0), ('ddpm', 10, 1.5), ('ddpm', 10, 2.0), ('ddpm', 5, 2.0)]

if __name__ == '__main__':
    miss = [m for m in MODELS.values() if not (ROOT / 'runs' / 'ddpm-levers' / m / 'model_index.json').exists()]
    if miss: sys.exit(f"runs/ddpm-levers/ lacks {', '.join(miss)}: run `make bench-ddpm-levers` first (it trains and keeps them).")
    cal = calibrate(); print(f"host calibration: {cal}", flush=True)
    ref, info = reference_classifier('fashion-mnist'); out = dict(calibration=cal, reference_test_top1=info['test_top1'], models={})
    for name, m in MODELS.items():
        _, res = fidelity(ROOT / 'runs' / 'ddpm-levers' / m, ref, 500, SAMPLERS); out['models'][name] = res
        for r in res: print(f"{name:10s} {r['sampler']} {r['steps']:2d} steps, guidance {r['guidance']:g}: fidelity {r['fidelity']:.1%}, {r['images_per_s']:.1f} images/s", flush=True)
    out['meta'] = run_meta({}); save_result(out, 'sampling.json')
